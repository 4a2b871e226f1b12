"""Chinese for the evidence lines the scan writes (report.html shows both languages).

The scan writes each evidence line in English from a fixed set of sentences with
numbers in them (``graphfraud/score/rings.py``, ``_evidence``; the candidate sources of
``graphfraud/detect/communities.py``). Each sentence has a pattern here and its Chinese
form; a test scans synthetic worlds and checks that every line they produce has one. A
line without a pattern (a rings.json from a newer version) is shown in English.

>>> to_chinese("3 blacklisted members")
'3 名成员在黑名单中'
>>> to_chinese("found by: rare shared phones and accounts")
'发现方式：少见的共用手机和账户'
>>> to_chinese("something new") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Callable

from graphfraud.detect.communities import (
    SOURCE_BLOCK,
    SOURCE_COMPONENT,
    SOURCE_LEIDEN,
    SOURCE_POPULAR,
    SOURCE_PROPAGATION,
)

#: The cuts a ring can be found by, in Chinese.
SOURCES = {
    SOURCE_BLOCK: "一组被共同使用的手机和账户",
    SOURCE_COMPONENT: "少见的共用手机和账户",
    SOURCE_LEIDEN: "大型松散群组中的 Leiden 社区",
    SOURCE_POPULAR: "某个中等热度手机或账户的全部用户",
    SOURCE_PROPAGATION: "从黑名单主体出发的传播",
}
_RATIOS = {"refund rate": "退款率", "complaints per order": "每单投诉数",
           "violations": "违规次数"}
_WHO = {"shops": ("个商家", "个"), "members": ("名成员", "名")}


def _core(g: dict[str, str]) -> str:
    """The members a core keeps: registered within days, or on most of the block."""
    return f"在 {g['d']} 天内注册" if g.get("d") else "使用其大部分手机和账户"


def _expected(text: str) -> str:
    return "不到 0.01" if text == "under 0.01" else text


_RULES: list[tuple[str, Callable[[dict[str, str]], str]]] = [
    (r"(?P<deep>\d+) members each use (?P<need>\d+) or more of the (?P<block>\d+) phones "
     r"and accounts; chance would give (?P<exp>.+)",
     lambda g: f"{g['deep']} 名成员各自使用这 {g['block']} 个手机和账户中的 {g['need']} 个"
               f"或更多；按随机情况只应有 {_expected(g['exp'])} 名"),
    (r"each member uses (?P<x>[\d.]+) of the same (?P<block>\d+) phones and accounts on "
     r"average",
     lambda g: f"每名成员平均使用同一组 {g['block']} 个手机和账户中的 {g['x']} 个"),
    (r"(?P<used>\d+) of (?P<n>\d+) (?P<who>shops|members) log in from the same "
     r"(?:(?P<k>\d+) phones|phone)",
     lambda g: f"{g['n']} {_WHO[g['who']][0]}中有 {g['used']} {_WHO[g['who']][1]}从相同的 "
               f"{g['k'] or 1} 部手机登录"),
    (r"(?P<used>\d+) of (?P<n>\d+) (?P<who>shops|members) are paid out to the same "
     r"(?:(?P<k>\d+) accounts|account)",
     lambda g: f"{g['n']} {_WHO[g['who']][0]}中有 {g['used']} {_WHO[g['who']][1]}结算到相同的 "
               f"{g['k'] or 1} 个账户"),
    (r"(?P<p>\d+)% of the uses of the shared phones and accounts are by ring members",
     lambda g: f"共用手机和账户的使用记录中 {g['p']}% 来自团伙成员"),
    (r"shops registered within (?P<d>\d+) days",
     lambda g: f"商家在 {g['d']} 天内集中注册"),
    (r"(?P<k>\d+) blacklisted members?",
     lambda g: f"{g['k']} 名成员在黑名单中"),
    (r"(?P<k>\d+) members? confirmed as fraud by an analyst",
     lambda g: f"{g['k']} 名成员已被分析员确认为欺诈"),
    (r"(?P<k>\d+) members? used a blacklisted phone or account",
     lambda g: f"{g['k']} 名成员用过黑名单中的手机或账户"),
    (r"(?P<k>\d+) shops? registered after a banned member and reuses? its phone or account",
     lambda g: f"{g['k']} 家商家在某成员被封禁后注册，并沿用其手机或账户"),
    (r"(?P<k>\d+) hosts? promotes? the ring's shops and shares? their devices or accounts",
     lambda g: f"{g['k']} 名主播为团伙商家带货，并与其共用设备或账户"),
    (r"(?P<k>\d+) of (?P<n>\d+) shops already suspended or banned by the platform, more "
     r"than chance would give",
     lambda g: f"{g['n']} 个商家中已有 {g['k']} 个被平台暂停或封禁，多于随机情况"),
    (r"(?P<what>refund rate|complaints per order|violations) (?P<r>[\d.]+)x the platform "
     r"median",
     lambda g: f"{_RATIOS[g['what']]}为平台中位数的 {g['r']} 倍"),
    (r"closely linked to blacklisted actors outside the ring",
     lambda g: "与团伙外的黑名单主体联系紧密"),
    (r"its link pattern resembles known fraud \(graph embedding\)",
     lambda g: "其关联模式与已知欺诈相似（图嵌入）"),
    (r"(?P<f>\d+) of the (?P<n>\d+) others using its phones and accounts are blacklisted, "
     r"more than in the graph at large",
     lambda g: f"共用其手机和账户的其他 {g['n']} 个主体中有 {g['f']} 个在黑名单中，高于全图比例"),
    (r"(?P<l>\d+) of the (?P<n>\d+) others using its phones and accounts are cleared as "
     r"legit, fewer than in the graph at large",
     lambda g: f"共用其手机和账户的其他 {g['n']} 个主体中有 {g['l']} 个已核实为正常，低于全图比例"),
    (r"found by: (?P<src>.+?), then its (?P<k>\d+) of (?P<n>\d+) members "
     r"(?:registered within (?P<d>[\d.e+-]+) days|that use most of its phones and accounts)",
     lambda g: f"发现方式：{SOURCES[g['src']]}，再取其 {g['n']} 名成员中{_core(g)}的 {g['k']} 名"),
    (r"found by: (?P<src>.+?), less its (?P<k>\d+) members "
     r"(?:registered within (?P<d>[\d.e+-]+) days|that use most of its phones and accounts)",
     lambda g: f"发现方式：{SOURCES[g['src']]}，去掉其中{_core(g)}的 {g['k']} 名成员"),
    (r"found by: (?P<src>.+)",
     lambda g: f"发现方式：{SOURCES[g['src']]}"),
    (r"but: (?P<k>\d+) members? cleared as legit by an investigator",
     lambda g: f"但：{g['k']} 名成员已被调查员核实为正常"),
    (r"but: (?P<k>\d+) members? cleared by an analyst's dismissal",
     lambda g: f"但：{g['k']} 名成员已被分析员排除嫌疑"),
    (r"but: (?P<l>\d+) of the (?P<n>\d+) others using its phones and accounts are cleared "
     r"as legit and (?P<f>\d+) blacklisted, a community more than a ring",
     lambda g: f"但：共用其手机和账户的其他 {g['n']} 个主体中有 {g['l']} 个已核实为正常、"
               f"{g['f']} 个在黑名单中，更像正常社群而非团伙"),
    (r"but: (?P<f>\d+) of the (?P<n>\d+) others using its phones and accounts are "
     r"blacklisted, fewer than in the graph at large",
     lambda g: f"但：共用其手机和账户的其他 {g['n']} 个主体中有 {g['f']} 个在黑名单中，"
               "低于全图比例"),
    (r"but: every member registered more than a year ago \(oldest (?P<y>[\d.]+) years\)",
     lambda g: f"但：所有成员都注册于一年多以前（最早的 {g['y']} 年）"),
]
_COMPILED = [(re.compile(pattern), render) for pattern, render in _RULES]


def to_chinese(line: str) -> str | None:
    """The Chinese form of one evidence line, or None when it has no pattern."""
    for pattern, render in _COMPILED:
        match = pattern.fullmatch(line)
        if match is not None:
            try:
                return render(match.groupdict())
            except KeyError:  # a source or measure this version does not know
                return None
    return None
