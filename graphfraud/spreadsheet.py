"""CSV cells that a spreadsheet will not run.

Excel, WPS and LibreOffice evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and some a tab or carriage return first) as a formula: a merchant id
``=HYPERLINK("http://x","click")`` in rings.csv would run when an investigator opens
the file. Every CSV graphfraud writes goes through :func:`writer`, which prefixes such a
text cell with a single quote (the OWASP advice: the spreadsheet shows the text, the
quote hides). A text that starts with a quote gets one more, so that the quote shows
and the cell reads back exactly. Numbers are written as they are. rings.json keeps the
exact values for machines.

:func:`unquote` undoes the prefix, and only for a file graphfraud wrote to be read back:
``graphfraud verdict --export`` marks its file with a last column
:data:`WRITTEN_BY` (:func:`written_by_graphfraud`); ``verdict --import`` unquotes that
file's cells and takes every other file's cells verbatim (an id ``'-2+3`` in a hand-made
labels.csv is that id, never ``-2+3``).

>>> cell('=HYPERLINK("http://x","click")')
'\\'=HYPERLINK("http://x","click")'
>>> cell("m-001"), cell(-3), unquote(cell("+cmd")), unquote(cell("'-2+3"))
('m-001', -3, '+cmd', "'-2+3")
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: What :func:`cell` prefixes with a quote: those, and a quote.
_UNSAFE_STARTS = (*FORMULA_STARTS, "'")


#: The header of the last column of a CSV that graphfraud writes to read back (``verdict
#: --export``); its cells hold :data:`GRAPHFRAUD`.
WRITTEN_BY = "written_by"
GRAPHFRAUD = "graphfraud"


def cell(value: Any) -> Any:
    """``value`` with a leading quote when it is text a spreadsheet would evaluate, or
    text that starts with a quote (which a spreadsheet would hide)."""
    if isinstance(value, str) and value.startswith(_UNSAFE_STARTS):
        return "'" + value
    return value


def unquote(text: str) -> str:
    """Undo :func:`cell` for a value read back from a CSV graphfraud wrote (see
    :func:`written_by_graphfraud`); never for anyone else's file."""
    if len(text) >= 2 and text[0] == "'" and text[1] in "".join(FORMULA_STARTS) + "'":
        return text[1:]
    return text


def written_by_graphfraud(path: Path) -> bool:
    """Whether ``path`` is a CSV graphfraud wrote to read back: its header's last column
    is :data:`WRITTEN_BY`. Anything else (a Parquet file, an unreadable one) is not."""
    if path.suffix.lower() != ".csv":
        return False
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader([fh.readline(1 << 16)]), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return bool(header) and header[-1].strip() == WRITTEN_BY


#: Characters that make the csv module (its default dialect) quote a cell.
_QUOTED = re.compile('[,"\r\n]')


def csv_text(value: Any) -> str:
    """One cell made safe (:func:`cell`) as a row of :func:`writer` holds it: its text
    (nothing for None), and in double quotes, with its own doubled, where it holds a
    comma, a quote or a line break (the csv module's default dialect). A writer that
    repeats a cell on many rows makes its text once.

    >>> csv_text("=1+2"), csv_text('say "hi", then'), csv_text(0.5), csv_text(None)
    ("'=1+2", '"say ""hi"", then"', '0.5', '')
    """
    if isinstance(value, str):
        text = "'" + value if value.startswith(_UNSAFE_STARTS) else value
    else:
        text = "" if value is None else str(value)
    if _QUOTED.search(text):
        return '"' + text.replace('"', '""') + '"'
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
