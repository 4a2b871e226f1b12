"""Text a terminal will not run.

An id, a name or a note is data: printed raw, an ESC sequence in it (``\\x1b[31m``,
``\\x1b]8;;…``) recolours, retitles or rewrites the investigator's terminal, a carriage
return overwrites what the line said before it, and a right-to-left override reorders
what follows. Everything graphfraud prints for a person to read (query tables, command
messages, errors that quote their input, ``check`` and ``verdict`` text) goes through
:func:`shown`, which writes such characters as escapes: C0 and C1 control characters
and DEL, and the Unicode bidirectional controls and line separators. Machine output
(``--format json``, ``--format csv``, rings.json) keeps exact values.

>>> shown("m\\x1b[31m1\\r")
'm\\\\x1b[31m1\\\\r'
>>> shown("乡村直营 m-001"), shown("two\\nlines", lines=True)
('乡村直营 m-001', 'two\\nlines')
>>> shown("abc\\u202eexe.txt")
'abc\\\\u202eexe.txt'
"""

from __future__ import annotations

import re

#: What :func:`shown` escapes: C0 controls, DEL, C1 controls, the bidirectional
#: controls (marks, embeddings, overrides, isolates) and the line and paragraph
#: separators.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                    "\u2028\u2029]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: object, *, lines: bool = False) -> str:
    """``text`` as a terminal may print it: control characters escaped (``\\x1b``,
    ``\\r``, ``\\u202e``); with ``lines``, line breaks and tabs are kept (a message of
    several lines), otherwise they are escaped too (a table cell, an id)."""
    value = str(text)
    if not UNSAFE.search(value):
        return value
    if lines:
        return "".join(part if part in "\n\t" else UNSAFE.sub(_escape, part)
                       for part in re.split(r"([\n\t])", value))
    return UNSAFE.sub(_escape, value)
