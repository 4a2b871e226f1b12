"""The case pages' templates and the queue's query string.

Templates autoescape everything (ids, names and notes are hostile); links carry ids
percent-encoded (:func:`link`). Every visible string is written in English and Chinese
side by side, ``t('…', '…')``, and shown in the reader's language.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from starlette.exceptions import HTTPException

from graphfraud import palette

if TYPE_CHECKING:
    from collections.abc import Mapping

    from starlette.datastructures import QueryParams

    from graphfraud.store.cases import QueueFilter

TEMPLATES = Path(__file__).parent / "templates"
RISKS = ("high", "medium", "low")
VERDICTS = ("none", "confirm", "dismiss", "needs-info")
SORTS = ("priority", "score", "members", "gmv", "ring_id")
PER_PAGE = (25, 50, 100, 200)
_PATTERN = re.compile(r"^[a-z_]{1,40}$")


@dataclass(frozen=True)
class QueueQuery:
    """The queue's filter, as parsed from (and written back to) the query string."""

    filter: QueueFilter

    def url(self, **changes: Any) -> str:
        """The queue's address with some settings changed (``page=1`` unless a page is
        given)."""
        f = replace(self.filter, **{"page": 1, **changes})
        pairs: list[tuple[str, Any]] = [("risk", r) for r in f.risk]
        pairs += [("pattern", p) for p in f.pattern]
        for key, value in (("verdict", f.verdict), ("assignee", f.assignee),
                           ("changed_since", f.changed_since), ("q", f.search)):
            if value is not None:
                pairs.append((key, value))
        if f.sort != "priority":
            pairs.append(("sort", f.sort))
        if not f.descending:
            pairs.append(("dir", "asc"))
        if f.page != 1:
            pairs.append(("page", f.page))
        if f.per_page != 50:
            pairs.append(("per_page", f.per_page))
        return "/" + (("?" + urlencode(pairs)) if pairs else "")


def parse_queue(params: QueryParams) -> QueueQuery:
    """The queue filter of a query string.

    Raises
    ------
    HTTPException
        400, naming the parameter, for a value outside its set.
    """
    from graphfraud.store.cases import QueueFilter

    risk = tuple(params.getlist("risk"))
    if any(r not in RISKS for r in risk):
        raise HTTPException(400, "risk must be high, medium or low")
    pattern = tuple(params.getlist("pattern"))
    if any(not _PATTERN.match(p) for p in pattern):
        raise HTTPException(400, "pattern must be a pattern name")
    verdict = params.get("verdict") or None
    if verdict is not None and verdict not in VERDICTS:
        raise HTTPException(400, "verdict must be none, confirm, dismiss or needs-info")
    assignee = params.get("assignee")
    if assignee is not None and len(assignee) > 64:
        raise HTTPException(400, "assignee is too long")
    since = params.get("changed_since") or None
    if since is not None:
        try:
            (datetime.fromisoformat(since) if "T" in since else date.fromisoformat(since))
        except ValueError:
            raise HTTPException(400, "changed_since must be a date (YYYY-MM-DD)") from None
    search = (params.get("q") or "").strip()[:200] or None
    sort = params.get("sort") or "priority"
    if sort not in SORTS:
        raise HTTPException(400, "sort must be one of " + ", ".join(SORTS))
    try:
        page = max(1, min(int(params.get("page") or 1), 1_000_000))
        per_page = int(params.get("per_page") or 50)
    except ValueError:
        raise HTTPException(400, "page and per_page must be whole numbers") from None
    if per_page not in PER_PAGE:
        raise HTTPException(400, "per_page must be one of 25, 50, 100, 200")
    return QueueQuery(QueueFilter(
        risk=risk, pattern=pattern, verdict=verdict, assignee=assignee,
        changed_since=since, search=search, sort=sort,
        descending=params.get("dir") != "asc", page=page, per_page=per_page))


def link(*parts: str) -> str:
    """A path whose parts are percent-encoded (an id may hold ``/``, ``?`` or ``#``)."""
    return "/" + "/".join(quote(str(p), safe="") for p in parts)


class Pages:
    """The Jinja environment of the case pages (autoescaped, strict undefined)."""

    def __init__(self) -> None:
        import jinja2

        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(link=link, swatch=palette.KINDS, risks=palette.RISKS,
                                evidence_lines=evidence_lines, history_of=history_of,
                                total=total)
        self.env.filters["money"] = _money
        self.env.filters["alert_zh"] = alert_zh
        self.env.filters["when"] = _when

    def render(self, name: str, *, lang: str, **context: Any) -> str:
        def t(en: str, zh: str) -> str:
            return zh if lang == "zh" else en

        return self.env.get_template(name).render(lang=lang, t=t, **context)


def _money(value: Any) -> str:
    try:
        return f"{float(value):,.0f}"
    except (TypeError, ValueError):
        return "–"


def _when(value: Any) -> str:
    """An ISO timestamp shortened to the minute (UTC)."""
    text = str(value or "")
    return text[:16].replace("T", " ") if text else "–"


def evidence_lines(ring: Mapping[str, Any], lang: str) -> list[str]:
    """The ring's evidence in the reader's language: its reasons worded in that
    language where the run stored them, else the English lines."""
    from graphfraud.score.evidence import Reason, render_or_none

    reasons = ring.get("reasons") or []
    if isinstance(reasons, str):  # stored as JSON text on the Ring node
        try:
            reasons = json.loads(reasons)
        except ValueError:
            reasons = []
    if reasons:
        lines = []
        for r in reasons:
            values = r.get("values") or {}
            worded = render_or_none(Reason.of(str(r.get("code")), **values),
                                    "zh" if lang == "zh" else "en")
            if worded is None:
                break
            lines.append(worded)
        else:
            return lines
    return [str(x) for x in ring.get("evidence") or []]


def history_of(ring: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Decisions and assignments about the ring, oldest first."""
    rows = [dict(v) for v in ring.get("verdicts") or []]
    seen = {v.get("verdict_id") for v in rows}
    rows += [dict(a, decision=a.get("decision") or "assign")
             for a in ring.get("assignments") or [] if a.get("verdict_id") not in seen
             or a.get("verdict_id") is None]
    return sorted(rows, key=lambda v: str(v.get("at") or ""))


def palette_css() -> str:
    """The palette as CSS classes: kinds (``.kind-merchant``), risks (``.risk-high``),
    marks (``.mark-banned``) and hubs, so the pages' colours are the report's and the
    Browser style's."""
    rules = [f".kind-{k} {{ background: {s.fill}; border: 1px solid {s.border}; }}"
             for k, s in palette.KINDS.items()]
    rules += [f".risk-{k} {{ background: {s.fill}; color: {s.text}; }}"
              for k, s in palette.RISKS.items()]
    rules += [f".badge.mark-{k} {{ border: 2px {'dashed' if m.dashed else 'solid'} {m.colour}; }}"
              f"\n.ring-mark.mark-{k} {{ background: #fff; border: {m.width}px "
              f"{'dashed' if m.dashed else 'solid'} {m.colour}; }}"
              for k, m in palette.MARKS.items()]
    rules.append(f".hub {{ background: {palette.HUB.fill}; color: {palette.HUB.text}; "
                 f"border: 1px solid {palette.HUB.border}; }}")
    return "\n".join(rules) + "\n"


def total(rows: list[Mapping[str, Any]], key: str) -> float:
    """The sum of a key over rows, unknown values left out."""
    return float(sum(float(r[key]) for r in rows if r.get(key) is not None))


_RISK_ZH = {"high": "高", "medium": "中", "low": "低"}


def alert_zh(reason: str | None) -> str:
    """A batch alert's reason (graphfraud/batch/alerts.py words it in English) in
    Chinese; a reason this version does not know stays as it is.

    >>> alert_zh("risk rose from medium to high")
    '风险从中升至高'
    """
    text = str(reason or "")
    fixed = {"new ring": "新团伙", "ring grew": "团伙扩大",
             "confirmed ring has new members": "已确认的团伙有新成员"}
    if text in fixed:
        return fixed[text]
    rose = re.fullmatch(r"risk rose from (\w+) to (\w+)", text)
    if rose:
        return f"风险从{_RISK_ZH.get(rose[1], rose[1])}升至{_RISK_ZH.get(rose[2], rose[2])}"
    joined = re.match(r"dismissed ring changed materially: (\d+) members? joined", text)
    if joined:
        return f"已排除的团伙发生实质变化：{joined[1]} 名成员加入"
    return text
