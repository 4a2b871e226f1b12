"""Read an export directory and validate it against the contract.

Reading is columnar: a clean CSV goes through pyarrow's parser (a large file in
pieces parsed side by side, each by one serial parse); a file with quoted line
breaks, blank lines or rows of the wrong width goes through
Python's csv module instead, which knows the physical line of every record, so a
rejected row always names its true line. A Parquet file's integer and float64
columns are checked as numbers (not turned into text and parsed back); its other
columns are read as the text a CSV would hold. Validation is vectorised with
pandas; one pass per column, no per-row Python on clean data. The checks across rows
(repeated keys, references to the merchants file) run on 64-bit codes of the ids
(:mod:`graphfraud.loaders.codes`), each id hashed once; ids are compared only where
codes are equal.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphfraud.errors import InputError
from graphfraud.loaders.codes import IdLookup, arrow_strings, combine, id_codes, repeat_candidates
from graphfraud.loaders.dataset import Dataset, FileReport, LoadResult, Reject
from graphfraud.loaders.mapping import Mapping
from graphfraud.loaders.spec import ColumnSpec, TableSpec, contract, limits

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

    import numpy as np
    import pandas as pd
    import pyarrow as pa

#: Longest id and free-text value accepted; longer values are rejected, not truncated.
MAX_ID_LENGTH = 256
#: The largest count of one row (the contract's ``[limits.count]``, 10^12); larger
#: values are rejected.
MAX_COUNT = limits()["count"].max
#: The largest amount of one row (``[limits.amount]``, 10^15); larger values are rejected,
#: so no sum of amounts can overflow a float64.
MAX_AMOUNT = limits()["amount"].max
#: Where sums of repeated link rows saturate: 2^53 - 1, the largest integer every reader
#: of the graph (a float64, a JavaScript number in Neo4j Browser) holds exactly.
MAX_SUM = 2**53 - 1
MAX_TEXT_LENGTH = 4096
#: How much of a rejected value the rejects file repeats.
REJECT_VALUE_PREVIEW = 200
_SUSPECT_DELIMITERS = (";", "\t", "|")
#: Bytes in one CSV line or field (``[limits.field]``, 1 MiB). A longer line is rejected
#: (naming its field) and blanked before any parser sees it; a quoted field that grows
#: past it over several lines stops the file. The parser holds at most this per field.
FIELD_LIMIT = limits()["field"].max
CSV_FIELD_LIMIT = FIELD_LIMIT
#: Bytes of CSV one call of pyarrow's parser takes: a longer file is cut at line ends into
#: pieces of about this size, parsed side by side (:func:`_parse_in_pieces`).
PIECE_BYTES = 16 << 20
#: The parser's block: room for two lines of :data:`FIELD_LIMIT` bytes, so no row that
#: reaches the parser straddles two blocks.
PARSE_BLOCK = 2 * FIELD_LIMIT + 4
#: Days after the run's date (UTC) a timestamp may fall on (``[limits.horizon]``).
HORIZON_DAYS = limits()["horizon"].max

ProgressFn = Callable[[str], None]


@dataclass
class _RawTable:
    """A file's rows as strings (missing or blank = NA), before validation; a Parquet
    file's numeric columns as float64 (NaN = missing), their Arrow columns in ``typed``."""

    frame: pd.DataFrame  # contract column names, StringDtype (or float64: ``typed``)
    lines: np.ndarray  # physical line (CSV) or row number (Parquet) of each row
    malformed: list[Reject]
    typed: dict[str, pa.ChunkedArray] = field(default_factory=dict)


def _find_file(data_dir: Path, stem: str) -> Path | None:
    """The export's one file of ``stem``: ``STEM.csv`` or ``STEM.parquet``, a regular
    file. A table present twice (both of them, or one and a part folder ``STEM/``) is
    refused naming both, never chosen; a part folder (which only the Spark engine reads),
    a dangling link and a named pipe or device (a read would wait for ever) are errors."""
    found = [c for c in (data_dir / f"{stem}.csv", data_dir / f"{stem}.parquet")
             if c.exists() or c.is_symlink()]
    folder = data_dir / stem
    if folder.is_dir():
        found.append(folder)
    if len(found) > 1:
        raise InputError(f"{found[0]} and {found[1]}: the table {stem} is in the export "
                         f"{'twice' if len(found) == 2 else f'{len(found)} times'} (which "
                         "one to read is not guessed); keep one", file=str(found[0]))
    if not found:
        return None
    candidate = found[0]
    if candidate.is_symlink() and not candidate.exists():  # broken, not missing
        raise InputError(f"{candidate}: a link to {os.readlink(candidate)}, which does "
                         "not exist", file=str(candidate))
    if candidate.is_dir():
        raise InputError(f"{candidate}/: a folder of part files, which only `scan --engine "
                         f"spark` reads; join the parts into one {stem}.csv, or scan with "
                         "--engine spark", file=str(candidate))
    check_regular(candidate)
    return candidate


def check_regular(path: Path, st: os.stat_result | None = None) -> None:
    """Refuse a named pipe, socket or device where a file is read (its read would wait
    for a writer for ever, or never end).

    Raises
    ------
    InputError
        If ``path`` (its ``st``, when given) is not a regular file.
    """
    import stat

    if st is None:
        try:
            st = path.stat()
        except OSError as e:
            raise InputError(f"{path}: cannot read file: {e.strerror}", file=str(path)) from e
    if stat.S_ISREG(st.st_mode):
        return
    kind = ("a named pipe" if stat.S_ISFIFO(st.st_mode) else "a socket"
            if stat.S_ISSOCK(st.st_mode) else "a folder" if stat.S_ISDIR(st.st_mode)
            else "a device")
    raise InputError(f"{path}: {kind}, not a regular file; an export holds files (copy the "
                     "data into a file first)", file=str(path))


def _string_series(values: object) -> pd.Series:
    """Strings as an Arrow-backed Series; blank and whitespace-only values are missing.

    Everything else is kept verbatim. Arrow input is converted without a trip through
    Python objects.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray | pa.Array):
        arr = values.cast(pa.large_string())
    else:
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    blank = _blank_rows(arr)
    if blank is not None:  # else no copy of the strings is made
        # pyarrow's if_else misreads a string array that is a slice of a larger one (a
        # Parquet column's chunks are: the output held invalid UTF-8), so the column is
        # made one fresh array first.
        chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
        arr = pa.concat_arrays([*chunks, pa.array([], type=pa.large_string())])
        arr = pc.if_else(pa.array(blank), pa.scalar(None, pa.large_string()), arr)
    return pd.Series(pd.array(arr, dtype="string[pyarrow]"))


def _blank_rows(arr: Any) -> np.ndarray | None:
    """Which values of a large_string array are blank (:func:`_blank`; a missing value
    is not), None when none is. A value whose first byte is printable ASCII other than
    a space (0x21-0x7E) holds a character that is no whitespace: most ids, numbers and
    dates are ruled out from the offsets and one byte each, and only the rest (empty,
    or opening with a space, a control or a non-ASCII character) are looked at whole."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    maybe = np.concatenate([_opens_unprintable(c) for c in chunks]) if chunks \
        else np.zeros(0, dtype=bool)
    rows = np.flatnonzero(maybe)
    if not len(rows):
        return None
    if 2 * len(rows) > len(maybe):  # most values: one pass over the column
        blank = np.asarray(pc.fill_null(_blank(arr), False), dtype=bool)
    else:
        blank = np.zeros(len(maybe), dtype=bool)
        blank[rows] = np.asarray(pc.fill_null(_blank(arr.take(pa.array(rows))), False),
                                 dtype=bool)
    return blank if blank.any() else None


def _opens_unprintable(chunk: pa.Array) -> np.ndarray:
    """Whether each value of a large_string array is empty or its first byte is not
    printable ASCII (0x21-0x7E)."""
    import numpy as np

    n = len(chunk)
    _, offset_buf, data_buf = chunk.buffers()
    offsets = np.frombuffer(offset_buf, dtype=np.int64, count=n + 1, offset=chunk.offset * 8)
    empty = offsets[1:] == offsets[:-1]
    if data_buf is None or not data_buf.size:
        return empty
    data = np.frombuffer(data_buf, dtype=np.uint8)
    first = data[np.minimum(offsets[:-1], data.size - 1)]  # (an empty value's is no byte)
    return empty | (first < 0x21) | (first > 0x7E)


def _blank(arr: Any) -> Any:
    """Empty or whitespace-only values (the same as trimming to "", without a copy of
    every string)."""
    import pyarrow.compute as pc

    return pc.or_(pc.equal(pc.binary_length(arr), 0), pc.utf8_is_space(arr))


def resolve_columns(
    spec: TableSpec, header: list[str], mapping: Mapping, path: Path,
    ignored_out: list[str] | None = None,
) -> dict[str, int]:
    """Position of each contract column in the file's header (-1 when absent); the
    header's other (non-blank) names go to ``ignored_out``."""
    header = [h.strip() for h in header]
    if len(header) == 1:
        for delim in _SUSPECT_DELIMITERS:
            if delim in header[0]:
                raise InputError(
                    f"{path}: line 1: the header is one field {header[0][:80]!r}; the file "
                    f"seems to be delimited by {delim!r}, but CSV files must use commas",
                    file=str(path),
                )
    positions: dict[str, int] = {}
    for col in spec.columns:
        source = mapping.source_column(spec.name, col.name)
        found = [i for i, h in enumerate(header) if h == source]
        if len(found) > 1:
            raise InputError(
                f"{path}: line 1: column {source!r} appears {len(found)} times in the header",
                file=str(path),
                column=source,
            )
        if not found and col.required:
            mapped = f" (mapped to {col.name!r})" if source != col.name else ""
            raise InputError(
                f"{path}: line 1: missing required column {source!r}{mapped}",
                file=str(path),
                column=source,
            )
        positions[col.name] = found[0] if found else -1
    if ignored_out is not None:
        used = set(positions.values())
        ignored_out[:] = [h for i, h in enumerate(header) if h and i not in used]
    return positions


def _read_csv(path: Path, spec: TableSpec, mapping: Mapping,
              ignored_out: list[str] | None = None) -> _RawTable:
    data, too_long = _blank_long_lines(path, _csv_bytes(path), spec, mapping)
    raw = _read_csv_text(path, data, spec, mapping, ignored_out,
                         [r.line for r in too_long])
    raw.malformed[:0] = too_long
    return raw


def _read_csv_text(path: Path, data: bytes, spec: TableSpec, mapping: Mapping,
                   ignored_out: list[str] | None, blanked: list[int]) -> _RawTable:
    """The rows of a file whose lines in ``blanked`` (too long) are emptied."""
    utf8 = mapping.encoding.lower().replace("_", "-") in ("utf-8", "utf8")
    if utf8 and data and not data.isspace():  # (strip() would copy the file)
        fast = _read_clean_utf8(path, data, spec, mapping, ignored_out, blanked)
        if fast is not None:
            return fast
    text = _decode(path, data, mapping.encoding)
    if not utf8:
        data = text.encode("utf-8")  # pyarrow's parser reads UTF-8 only
    if not text.strip():
        raise InputError(f"{path}: the file is empty (no header line)", file=str(path))
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    header = next(reader)
    header_lines = reader.line_num
    positions = resolve_columns(spec, header, mapping, path, ignored_out)
    width = len(header)

    fast = _read_csv_fast(data, 0, width, header_lines, positions, blanked)
    if fast is not None:
        return fast
    return _read_csv_records(path, reader, text, width, header_lines, positions)


def _csv_bytes(path: Path) -> bytes:
    """The file's bytes; a compressed file or one with old Mac line ends stops the read."""
    try:  # never blocks on a named pipe put in the file's place since it was found
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            check_regular(path, os.fstat(fh.fileno()))
            data = fh.read()
    except OSError as e:
        raise InputError(f"{path}: cannot read file: {e.strerror}", file=str(path)) from e
    if csv.field_size_limit() != CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    if data.startswith(b"\x1f\x8b"):
        raise InputError(f"{path}: line 1: the file is gzip-compressed; decompress it "
                         "first (gunzip) or export plain CSV", file=str(path))
    if b"\r" in data[:65536] and b"\n" not in data[:65536]:
        raise InputError(f"{path}: line 1: the lines end in a carriage return (CR) alone "
                         "(old Mac format); save the file with LF or CRLF line ends",
                         file=str(path))
    return data


def _long_lines(data: bytes, limit: int) -> list[tuple[int, int, int]]:
    """(line number, start, end) of each physical line of ``data`` longer than ``limit``
    bytes (``end`` before its newline), without a copy of ``data``: from each line start
    the last newline within ``limit`` bytes skips every line between (one C search per
    ``limit`` bytes of input); only where there is none does a line run past it.

    >>> _long_lines(b"id,name\\nm1,xxxxxxxx\\nm2,b\\nm3,yyyyyyyyyy", 8)
    [(2, 8, 19), (4, 25, 38)]
    """
    found: list[tuple[int, int, int]] = []
    size, at, line, counted = len(data), 0, 1, 0
    while size - at > limit:
        last = data.rfind(b"\n", at, at + limit + 1)
        if last >= 0:
            at = last + 1
            continue
        end = data.find(b"\n", at)
        end = size if end < 0 else end
        line += data.count(b"\n", counted, at)
        counted = at
        found.append((line, at, end))
        at = end + 1
    return found


def _blank_long_lines(path: Path, data: bytes, spec: TableSpec, mapping: Mapping
                      ) -> tuple[bytes, list[Reject]]:
    """``data`` with every line longer than :data:`FIELD_LIMIT` bytes emptied (its line
    number kept), and a reject for each naming the field that makes it long; before any
    parser copies it. A long header, or a long line inside or opening a quoted field
    that spans lines, stops the file."""
    long = _long_lines(data, FIELD_LIMIT)
    if not long:
        return data, []
    limit = f"the {FIELD_LIMIT:,}-byte limit on a field"
    if long[0][0] == 1:
        raise InputError(f"{path}: line 1: the header line is longer than {limit}",
                         file=str(path))
    first = data[:data.find(b"\n")].removeprefix(b"\xef\xbb\xbf")
    header = next(csv.reader([first.decode(mapping.encoding, "replace").rstrip("\r")]), [])
    name_of = {mapping.source_column(spec.name, c.name): c.name for c in spec.columns}
    rejects, pieces, at, quotes = [], [], 0, 0
    for line, start, end in long:
        quotes += data.count(b'"', at, start)
        own = data.count(b'"', start, end)
        if quotes % 2 or own % 2:
            raise InputError(f"{path}: line {line}: a quoted field that spans lines is "
                             f"longer than {limit}", file=str(path))
        field = _longest_field(data, start, end, header) if not own else ""
        what = f"field {name_of.get(field, field)}" if field else "the line"
        rejects.append(Reject(path.name, line, name_of.get(field, ""),
                              f"{what} is longer than {limit} ({end - start:,} bytes in "
                              "the line); the line is not parsed",
                              data[start:start + REJECT_VALUE_PREVIEW].decode(
                                  mapping.encoding, "replace")))
        pieces.append(data[at:start])
        at, quotes = end, quotes + own
    pieces.append(data[at:])
    return b"".join(pieces), rejects


def _longest_field(data: bytes, start: int, end: int, header: list[str]) -> str:
    """The header name of the longest field of an unquoted line, "" when the line has
    not the header's width."""
    if data.count(b",", start, end) != len(header) - 1:
        return ""
    bounds = [start - 1]
    for _ in range(len(header) - 1):
        bounds.append(data.find(b",", bounds[-1] + 1, end))
    bounds.append(end)
    sizes = [bounds[i + 1] - bounds[i] for i in range(len(bounds) - 1)]
    return header[sizes.index(max(sizes))].strip()


def _read_clean_utf8(path: Path, data: bytes, spec: TableSpec, mapping: Mapping,
                     ignored_out: list[str] | None, blanked: list[int]) -> _RawTable | None:
    """A UTF-8 file read by pyarrow straight from its bytes, or None when it needs the
    decoded text (an undecodable or quoted header, a file pyarrow's reader refuses)."""
    # Clean UTF-8 goes straight to pyarrow (which checks the encoding itself);
    # only the header line is decoded here (no copy of the rest is made).
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    end = data.find(b"\n", start)
    first = data[start:end if end >= 0 else len(data)]
    try:
        header = next(csv.reader([first.decode("utf-8").rstrip("\r")]), [])
    except UnicodeDecodeError:
        header = []
    if header and first.count(b'"') % 2 == 0:
        positions = resolve_columns(spec, header, mapping, path, ignored_out)
        return _read_csv_fast(data, start, len(header), 1, positions, blanked)
    return None


def _read_csv_records(path: Path, reader: CsvReader, text: str, width: int,
                      header_lines: int, positions: dict[str, int]) -> _RawTable:
    """The line-exact reader: the rows after the header, record by record, each with
    its physical line; unparseable records, rows of the wrong width and the lines of an
    unterminated quote are rejected."""
    import numpy as np
    import pandas as pd

    columns: dict[str, list[str | None]] = {name: [] for name in positions}
    lines: list[int] = []
    malformed: list[Reject] = []
    open_from, last_line = _unterminated_quote(text, header_lines)
    previous_end = header_lines
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            if "field limit" in str(e):  # a quoted field spanning lines, too long
                raise InputError(f"{path}: line {previous_end + 1}: a quoted field that "
                                 f"spans lines is longer than the {FIELD_LIMIT:,}-byte "
                                 "limit on a field", file=str(path)) from None
            malformed.append(Reject(path.name, previous_end + 1, "", f"unparseable CSV: {e}"))
            previous_end = reader.line_num
            continue
        start, previous_end = previous_end + 1, reader.line_num
        if open_from is not None and start >= open_from:
            break  # from here on, every line is inside the open quote (rejected below)
        if not record:
            continue  # a blank line is not a row
        if len(record) != width:
            preview = ",".join(record)[:REJECT_VALUE_PREVIEW]
            malformed.append(
                Reject(
                    path.name,
                    start,
                    "",
                    f"wrong number of fields: expected {width}, found {len(record)}",
                    preview,
                )
            )
            continue
        lines.append(start)
        for name, pos in positions.items():
            columns[name].append(record[pos] if pos >= 0 else None)
    if open_from is not None:
        malformed += _inside_open_quote(path.name, open_from, last_line)
    frame = pd.DataFrame({name: _string_series(values) for name, values in columns.items()})
    return _RawTable(frame, np.asarray(lines, dtype=np.int64), malformed)


def _inside_open_quote(file: str, open_from: int, last_line: int) -> list[Reject]:
    """One reject for each line from an unterminated quote to the end of the file."""
    count = last_line - open_from + 1
    return [Reject(file, open_from, "", f"unterminated quote from line "
                   f"{open_from}: it runs to the end of the file ({count} "
                   "lines, each rejected)")] + [
        Reject(file, n, "", f"inside the unterminated quote from line {open_from}")
        for n in range(open_from + 1, last_line + 1)]


def _unterminated_quote(text: str, header_lines: int) -> tuple[int | None, int]:
    """The physical line where a quote opens that no later quote closes (None when every
    quote closes), and the file's last line number.

    >>> _unterminated_quote('id,name\\nm1,"Shop\\nm2,B\\n', 1)
    (2, 3)
    >>> _unterminated_quote('id,name\\nm1,"A\\nB"\\n', 1)
    (None, 3)
    """
    physical = text.split("\n")
    if physical and physical[-1] == "":
        physical.pop()
    inside, opened = False, None
    for number, line in enumerate(physical, start=1):
        if number <= header_lines:
            continue
        if line.count('"') % 2:
            inside = not inside
            opened = number if inside else None
    return (opened if inside else None), len(physical)


def _decode(path: Path, data: bytes, encoding: str) -> str:
    """The file's text; a byte that is not valid in ``encoding`` stops the read.

    The error names the line and the column the byte sits in, and suggests GB18030
    when the file decodes as such (GBK exports of Chinese names are common).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and "16" not in encoding:
        raise InputError(
            f"{path}: line 1: the file is UTF-16 encoded; export it as UTF-8 "
            "(or pass --encoding utf-16)",
            file=str(path),
        )
    if data.startswith(b"\xef\xbb\xbf") and encoding.lower().replace("_", "-") in (
        "utf-8", "utf8"
    ):
        data = data[3:]
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        line_start = data.rfind(b"\n", 0, e.start) + 1
        line = data.count(b"\n", 0, e.start) + 1
        header_end = data.find(b"\n")
        header_bytes = data[: header_end if header_end >= 0 else len(data)]
        header = next(csv.reader([header_bytes.decode(encoding, "replace").strip("\r")]), [])
        before = data[line_start : e.start].decode(encoding, "replace")
        fields = next(csv.reader([before]), [""])
        column = len(fields) - 1
        name = header[column].strip() if 0 <= column < len(header) else f"#{column + 1}"
        hint = f"export the file as {encoding.upper()}"
        if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
            try:
                data.decode("gb18030")
                hint = "it looks GBK/GB18030-encoded: pass --encoding gb18030 or export as UTF-8"
            except UnicodeDecodeError:
                hint = "export the file as UTF-8"
        raise InputError(
            f"{path}: line {line}, field {name}: not valid {encoding} "
            f"(byte 0x{data[e.start]:02x}); {hint}",
            file=str(path),
            column=name,
        ) from e


def _read_csv_fast(data: bytes, start: int, width: int, header_lines: int,
                   positions: dict[str, int], blanked: list[int]) -> _RawTable | None:
    """pyarrow's parser over ``data[start:]``, used only when every physical line after
    the header is one row, but for the lines in ``blanked`` (emptied, too long: no row).

    Returns None when the file needs the line-exact reader (quoted line breaks,
    blank lines, rows of the wrong width, anything pyarrow refuses).
    """
    if header_lines != 1:
        return None
    import numpy as np
    import pandas as pd

    names = [f"c{i}" for i in range(width)]
    parsed = _parse_in_pieces(data, start, names,
                              [names[p] for p in positions.values() if p >= 0])
    if parsed is None:
        return None
    table, newlines = parsed
    line_count = newlines + (0 if data.endswith(b"\n") else 1)
    # A blanked last line without a line end is no line of the count.
    gaps = np.asarray([n for n in blanked if n <= line_count], dtype=np.int64)
    if len(gaps) and data.count(b'"', data.find(b"\n", start)) % 2:
        # A quote the line-exact reader takes as opening (it reads the file so when a
        # line was blanked, and rejects every line from there on).
        return None
    if table.num_rows != line_count - 1 - len(gaps):
        return None
    n = table.num_rows
    frame = pd.DataFrame(
        {
            name: (
                _string_series(table.column(names[pos]))
                if pos >= 0
                else _string_series([None] * n)
            )
            for name, pos in positions.items()
        }
    )
    return _RawTable(frame, _row_lines(n, gaps), [])


def _row_lines(rows: int, gaps: np.ndarray) -> np.ndarray:
    """The physical line of each of ``rows`` rows, one a line from line 2 on, skipping
    the lines in ``gaps`` (sorted).

    >>> import numpy as np
    >>> _row_lines(4, np.asarray([3, 4]))
    array([2, 5, 6, 7])
    """
    import numpy as np

    lines = np.arange(2, rows + 2, dtype=np.int64)
    if len(gaps):  # the k-th gap falls where the naive numbering reaches gaps[k] - k
        lines += np.searchsorted(gaps - np.arange(len(gaps)), lines, side="right")
    return lines


def _parse_in_pieces(data: bytes, start: int, names: list[str], include: list[str]
                     ) -> tuple[pa.Table, int] | None:
    """The rows of ``data[start:]`` after its first line (the header), every field a
    string, and the count of line ends in ``data[start:]`` (each piece counts its own,
    in its thread); None when a parse fails, a row has not ``len(names)`` fields, or a
    quoted field runs over a cut between pieces.

    A file longer than :data:`PIECE_BYTES` is cut at line ends into pieces of about that
    size, parsed side by side, each by pyarrow's *serial* reader in a thread of ours (the
    parser releases the GIL). pyarrow's own threaded reader is never used: failing
    mid-file (a cell spanning lines, bytes that are not UTF-8), it can deadlock its pool
    tearing down; a serial parse that fails just fails, and the file takes the
    line-exact reader. No row reaches the parser longer than :data:`FIELD_LIMIT` (those
    lines are blanked first) and a block holds two such rows, so no row straddles blocks.

    Each line is one row of the whole file exactly when the pieces together have as
    many rows as non-empty lines (which the caller counts: a cut can only lose rows) and
    no quote is open at a cut: the line before each cut and the line after it parse as
    two rows (cuts are made between two non-empty lines).
    """
    import pyarrow as pa

    buffer = pa.py_buffer(data)
    cuts = [start]
    while cuts[-1] + PIECE_BYTES < len(data):
        end = _cut_after(data, cuts[-1] + PIECE_BYTES)
        if end < 0:
            break
        cuts.append(end + 1)
    cuts.append(len(data))
    pieces = [(cuts[i], cuts[i + 1], i == 0) for i in range(len(cuts) - 1)]

    def parse(piece: tuple[int, int, bool]) -> tuple[pa.Table | None, int]:
        begin, end, header = piece
        table = _parse_serial(buffer.slice(begin, end - begin), names, include, header)
        return table, _count_newlines(data, begin, end) if table is not None else 0

    if len(pieces) == 1:
        table, newlines = parse(pieces[0])
        return None if table is None else (table, newlines)
    with ThreadPoolExecutor(max_workers=min(len(pieces), _parse_threads()),
                            thread_name_prefix="graphfraud-parse") as pool:
        parsed = list(pool.map(parse, pieces))
    tables = [t for t, _ in parsed if t is not None]
    if len(tables) < len(parsed):
        return None
    for cut in cuts[1:-1]:  # the line before each cut and the line after it
        before = data.rfind(b"\n", 0, cut - 1) + 1
        after = data.find(b"\n", cut)
        after = len(data) if after < 0 else after + 1
        seam = _parse_serial(buffer.slice(before, after - before), names, include, False)
        if seam is None or seam.num_rows != 2:
            return None
    return pa.concat_tables(tables), sum(n for _, n in parsed)


def _count_newlines(data: bytes, begin: int, end: int) -> int:
    """``data.count(b"\\n", begin, end)`` by numpy, which lets the other threads run."""
    import numpy as np

    piece = np.frombuffer(data, dtype=np.uint8, count=end - begin, offset=begin)
    return int(np.count_nonzero(piece == 10))


def _cut_after(data: bytes, at: int) -> int:
    """The first line end at or after ``at`` between two non-empty lines, -1 when none
    comes before the last line.

    >>> _cut_after(b"a\\nb\\n\\nc\\nd\\ne", 1), _cut_after(b"a\\nb\\n\\nc\\nd\\ne", 2)
    (1, 6)
    """
    end = data.find(b"\n", at)
    while 0 < end < len(data) - 1 and (data[end - 1] == 10 or data[end + 1] == 10):
        end = data.find(b"\n", end + 1)
    return end if 0 < end < len(data) - 1 else -1


def _parse_serial(piece: pa.Buffer, names: list[str], include: list[str], header: bool
                  ) -> pa.Table | None:
    """One call of pyarrow's serial CSV reader over ``piece`` (skipping its first line
    when it holds the ``header``); None when it fails or a row has the wrong width."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    invalid: list[object] = []

    def on_invalid(row: object) -> str:
        invalid.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(piece),
            # One thread per call, always (see _parse_in_pieces).
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1 if header else 0,
                                           use_threads=False, block_size=PARSE_BLOCK),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), include_columns=include),
        )
    except pa.ArrowException:
        return None
    return None if invalid else table


def _parse_threads() -> int:
    """Threads that parse the pieces of one file: the CPUs this process may use, at
    most 8."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def _read_parquet(path: Path, spec: TableSpec, mapping: Mapping,
                  ignored_out: list[str] | None = None) -> _RawTable:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        # Column chunks are read as they are decoded, not all buffered first: a local
        # file gains nothing from it, and the buffers stayed with the memory pool.
        table = pq.read_table(path, pre_buffer=False)
    except (OSError, pa.ArrowException) as e:
        raise InputError(f"{path}: cannot read Parquet file: {e}", file=str(path)) from e
    positions = resolve_columns(spec, list(table.column_names), mapping, path, ignored_out)
    n = table.num_rows
    columns: dict[str, Any] = {}
    typed = {}
    for name, pos in positions.items():
        if pos < 0:
            columns[name] = _string_series([None] * n)
            continue
        col = table.column(pos)
        if _reads_as_number(spec.column(name), col.type, mapping, spec.name):
            typed[name] = col
            columns[name] = pd.Series(_float_values(col), dtype="float64")
            continue
        columns[name] = _string_series(
            _one_large_string(_parquet_text(path, table.column_names[pos], col)))
    del table
    # The decoded file is freed: hand Arrow's pool pages back, which the rest of a scan
    # (numpy, pandas: another allocator) cannot reuse (0.4 GiB at 1M merchants).
    pa.default_memory_pool().release_unused()
    return _RawTable(pd.DataFrame(columns), np.arange(1, n + 1, dtype=np.int64), [], typed)


#: Bytes of a Parquet text column (text, offsets, validity) up to which its chunks are
#: joined as ``string`` (32-bit offsets) before the one cast to ``large_string``; beyond,
#: cast first, then joined.
_JOIN_AS_STRING = 1 << 30


def _one_large_string(text: Any) -> Any:
    """A Parquet column's text as one fresh large_string array.

    Each chunk of a Parquet column is a slice of a larger buffer, and cast one by one
    they kept about three times the column's size alive until the end of the run: the
    column is made one new array. Joined while its offsets are still 32-bit (a column
    under :data:`_JOIN_AS_STRING` bytes), then cast, it costs a quarter of casting the
    chunks and joining the casts; the cast widens the offsets and shares the text."""
    import pyarrow as pa

    if not isinstance(text, pa.ChunkedArray):
        return text.cast(pa.large_string())
    if pa.types.is_string(text.type) and text.nbytes <= _JOIN_AS_STRING:
        return text.combine_chunks().cast(pa.large_string())
    return text.cast(pa.large_string()).combine_chunks()


def _reads_as_number(spec: ColumnSpec, kind: pa.DataType, mapping: Mapping, table: str
                     ) -> bool:
    """Whether a Parquet column of ``kind`` feeding the count or amount column ``spec``
    is checked as numbers, never turned into text and parsed back: integers and float64,
    whose values text would give back exactly (a float32's shortest text is another
    float64), unless the mapping renames the column's values."""
    import pyarrow as pa

    return spec.type in ("count", "amount") and (
        pa.types.is_integer(kind) or pa.types.is_float64(kind)) \
        and not mapping.values.get(table, {}).get(spec.name)


def _float_values(col: pa.ChunkedArray) -> np.ndarray:
    """A numeric Arrow column as float64, NaN where missing (as the text reader reads
    NaN: no value). Each integer rounds to the float64 its decimal text parses to."""
    import numpy as np
    import pyarrow as pa

    if not len(col):
        return np.zeros(0, dtype=np.float64)
    return np.asarray(col.cast(pa.float64(), safe=False).to_numpy(), dtype=np.float64)


def _parquet_text(path: Path, name: str, col: Any) -> Any:
    """A Parquet column as text, the way the CSV reader sees it.

    Raises
    ------
    InputError
        For a nested column (list, struct, map: no contract column holds one), or
        binary values that are not UTF-8 text (naming the first such row).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = col.type
    if pa.types.is_dictionary(kind):
        col, kind = col.cast(kind.value_type), kind.value_type
    if pa.types.is_nested(kind):
        raise InputError(f"{path}: column {name}: a Parquet {kind} column cannot hold a "
                         "contract field; export it as text", file=str(path))
    if pa.types.is_timestamp(kind):
        return pc.strftime(col, format="%Y-%m-%dT%H:%M:%S")
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        rows = col.to_pylist()
        for row, value in enumerate(rows, start=1):
            if value is not None:
                try:
                    value.decode("utf-8")
                except UnicodeDecodeError:
                    raise InputError(f"{path}: row {row}, field {name}: bytes that are not "
                                     "UTF-8 text; export the column as UTF-8 strings",
                                     file=str(path)) from None
        return pa.array([None if v is None else v.decode("utf-8") for v in rows],
                        type=pa.string())
    if pa.types.is_floating(kind):
        # NaN is "no value" (pandas writes missing numbers so), never the id "nan"
        col = pc.if_else(pc.is_nan(col), pa.scalar(None, kind), col)
    if not pa.types.is_string(kind):
        col = pc.cast(col, pa.string())
    return col


class _Checker:
    """Collects the first failing field of each row of one file."""

    def __init__(self, file: str, frame: pd.DataFrame, lines: np.ndarray,
                 files: np.ndarray | None = None,
                 typed: dict[str, pa.ChunkedArray] | None = None):
        import numpy as np

        self.file = file
        self.frame = frame
        self.lines = lines
        #: The file of each row, when the rows come from several part files.
        self.files = files
        #: The Parquet columns read as numbers (:class:`_RawTable`), for the text of a
        #: rejected value.
        self.typed = typed or {}
        self.bad = np.zeros(len(frame), dtype=bool)
        self.rejects: list[Reject] = []
        self._codes: dict[str, np.ndarray] = {}

    def codes(self, column: str) -> np.ndarray:
        """The id code (:func:`~graphfraud.loaders.codes.id_codes`) of each row's value
        in ``column``, computed once (after the column's checks have converted it)."""
        if column not in self._codes:
            self._codes[column] = id_codes(arrow_strings(self.frame[column]))
        return self._codes[column]

    def key_codes(self, key: list[str]) -> np.ndarray:
        """One code per row for the tuple of its ``key`` columns."""
        return combine([self.codes(k) for k in key])

    def file_of(self, row: int) -> str:
        return self.file if self.files is None else str(self.files[row])

    def flag(
        self, mask: pd.Series | np.ndarray, field: str, reason: Callable[[str, int], str]
    ) -> None:
        """Reject the rows in ``mask`` not rejected yet; ``reason(value, row)`` explains."""
        import numpy as np

        mask = np.asarray(mask, dtype=bool) & ~self.bad
        if not mask.any():
            return
        rows = np.flatnonzero(mask)
        # Only the rejected rows' values become Python objects.
        values: Any
        if field in self.typed:
            values = _number_texts(self.typed[field], rows)
        else:
            values = self.frame[field].iloc[rows].to_numpy(dtype=object) \
                if field in self.frame else [None] * len(rows)
        for i, raw in zip(rows, values, strict=True):
            value = "" if raw is None or raw is _na() else str(raw)
            self.rejects.append(
                Reject(
                    self.file_of(int(i)),
                    int(self.lines[i]),
                    field,
                    reason(value, int(i)),
                    value[:REJECT_VALUE_PREVIEW],
                )
            )
        self.bad |= mask


def _number_texts(col: pa.ChunkedArray, rows: np.ndarray) -> list[str | None]:
    """The text the reader would have made of these rows of a numeric Parquet column
    (:func:`_parquet_text`: Arrow's cast to string; None for a missing value or NaN)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    picked = col.take(pa.array(rows, type=pa.int64()))
    if pa.types.is_floating(picked.type):
        picked = pc.if_else(pc.is_nan(picked), pa.scalar(None, picked.type), picked)
    return [None if v is None else str(v) for v in pc.cast(picked, pa.string()).to_pylist()]


def _na() -> object:
    import pandas as pd

    return pd.NA


def _check_column(check: _Checker, spec: ColumnSpec, mapping: Mapping, table: str,
                  horizon: pd.Timestamp | None = None) -> None:
    """Validate and convert one column in place; a timestamp at or after ``horizon``
    (:func:`run_horizon`) is rejected."""
    import pandas as pd

    frame = check.frame
    s: pd.Series = frame[spec.name]
    value_map = mapping.values.get(table, {}).get(spec.name)
    if value_map:
        s = s.replace(value_map)
    blank = s.isna().to_numpy()
    present = ~blank
    name = spec.name
    if spec.required:
        check.flag(blank, name, lambda v, _: f"missing required field {name}")
    if spec.type == "id":
        check.flag(
            present & _longer_than(s, MAX_ID_LENGTH),
            name,
            lambda v, _: f"field {name} is longer than {MAX_ID_LENGTH} characters",
        )
        frame[name] = s
    elif spec.type == "text":
        check.flag(
            present & _longer_than(s, MAX_TEXT_LENGTH),
            name,
            lambda v, _: f"field {name} is longer than {MAX_TEXT_LENGTH} characters",
        )
        frame[name] = s
    elif spec.type == "timestamp":
        parsed = _parse_timestamps(s)
        check.flag(
            present & parsed.isna().to_numpy(),
            name,
            lambda v, _: f"unparseable timestamp in field {name}: {v[:40]!r} (expected ISO 8601)",
        )
        if horizon is not None:
            last = (horizon - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
            check.flag(
                present & (parsed >= horizon).fillna(False).to_numpy(),
                name,
                lambda v, _: f"timestamp in field {name} is after {last}, the day after "
                f"the run (a record of what has happened): {v[:40]!r}",
            )
        frame[name] = parsed.dt.as_unit("us")
    elif spec.type in ("count", "amount"):
        frame[name] = _check_numbers(check, spec, s, present)
    elif spec.type == "enum":
        normal = _normal_enum(s, present, spec.values)
        allowed = ", ".join(spec.values)
        check.flag(
            present & ~normal.isin(spec.values).fillna(False).to_numpy(),
            name,
            lambda v, _: f"unknown value {v[:40]!r} in field {name} (expected one of {allowed})",
        )
        frame[name] = normal


def _normal_enum(s: pd.Series, present: np.ndarray, values: tuple[str, ...]) -> pd.Series:
    """``s`` trimmed and lower-cased. When every present value is already one of
    ``values`` (each trimmed, lower case), that is ``s`` itself: one lookup in a set of a
    few values finds it, instead of two passes that copy the column."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if all(v == v.strip().lower() for v in values):
        known = pc.is_in(arrow_strings(s), value_set=pa.array(values, type=pa.large_string()))
        if (np.asarray(pc.fill_null(known, False), dtype=bool) | ~present).all():
            return s
    return s.str.strip().str.lower()


def _longer_than(s: pd.Series, limit: int) -> np.ndarray:
    """Whether each value holds more than ``limit`` characters (a missing one does not).
    A character takes at least one byte, so only the values longer than ``limit`` bytes
    (read from the offsets, no pass over the text) are counted in characters."""
    import numpy as np
    import pyarrow.compute as pc

    arr = arrow_strings(s)
    longer = np.asarray(pc.fill_null(pc.greater(pc.binary_length(arr), limit), False),
                        dtype=bool)
    rows = np.flatnonzero(longer)
    if len(rows):
        chars = pc.utf8_length(arr.take(rows))
        longer[rows] = np.asarray(pc.greater(chars, limit), dtype=bool)
    return longer


def _check_numbers(check: _Checker, spec: ColumnSpec, s: pd.Series, present: np.ndarray
                   ) -> Any:
    """A count or amount column checked (a number, whole for a count, at least 0, at
    most the contract's limit) and converted: Int64 counts, float64 amounts."""
    import numpy as np
    import pandas as pd

    values = _parse_numbers(s)
    largest = MAX_COUNT if spec.type == "count" else MAX_AMOUNT
    with np.errstate(invalid="ignore"):
        fine = np.isfinite(values) & (values >= 0) & (values <= largest)
        if spec.type == "count":
            fine &= values == np.floor(values)
    if (present & ~fine).any():  # else no check below flags a row
        _flag_numbers(check, spec, values, present)
    cleaned = np.where(fine, values, np.nan)
    if spec.type == "count":
        return pd.Series(cleaned).astype("Int64").array
    return cleaned


def _flag_numbers(check: _Checker, spec: ColumnSpec, values: np.ndarray,
                  present: np.ndarray) -> None:
    """Reject the present values of a count or amount column that are not numbers, not
    whole (a count), negative or above the contract's limit, each for its first fault."""
    import numpy as np

    name = spec.name
    largest, what = (MAX_COUNT, "count") if spec.type == "count" else (MAX_AMOUNT, "amount")
    with np.errstate(invalid="ignore"):
        check.flag(
            present & ~np.isfinite(values),
            name,
            lambda v, _: f"unparseable number in field {name}: {v[:40]!r}",
        )
        if spec.type == "count":
            check.flag(
                present & (values != np.floor(values)),
                name,
                lambda v, _: f"field {name} must be a whole number, got {v[:40]!r}",
            )
        check.flag(
            present & (values < 0),
            name,
            lambda v, _: f"negative value in field {name}: {v[:40]!r}",
        )
        check.flag(
            present & np.isfinite(values) & (values > largest),
            name,
            lambda v, _: f"field {name} is above the largest {what} ({largest:.0e}, "
            f"the contract's limit): {v[:40]!r}",
        )


def _parse_timestamps(s: pd.Series) -> pd.Series:
    """UTC timestamps of a string column (NaT where missing or unparseable).

    Arrow casts a column of offset-free ISO 8601 values (dates, or date and time with
    ``T`` or a space, fractions allowed) in one pass, read as UTC; a column with offsets,
    ``Z`` or a bad value goes through pandas, which converts offsets to UTC and leaves
    bad values NaT for the checks to reject.
    """
    import pandas as pd
    import pyarrow as pa

    try:
        parsed = _cast_text(arrow_strings(s), pa.timestamp("us"))
        return pd.Series(parsed.to_pandas(), index=s.index).dt.tz_localize("UTC")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        stripped = s.str.strip()
        # pandas reads "now" and "today" as the current time: a reload would not be
        # repeatable, so they are not timestamps here.
        relative = stripped.str.lower().isin(["now", "today", "yesterday", "tomorrow"])
        parsed = pd.to_datetime(stripped.mask(relative.fillna(False)), format="ISO8601",
                                errors="coerce", utc=True)
        return parsed


def _cast_text(arr: pa.ChunkedArray, kind: pa.DataType) -> pa.ChunkedArray:
    """Arrow's cast of text to ``kind`` after trimming each value's whitespace. Arrow's
    parsers accept no whitespace, so a cast of the text as it is that succeeds is that
    cast (trimming had nothing to trim); only when it fails is the trimmed copy made.

    Raises
    ------
    pyarrow.ArrowInvalid
        If a trimmed value does not parse.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return pc.cast(arr, kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pc.cast(pc.utf8_trim_whitespace(arr), kind)


def _parse_numbers(s: pd.Series) -> np.ndarray:
    """Floats of a string column (NaN where missing or not a number).

    Arrow casts a clean column in one pass; a column with any unparseable value goes
    through pandas, which leaves those values NaN for the checks to reject.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    if s.dtype == "float64":  # a Parquet column read as numbers
        return s.to_numpy(dtype=float)
    try:
        parsed = _cast_text(arrow_strings(s), pa.float64())
        return np.asarray(parsed.to_numpy(zero_copy_only=False), dtype=float)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        numbers = pd.to_numeric(s.str.strip(), errors="coerce")
        return numbers.to_numpy(dtype=float, na_value=np.nan)


def _check_references(
    check: _Checker, spec: TableSpec, known: dict[str, IdLookup], file_of: dict[str, str]
) -> None:
    """Reject the rows naming an id its kind's file (``known``) does not hold; each
    value is looked up by its code in the table built once for the kind."""
    frame = check.frame
    for col in spec.columns:
        if col.ref is None:
            continue
        values = arrow_strings(frame[col.name])
        if col.ref == "entity_type":  # labels, memberships: the entity kind is per row
            kinds = spec.column("entity_type").values
            for entity, ids in known.items():
                if entity not in kinds:
                    continue
                rows = (frame["entity_type"] == entity).fillna(False).to_numpy()
                unknown = rows & ~ids.contains(values, check.codes(col.name))
                check.flag(unknown, col.name, _unknown_reason(entity, file_of[entity]))
        elif col.ref in known:
            unknown = ~known[col.ref].contains(values, check.codes(col.name))
            check.flag(unknown, col.name, _unknown_reason(col.ref, file_of[col.ref]))


#: Entity kinds whose file must hold every id another file names, whether the export
#: has that file or not: a membership of an organisation that organizations.csv does
#: not declare is rejected. (Merchants are closed too, their file being required;
#: streamers only when the export has streamers.csv.)
ALWAYS_CLOSED = ("organization",)


def closed_kinds(mapping: Mapping) -> dict[str, str]:
    """The :data:`ALWAYS_CLOSED` kinds with the file a reference to one must be in (as
    the export names it), known to hold no id until that file is read."""
    return {spec.entity: f"{mapping.file_stem(spec.name)}.csv"
            for spec in contract().values()
            if spec.kind == "node" and spec.entity in ALWAYS_CLOSED}


def _unknown_reason(entity: str, file: str) -> Callable[[str, int], str]:
    return lambda v, _: f"unknown {entity} {v[:60]!r} (not in {file})"


def _key_repeats(frame: pd.DataFrame, key: list[str], codes: np.ndarray
                 ) -> _KeyCodes | None:
    """The exact :class:`_KeyCodes` of a table whose keys repeat, None when no key
    occurs twice. ``codes`` (one per row, :meth:`_Checker.key_codes`) settle the common
    answer, no, on integers; only the rows whose codes repeat have their keys compared
    (a collision among them is no repeat). A row whose code is its own keeps a code of
    its own."""
    import numpy as np

    candidates = repeat_candidates(codes)
    if candidates is None:
        return None
    rows = np.flatnonzero(candidates)
    exact = _key_codes(frame.iloc[rows], key)
    if exact.count == len(rows):  # codes alike, keys not
        return None
    dense = np.empty(len(frame), dtype=np.int64)
    dense[rows] = exact.codes
    alone = np.flatnonzero(~candidates)
    dense[alone] = exact.count + np.arange(len(alone))
    return _KeyCodes(dense, exact.count + len(alone))


@dataclass
class _KeyCodes:
    """Each row's key as one dense int64 (equal exactly where the rows' keys are equal)
    and the count of distinct keys."""

    codes: np.ndarray
    count: int


def _key_codes(frame: pd.DataFrame, key: list[str]) -> _KeyCodes:
    """The rows' ``key`` as dense codes, computed once for a table whose keys repeat
    (instead of a factorisation per pandas ``duplicated`` and ``groupby``): each column
    dictionary-encoded by Arrow (string equality, missing equal to missing, as pandas'
    ``duplicated`` takes them; no Python object per row), combined column by column
    and made dense again, so no product of dictionary sizes can overflow.

    >>> import pandas as pd
    >>> k = _key_codes(pd.DataFrame({"a": ["x", "y", "x", "x"], "b": ["1", "1", "1", "2"]},
    ...                             dtype="string[pyarrow]"), ["a", "b"])
    >>> k.codes.tolist(), k.count
    ([0, 1, 0, 2], 3)
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    codes = np.zeros(len(frame), dtype=np.int64)
    count = 1
    for k in key:
        arr = pa.array(frame[k].array, type=pa.large_string()) if len(frame) \
            else pa.array([], type=pa.large_string())
        column, size = _dense(pc.dictionary_encode(arr, null_encoding="encode"))
        codes, count = _dense(pc.dictionary_encode(pa.array(codes * size + column),
                                                   null_encoding="encode"))
    return _KeyCodes(codes, count if len(frame) else 0)


def _dense(encoded: Any) -> tuple[np.ndarray, int]:
    """The indices (int64) and the dictionary size of a dictionary-encoded array."""
    import numpy as np
    import pyarrow as pa

    chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
    if not chunks:
        return np.zeros(0, dtype=np.int64), 0
    indices = np.concatenate([np.asarray(c.indices, dtype=np.int64) for c in chunks])
    return indices, len(chunks[-1].dictionary)


def _dedupe_entities(check: _Checker, spec: TableSpec, report: FileReport) -> pd.DataFrame:
    """Keep the first row of every key; identical repeats merge, conflicting ones are rejected."""
    import numpy as np
    import pandas as pd

    frame = _valid_rows(check)
    lines = check.lines[~check.bad]
    key = list(spec.key)
    codes = _key_repeats(frame, key, check.key_codes(key)[~check.bad])
    if codes is None:
        return frame
    repeated = pd.Series(codes.codes).duplicated(keep="first").to_numpy()
    row_hash = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    grouped = pd.DataFrame({"h": row_hash, "line": lines}, index=frame.index)
    first = grouped.groupby(codes.codes, sort=False)[["h", "line"]].transform("first")
    identical = repeated & (row_hash == first["h"].to_numpy())
    conflicting = repeated & ~identical
    key_text = "/".join(key)
    positions = np.flatnonzero(~check.bad)
    first_at = first["line"].to_numpy()  # per valid row (``positions``), no dict of rows
    first_in = None
    if check.files is not None:  # rows of several part files
        grouped["file"] = check.files[positions]
        first_in = grouped.groupby(codes.codes, sort=False)["file"].transform("first") \
            .to_numpy()

    def where(i: int) -> str:
        at = int(np.searchsorted(positions, i))
        other = None if first_in is None else first_in[at]
        return f"line {first_at[at]}" if other is None or other == check.file_of(i) \
            else f"line {first_at[at]} of {other}"

    mask = np.zeros(len(check.frame), dtype=bool)
    mask[positions[conflicting]] = True
    check.flag(
        mask,
        key[-1],
        lambda v, i: f"duplicate {key_text} {v[:60]!r} with different fields "
        f"(the first row, at {where(i)}, stands)",
    )
    report.merged += int(identical.sum())
    return frame.loc[~repeated]


def _latest_labels(spec: TableSpec, frame: pd.DataFrame, lines: object,
                   report: FileReport, key_codes: np.ndarray) -> pd.DataFrame:
    """Each entity's standing label: the row with the latest ``labeled_at``; rows
    without a date rank before dated ones, and among equals the later line stands
    (without dates at all, the last row in the file). Earlier rows are history: loaded
    and counted as merged, not rejected."""
    import numpy as np
    import pandas as pd

    key = list(spec.key)
    if _key_repeats(frame, key, key_codes) is None:
        return frame
    stamp = pd.to_datetime(frame["labeled_at"], errors="coerce", utc=True)
    order = pd.DataFrame({
        "dated": stamp.notna().to_numpy(),
        "at": stamp.fillna(pd.Timestamp(0, tz="UTC")).to_numpy(),
        "line": np.asarray(lines),
    }, index=frame.index)
    ranked = frame.assign(_d=order["dated"], _a=order["at"], _l=order["line"]).sort_values(
        ["_d", "_a", "_l"], kind="stable")
    latest = ranked.drop_duplicates(subset=key, keep="last")
    report.merged += len(frame) - len(latest)
    return latest.drop(columns=["_d", "_a", "_l"]).sort_index()


def _merge_links(spec: TableSpec, frame: pd.DataFrame, report: FileReport,
                 key_codes: np.ndarray) -> pd.DataFrame:
    """Fold several rows for the same pair into one link (only repeated pairs are
    grouped); ``key_codes``, each row's :meth:`_Checker.key_codes`, find them."""
    import pandas as pd

    key = list(spec.key)
    codes = _key_repeats(frame, key, key_codes)
    if codes is None:
        return frame
    repeated = pd.Series(codes.codes).duplicated(keep=False).to_numpy()
    rows = frame.loc[repeated]
    aggregations: dict[str, str] = {}
    set_columns = []
    for col in spec.columns:
        if col.name in key:
            continue
        if col.merge == "set":
            set_columns.append(col)
        else:
            aggregations[col.name] = col.merge or "first"
    sums = [name for name in aggregations if spec.column(name).merge == "sum"]
    if sums:  # summed in float and saturated: no int64 wrap-around
        rows = rows.assign(**{name: rows[name].astype("float64") for name in sums})
    grouped = rows.groupby(key, sort=False)
    merged = grouped.agg(aggregations) if aggregations else grouped.size().to_frame("_n")
    for name in sums:
        total = merged[name].clip(upper=MAX_SUM)
        total[grouped[name].count() == 0] = float("nan")  # NA when no row of a pair had one
        merged[name] = pd.array(total.round().to_numpy(), dtype="Int64") if spec.column(name).type \
            == "count" else total
    for col in set_columns:
        merged[col.name] = _union_of_values(rows, key, col)
    merged = merged.reset_index()
    report.merged += int(repeated.sum()) - len(merged)
    return pd.concat([frame.loc[~repeated], merged[list(spec.column_names)]], ignore_index=True)


def _union_of_values(rows: pd.DataFrame, key: list[str], col: ColumnSpec) -> pd.Series:
    """Per pair, the sorted comma-joined set of an enum column's values (vectorised)."""
    import numpy as np
    import pandas as pd

    codes = pd.Categorical(rows[col.name], categories=sorted(col.values)).codes
    bits = pd.Series(np.where(codes >= 0, 1 << codes.astype(np.int64), 0), index=rows.index)
    frame = rows[key].assign(_bits=bits).drop_duplicates()
    mask = frame.groupby(key, sort=False)["_bits"].sum()  # distinct bits: sum == OR
    ordered = sorted(col.values)
    names = [
        ",".join(v for i, v in enumerate(ordered) if m & (1 << i)) or None
        for m in range(1 << len(ordered))
    ]
    return pd.Series(np.asarray(names, dtype=object)[mask.to_numpy()], index=mask.index,
                     dtype="string")


@dataclass
class CheckedFile:
    """One file after the checks each row passes on its own: every parsed row with its
    columns typed, the rows that failed (``checker.bad``) and why (``checker.rejects``,
    with the unparseable lines in ``malformed``). References and the rules across rows
    (duplicates, repeated pairs, the standing label) come after."""

    checker: _Checker
    malformed: list[Reject]
    #: Export columns no contract column reads, each with a mapping hint.
    ignored: tuple[str, ...]

    @property
    def rows(self) -> int:
        """Every row of the file: parsed ones and unparseable ones."""
        return len(self.checker.frame) + len(self.malformed)

    def rejects(self) -> list[Reject]:
        return self.malformed + self.checker.rejects


def run_horizon(today: str | None = None) -> pd.Timestamp:
    """The first instant no timestamp may reach: the start of the run's UTC date (``today``,
    default now) plus :data:`HORIZON_DAYS` + 1 days, so every time on the day after the
    run is accepted and any later one rejected. A read takes it once (the Spark engine
    hands the driver's to every task), so all its files share it.

    >>> str(run_horizon("2024-06-30T23:59:59Z"))
    '2024-07-02 00:00:00+00:00'
    """
    import pandas as pd

    now = pd.Timestamp.now(tz="UTC") if today is None else pd.Timestamp(today)
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    return now.floor("D") + pd.Timedelta(days=HORIZON_DAYS + 1)


def check_file(path: Path, spec: TableSpec, mapping: Mapping,
               horizon: pd.Timestamp | None = None) -> CheckedFile:
    """Read one file and check each row's fields on their own; a timestamp at or after
    ``horizon`` (default :func:`run_horizon` of now) is rejected.

    Raises
    ------
    InputError
        If the file cannot be read or decoded, or a required column is absent.
    """
    ignored: list[str] = []
    raw = _read_parquet(path, spec, mapping, ignored) if path.suffix == ".parquet" \
        else _read_csv(path, spec, mapping, ignored)
    check = _Checker(path.name, raw.frame, raw.lines, typed=raw.typed)
    horizon = run_horizon() if horizon is None else horizon
    for col in spec.columns:
        _check_column(check, col, mapping, spec.name, horizon)
    return CheckedFile(check, raw.malformed,
                       ignored_columns(spec, ignored, raw.frame, mapping))


def settle_rows(spec: TableSpec, check: _Checker, report: FileReport,
                history_out: list[pd.DataFrame] | None = None) -> pd.DataFrame:
    """The rules across rows, over the rows ``check`` has not rejected (in file order):
    a link table's repeated pairs fold into one link (and a membership file's repeated
    memberships into one); labels keep each entity's standing label (every valid row
    goes to ``history_out``); an entity file keeps the first row of each id, and rejects
    a later one with other fields. Counts ``report.merged``."""
    valid = ~check.bad
    if spec.kind in ("link", "membership"):
        return _merge_links(spec, _valid_rows(check), report,
                            check.key_codes(list(spec.key))[valid])
    if spec.kind == "labels":
        history = _valid_rows(check)
        if history_out is not None:
            history_out.append(history.reset_index(drop=True)[list(spec.column_names)])
        return _latest_labels(spec, history, check.lines[valid], report,
                              check.key_codes(list(spec.key))[valid])
    return _dedupe_entities(check, spec, report)


def _valid_rows(check: _Checker) -> pd.DataFrame:
    """The rows ``check`` has not rejected; the frame itself when it rejected none (a
    copy of every column of a clean file costs a tenth of a second a million rows)."""
    return check.frame.loc[~check.bad] if check.bad.any() else check.frame


def settle_part(spec: TableSpec, frame: pd.DataFrame, lines: np.ndarray,
                files: np.ndarray) -> tuple[pd.DataFrame, list[Reject], int]:
    """:func:`settle_rows` over valid rows gathered from several files (a table read in
    parts): ``frame`` typed and in file order, each row's line and file. Returns the
    clean rows, the rejects (named by each row's file) and the count of merged rows."""
    check = _Checker(str(files[0]) if len(files) else "", frame, lines, files=files)
    report = FileReport(table=spec.name, file="")
    clean = settle_rows(spec, check, report)
    return clean, check.rejects, report.merged


def clean_dtypes(spec: TableSpec) -> dict[str, str]:
    """The dtype of every column of ``spec``'s clean table, as the reader gives it."""
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({c.name: _string_series([]) for c in spec.columns})
    check = _Checker("", frame, np.zeros(0, dtype=np.int64))
    for col in spec.columns:
        _check_column(check, col, Mapping(), spec.name)
    return {str(c): str(t) for c, t in check.frame.dtypes.items()}


def unknown_reference(entity: str, file: str, value: str) -> str:
    """The reason a row naming an unknown merchant (or streamer) is rejected."""
    return _unknown_reason(entity, file)(value, 0)


def read_table(
    path: Path, spec: TableSpec, *, mapping: Mapping, known: dict[str, IdLookup],
    file_of: dict[str, str], history_out: list[pd.DataFrame] | None = None,
    checked: CheckedFile | None = None,
) -> tuple[pd.DataFrame, FileReport, list[Reject]]:
    """Read, validate and merge one file; returns the clean table, its report, its rejects.

    ``checked`` is the file already read by :func:`check_file`, when the caller read it
    ahead. ``known`` holds the ids of each entity kind whose file must declare every id
    named (:class:`~graphfraud.loaders.codes.IdLookup`, built once from that file), and
    ``file_of`` the name of that file.

    For labels.csv, a history of label events, the clean table holds each entity's
    standing label and ``history_out`` (when given) receives every valid row.
    """
    checked = check_file(path, spec, mapping) if checked is None else checked
    check = checked.checker
    report = FileReport(table=spec.name, file=path.name, ignored=checked.ignored)
    _check_references(check, spec, known, file_of)
    clean = settle_rows(spec, check, report, history_out)
    rejects = checked.rejects()
    report.rows = checked.rows
    report.rejected = len(rejects)
    report.loaded = report.rows - report.rejected
    rejects.sort(key=lambda r: r.line)
    return clean.reset_index(drop=True)[list(spec.column_names)], report, rejects


def ignored_columns(spec: TableSpec, names: list[str], frame: pd.DataFrame,
                     mapping: Mapping) -> tuple[str, ...]:
    """Export columns no contract column reads, each with what a mapping could make of
    it: the optional contract columns the file lacks."""
    if not names:
        return ()
    absent = [c.name for c in spec.columns
              if c.name in frame and bool(frame[c.name].isna().all())
              and mapping.source_column(spec.name, c.name) not in names]
    hint = (f" (a mapping can map it onto {', '.join(repr(a) for a in absent)}, which the "
            "file lacks)") if absent else ""
    return tuple(f"column {name!r} is not in the contract and is ignored{hint}"
                 for name in names)


def read_dataset(
    data_dir: str | Path,
    *,
    mapping: Mapping | None = None,
    progress: ProgressFn | None = None,
) -> LoadResult:
    """Read and validate every contract file found in ``data_dir``.

    Parameters
    ----------
    data_dir
        Directory of the export (``merchants.csv`` and any optional files).
    mapping
        Column and file-name mapping for exports that use other names.
    progress
        Called with each file name as its turn comes (for progress display; files are
        read two at a time, in two threads).

    Returns
    -------
    LoadResult
        The clean dataset, one report per file, and every rejected row.

    Raises
    ------
    InputError
        If the directory or merchants file is missing, a file cannot be read or
        decoded, or a required column is absent. Bad rows never raise.
    """

    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: not a directory", file=str(data_dir))
    mapping = mapping or Mapping()
    horizon = run_horizon()
    found = _locate_files(data_dir, mapping)
    result = LoadResult(dataset=Dataset(source=str(data_dir)), files=[], rejects=[])
    # Each file is read, checked and settled in one of two threads (Arrow's parser and
    # kernels, numpy's sorts and pandas' hash lookups release the GIL). A file's
    # references are checked against the ids of the files before it that declare their
    # kind (merchants, streamers, organisations): it waits for those, so it sees what
    # the same read in one thread would. Results are taken, and errors raised, in
    # contract order; an error or Ctrl-C cancels the files not started and waits for
    # the ones being read.
    declared: list[tuple[str, Future[_Settled] | None, str]] = [
        (entity, None, file) for entity, file in closed_kinds(mapping).items()]
    pending: list[tuple[Path | InputError, Future[_Settled] | None]] = []
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="graphfraud-read") as pool:
        try:
            for spec, where in found:
                if isinstance(where, InputError):
                    pending.append((where, None))
                    continue
                task = pool.submit(_read_one, where, spec, mapping, horizon, list(declared))
                pending.append((where, task))
                if spec.kind == "node" and spec.entity in ("merchant", "streamer",
                                                           *ALWAYS_CLOSED):
                    declared.append((spec.entity, task, where.name))
            for where, running in pending:
                if isinstance(where, InputError):
                    raise where
                if progress is not None:
                    progress(where.name)
                assert running is not None
                _add(result, running.result())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return result


@dataclass
class _Settled:
    """One file read, checked and settled against the files before it."""

    spec: TableSpec
    clean: pd.DataFrame
    report: FileReport
    rejects: list[Reject]
    history: pd.DataFrame | None
    #: The ids it declares, when later files check references against them.
    ids: IdLookup | None


def _add(result: LoadResult, settled: _Settled) -> None:
    """A settled file into ``result`` (files in contract order)."""
    result.dataset.tables[settled.spec.name] = settled.clean
    if settled.history is not None:
        result.dataset.label_history = settled.history
    result.files.append(settled.report)
    result.rejects.extend(settled.rejects)


def _read_one(path: Path, spec: TableSpec, mapping: Mapping, horizon: pd.Timestamp,
              declared: list[tuple[str, Future[_Settled] | None, str]]) -> _Settled:
    """Read and check ``path``, then settle it against the ids ``declared`` by the files
    before it (entity kind, the task of the file declaring it, or None before one does,
    and that file's name): the last file declaring a kind stands."""
    checked = _check_ahead(path, spec, mapping, horizon)
    known: dict[str, IdLookup] = {}
    file_of: dict[str, str] = {}
    for entity, task, file in declared:
        file_of[entity] = file
        if task is None:
            known[entity] = IdLookup.of(_string_series([]).array.__arrow_array__())
        else:
            ids = task.result().ids  # the file before, settled (or its error, raised)
            assert ids is not None
            known[entity] = ids
    history: list[pd.DataFrame] = []
    clean, report, bad = read_table(path, spec, mapping=mapping, known=known,
                                    file_of=file_of, history_out=history, checked=checked)
    del checked
    # Merchants and organisations must be known to every later file; streamers only
    # when the export has a streamers file. Devices and accounts are created from links.
    ids = None
    if spec.kind == "node" and spec.entity in ("merchant", "streamer", *ALWAYS_CLOSED):
        ids = IdLookup.of(arrow_strings(clean[spec.key[0]]))
    return _Settled(spec, clean, report, bad, history[0] if history else None, ids)


def _check_ahead(path: Path, spec: TableSpec, mapping: Mapping, horizon: pd.Timestamp
                 ) -> CheckedFile:
    """:func:`check_file`, and the id codes of the columns the settling will look at
    (the key, the references), computed before :func:`_read_one` waits for the files
    that declare the ids they reference."""
    checked = check_file(path, spec, mapping, horizon)
    for col in spec.columns:
        if col.name in spec.key or col.ref is not None:
            checked.checker.codes(col.name)
    return checked


def _locate_files(data_dir: Path, mapping: Mapping
                  ) -> list[tuple[TableSpec, Path | InputError]]:
    """Each contract file of the export in contract order, with its path or the error
    its turn raises (a dangling link, a required file missing); absent optional files
    are left out."""
    found: list[tuple[TableSpec, Path | InputError]] = []
    for spec in contract().values():
        stem = mapping.file_stem(spec.name)
        try:
            located = _find_file(data_dir, stem)
        except InputError as e:  # raised when its turn comes: errors in contract order
            found.append((spec, e))
            continue
        if located is None:
            if spec.required:
                found.append((spec, InputError(
                    f"{data_dir / (stem + '.csv')}: required file is missing",
                    file=str(data_dir / f"{stem}.csv"))))
            continue
        found.append((spec, located))
    return found
