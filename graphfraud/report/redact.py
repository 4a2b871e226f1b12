"""Pseudonyms for sharing a report outside the risk team (``graphfraud scan --redact``).

Every merchant, streamer, device and payment-account id in report.html and rings.csv
is replaced by a keyed hash (HMAC-SHA256 with a random key drawn for each report):
the same id gets the same pseudonym everywhere in one report, so the rings still read
as rings, but pseudonyms from two reports cannot be linked, and an id cannot be found
by hashing guesses without the key. The key never leaves memory; the team keeps the
way back in ``redaction-key.csv`` (pseudonym, type, id), which stays with rings.json.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import replace
from hashlib import sha256
from typing import IO, TYPE_CHECKING

from graphfraud import spreadsheet

if TYPE_CHECKING:
    from graphfraud.report.run import RunReport
    from graphfraud.score.rings import Ring

PREFIXES = {"merchant": "M", "streamer": "S", "device": "D", "payment_account": "A",
            "organization": "O"}
#: Hex digits of a pseudonym; lengthened for the rare id whose prefix collides.
DIGITS = 12


class Redactor:
    """Consistent pseudonyms for the ids of one report.

    >>> r = Redactor(key=b"k" * 16)
    >>> r("merchant", "867402821") == r("merchant", "867402821")
    True
    >>> r("merchant", "867402821").startswith("M-")
    True
    """

    def __init__(self, *, key: bytes | None = None):
        self._key = key or secrets.token_bytes(32)
        self._by_id: dict[tuple[str, str], str] = {}
        self._taken: set[str] = set()

    def __call__(self, kind: str, value: str) -> str:
        known = self._by_id.get((kind, value))
        if known is not None:
            return known
        digest = hmac.new(self._key, f"{kind}\x00{value}".encode(), sha256).hexdigest()
        prefix = PREFIXES.get(kind, "X")
        width = DIGITS
        pseudonym = f"{prefix}-{digest[:width]}"
        while pseudonym in self._taken:
            width += 4
            pseudonym = f"{prefix}-{digest[:width]}"
        self._taken.add(pseudonym)
        self._by_id[(kind, value)] = pseudonym
        return pseudonym

    def key(self, node: str) -> str:
        """A ``type:id`` node key with its id replaced."""
        kind, _, value = node.partition(":")
        return f"{kind}:{self(kind, value)}"

    def run_report(self, report: RunReport) -> RunReport:
        """A copy of a run's report with every entity id replaced and the source hidden.

        Ids get their pseudonyms ring by ring (members, then shared identifiers), then
        hubs; the rings' ``usage`` pairs (the pictures' edges) are renamed alike.
        """
        rings = tuple(
            self._evidence(replace(
                ring,
                members=tuple(replace(m, id=self(m.type, m.id)) for m in ring.members),
                shared=tuple(replace(s, id=self(s.type, s.id)) for s in ring.shared),
                display=replace(ring.display, usage=tuple(
                    (self.key(a), self.key(b)) for a, b in ring.usage))))
            for ring in report.rings)
        hubs = tuple(replace(h, id=self(h.type, h.id)) for h in report.hubs)
        return replace(report, source="(redacted)", rings=rings, hubs=hubs)

    def _evidence(self, ring: Ring) -> Ring:
        """A declared organisation's id and name in a reason (and its line) pseudonymised
        like the entity ids."""
        from graphfraud.score.evidence import Reason, render

        if not any("org" in r.values for r in ring.reasons):
            return ring
        reasons = []
        for r in ring.reasons:
            values = r.values
            if "org" in values:
                alias = self("organization", str(values["org"]))
                values = {**values, "org": alias, "org_name": alias}
            reasons.append(Reason.of(r.code, r.strength, **values))
        lines = tuple(render(r) if old.code == r.code and "org" in old.values else line
                      for r, old, line in zip(reasons, ring.reasons, ring.evidence,
                                              strict=True))
        return replace(ring, reasons=tuple(reasons), evidence=lines)

    def write_key(self, fh: IO[str]) -> None:
        """The way back, into ``fh`` (opened with ``newline=""``): one row per pseudonym
        used (pseudonym, type, id)."""
        writer = spreadsheet.writer(fh)
        writer.writerow(["pseudonym", "type", "id"])
        for (kind, value), pseudonym in sorted(self._by_id.items(), key=lambda x: x[1]):
            writer.writerow([pseudonym, kind, value])
