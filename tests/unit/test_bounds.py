"""Hostile values have a bound: amounts and counts a platform can hold, timestamps no
later than the day after the run, fields no longer than 1 MiB (the contract's
``[limits]``); and a previous report's ring ids must be ones graphfraud makes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import write_csv
from graphfraud.cli import cli
from graphfraud.loaders import read_dataset, reader
from graphfraud.loaders.reader import MAX_AMOUNT, MAX_SUM, run_horizon
from graphfraud.report.context import _sums


def _ring_export(d: Path, gmv: str) -> Path:
    """Six shops on four phones and two accounts (a ring), 34 on their own; two
    promotions of ring shops with GMV ``gmv``."""
    write_csv(d, "merchants.csv", "merchant_id,name,registered_at,category,status\n" + "".join(
        f"m{i},shop{i},2024-01-{i % 28 + 1:02d},x,active\n" for i in range(1, 41)))
    write_csv(d, "merchant_devices.csv", "merchant_id,device_id\n" + "".join(
        f"m{i},ring-phone-{k}\n" for i in range(1, 7) for k in range(4)) + "".join(
        f"m{i},own-{i}\n" for i in range(7, 41)))
    write_csv(d, "merchant_accounts.csv", "merchant_id,account_id\n" + "".join(
        f"m{i},ring-account-{k}\n" for i in range(1, 7) for k in range(2)))
    write_csv(d, "streamers.csv", "streamer_id,name\ns1,host\n")
    write_csv(d, "promotions.csv", "streamer_id,merchant_id,sessions,orders,gmv\n"
              f"s1,m1,1,1,{gmv}\ns1,m2,1,1,{gmv}\n")
    return d


def _rejects(out: Path) -> list[tuple[str, str, str]]:
    rows = pd.read_csv(out / "rejects.csv", dtype=str)
    return list(zip(rows["file"], rows["line"], rows["field"], strict=True))


def test_two_promotions_at_1e308_are_rejected_and_the_scan_goes_on(tmp_path: Path) -> None:
    # before: exit 1, "OverflowError: intermediate overflow in fsum"
    data = _ring_export(tmp_path / "d", "1e308")
    result = CliRunner().invoke(cli, ["scan", str(data), "--out", str(tmp_path / "out"),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    assert _rejects(tmp_path / "out") == [("promotions.csv", "2", "gmv"),
                                          ("promotions.csv", "3", "gmv")]
    reasons = pd.read_csv(tmp_path / "out" / "rejects.csv", dtype=str)["reason"]
    assert "above the largest amount" in reasons[0]
    rings = json.loads((tmp_path / "out" / "rings.json").read_text("utf-8"))["rings"]
    assert any({"m1", "m2"} <= {m["id"] for m in r["members"]} for r in rings)


def test_amounts_at_the_limit_load_and_their_sums_stay_finite(tmp_path: Path) -> None:
    data = _ring_export(tmp_path / "d", str(MAX_AMOUNT))
    result = CliRunner().invoke(cli, ["scan", str(data), "--out", str(tmp_path / "out"),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    assert _rejects(tmp_path / "out") == []
    # a million rows each at the largest sum a link saturates at: still a finite total
    totals = _sums(np.zeros(1_000_000, dtype=np.int64), np.full(1_000_000, float(MAX_SUM)))
    assert np.isfinite(totals.to_numpy()).all()
    above = read_dataset(_ring_export(tmp_path / "e", str(MAX_AMOUNT * 1.5)))
    assert [(r.line, r.field) for r in above.rejects] == [(2, "gmv"), (3, "gmv")]


def _labels(tmp_path: Path, rows: str):  # type: ignore[no-untyped-def]
    d = tmp_path / "labels"
    write_csv(d, "merchants.csv", "merchant_id,registered_at\nm1,2024-01-01\nm2,2024-01-01\n")
    write_csv(d, "labels.csv", "entity_type,entity_id,label,source,labeled_at\n" + rows)
    return read_dataset(d)


def test_a_far_future_clearing_does_not_outrank_a_later_real_blacklisting(
        tmp_path: Path) -> None:
    # before: the 9999-12-31 row stood for good, clearing a blacklisted shop
    loaded = _labels(tmp_path, "merchant,m1,legit,appeal,9999-12-31\n"
                               "merchant,m1,fraud,blacklist,2024-06-01\n")
    labels = loaded.dataset.tables["labels"]
    assert labels[["entity_id", "label"]].values.tolist() == [["m1", "fraud"]]
    [bad] = loaded.rejects
    assert (bad.file, bad.line, bad.field) == ("labels.csv", 2, "labeled_at")
    assert "the day after the run" in bad.reason and bad.value == "9999-12-31"


def test_the_horizon_is_the_end_of_the_day_after_the_run(tmp_path: Path) -> None:
    horizon = run_horizon()
    ok = (horizon - pd.Timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    late = horizon.strftime("%Y-%m-%d")
    loaded = _labels(tmp_path, f"merchant,m1,fraud,blacklist,{ok}\n"
                               f"merchant,m2,fraud,blacklist,{late}\n")
    assert [(r.line, r.field) for r in loaded.rejects] == [(3, "labeled_at")]
    assert run_horizon("2024-06-30T23:59:59+08:00") == pd.Timestamp("2024-07-02", tz="UTC")


def test_a_line_over_the_field_limit_is_rejected_naming_its_field(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "FIELD_LIMIT", 1000)
    d = tmp_path / "d"
    write_csv(d, "merchants.csv", "merchant_id,name,status\nm1,a,active\n"
              f"m2,{'x' * 2000},active\nm3,\"quoted, {'y' * 2000}\",banned\nm4,b,active\n")
    loaded = read_dataset(d)
    assert sorted(loaded.dataset.tables["merchants"]["merchant_id"]) == ["m1", "m4"]
    assert [(r.line, r.field) for r in loaded.rejects] == [(3, "name"), (4, "")]
    assert "longer than the 1,000-byte limit on a field" in loaded.rejects[0].reason
    [report] = loaded.files
    assert (report.rows, report.loaded, report.rejected) == (4, 2, 2)


def test_a_quoted_field_over_the_limit_across_lines_stops_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "FIELD_LIMIT", 1000)
    data = tmp_path / "d"
    write_csv(data, "merchants.csv", "merchant_id,name\nm1,a\nm2,\"start\n" + "z" * 2000
              + "\nend\"\n")
    result = CliRunner().invoke(cli, ["validate", str(data), "-q"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: {data / 'merchants.csv'}: line 4: a quoted "
                                     "field that spans lines is longer than the 1,000-byte "
                                     "limit on a field")


_PEAK = """
import resource, sys
from pathlib import Path
import pandas, pyarrow, pyarrow.csv, pyarrow.compute  # noqa: F401
from graphfraud.loaders import read_dataset
read_dataset(Path(sys.argv[1]) / "small")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
loaded = read_dataset(Path(sys.argv[1]) / "big")
assert [r.line for r in loaded.rejects] == [3], loaded.rejects
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def test_a_huge_field_costs_about_its_own_size_not_many_times_it(tmp_path: Path) -> None:
    # before: a 200 MB field took 2.9 GB (14 times its size); a 40 MB one took ~560 MB
    size = 40_000_000
    write_csv(tmp_path / "small", "merchants.csv", "merchant_id,name\nm1,a\n")
    write_csv(tmp_path / "big", "merchants.csv", f"merchant_id,name\nm1,a\nm2,{'x' * size}\n"
              "m3,b\n")
    done = subprocess.run([sys.executable, "-c", _PEAK, str(tmp_path)], capture_output=True,
                          text=True, timeout=120, check=True)
    grown = int(done.stdout.strip()) * 1024
    assert grown < 3 * size, f"peak grew by {grown:,} bytes for a {size:,}-byte field"


def test_a_previous_report_whose_ring_ids_are_not_ours_is_refused(tmp_path: Path) -> None:
    data = _ring_export(tmp_path / "d", "10")
    runner = CliRunner()
    assert runner.invoke(cli, ["scan", str(data), "--out", str(tmp_path / "a"),
                               "--quiet"]).exit_code == 0
    document = json.loads((tmp_path / "a" / "rings.json").read_text("utf-8"))
    (tmp_path / "old").mkdir()
    shutil.copy(tmp_path / "a" / "rings.json", tmp_path / "old" / "rings.json")
    ok = runner.invoke(cli, ["scan", str(data), "--out", str(tmp_path / "b"), "--quiet",
                             "--previous", str(tmp_path / "old" / "rings.json")])
    assert ok.exit_code == 0, ok.output  # ours carry over
    document["rings"][0]["ring_id"] = "R-x'}) DETACH DELETE n //\x1b[31m"
    (tmp_path / "old" / "rings.json").write_text(json.dumps(document), "utf-8")
    refused = runner.invoke(cli, ["scan", str(data), "--out", str(tmp_path / "c"), "--quiet",
                                  "--previous", str(tmp_path / "old" / "rings.json")])
    assert refused.exit_code == 2, refused.output
    message = refused.stderr.strip()
    assert "\n" not in message and "\x1b" not in message
    assert "rings[0].ring_id" in message and "not a ring id graphfraud makes" in message
    assert not (tmp_path / "c" / "rings.json").exists()
