"""The user guide's examples use ids and dates that the README's quick start produces
(``graphfraud synth my-export --seed 7 --scale 1``, then ``scan``), and its query
examples return rows on that data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from graphfraud.cli import cli

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "user-guide.md").read_text("utf-8")


@pytest.fixture(scope="module")
def quick_start(tmp_path_factory: pytest.TempPathFactory) -> Path:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "graphfraud synth my-export --seed 7 --scale 1" in readme
    assert "graphfraud synth my-export --seed 7 --scale 1" in GUIDE
    d = tmp_path_factory.mktemp("quick-start")
    runner = CliRunner()
    made = runner.invoke(cli, ["synth", str(d / "my-export"), "--seed", "7", "--scale", "1"])
    assert made.exit_code == 0, made.output
    scan = runner.invoke(cli, ["scan", str(d / "my-export"), "--out", str(d / "my-report"),
                               "-q"])
    assert scan.exit_code == 0, scan.output
    return d


def test_every_ring_merchant_and_identifier_of_the_guide_is_the_quick_starts(
        quick_start: Path) -> None:
    # before: ids of the demo's seed (R-0f267a17fdf8, 257467417, 139d25c56d469538)
    rings = {r["ring_id"]: r for r in json.loads(
        (quick_start / "my-report" / "rings.json").read_text("utf-8"))["rings"]}
    ring_ids = set(re.findall(r"\bR-[0-9a-f]{12}\b", GUIDE))
    assert ring_ids and ring_ids <= set(rings), ring_ids - set(rings)
    [detail] = re.findall(r"ring_detail -p ring_id=(\S+)", GUIDE)
    assert rings[detail]["risk"] == "high"
    [merchant] = re.findall(r"merchant_profile -p merchant_id=(\S+)", GUIDE)
    assert merchant in {m["id"] for m in rings[detail]["members"]}
    [confirmed] = re.findall(r"verdict (R-\S+) confirm", GUIDE)
    assert rings[confirmed]["risk"] == "high"

    [device] = re.findall(r"--device (\S+)", GUIDE)
    [account] = re.findall(r"--account (\S+)", GUIDE)
    check = CliRunner().invoke(cli, ["check", "--index", str(quick_start / "my-report"),
                                     "--device", device, "--account", account,
                                     "--format", "json"])
    assert check.exit_code == 0, check.output
    answer = json.loads(check.stdout)
    assert answer["recommendation"] == "block"
    assert {t["id"] for t in answer["touches"] if t["known"]} == {device, account}


def test_the_new_merchants_example_has_rows_on_the_quick_starts_data(
        quick_start: Path) -> None:
    # before: as_of=2026-01-01, past the synthetic data's last day (2024-06-30): no rows
    [(days, as_of)] = re.findall(r"new_merchants_near_fraud -p days=(\d+) -p as_of=(\S+)",
                                 GUIDE)
    merchants = pd.read_csv(quick_start / "my-export" / "merchants.csv", dtype=str)
    registered = pd.to_datetime(merchants["registered_at"], format="ISO8601", utc=True)
    end = pd.Timestamp(as_of, tz="UTC")
    new = set(merchants["merchant_id"][(registered >= end - pd.Timedelta(days=int(days)))
                                       & (registered <= end)])
    rings = json.loads((quick_start / "my-report" / "rings.json").read_text("utf-8"))["rings"]
    in_high = {m["id"] for r in rings if r["risk"] == "high" for m in r["members"]}
    # the query's third reason (a member of a high ring) alone gives rows
    assert len(new & in_high) >= 5
