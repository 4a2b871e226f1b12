"""Evidence as data: a :class:`Reason` is a code and the numbers behind it; its words
are templates keyed by the code, English and Chinese side by side in :data:`SENTENCES`.

The scan records each ring's reasons (rings.json ``reasons``); rings.json also keeps
the English sentences (``evidence``) for readers that only show text. report.html
renders the reasons in the reader's language; nothing is translated from generated
English.

A template is a ``str.format`` string over the reason's values, with two extra
format specs:

``{k:|member|members}``
    the word for the count ``k`` (singular, plural); Chinese templates need none.
``{x:chance}``
    an expected count: "under 0.01", two decimals below one, else whole.

>>> render(Reason.of("blacklisted", k=3), "en")
'3 blacklisted members'
>>> render(Reason.of("blacklisted", k=1), "zh")
'1 名成员在黑名单中'
>>> render(Reason.of("co_use", deep=8, need=2, block=3, chance=0.004), "en")
'8 members each use 2 or more of the 3 phones and accounts; chance would give under 0.01'
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

Language = Literal["en", "zh"]
Value = int | float | str


@dataclass(frozen=True)
class Reason:
    """One piece of evidence: its code (a key of :data:`SENTENCES`) and its numbers.

    ``strength`` orders a ring's supporting reasons (strongest first); ``None`` marks a
    line that is listed after them in table order (provenance, counter-evidence).
    """

    code: str
    #: (name, value) pairs, in the order the unit gives them.
    pairs: tuple[tuple[str, Value], ...] = ()
    strength: float | None = field(default=None, compare=False)

    @classmethod
    def of(cls, code: str, strength: float | None = None, **values: Value) -> Reason:
        """A reason from keyword values (numpy scalars made plain int / float)."""
        return cls(code, tuple((k, _plain(v)) for k, v in values.items()), strength)

    @property
    def values(self) -> dict[str, Value]:
        return dict(self.pairs)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "values": self.values}


def _plain(value: Any) -> Value:
    if isinstance(value, bool | str):
        return str(value) if isinstance(value, str) else int(value)
    if isinstance(value, int) or (hasattr(value, "dtype") and value.dtype.kind in "iu"):
        return int(value)
    return float(value)


@dataclass(frozen=True)
class Sentence:
    """The words of one code: an English and a Chinese template, whether the line
    speaks against fraud (``but``: shown after the supporting reasons), and whether it
    records an analyst's decision rather than evidence."""

    en: str
    zh: str
    against: bool = False
    decision: bool = False


#: Every evidence line the scan writes, in the order ties are listed. English and
#: Chinese are written by people, side by side; a test renders each with sample
#: values in both languages.
SENTENCES: dict[str, Sentence] = {
    # coordination
    "co_use": Sentence(
        "{deep} members each use {need} or more of the {block} phones and accounts; "
        "chance would give {chance:chance}",
        "{deep} 名成员各自使用这 {block} 个手机和账户中的 {need} 个或更多；"
        "按随机情况只应有 {chance:chance} 名"),
    "per_member": Sentence(
        "each member uses {per_member:.1f} of the same {block} phones and accounts on "
        "average",
        "每名成员平均使用同一组 {block} 个手机和账户中的 {per_member:.1f} 个"),
    "same_phones": Sentence(
        "{used} of {n} {who} log in from the same {phones}",
        "{n} {who_zh}中有 {used} {who_zh_unit}从相同的 {k} 部手机登录"),
    "same_accounts": Sentence(
        "{used} of {n} {who} are paid out to the same {accounts}",
        "{n} {who_zh}中有 {used} {who_zh_unit}结算到相同的 {k} 个账户"),
    "extraordinary": Sentence(
        "{n} members each use {depth:.1f} of the same {block} phones and accounts on "
        "average, which almost no one else uses: more than chance or an ordinary "
        "organisation explains",
        "{n} 名成员平均各自使用同一组 {block} 个手机和账户中的 {depth:.1f} 个，且几乎无人"
        "共用：超出随机或正常组织所能解释的程度"),
    "exclusive": Sentence(
        "{percent}% of the uses of the shared phones and accounts are by ring members",
        "共用手机和账户的使用记录中 {percent}% 来自团伙成员"),
    # timing
    "burst": Sentence("shops registered within {days} days", "商家在 {days} 天内集中注册"),
    # labels
    "blacklisted": Sentence("{k} blacklisted {k:|member|members}", "{k} 名成员在黑名单中"),
    "touching": Sentence(
        "{k} {k:|member|members} used a blacklisted phone or account",
        "{k} 名成员用过黑名单中的手机或账户"),
    # ban evasion
    "evasion": Sentence(
        "{k} {k:|shop|shops} registered after a banned member and {k:|reuses|reuse} its "
        "phone or account",
        "{k} 家商家在某成员被封禁后注册，并沿用其手机或账户"),
    # host collusion
    "host_collusion": Sentence(
        "{k} {k:|host|hosts} {k:|promotes|promote} the ring's shops and "
        "{k:|shares|share} their devices or accounts",
        "{k} 名主播为团伙商家带货，并与其共用设备或账户"),
    # enforcement
    "sanctioned": Sentence(
        "{k} of {n} shops already suspended or banned by the platform, more than chance "
        "would give",
        "{n} 个商家中已有 {k} 个被平台暂停或封禁，多于随机情况"),
    # behaviour
    "refunds": Sentence("refund rate {ratio:.1f}x the platform median",
                        "退款率为平台中位数的 {ratio:.1f} 倍"),
    "complaints": Sentence("complaints per order {ratio:.1f}x the platform median",
                           "每单投诉数为平台中位数的 {ratio:.1f} 倍"),
    "violations": Sentence("violations {ratio:.1f}x the platform median",
                           "违规次数为平台中位数的 {ratio:.1f} 倍"),
    # proximity, embedding
    "proximity": Sentence("closely linked to blacklisted actors outside the ring",
                          "与团伙外的黑名单主体联系紧密"),
    "embedding": Sentence("its link pattern resembles known fraud (graph embedding)",
                          "其关联模式与已知欺诈相似（图嵌入）"),
    # block users
    "neighbours_fraud": Sentence(
        "{fraud} of the {others} others using its phones and accounts are blacklisted, "
        "more than in the graph at large",
        "共用其手机和账户的其他 {others} 个主体中有 {fraud} 个在黑名单中，高于全图比例"),
    "neighbours_few_legit": Sentence(
        "{legit} of the {others} others using its phones and accounts are cleared as "
        "legit, fewer than in the graph at large",
        "共用其手机和账户的其他 {others} 个主体中有 {legit} 个已核实为正常，低于全图比例"),
    "organization_suspect": Sentence(
        "{k} of {n} members belong to the declared, verified organisation {org_name} "
        "({org_kind}, {org}), with signs of fraud among them: not explained by it",
        "{n} 名成员中有 {k} 名属于已登记并核实的组织 {org_name}（{org_kind}，{org}），"
        "但其中出现欺诈迹象：不能以该组织解释"),
    "organizations_span": Sentence(
        "its members belong to {k} different declared organisations: sharing across "
        "organisations is not explained by them",
        "其成员分属 {k} 个不同的已登记组织：跨组织的共用不能以组织解释"),
    # where the ring came from
    "found_by": Sentence("found by: {source_en}", "发现方式：{source_zh}"),
    "found_by_core": Sentence(
        "found by: {source_en}, then its {core} of {of} members {why_en}",
        "发现方式：{source_zh}，再取其 {of} 名成员中{why_zh}的 {core} 名"),
    "found_by_rest": Sentence(
        "found by: {source_en}, less its {core} members {why_en}",
        "发现方式：{source_zh}，去掉其中{why_zh}的 {core} 名成员"),
    # against
    "cleared": Sentence(
        "but: {k} {k:|member|members} cleared as legit by an investigator",
        "但：{k} 名成员已被调查员核实为正常", against=True),
    "neighbours_legit": Sentence(
        "but: {legit} of the {others} others using its phones and accounts are cleared "
        "as legit and {fraud} blacklisted, a community more than a ring",
        "但：共用其手机和账户的其他 {others} 个主体中有 {legit} 个已核实为正常、{fraud} 个"
        "在黑名单中，更像正常社群而非团伙", against=True),
    "neighbours_few_fraud": Sentence(
        "but: {fraud} of the {others} others using its phones and accounts are "
        "blacklisted, fewer than in the graph at large",
        "但：共用其手机和账户的其他 {others} 个主体中有 {fraud} 个在黑名单中，低于全图比例",
        against=True),
    "outside": Sentence(
        "but: its members' activity lies mostly outside what they share (a median "
        "{percent}% of their uses are of the shared phones and accounts): a community "
        "more than a ring",
        "但：成员的活动大多在共用的手机和账户之外（中位数仅 {percent}% 的使用记录涉及共用"
        "手机和账户）：更像正常社群而非团伙", against=True),
    "no_fraud_sign": Sentence(
        "but: an organised group with no sign of fraud strong enough to act on (a "
        "blacklist in or around it, sanctions, a burst of sign-ups within three weeks, "
        "clearly bad behaviour, ban evasion or host collusion): review it, do not act on "
        "it",
        "但：这是一个有组织的群体，没有足以据此处置的欺诈迹象（内部或周边的黑名单、平台处罚、"
        "三周内集中注册、明显异常的行为、封禁后换号、主播合谋）：建议复核，不宜直接处置",
        against=True),
    "no_fraud_sign_labels": Sentence(
        "but: an organised group with no sign of fraud strong enough to act on: its {k} "
        "blacklisted {k:|member is|members are} within what chance gives at the export's "
        "blacklist rate ({expected:.1f} expected in a group this size), and nothing else "
        "(sanctions, a burst of sign-ups within three weeks, clearly bad behaviour, ban "
        "evasion, host collusion) points to fraud: review it, do not act on it",
        "但：这是一个有组织的群体，没有足以据此处置的欺诈迹象：其中 {k} 名黑名单成员在按全量"
        "黑名单比例随机可解释的范围内（同等规模群体预期 {expected:.1f} 名），也没有其他欺诈"
        "迹象（平台处罚、三周内集中注册、明显异常的行为、封禁后换号、主播合谋）：建议复核，"
        "不宜直接处置", against=True),
    "organization": Sentence(
        "but: {k} of {n} members belong to the declared, verified organisation "
        "{org_name} ({org_kind}, {org}): sharing inside it is explained",
        "但：{n} 名成员中有 {k} 名属于已登记并核实的组织 {org_name}（{org_kind}，{org}）："
        "其内部共用可以解释", against=True),
    "old_members": Sentence(
        "but: every member registered more than a year ago (oldest {years:.1f} years)",
        "但：所有成员都注册于一年多以前（最早的 {years:.1f} 年）", against=True),
    # analysts' decisions about the members, listed last and apart from the evidence
    "confirmed": Sentence(
        "{k} {k:|member|members} confirmed as fraud by analysts (a decision, not counted "
        "as evidence)",
        "{k} 名成员已被分析员确认为欺诈（这是处置决定，不计入证据）", decision=True),
    "dismissed": Sentence(
        "{k} {k:|member|members} cleared by analysts' dismissal (a decision; it keeps the "
        "ring's score down so that a dismissed ring does not alert again)",
        "{k} 名成员已被分析员排除嫌疑（这是处置决定；它压低团伙分数，使已排除的团伙不再重复告警）",
        against=True, decision=True),
}
#: The codes that record an analyst's decision rather than evidence (report.html lists
#: them apart, and never as a ring's strongest reason).
DECISIONS = frozenset(code for code, s in SENTENCES.items() if s.decision)
#: A code's place in :data:`SENTENCES`: the order of equally strong reasons.
RANK = {code: i for i, code in enumerate(SENTENCES)}

#: The cuts a candidate ring comes from (``found_by``), in both languages.
SOURCES: dict[str, tuple[str, str]] = {
    "block": ("a block of phones and accounts used together", "一组被共同使用的手机和账户"),
    "component": ("rare shared phones and accounts", "少见的共用手机和账户"),
    "leiden": ("Leiden communities of a large loose group", "大型松散群组中的 Leiden 社区"),
    "popular": ("the users of one moderately popular phone or account",
                "某个中等热度手机或账户的全部用户"),
    "propagation": ("propagation from blacklisted actors", "从黑名单主体出发的传播"),
}
#: What a core's members have in common (``found_by_core``, ``found_by_rest``).
CORES: dict[str, tuple[str, str]] = {
    "time": ("registered within {days:g} days", "在 {days:g} 天内注册"),
    "block": ("that use most of its phones and accounts", "使用其大部分手机和账户"),
}


def _special(value: Any, spec: str, language: Language) -> str:
    """The two format specs of the templates: ``|one|many`` and ``chance``."""
    if spec.startswith("|"):
        one, many = spec[1:].split("|")
        return one if value == 1 else many
    if value < 0.01:
        return "under 0.01" if language == "en" else "不到 0.01"
    return f"{value:.2f}" if value < 1 else f"{value:.0f}"


@cache
def _compiled(template: str) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """The template as a plain ``str.format`` string (its two own specs replaced by
    names the renderer fills in) and those names: parsed once, formatted in C."""
    parts: list[str] = []
    specials: list[tuple[str, str, str]] = []
    for literal, key, spec, conversion in string.Formatter().parse(template):
        parts.append(literal.replace("{", "{{").replace("}", "}}"))
        if key is None:
            continue
        if spec and (spec.startswith("|") or spec == "chance"):
            name = f"_special{len(specials)}"
            specials.append((name, key, spec))
            parts.append("{" + name + "}")
        else:
            parts.append("{" + key + (f"!{conversion}" if conversion else "")
                         + (f":{spec}" if spec else "") + "}")
    return "".join(parts), tuple(specials)


def _derived(values: Mapping[str, Value]) -> dict[str, Value]:
    """Words both languages take from the numbers (which source, how many phones)."""
    out: dict[str, Value] = dict(values)
    if "source" in values:
        out["source_en"], out["source_zh"] = SOURCES[str(values["source"])]
    if "core_kind" in values:
        en, zh = CORES[str(values["core_kind"])]
        days = values.get("days", 0)
        out["why_en"], out["why_zh"] = en.format(days=days), zh.format(days=days)
    if "who" in values:
        shops = values["who"] == "shops"
        out["who_zh"], out["who_zh_unit"] = ("个商家", "个") if shops else ("名成员", "名")
    k = values.get("k")
    if isinstance(k, int):
        out["phones"] = "phone" if k <= 1 else f"{k} phones"
        out["accounts"] = "account" if k <= 1 else f"{k} accounts"
    return out


def render(reason: Reason, language: Language = "en",
           extra: Mapping[str, Sentence] | None = None) -> str:
    """The reason in words (``extra``: sentences of units outside the table).

    Raises
    ------
    KeyError
        If the code is not in :data:`SENTENCES` (a newer version's reason) or a value
        its template names is missing.
    """
    sentence = SENTENCES[reason.code] if reason.code in SENTENCES or not extra \
        else extra[reason.code]
    template, specials = _compiled(sentence.en if language == "en" else sentence.zh)
    values = _derived(reason.values)
    for name, key, spec in specials:
        values[name] = _special(values[key], spec, language)
    return template.format_map(values)


def render_or_none(reason: Reason, language: Language,
                   extra: Mapping[str, Sentence] | None = None) -> str | None:
    """:func:`render`, or None for a reason this version has no words for."""
    try:
        return render(reason, language, extra)
    except (KeyError, ValueError, IndexError):
        return None


def ordered(reasons: list[Reason]) -> list[Reason]:
    """Supporting reasons strongest first (equal ones in table order), then the
    lines without a strength (provenance, counter-evidence) in table order."""
    def rank(r: Reason) -> int:
        return RANK.get(r.code, len(RANK))  # a unit's own codes after the table's

    support = sorted((r for r in reasons if r.strength is not None),
                     key=lambda r: (-(r.strength or 0.0), rank(r)))
    rest = sorted((r for r in reasons if r.strength is None), key=rank)
    return support + rest


__all__ = ["CORES", "DECISIONS", "RANK", "SENTENCES", "SOURCES", "Reason", "Sentence", "ordered",
           "render", "render_or_none"]
