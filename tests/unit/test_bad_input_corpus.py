"""A corpus of broken exports, each run through `graphfraud validate` as a user would.

Every case ends one of two ways, and the test says which:

* the file is unusable: exit 2 and one line on stderr naming the file, the line and
  the field (or column);
* the file is usable: exit 0, every good row loaded, every bad row in the rejects
  file with its line, field and reason, and ``loaded + rejected == rows`` per file.

A hypothesis test then throws generated rows full of delimiters, quotes, line breaks
and junk values at the reader and checks that nothing is ever lost or altered.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import write_csv
from graphfraud.cli import cli
from graphfraud.loaders import read_dataset

HEADER = "merchant_id,name,registered_at,category,status\n"
GOOD = "m1,Tea House,2024-03-01,food,active\n"


@dataclass
class Fails:
    """The export is unusable: exit 2, one stderr line containing every fragment."""

    files: dict[str, bytes]
    fragments: tuple[str, ...]


@dataclass
class Loads:
    """The export is usable: these merchant ids load, these (file, line, field) reject."""

    files: dict[str, bytes]
    merchants: list[str]
    rejects: set[tuple[str, int, str]] = field(default_factory=set)
    reason: str = ""  # a fragment of the (first) reject's reason, when one is expected
    args: tuple[str, ...] = ()
    #: rows counted when a CSV parser would fold them (an unclosed quote): physical lines
    rows: int | None = None


def utf8(text: str) -> bytes:
    return text.encode("utf-8")


TEN_MB = "x" * 10_000_000

CORPUS: dict[str, Fails | Loads] = {
    "semicolon delimiter": Fails(
        {"merchants.csv": utf8("merchant_id;name;status\nm1;a;active\n")},
        ("merchants.csv", "line 1", "delimited by ';'")),
    "tab delimiter": Fails(
        {"merchants.csv": utf8("merchant_id\tname\tstatus\nm1\ta\tactive\n")},
        ("merchants.csv", "line 1", "delimited by '\\t'")),
    "utf-8 byte order mark": Loads(
        {"merchants.csv": b"\xef\xbb\xbf" + utf8(HEADER + GOOD)}, ["m1"]),
    "utf-16 file": Fails(
        {"merchants.csv": (HEADER + GOOD).encode("utf-16")},
        ("merchants.csv", "line 1", "UTF-16")),
    "GBK-encoded Chinese names": Fails(
        {"merchants.csv": (HEADER + GOOD + "m2,老字号保健品,2024-03-01,health,active\n")
         .encode("gbk")},
        ("merchants.csv", "line 3", "field name", "--encoding gb18030")),
    "GBK export read with --encoding gb18030": Loads(
        {"merchants.csv": (HEADER + GOOD + "m2,老字号保健品,2024-03-01,health,active\n")
         .encode("gbk")},
        ["m1", "m2"], args=("--encoding", "gb18030")),
    "CRLF line endings": Loads(
        {"merchants.csv": utf8((HEADER + GOOD + "m2,x,never,food,active\n")
                               .replace("\n", "\r\n"))},
        ["m1"], {("merchants.csv", 3, "registered_at")}, "unparseable timestamp"),
    "quoted newline in a name": Loads(
        {"merchants.csv": utf8(HEADER + 'm1,"Tea\nHouse",2024-03-01,food,active\n'
                               "m2,x,2024-03-01,food,closed\n")},
        ["m1"], {("merchants.csv", 4, "status")}, "unknown value 'closed'"),
    "missing required column": Fails(
        {"merchants.csv": utf8("name,status\na,active\n")},
        ("merchants.csv", "line 1", "missing required column 'merchant_id'")),
    "empty file": Fails({"merchants.csv": b""}, ("merchants.csv", "empty")),
    "header only": Loads({"merchants.csv": utf8(HEADER)}, []),
    "duplicate id with conflicting fields": Loads(
        {"merchants.csv": utf8(HEADER + GOOD + "m1,Other Name,2024-03-01,food,active\n")},
        ["m1"], {("merchants.csv", 3, "merchant_id")}, "the first row, at line 2, stands"),
    "ids that look like numbers": Loads(
        {"merchants.csv": utf8(HEADER + "007,a,,,\n7,b,,,\n0.70,c,,,\n")},
        ["007", "7", "0.70"]),
    "blank id": Loads(
        {"merchants.csv": utf8(HEADER + GOOD + "  ,b,,,\n")},
        ["m1"], {("merchants.csv", 3, "merchant_id")}, "missing required field"),
    "unparseable timestamp": Loads(
        {"merchants.csv": utf8(HEADER + GOOD + "m2,b,31/02/2024,,\n")},
        ["m1"], {("merchants.csv", 3, "registered_at")}, "unparseable timestamp"),
    "unparseable number": Loads(
        {"merchants.csv": utf8(HEADER + GOOD),
         "merchant_signals.csv": utf8("merchant_id,orders\nm1,12k\n")},
        ["m1"], {("merchant_signals.csv", 2, "orders")}, "unparseable number"),
    "negative count": Loads(
        {"merchants.csv": utf8(HEADER + GOOD),
         "merchant_devices.csv": utf8("merchant_id,device_id,logins\nm1,d1,-4\n")},
        ["m1"], {("merchant_devices.csv", 2, "logins")}, "negative value"),
    "unknown enum value": Loads(
        {"merchants.csv": utf8(HEADER + GOOD + "m2,b,,,frozen\n")},
        ["m1"], {("merchants.csv", 3, "status")}, "expected one of active, suspended, banned"),
    "link to a merchant that does not exist": Loads(
        {"merchants.csv": utf8(HEADER + GOOD),
         "merchant_accounts.csv": utf8("merchant_id,account_id\nm1,a1\nghost,a1\n")},
        ["m1"], {("merchant_accounts.csv", 3, "merchant_id")}, "unknown merchant 'ghost'"),
    "label for an entity that does not exist": Loads(
        {"merchants.csv": utf8(HEADER + GOOD),
         "labels.csv": utf8("entity_type,entity_id,label\nmerchant,m9,fraud\n")},
        ["m1"], {("labels.csv", 2, "entity_id")}, "unknown merchant 'm9'"),
    "membership of an organisation that is not declared": Loads(
        {"merchants.csv": utf8(HEADER + GOOD),
         "organizations.csv": utf8("organization_id,kind,name,verified\nO1,franchise,F,true\n"),
         "organization_members.csv": utf8("organization_id,entity_type,entity_id\n"
                                          "O1,merchant,m1\nO9,merchant,m1\n")},
        ["m1"], {("organization_members.csv", 3, "organization_id")},
        "unknown organization 'O9' (not in organizations.csv)"),
    "membership of a merchant that does not exist": Loads(
        {"merchants.csv": utf8(HEADER + GOOD),
         "organizations.csv": utf8("organization_id,kind,name,verified\nO1,franchise,F,true\n"),
         "organization_members.csv": utf8("organization_id,entity_type,entity_id\n"
                                          "O1,merchant,ghost\n")},
        ["m1"], {("organization_members.csv", 2, "entity_id")}, "unknown merchant 'ghost'"),
    "organisation verified neither true nor false": Loads(
        {"merchants.csv": utf8(HEADER + GOOD),
         "organizations.csv": utf8("organization_id,kind,name,verified\n"
                                   "O1,franchise,F,True\nO2,operator,G,verified\n")},
        ["m1"], {("organizations.csv", 3, "verified")}, "expected one of true, false"),
    "organisation file without its id column": Fails(
        {"merchants.csv": utf8(HEADER + GOOD),
         "organizations.csv": utf8("kind,name,verified\nfranchise,F,true\n")},
        ("organizations.csv", "line 1", "missing required column 'organization_id'")),
    "membership file without entity_type": Fails(
        {"merchants.csv": utf8(HEADER + GOOD),
         "organization_members.csv": utf8("organization_id,entity_id\nO1,m1\n")},
        ("organization_members.csv", "line 1", "missing required column 'entity_type'")),
    "10 MB single field": Loads(
        {"merchants.csv": utf8(HEADER + GOOD + f"m2,{TEN_MB},,,\n" + "m3,c,,,\n")},
        ["m1", "m3"], {("merchants.csv", 3, "name")},
        "field name is longer than the 1,048,576-byte limit on a field"),
    "a quoted field over 1 MiB across lines": Fails(
        {"merchants.csv": utf8(HEADER + GOOD + 'm2,"a\n' + "y" * 600_000 + "\n"
                               + "z" * 600_000 + '",,,\n')},
        ("merchants.csv", "line 3", "longer than the 1,048,576-byte limit on a field")),
    "amount above the contract's limit (gmv 1e308)": Loads(
        {"merchants.csv": utf8(HEADER + GOOD),
         "promotions.csv": utf8("streamer_id,merchant_id,gmv\ns1,m1,1e308\ns1,m1,1e308\n"
                                "s1,m1,1000000000000000\n")},
        ["m1"], {("promotions.csv", 2, "gmv"), ("promotions.csv", 3, "gmv")},
        "above the largest amount"),
    "count above the contract's limit": Loads(
        {"merchants.csv": utf8(HEADER + GOOD),
         "merchant_signals.csv": utf8("merchant_id,orders\nm1,10000000000000\n")},
        ["m1"], {("merchant_signals.csv", 2, "orders")}, "above the largest count"),
    "far-future label date": Loads(
        {"merchants.csv": utf8(HEADER + GOOD),
         "labels.csv": utf8("entity_type,entity_id,label,source,labeled_at\n"
                            "merchant,m1,legit,appeal,9999-12-31\n"
                            "merchant,m1,fraud,blacklist,2024-06-01\n")},
        ["m1"], {("labels.csv", 2, "labeled_at")}, "the day after the run"),
    "truncated last line": Loads(
        {"merchants.csv": utf8(HEADER + GOOD + "m2,Shoe Sh")},
        ["m1"], {("merchants.csv", 3, "")}, "wrong number of fields"),
    "truncated inside a quoted field": Loads(
        {"merchants.csv": utf8(HEADER + GOOD + 'm2,"Shoe Sh')},
        ["m1"], {("merchants.csv", 3, "")}, "unterminated quote from line 3"),
    "an unclosed quote mid-file": Loads(
        {"merchants.csv": utf8(HEADER + 'm1,"Shoe\nm2,B,2024-01-01,shoes,active\n'
                               'm3,C,2024-01-01,shoes,active\n')},
        [], {("merchants.csv", 2, ""), ("merchants.csv", 3, ""), ("merchants.csv", 4, "")},
        "unterminated quote from line 2", rows=3),
    "a table as both CSV and Parquet": Fails(
        {"merchants.csv": utf8(HEADER + GOOD), "merchants.parquet": b"PAR1"},
        ("merchants.csv and ", "merchants.parquet: the table merchants is in the export "
         "twice (which one to read is not guessed)")),
    "a table as a file and a part folder": Fails(
        {"merchants.csv": utf8(HEADER + GOOD),
         "labels.csv": utf8("entity_type,entity_id,label\nmerchant,m1,fraud\n"),
         "labels/part-00000.csv": utf8("entity_type,entity_id,label\nmerchant,m1,legit\n")},
        ("labels.csv and ", "labels: the table labels is in the export twice")),
    "a part folder (as Spark writes a table)": Fails(
        {"merchants.csv": utf8(HEADER + GOOD),
         "merchant_devices/part-00000.csv": utf8("merchant_id,device_id\nm1,d1\n")},
        ("merchant_devices/: a folder of part files, which only `scan --engine spark` "
         "reads",)),
}


def _validate(tmp_path: Path, files: dict[str, bytes],
              args: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    data = tmp_path / "export"
    data.mkdir()
    for name, content in files.items():
        (data / name).parent.mkdir(exist_ok=True)
        (data / name).write_bytes(content)
    rejects = tmp_path / "rejects.csv"
    result = CliRunner().invoke(
        cli, ["validate", str(data), "-q", "--rejects", str(rejects), *args])
    return data, rejects, result


def _data_rows(content: bytes, encoding: str) -> int:
    """Records after the header, counted independently of graphfraud's reader."""
    text = content.decode(encoding).lstrip("\ufeff")
    csv.field_size_limit(1 << 30)
    return sum(1 for rec in csv.reader(io.StringIO(text, newline="")) if rec) - 1


@pytest.mark.parametrize("case", list(CORPUS), ids=list(CORPUS))
def test_broken_export(tmp_path: Path, case: str) -> None:
    spec = CORPUS[case]
    args = spec.args if isinstance(spec, Loads) else ()
    data, rejects_path, result = _validate(tmp_path, spec.files, args)
    if isinstance(spec, Fails):
        assert result.exit_code == 2, result.output
        message = result.stderr.strip()
        assert "\n" not in message and message.startswith("error: ")
        for fragment in spec.fragments:
            assert fragment in message
        return

    assert result.exit_code == 0, result.output
    encoding = args[1] if args else "utf-8"
    loaded = read_dataset(data, mapping=_mapping(encoding))
    merchants = loaded.dataset.tables["merchants"]
    assert sorted(merchants["merchant_id"]) == sorted(spec.merchants)
    with rejects_path.open(encoding="utf-8", newline="") as fh:
        rejected = list(csv.DictReader(fh))
    assert {(r["file"], int(r["line"]), r["field"]) for r in rejected} == spec.rejects
    if spec.reason:
        assert spec.reason in rejected[0]["reason"]
    for report in loaded.files:
        assert report.loaded + report.rejected == report.rows
        assert report.rows == (spec.rows if spec.rows is not None
                               else _data_rows(spec.files[report.file], encoding))
    # the printed table says the same
    assert f"{'total':<24}{loaded.rows:>10}{loaded.loaded:>10}{loaded.rejected:>10}" in (
        result.stdout)


def _mapping(encoding: str):  # type: ignore[no-untyped-def]
    from graphfraud.loaders.mapping import Mapping

    return Mapping().with_encoding(encoding)


def test_gbk_names_survive_verbatim_with_the_right_encoding(tmp_path: Path) -> None:
    write_csv(tmp_path, "merchants.csv", HEADER + "m1,老字号保健品「正品」,,,\n", encoding="gbk")
    loaded = read_dataset(tmp_path, mapping=_mapping("gb18030"))
    assert loaded.dataset.tables["merchants"].loc[0, "name"] == "老字号保健品「正品」"


def test_an_unknown_encoding_is_a_usage_error(tmp_path: Path) -> None:
    _, _, result = _validate(tmp_path, {"merchants.csv": utf8(HEADER)}, ("--encoding", "klingon"))
    assert result.exit_code == 2
    assert "unknown text encoding 'klingon'" in result.stderr


def test_a_named_pipe_is_refused_not_waited_on(tmp_path: Path) -> None:
    """A FIFO as labels.csv (no writer): `validate` used to wait for ever on its open."""
    import os
    import subprocess
    import sys

    data = tmp_path / "export"
    data.mkdir()
    (data / "merchants.csv").write_text(HEADER + GOOD)
    os.mkfifo(data / "labels.csv")
    done = subprocess.run([sys.executable, "-m", "graphfraud", "validate", str(data), "-q",
                           "--rejects", str(tmp_path / "r.csv")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"error: {data / 'labels.csv'}: a named pipe, not a "
                                   "regular file; an export holds files (copy the data "
                                   "into a file first)")


@pytest.mark.parametrize("name", ["../secret.csv", "/etc/passwd", "..", "..csv",
                                  "sub/merchants.csv", "..\\secret.csv", ".parquet"])
def test_a_mapping_that_points_outside_the_export_is_refused(tmp_path: Path, name: str
                                                             ) -> None:
    (tmp_path / "secret.csv").write_text(HEADER + "stolen,x,,,\n")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(f"[files]\nmerchants = '{name}'\n")  # a TOML literal string
    _, rejects, result = _validate(tmp_path, {"merchants.csv": utf8(HEADER + GOOD)},
                                      ("--mapping", str(mapping)))
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert "\n" not in message and message.startswith(f"error: {mapping}: [files] merchants")
    assert "is not a file name in the export folder" in message
    assert not rejects.exists()


def test_rejects_into_a_missing_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "rejects.csv"
    *_, result = _validate(tmp_path, {"merchants.csv": utf8(HEADER + GOOD)},
                                ("--rejects", str(target)))
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: --rejects {target}: the folder {target.parent} "
                                     "does not exist (create it first; graphfraud does not "
                                     "make it)")
    assert not (tmp_path / "no").exists()


# --- generated rows -----------------------------------------------------------------

_NASTY = st.sampled_from([
    "", " ", "007", "m'1", 'm"2', "m`3`", "})", "// x", "a,b", "line\nbreak", "tab\there",
    "DETACH DELETE n", "\u5e97\u94fa", "\u00e9", "\x01", "\u200b", "x" * 300,
])
_TEXT = st.one_of(_NASTY, st.text(max_size=12))
_TIMESTAMP = st.sampled_from(["", "2024-03-01", "2024-03-01T08:00:00+08:00", "yesterday",
                              "2024-13-45", "9999-12-31"])
_STATUS = st.sampled_from(["", "active", "BANNED", " suspended ", "closed"])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_TEXT, _TEXT, _TIMESTAMP, _TEXT, _STATUS), max_size=25))
def test_generated_rows_are_loaded_verbatim_or_rejected(tmp_path_factory, rows) -> None:  # type: ignore[no-untyped-def]
    directory = tmp_path_factory.mktemp("gen")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")  # quotes any CR or LF in a field
    writer.writerow(HEADER.strip().split(","))
    writer.writerows(rows)
    (directory / "merchants.csv").write_text(buffer.getvalue(), encoding="utf-8", newline="")

    result = read_dataset(directory)
    [report] = result.files
    assert report.rows == len(rows)
    assert report.loaded + report.rejected == report.rows
    assert len(result.rejects) == report.rejected
    merchants = result.dataset.tables["merchants"]
    names = dict(zip(merchants["merchant_id"], merchants["name"], strict=True))
    rejected_lines = {r.line for r in result.rejects}
    assert len(rejected_lines) == report.rejected  # one reject per bad row
    # every loaded id is an id that was written, byte for byte, with the first good row's name
    written = {}
    for row in rows:
        written.setdefault(row[0], []).append(row[1])
    for merchant_id, name in names.items():
        assert merchant_id in written
        stored = None if pd.isna(name) else name
        assert stored in [n if n.strip() else None for n in written[merchant_id]]
