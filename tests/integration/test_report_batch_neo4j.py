"""Case work against the real test server: an analyst's confirmation read back from
Neo4j leaves its ring's score and risk as they were and shows as a decision; a batch
run's page shows its alerts and risk changes, and never folds an alerted ring away."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graphfraud.cli import cli

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


def _env(settings: Any) -> dict[str, str]:
    return {"NEO4J_URI": settings.uri, "NEO4J_PASSWORD": settings.password,
            "GRAPHFRAUD_ANALYST": "alice"}


def _export(to: Path, seed: int) -> Path:
    from graphfraud.synth import SynthConfig, generate

    generate(to, SynthConfig(scale=0.3, seed=seed))
    (to / "ground_truth.json").unlink()
    return to


def _rings(out: Path) -> dict[str, dict[str, Any]]:
    return {r["ring_id"]: r for r in json.loads((out / "rings.json").read_text())["rings"]}


def _invoke(args: list[str], env: dict[str, str]) -> Any:
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output + (result.stderr or "")
    return result


def test_a_confirmation_read_back_from_neo4j_is_a_decision_not_evidence(
    empty_db: Any, neo4j_settings: Any, tmp_path: Path
) -> None:
    env = _env(neo4j_settings)
    data = _export(tmp_path / "export", seed=38)
    _invoke(["load", str(data), "-q", "--rejects", str(tmp_path / "r.csv")], env)
    out = tmp_path / "out"
    _invoke(["scan", "--neo4j", "--out", str(out), "--seed", "5", "-q"], env)
    before = _rings(out)
    high = [r for r in before.values() if r["risk"] == "high"
            and all(m["type"] == "merchant" for m in r["members"])]
    blacklisted = next(r for r in high if r["known_fraud"] > 0)  # labels.csv's, confirmed
    plain = next(r for r in high if r["known_fraud"] == 0 and r is not blacklisted)
    # one ring confirmed at a time: each is compared with the run before its own
    # confirmation (another ring's confirmation counts for it: that is feedback)
    for ring in (blacklisted, plain):
        _invoke(["verdict", ring["ring_id"], "confirm", "--note", "case 29"], env)
        _invoke(["scan", "--neo4j", "--out", str(out), "--seed", "5", "-q"], env)
        now = _rings(out)[ring["ring_id"]]
        assert (now["score"], now["risk"], now["known_fraud"]) == (
            before[ring["ring_id"]]["score"], before[ring["ring_id"]]["risk"],
            before[ring["ring_id"]]["known_fraud"])
        k = len(ring["members"])
        line = f"{k} members confirmed as fraud by analysts (a decision, not counted as evidence)"
        assert now["evidence"][-1] == line and line not in ring["evidence"]
        page = (out / "report.html").read_text("utf-8")
        section = page[page.index(f'<section class="ring" id="{ring["ring_id"]}"'):] \
            .split("</section>")[0]
        assert "Analysts&#39; decisions" in section and line in section
        assert "（这是处置决定，不计入证据）" in section
        before = _rings(out)


def _join(export: Path, shops: list[str], ring: dict[str, Any]) -> None:
    """New shops in ``export`` on the ring's two most shared identifiers."""
    with (export / "merchants.csv").open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([[m, "新店", "2024-06-01", "health", "active"]
                                  for m in shops])
    for shared in ring["shared"][:2]:
        name = "merchant_devices.csv" if shared["type"] == "device" else "merchant_accounts.csv"
        rows = [[m, shared["id"], "", "", 3] if shared["type"] == "device"
                else [m, shared["id"], "settlement", ""] for m in shops]
        with (export / name).open("a", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)


def test_a_batch_page_shows_its_alerts_and_risk_changes(
    empty_db: Any, neo4j_settings: Any, tmp_path: Path
) -> None:
    env = _env(neo4j_settings)
    exports, runs = tmp_path / "exports", tmp_path / "runs"
    first = _export(exports / "2026-01-01", seed=77)
    _invoke(["batch", str(exports), "--runs", str(runs), "-q"], env)
    run1 = runs / (runs / "LATEST").read_text().strip()
    assert 'id="alerts"' in (run1 / "report.html").read_text("utf-8")  # the first run's
    ring = next(r for r in _rings(run1).values() if r["risk"] == "high"
                and len(r["shared"]) >= 2 and all(m["type"] == "merchant" for m in r["members"]))
    _invoke(["verdict", ring["ring_id"], "dismiss", "--note", "franchise",
             "--clear-blacklisted"], env)
    second = exports / "2026-01-02"
    shutil.copytree(first, second)
    _join(second, [f"joiner-{i}" for i in range(4)], ring)  # a material change
    _invoke(["batch", str(exports), "--runs", str(runs), "-q", "--excel"], env)
    run2 = runs / (runs / "LATEST").read_text().strip()
    alerts = {a["ring_id"]: a for a in json.loads((run2 / "alerts.json").read_text())["alerts"]}
    now = _rings(run2)[ring["ring_id"]]
    assert ring["ring_id"] in alerts and now["risk"] != "high"
    page = (run2 / "report.html").read_text("utf-8")
    block = page[page.index('<div class="alerts" id="alerts">'):].split("</div>")[0]
    assert f'href="#{ring["ring_id"]}"' in block and alerts[ring["ring_id"]]["reason"] in block
    assert "已排除的团伙发生实质变化：排除后新加入 4 名成员" in block
    assert f'<section class="ring" id="{ring["ring_id"]}"' in page  # not folded away
    assert f'<details class="compact" id="{ring["ring_id"]}"' not in page
    row = page[page.index(f'<td data-v="{ring["ring_id"]}">'):].split("</tr>")[0]
    assert re.search(rf"high → {now['risk']}", row) and "unchanged" not in row
    assert (run2 / "rings.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # --excel
    assert not (run1 / "rings.csv").read_bytes().startswith(b"\xef\xbb\xbf")
