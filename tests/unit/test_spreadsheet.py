"""No CSV graphfraud writes can run as a spreadsheet formula; re-import undoes the quote."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conftest import write_csv
from graphfraud import spreadsheet
from graphfraud.cli.query import _csv
from graphfraud.loaders import read_dataset

HOSTILE = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
           "\tx", "\rx"]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_that_would_run_is_quoted_and_unquotes_back(value: str) -> None:
    assert spreadsheet.cell(value) == "'" + value
    assert spreadsheet.unquote(spreadsheet.cell(value)) == value


def test_plain_text_and_numbers_are_left_alone() -> None:
    assert [spreadsheet.cell(v) for v in ("m-001", "乡村直营", -1.5, 7)] == \
        ["m-001", "乡村直营", -1.5, 7]
    assert spreadsheet.unquote("'plain") == "'plain"


def test_query_csv_output_quotes_formula_cells() -> None:
    text = _csv(["merchant_id", "n"], [['=HYPERLINK("http://x")', -3]])
    rows = list(csv.reader(text.splitlines()))
    assert rows[1] == ['\'=HYPERLINK("http://x")', "-3"]


def test_rejects_file_quotes_formula_cells(tmp_path: Path) -> None:
    d = tmp_path / "d"
    write_csv(d, "merchants.csv", "merchant_id,registered_at\nm1,=cmd()\n")
    loaded = read_dataset(d)
    path = loaded.write_rejects(tmp_path / "rejects.csv")
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and rows[0]["value"] == "'=cmd()"


def test_rings_csv_quotes_hostile_ids_and_rings_json_keeps_them(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from graphfraud.cli import cli

    d = tmp_path / "d"
    shops = ["=evil()", "+cmd|x", "@SUM(1)", "-2+3"]
    write_csv(d, "merchants.csv", "merchant_id\n" + "\n".join(shops) + "\n")
    write_csv(d, "merchant_devices.csv", "merchant_id,device_id\n"
              + "".join(f"{s},phone-1\n{s},phone-2\n" for s in shops))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["scan", str(d), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    with (out / "rings.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["member_id"] for r in rows) == sorted("'" + s for s in shops)
    document = json.loads((out / "rings.json").read_text("utf-8"))
    assert sorted(m["id"] for m in document["rings"][0]["members"]) == sorted(shops)
