"""Property: whatever broken export a user hands the CLI, it answers by the contract.

Exit 0 with ``loaded + rejected == rows`` for every file, or exit 2 with one error line
naming what is wrong; never a traceback, never exit 1 for bad input. ``validate`` gets
any broken export; ``scan`` and ``check`` get a small export with a ring in it and the
hostile values of the contract's ``[limits]`` (amounts to 1e308 and past, counts past a
trillion, dates to 9999-12-31, control characters in ids, fields over the field limit,
kept small here by lowering the limit), and ``check`` a stream of hostile applicants.
"""

from __future__ import annotations

import csv
import json
import re
import tempfile
from pathlib import Path
from unittest import mock

from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from graphfraud.check.stream import LINE_LIMIT
from graphfraud.cli import cli
from graphfraud.loaders import reader
from graphfraud.report.run import read_run_report

CELL = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["", "m1", "m2", "-1", "9223372036854775807", "1e400", "2024-13-45",
                     "2024-03-01", "now", '"', '""', "=cmd()", "乡村直营", "\t", " , ",
                     "1e308", "10000000000000", "9999-12-31"]),
)
ROW = st.lists(CELL, min_size=0, max_size=5)


def _csv(header: list[str], rows: list[list[str]], line_end: str) -> bytes:
    def quote(cell: str) -> str:
        return cell if not re.search(r'[",\r\n]', cell) else '"' + cell.replace('"', '""') + '"'

    lines = [",".join(header)] + [",".join(quote(c) for c in row) for row in rows]
    return (line_end.join(lines) + line_end).encode("utf-8", errors="surrogatepass")


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(merchants=st.lists(ROW, max_size=8), links=st.lists(ROW, max_size=8),
       drop_column=st.booleans(), line_end=st.sampled_from(["\n", "\r\n"]),
       raw_links=st.one_of(st.none(), st.binary(max_size=40)))
def test_validate_answers_every_broken_export_by_the_contract(
        merchants: list[list[str]], links: list[list[str]], drop_column: bool, line_end: str,
        raw_links: bytes | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        header = ["registered_at", "status"] if drop_column else \
            ["merchant_id", "registered_at", "status"]
        (d / "merchants.csv").write_bytes(_csv(header, merchants, line_end))
        (d / "merchant_devices.csv").write_bytes(
            raw_links if raw_links is not None
            else _csv(["merchant_id", "device_id", "logins"], links, line_end))
        result = CliRunner().invoke(cli, ["validate", str(d), "--rejects",
                                          str(d / "rejects.csv")])
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr)
    if result.exit_code == 2:
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("error: ") and ".csv" in last, last
        return
    totals = {}
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[1].isdigit():
            totals[parts[0]] = tuple(int(x) for x in parts[1:])
    assert "total" in totals, result.stdout
    for rows, loaded, rejected, _merged in totals.values():
        assert loaded + rejected == rows


#: The field limit while the scan property runs: a "huge" field is this plus one byte,
#: so the case costs kilobytes, not the real limit's megabyte (the code path is the same;
#: tests/unit/test_bounds.py checks the real limit and its memory).
FIELD_LIMIT = 2_000
#: What a person reads must hold none of these raw (ESC, CR, NUL, DEL, C1, bidi override).
RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HOSTILE_ID = st.one_of(
    st.sampled_from(["\x1b[2J", "\x1b]0;owned\x07", "a\rb", "x\ny", "\x00", "\u202eevil",
                     "x\x85y", "\x7f", "\x1f", "'-2+3", "=cmd()", "\ttab", " pad ", '"q"',
                     "乡村直营", "", "9999-12-31", "1e308"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=6),
    st.just("h" * (FIELD_LIMIT + 1)),
)
AMOUNT = st.sampled_from(["1e308", "1e400", "-1e308", "inf", "nan", "1e15", "1e16",
                          "999999999999999.9", "0", "12.50", ""])
COUNT = st.sampled_from(["9223372036854775807", "1000000000000", "1000000000001", "1e13",
                         "-1", "3", ""])
DATE = st.one_of(st.just("2024-03-01"),
                 st.sampled_from(["9999-12-31", "9999-12-31T23:59:59Z", "0001-01-01",
                                  "1970-01-01", "2024-02-30", "2024-03-01T25:00:00", "",
                                  "now", "+275760-09-13"]))


def _table(header: list[str], rows: list[list[str]]) -> bytes:
    return _csv(header, rows, "\n")


def _hostile_export(d: Path, ids: list[str], device: str, amounts: list[str],
                    counts: list[str], dates: list[str], huge_name: bool) -> set[str]:
    """Six shops sharing three phones, an account and the hostile ``device`` (a ring),
    four on their own; the hostile ``ids`` are shops on the ring's phones too. Returns
    every actor id written."""
    shops = [f"m{i}" for i in range(1, 11)] + ids
    (d / "merchants.csv").write_bytes(_table(
        ["merchant_id", "name", "registered_at", "status"],
        [[m, "x" * (FIELD_LIMIT + 1) if huge_name and i == 2 else f"shop {i}",
          dates[i % len(dates)], "active"] for i, m in enumerate(shops)]))
    ring = shops[:6] + ids
    (d / "merchant_devices.csv").write_bytes(_table(
        ["merchant_id", "device_id", "first_seen", "logins"],
        [[m, phone, dates[(i + k) % len(dates)], counts[(i + k) % len(counts)]]
         for i, m in enumerate(ring) for k, phone in enumerate(["ph0", "ph1", "ph2", device])]
        + [[m, f"own-{m}", "2024-01-01", "1"] for m in shops[6:10]]))
    (d / "merchant_accounts.csv").write_bytes(_table(
        ["merchant_id", "account_id"], [[m, "acc0"] for m in ring]))
    (d / "streamers.csv").write_bytes(_table(["streamer_id", "name"],
                                             [["s1", "host"], ["s2", "host"]]))
    # each amount on two hosts' promotions of the ring at least (two rows at 1e308 in
    # one sum crashed the scan), the second host's rows otherwise clean
    (d / "promotions.csv").write_bytes(_table(
        ["streamer_id", "merchant_id", "sessions", "orders", "gmv", "last_at"],
        [["s1", m, counts[i % len(counts)], "1", amounts[i % len(amounts)],
          dates[i % len(dates)]] for i, m in enumerate(ring)]
        + [["s2", m, "1", "1", amounts[(i + 1) % len(amounts)], "2024-03-01"]
           for i, m in enumerate(ring)]))
    (d / "labels.csv").write_bytes(_table(
        ["entity_type", "entity_id", "label", "source", "labeled_at"],
        [["merchant", "m1", "fraud", "blacklist", "2024-06-01"],
         ["merchant", "m1", "legit", "appeal", dates[-1]],
         ["device", device, "fraud", "blacklist", dates[0]]]))
    return set(shops) | {"s1", "s2"}


def _assert_shown(text: str) -> None:
    """Text a person reads: every control character escaped, never raw."""
    raw = RAW_CONTROLS.search(text.replace("\n", ""))
    assert raw is None, (raw, text[-400:])


def _assert_one_error_line(result: object, what: str) -> None:
    stderr: str = result.stderr  # type: ignore[attr-defined]
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and what in last, last


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(ids=st.lists(HOSTILE_ID, max_size=3, unique=True), device=HOSTILE_ID,
       amounts=st.lists(AMOUNT, min_size=1, max_size=4),
       counts=st.lists(COUNT, min_size=1, max_size=3),
       dates=st.lists(DATE, min_size=1, max_size=3), huge_name=st.booleans())
@example(ids=["\x1b[2J", "a\rb"], device="\x1b]0;owned\x07", amounts=["1e308"],
         counts=["3"], dates=["9999-12-31"], huge_name=True)  # every named value at once
def test_scan_and_check_answer_hostile_values_by_the_contract(
        ids: list[str], device: str, amounts: list[str], counts: list[str], dates: list[str],
        huge_name: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp, \
            mock.patch.object(reader, "FIELD_LIMIT", FIELD_LIMIT):
        d, out = Path(tmp) / "export", Path(tmp) / "out"
        d.mkdir()
        actors = _hostile_export(d, ids, device, amounts, counts, dates, huge_name)
        scan = CliRunner().invoke(cli, ["scan", str(d), "--out", str(out)])
        assert "Traceback" not in scan.output + scan.stderr
        assert scan.exit_code in (0, 2), (scan.exit_code, scan.stderr[-2000:])
        _assert_shown(scan.output + scan.stderr)
        if scan.exit_code == 2:
            _assert_one_error_line(scan, ".csv")
            return
        shared = _scan_kept_the_contract(scan.stderr, out, actors)
        _check_answers_hostile_applicants(out, device, shared)


def _scan_kept_the_contract(stderr: str, out: Path, actors: set[str]) -> set[str]:
    """rows read == loaded + rejected (every reject in rejects.csv), a valid rings.json
    whose members are ids written, verbatim; returns the rings' shared identifiers."""
    read = re.search(r"^read (\d+) rows, (\d+) rejected$", stderr, re.MULTILINE)
    assert read is not None, stderr
    with (out / "rejects.csv").open(encoding="utf-8", newline="") as f:
        rejects = list(csv.DictReader(f))
    assert len(rejects) == int(read[2])
    assert all(r["reason"] for r in rejects)
    report = read_run_report(out / "rings.json")
    members = {m.id for ring in report.rings for m in ring.members}
    assert members <= actors, members - actors
    assert (out / "manifest.json").is_file() and (out / "report.html").is_file()
    return {s.id for ring in report.rings for s in ring.shared}


def _check_answers_hostile_applicants(out: Path, device: str, shared: set[str]) -> None:
    """One JSON line per input line, in order: an answer (a ring's identifier known
    and named verbatim) or ``{"error": "line N: ..."}``; exit 0; text output escaped."""
    lines = [
        json.dumps({"merchant_id": device, "devices": [device, "ph0", "never-seen"]}),
        json.dumps({"merchant_id": "9999-12-31", "devices": ["9999-12-31"],
                    "accounts": ["acc0", "1e308"]}),
        json.dumps({"devices": [1e308]}),
        '{"devices": [1e400], "accounts": ["\\u001b[2J"]}',
        json.dumps({"devices": ["d" * (FIELD_LIMIT + 1)], "streamers": ["s1"]}),
        json.dumps({"devices": ["d" * LINE_LIMIT]}),
        json.dumps({"merchant_id": "\x1b]0;owned\x07", "devices": "ph1",
                    "\x1b[2J\r": "9999-12-31"}),
    ]
    stream = "\n".join(lines).encode() + b"\n\xff\xfe\n"
    result = CliRunner().invoke(cli, ["check", "--index", str(out), "--json", "-"],
                                input=stream)
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(lines) + 1, result.stdout
    for n, answer in enumerate(answers, 1):
        assert ("error" in answer) != ("recommendation" in answer), answer
        if "error" in answer:
            assert answer["error"].startswith(f"line {n}: "), answer
    first = answers[0]
    if device.strip():
        assert first["merchant_id"] == device
        touched = {t["id"] for t in first["touches"]}
        assert touched <= {device, "ph0"} and {device, "ph0"} & shared <= touched, first
    assert answers[2]["error"].startswith("line 3: not a valid applicant")
    assert "longer than" in answers[5]["error"]
    assert "not UTF-8" in answers[-1]["error"]

    text = CliRunner().invoke(cli, ["check", "--index", str(out), "--device", device,
                                    "--device", "ph0", "--merchant-id", device])
    assert "Traceback" not in text.output + text.stderr
    assert text.exit_code == 0, text.output
    _assert_shown(text.stdout + text.stderr)
