"""Query output that reads: nothing cut, CJK aligned, wide results vertical."""

from __future__ import annotations

from graphfraud.cli.query import _table, display_width


def test_long_cells_are_never_cut() -> None:
    path = " -> ".join(f"merchant:{i:06d}" for i in range(30))
    text = _table(["from", "path"], [["a", path], ["b", "short"]])
    assert path in text and "…" not in text


def test_cjk_columns_line_up_by_display_width() -> None:
    text = _table(["name", "n"], [["乡村直营店", 1], ["shop", 22]])
    lines = text.splitlines()
    starts = [display_width(line[: line.rindex(" ") + 1]) for line in (lines[2], lines[3])]
    assert starts[0] == starts[1]  # the n column starts at the same screen column


def test_a_single_row_is_printed_vertically() -> None:
    text = _table(["ring_id", "members"], [["R-1", ["m1", "m2"]]])
    assert text.splitlines() == ["ring_id  R-1", "members  m1, m2", "(1 row)"]
