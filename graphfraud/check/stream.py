"""One applicant per line: the stream that ``graphfraud check --json`` serves.

An onboarding service keeps one process open, writes a line (one JSON object) and reads
its answer while the stream stays open. Every line gets exactly one output line, in
order, written and flushed as soon as the line has arrived: the answer, or
``{"error": "line N: ..."}`` when the line is not UTF-8, not JSON, not an applicant,
blank, or longer than :data:`LINE_LIMIT` bytes. The stream then goes on.

Reading holds at most :data:`LINE_LIMIT` bytes of a line (and one chunk beyond it): the
rest of an oversized line is read and dropped. Input that has not ended a line after
:data:`RUNAWAY_LIMIT` bytes is not a line stream at all (``--json /dev/zero``): the
oversized line's error is answered, then the stream stops with an :class:`InputError`
(exit 2).

>>> import io
>>> answers = []
>>> serve(io.BytesIO(b'{"devices": ["d1"]}\\n\\n\\xff\\n'),
...       lambda a: {"merchant_id": a.merchant_id}, answers.append)
>>> for answer in answers: print(answer)
{"merchant_id": "(new merchant)"}
{"error": "line 2: blank line; one JSON object per line is expected"}
{"error": "line 3: not UTF-8 text (byte 0xff at byte 1)"}
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator
from typing import IO, Any

from graphfraud.errors import InputError
from graphfraud.terminal import shown

#: The longest line (bytes, without its end of line) that is read as an applicant.
LINE_LIMIT = 64 * 1024
#: A line still without its end after this many bytes stops the stream (exit 2).
RUNAWAY_LIMIT = 16 * LINE_LIMIT
_CHUNK = 64 * 1024
_JSON_TYPES = {list: "an array", str: "a string", int: "a number", float: "a number",
               bool: "true or false", type(None): "null"}


def _read(stream: IO[bytes]) -> bytes:
    """What is there now (up to one chunk), without waiting for a full chunk."""
    read1 = getattr(stream, "read1", None)
    return bytes(read1(_CHUNK) if read1 is not None else stream.read(_CHUNK))


def read_lines(stream: IO[bytes], prefix: bytes = b"") -> Iterator[bytes | None]:
    """Each line's bytes (without ``\\n`` / ``\\r\\n``), ``None`` for one over the limit.

    A line is yielded as soon as its end has arrived. ``prefix`` is input already read
    from ``stream``.

    Raises
    ------
    InputError
        After a line has gone on for :data:`RUNAWAY_LIMIT` bytes without ending.
    """
    buf, start = bytearray(prefix), 0
    while True:
        end = buf.find(b"\n", start, start + LINE_LIMIT + 1)
        if end >= 0:
            with memoryview(buf) as view:
                line = bytes(view[start:end])
            start = end + 1
            yield line[:-1] if line.endswith(b"\r") else line
            continue
        if len(buf) - start > LINE_LIMIT:
            yield None
            _skip_line(stream, buf, start)
            start = 0
            continue
        chunk = _read(stream)
        if not chunk:
            if len(buf) > start:
                yield bytes(buf[start:])
            return
        del buf[:start]
        buf += chunk
        start = 0


def _skip_line(stream: IO[bytes], buf: bytearray, start: int) -> None:
    """Drop the rest of an oversized line; ``buf`` keeps what follows its end."""
    seen = len(buf) - start
    end = buf.find(b"\n", start)
    while end < 0:
        if seen > RUNAWAY_LIMIT:
            raise InputError(f"no end of line after {RUNAWAY_LIMIT} bytes: the input is "
                             "not one JSON object per line; stopped")
        buf.clear()
        chunk = _read(stream)
        if not chunk:
            return
        seen += len(chunk)
        end = chunk.find(b"\n")
        buf += chunk
    del buf[:end + 1]


def parse(number: int, line: bytes | None) -> Any:
    """The applicant on line ``number``.

    Raises
    ------
    ValueError
        Why the line is not an applicant, starting ``line N: ``, control characters
        escaped.
    """
    if line is None:
        raise ValueError(f"line {number}: longer than {LINE_LIMIT} bytes; skipped")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"line {number}: not UTF-8 text (byte 0x{line[e.start]:02x} "
                         f"at byte {e.start + 1})") from None
    return parse_text(number, text.removeprefix("\ufeff") if number == 1 else text)


def parse_text(number: int, text: str) -> Any:
    """The applicant in ``text``, the JSON of line ``number``; ValueError as :func:`parse`."""
    from graphfraud.check.assess import Applicant

    if not text.strip():
        raise ValueError(f"line {number}: blank line; one JSON object per line is expected")
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError(f"a JSON object is expected, not {_JSON_TYPES[type(data)]}")
        # A lone surrogate ("\ud800") decodes but is no text: it could not be answered.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
        return Applicant.from_dict(data)
    except (ValueError, TypeError, RecursionError) as e:
        why = ("nested too deeply" if isinstance(e, RecursionError)
               else "a string holds a lone surrogate" if isinstance(e, UnicodeEncodeError)
               else str(e))
        raise ValueError(f"line {number}: not a valid applicant: {shown(why)}") from None


def serve(stream: IO[bytes], run: Callable[[Any], Any], write: Callable[[str], None],
          prefix: bytes = b"") -> None:
    """Answer each line of ``stream`` with one line given to ``write`` (which flushes).

    ``run`` answers an applicant with a mapping, or with an object that has
    ``as_dict()``.
    """
    number = 0
    try:
        for line in read_lines(stream, prefix):
            number += 1
            try:
                applicant = parse(number, line)
            except ValueError as e:
                write(json.dumps({"error": str(e)}))  # ASCII: nothing raw reaches a terminal
                continue
            answer = run(applicant)
            answer = answer.as_dict() if hasattr(answer, "as_dict") else answer
            write(json.dumps(answer, ensure_ascii=False))
    except InputError as e:
        raise InputError(f"line {number}: {e}") from None


def single_document(stream: IO[bytes]) -> tuple[bytes, Any]:
    """A regular file holding one JSON object (pretty-printed or not): its applicant.

    Returns ``(prefix, None)`` when the input is a stream instead (``prefix``: what was
    read of it to tell, to be served first).

    Raises
    ------
    ValueError
        The file is one document but not a valid applicant.
    """
    try:
        regular = stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        regular = False
    if not regular:
        return b"", None
    prefix = bytes(stream.read(LINE_LIMIT + 1))
    try:
        text = prefix.decode("utf-8").removeprefix("\ufeff").strip()
    except UnicodeDecodeError:
        return prefix, None
    if len(prefix) > LINE_LIMIT or not text.startswith("{") or "\n{" in text:
        return prefix, None
    return prefix, parse_text(1, text)
