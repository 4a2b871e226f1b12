"""CSV cells that a spreadsheet will not run.

Excel, WPS and LibreOffice evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and some a tab or carriage return first) as a formula: a merchant id
``=HYPERLINK("http://x","click")`` in rings.csv would run when an investigator opens
the file. Every CSV graphfraud writes goes through :func:`writer`, which prefixes such a
text cell with a single quote (the OWASP advice: the spreadsheet shows the text, the
quote hides). Numbers are written as they are. rings.json keeps the exact values for
machines; :func:`unquote` undoes the prefix when a CSV we wrote is read back
(``graphfraud verdict --import``).

>>> cell('=HYPERLINK("http://x","click")')
'\\'=HYPERLINK("http://x","click")'
>>> cell("m-001"), cell(-3), unquote(cell("+cmd"))
('m-001', -3, '+cmd')
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """``value`` with a leading quote when it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unquote(text: str) -> str:
    """Undo :func:`cell` for a value read back from a CSV graphfraud wrote."""
    if len(text) >= 2 and text[0] == "'" and text[1] in "".join(FORMULA_STARTS):
        return text[1:]
    return text


class _SafeWriter:
    def __init__(self, fh: IO[str]):
        self._writer = csv.writer(fh)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(fh: IO[str]) -> _SafeWriter:
    """A ``csv.writer`` whose text cells cannot run as spreadsheet formulas."""
    return _SafeWriter(fh)
