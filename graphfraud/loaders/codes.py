"""Ids as 64-bit integer codes: the reader's repeat and reference checks on integers.

Hashing a string column through Arrow (a distinct count, ``is_in``, a dictionary) costs
a few hundred nanoseconds a value at a million ids: every probe misses the cache in the
table, its offsets and its bytes. Here each id is hashed once, in a few vectorised passes
over the column's own buffers, to a 64-bit code; the checks then run on integers (a sort,
a lookup built once per entity kind). Codes are never trusted as equality: two equal ids
always have the same code, so distinct codes prove distinct ids, and wherever codes are
equal the ids themselves are compared (:func:`repeat_candidates` hands the rows on to an
exact check, :class:`IdLookup` compares the strings it matched). A collision costs time,
never a wrong row.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

#: Ids longer than this many bytes are hashed one by one (in the reader only rejected
#: ones are: an id holds at most 256 characters); shorter ones, word by word.
LONG_ID_BYTES = 1024
#: Rows hashed in one go: the pass's temporaries stay in the cache (a third faster than
#: one pass over two million ids).
PIECE_ROWS = 16384
_M1 = 0x9E3779B97F4A7C15
_M2 = 0xBF58476D1CE4E5B9
_M3 = 0x94D049BB133111EB
#: The code of a missing value (any value would do: codes only ever rule equality out).
NULL_CODE = 0x6A09E667F3BCC908


@functools.cache
def _tail_masks() -> np.ndarray:
    """The mask of the first ``b`` bytes of a little-endian word, for ``b`` in 0..8."""
    import numpy as np

    return np.asarray([(1 << (8 * b)) - 1 for b in range(9)], dtype=np.uint64)


def arrow_strings(series: pd.Series) -> pa.ChunkedArray:
    """A string Series as Arrow chunks of large_string, without a copy when it is
    Arrow-backed already."""
    import pyarrow as pa

    array = series.array
    if hasattr(array, "__arrow_array__"):
        values = array.__arrow_array__()
        chunked = values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])
    else:
        chunked = pa.chunked_array([pa.array(array, type=pa.large_string(), from_pandas=True)])
    return chunked.cast(pa.large_string()) if chunked.type != pa.large_string() else chunked


def id_codes(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """The 64-bit code (uint64) of each string of ``values``: equal strings, equal codes.

    >>> import pyarrow as pa
    >>> c = id_codes(pa.array(["m1", "m2", "m1", None, "", "a" * 40], pa.large_string()))
    >>> bool(c[0] == c[2]), bool(c[0] == c[1]), len(set(c.tolist()))
    (True, False, 5)
    """
    import numpy as np
    import pyarrow as pa

    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    parts = [_chunk_codes(chunk.slice(at, PIECE_ROWS))
             for chunk in (c if c.type == pa.large_string() else c.cast(pa.large_string())
                           for c in chunks)
             for at in range(0, len(chunk), PIECE_ROWS)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


def _chunk_codes(chunk: pa.Array) -> np.ndarray:
    """:func:`id_codes` of one large_string array: its bytes read eight at a time
    (little-endian words, the tail of each id masked), each word folded into a
    multiply-xorshift state seeded by the length, then finalised as splitmix64 does."""
    import numpy as np

    n = len(chunk)
    _, offset_buf, data_buf = chunk.buffers()
    offsets = np.frombuffer(offset_buf, dtype=np.int64, count=n + 1, offset=chunk.offset * 8)
    starts, lengths = offsets[:-1], np.diff(offsets)
    size = 0 if data_buf is None else data_buf.size
    # Word i is the 8 bytes from byte i (unaligned); a word that would pass the buffer's
    # end is read from size - 8 and shifted down.
    data = data_buf if size >= 8 else (bytes(data_buf or b"") + bytes(8))[:8]
    words: np.ndarray = np.ndarray(shape=(max(size, 8) - 7,), dtype="<u8", buffer=data,
                                   strides=(1,))
    last = max(size - 8, 0)
    short = lengths <= LONG_ID_BYTES
    state = lengths.astype(np.uint64) * np.uint64(_M1)
    with np.errstate(over="ignore"):
        for k in range(LONG_ID_BYTES // 8):
            left = lengths - 8 * k
            active = (left > 0) & short
            if active.all():
                rows, at, left_here = None, starts + 8 * k, left
            else:
                rows = np.flatnonzero(active)
                if not len(rows):
                    break
                at, left_here = starts[rows] + 8 * k, left[rows]
            word = words[np.minimum(at, last)]
            past = int(np.searchsorted(at, last, side="right"))  # ``at`` never decreases
            if past < len(at):
                word[past:] >>= ((at[past:] - last) * 8).astype(np.uint64)
            if left_here.min() < 8:
                word &= _tail_masks()[np.minimum(left_here, 8)]
            mixed = (state if rows is None else state[rows]) ^ word
            mixed *= np.uint64(_M2)
            mixed ^= mixed >> np.uint64(31)
            if rows is None:
                state = mixed
            else:
                state[rows] = mixed
        state ^= state >> np.uint64(30)
        state *= np.uint64(_M3)
        state ^= state >> np.uint64(31)
    for row in np.flatnonzero(~short):  # ids too long for words: one hash each
        raw = bytes(memoryview(data_buf)[starts[row]:offsets[row + 1]])
        state[row] = int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "little")
    if chunk.null_count:
        state[chunk.is_null().to_numpy(zero_copy_only=False)] = np.uint64(NULL_CODE)
    return state


def combine(codes: list[np.ndarray]) -> np.ndarray:
    """One code for each row's tuple of codes (a key of several columns)."""
    import numpy as np

    out = codes[0].copy()
    with np.errstate(over="ignore"):
        for more in codes[1:]:
            out = (out * np.uint64(_M1)) ^ more
            out ^= out >> np.uint64(29)
            out *= np.uint64(_M2)
    return out


def repeat_candidates(codes: np.ndarray) -> np.ndarray | None:
    """The rows whose code another row shares (a bool mask), None when every code is
    distinct (then no two rows have the same key: equal keys have equal codes). The
    rows in the mask may still differ (a collision): the caller compares them exactly."""
    import numpy as np

    if len(codes) < 2:
        return None
    ordered = np.sort(codes)
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return None
    return np.isin(codes, ordered[1:][same])


@dataclass
class IdLookup:
    """The ids of one entity kind (a merchants file's), looked up by code: the table is
    built once, when the file is settled, and probed by every later file naming the kind
    (Arrow's ``is_in`` built the set again for every file)."""

    ids: pa.Array
    #: Each id's code, the hash table of pandas' index (None when two ids' codes collide:
    #: then the lookup compares strings through Arrow).
    index: pd.Index | None

    @classmethod
    def of(cls, ids: pa.ChunkedArray | pa.Array) -> IdLookup:
        """The lookup of distinct ``ids`` (missing ones are no id)."""
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        flat = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
        flat = pc.drop_null(flat.cast(pa.large_string()))
        index = pd.Index(id_codes(flat))
        return cls(flat, index if index.is_unique else None)

    def contains(self, values: pa.ChunkedArray, codes: np.ndarray | None = None) -> np.ndarray:
        """Whether each of ``values`` (``codes``: their :func:`id_codes`) is one of the
        ids; a missing value is not."""
        import numpy as np
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        if self.index is None:
            return np.asarray(pc.fill_null(pc.is_in(values, value_set=self.ids), False))
        codes = id_codes(values) if codes is None else codes
        at = self.index.get_indexer(pd.Index(codes))
        found = at >= 0
        if values.null_count:
            found &= np.asarray(values.is_valid())
        if found.any():  # the strings behind equal codes, compared
            theirs = self.ids.take(pa.array(np.where(found, at, 0)))
            same = pc.fill_null(pc.equal(values, theirs), False)
            found &= np.asarray(same, dtype=bool)
        return found


def codes_of(series: pd.Series) -> Any:
    """:func:`id_codes` of a string Series."""
    return id_codes(arrow_strings(series))
