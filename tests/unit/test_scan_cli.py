"""`graphfraud scan`: outputs, the contract's fields, exit codes, quality floors."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphfraud.cli import cli
from graphfraud.loaders import read_dataset
from graphfraud.pipeline import ScanParams, scan
from graphfraud.synth import SynthConfig, generate
from graphfraud.synth.evaluate import (
    baseline_components,
    baseline_louvain,
    evaluate,
    load_truth,
)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scan-export")
    generate(out, SynthConfig(scale=1, seed=907))  # a seed no knob was looked at on
    return out


@pytest.fixture(scope="module")
def scanned(export: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scan-out")
    result = CliRunner().invoke(cli, ["scan", str(export), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert "rings:" in result.stdout and "high" in result.stdout
    return out


def test_every_evidence_line_of_a_scan_reads_in_chinese_too(scanned: Path) -> None:
    from graphfraud.score.evidence import Reason, render, render_or_none

    report = json.loads((scanned / "rings.json").read_text())
    lines = {line for ring in report["rings"] for line in ring["evidence"]}
    assert len(lines) > 20
    for ring in report["rings"]:
        reasons = [Reason.of(r["code"], **r["values"]) for r in ring["reasons"]]
        # the English sentences are the reasons' words, line for line
        assert [render(r) for r in reasons] == ring["evidence"]
        assert not [r for r in reasons if render_or_none(r, "zh") is None]
    html = (scanned / "report.html").read_text("utf-8")
    assert "发现方式：" in html and "名成员在黑名单中" in html


def test_scan_writes_the_three_reports(scanned: Path) -> None:
    report = json.loads((scanned / "rings.json").read_text())
    assert report["schema_version"] == "2"
    assert report["summary"]["rejected_rows"] == 0 and report["summary"]["rings"] > 0
    assert {"read", "project", "communities", "embeddings", "scoring", "index"} <= set(
        report["summary"]["seconds"])  # every stage's time
    assert (scanned / "check-index.parquet").exists()
    scores = [r["score"] for r in report["rings"]]
    assert scores == sorted(scores, reverse=True)
    with (scanned / "rings.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == sum(len(r["members"]) for r in report["rings"])
    html = (scanned / "report.html").read_text()
    high = [r["ring_id"] for r in report["rings"] if r["risk"] == "high"]
    assert high and all(f'id="{ring_id}"' in html for ring_id in high)
    assert "http://" not in html and "https://" not in html  # self-contained, offline


def test_rescan_into_the_same_directory_reports_no_change(export: Path, scanned: Path,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "again"
    shutil.copytree(scanned, out)
    result = CliRunner().invoke(cli, ["scan", str(export), "--out", str(out), "-q"])
    assert result.exit_code == 0
    assert "since the previous run: 0 new, 0 grown, 0 shrunk, 0 changed, 0 gone" in result.stdout
    before = json.loads((scanned / "rings.json").read_text())["rings"]
    after = json.loads((out / "rings.json").read_text())["rings"]
    assert before == after


def test_scan_usage_errors_exit_2(tmp_path: Path, export: Path) -> None:
    runner = CliRunner()
    both = runner.invoke(cli, ["scan", str(export), "--neo4j", "--out", str(tmp_path)])
    assert both.exit_code == 2 and "either DATA_DIR or --neo4j" in both.stderr
    neither = runner.invoke(cli, ["scan", "--out", str(tmp_path)])
    assert neither.exit_code == 2
    missing = runner.invoke(cli, ["scan", str(tmp_path / "nope"), "--out", str(tmp_path)])
    assert missing.exit_code == 2 and "not a directory" in missing.stderr


def test_quality_floors_and_baselines(export: Path) -> None:
    """Floors a regression must not cross (measured figures are in docs/quality.md)."""
    dataset = read_dataset(export).dataset
    truth = load_truth(export)
    result = scan(dataset, ScanParams.with_seed(907))
    predicted = [frozenset(f"{m.type}:{m.id}" for m in r.members)
                 for r in result.rings if r.risk == "high"]
    ours = evaluate(predicted, truth)
    assert ours.member_f1 >= 0.9
    assert ours.ring_recall >= 0.9
    assert ours.ring_precision >= 0.9
    assert ours.lookalikes_flagged == 0
    pruned = evaluate(baseline_components(dataset, max_sharing=10), truth)
    louvain = evaluate(baseline_louvain(dataset, max_sharing=10, seed=907), truth)
    assert ours.member_f1 >= pruned.member_f1 + 0.05
    assert ours.member_f1 >= louvain.member_f1 + 0.05


def test_embedding_expansion_recovers_weakly_linked_members(tmp_path: Path) -> None:
    """w shares only a moderately popular phone with the ring; its neighbourhood is the ring.

    Eight shops share two rare phones (strong links) and a third phone that w uses too.
    That phone has 9 users, above strong_degree=8, so w has no strong link: only the
    embedding (w's neighbourhood is the ring) brings it in. (The rare phones are within
    strong_degree, so they form no block of cohesive identifiers: the ring is a
    strong-link component, the candidates that embedding expansion grows.)
    """
    from conftest import write_csv

    d = tmp_path / "d"
    ring = [f"r{i}" for i in range(8)]
    write_csv(d, "merchants.csv", "merchant_id\n" + "\n".join([*ring, "w", "x1", "x2"]) + "\n")
    links = ["merchant_id,device_id"]
    links += [f"{m},rare-{k}" for m in ring for k in (1, 2)]
    links += [f"{m},popular" for m in [*ring, "w"]]
    links += ["x1,home", "x2,home"]
    write_csv(d, "merchant_devices.csv", "\n".join(links) + "\n")
    dataset = read_dataset(d).dataset

    def members(use_embedding: bool) -> set[str]:
        params = ScanParams.with_seed(1, strong_degree=8, use_embedding=use_embedding)
        [found] = [r for r in scan(dataset, params).rings if "r0" in {m.id for m in r.members}]
        return {m.id for m in found.members}

    assert members(False) == set(ring)
    assert members(True) == {*ring, "w"}


@pytest.mark.skipif(shutil.which("chromium") is None and not os.environ.get("CI"),
                    reason="chromium is not installed (scripts/test.sh installs it)")
def test_report_renders_in_a_real_browser(scanned: Path, tmp_path: Path) -> None:
    """Headless Chromium lays out every high ring's section and picture."""
    chromium = shutil.which("chromium")
    assert chromium, "chromium is required (apt-get install chromium)"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    page = (scanned / "report.html").resolve().as_uri()
    dom = subprocess.run([chromium, *flags, "--dump-dom", page], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    report = json.loads((scanned / "rings.json").read_text())
    high = sum(r["risk"] == "high" for r in report["rings"])
    assert f'data-high-sections="{high}"' in dom
    assert f'data-high-pictures="{high}"' in dom
    shot = tmp_path / "report.png"
    subprocess.run([chromium, *flags, "--window-size=1280,1600", f"--screenshot={shot}", page],
                   capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    zh_shot = tmp_path / "report-zh.png"
    subprocess.run([chromium, *flags, "--window-size=1280,1600", f"--screenshot={zh_shot}",
                    page + "?lang=zh"], capture_output=True, timeout=120, check=True)
    assert zh_shot.stat().st_size > 20_000
    # GRAPHFRAUD_SCREENSHOTS=docs keeps them: the pictures in docs/report.md come from here
    if keep := os.environ.get("GRAPHFRAUD_SCREENSHOTS"):
        shutil.copyfile(shot, Path(keep) / "report-en.png")
        shutil.copyfile(zh_shot, Path(keep) / "report-zh.png")
    assert '<html lang="en"' in dom and 'class="mark mark-fraud"' in dom  # marks drawn
    with (scanned / "rings.csv").open(encoding="utf-8", newline="") as fh:
        names = {row["name"] for row in csv.DictReader(fh) if row["name"]}
    assert names and any(f'<td class="name">{n}</td>' in dom for n in names)
    # the language and the filters, as the script applies them in the browser
    zh = subprocess.run([chromium, *flags, "--dump-dom", page + "?lang=zh&risk=low"],
                        capture_output=True, text=True, timeout=120, check=True).stdout
    assert '<html lang="zh"' in zh
    rows = re.findall(r'<tr data-risk="(\w+)"[^>]*?( hidden="")?>', zh)
    low = sum(r["risk"] == "low" for r in report["rings"])
    assert rows and all(bool(hidden) == (kind != "low") for kind, hidden in rows)
    assert f'id="f-count">{low} / {len(report["rings"])}<' in zh

    # a reader's clicks: the switch changes the words shown, a filter hides rings, and a
    # ring an analyst dismissed carries its visible badge
    from dataclasses import replace

    from graphfraud.report import read_run_report, write_reports

    decided = read_run_report(scanned / "rings.json")
    top = decided.rings[0].ring_id
    decided = replace(decided, decisions={top: {"decision": "dismiss", "at": "2026-05-01"}},
                      actors={f"{m.type}:{m.id}": {"verdict": "fraud"}
                              for m in decided.rings[0].members[:1]})
    write_reports(decided, tmp_path / "decided")
    clicked = tmp_path / "decided" / "clicked.html"
    clicked.write_text((tmp_path / "decided" / "report.html").read_text("utf-8").replace(
        "</body>", _CLICKS + "</body>"), "utf-8")
    after = subprocess.run([chromium, *flags, "--dump-dom", clicked.resolve().as_uri()],
                           capture_output=True, text=True, timeout=120, check=True).stdout
    attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', after.split("<body", 1)[1][:2000]))
    assert attrs["before"] == "Fraud ring report"
    assert attrs["after-click"] == "欺诈团伙报告" and attrs["lang-after-click"] == "zh"
    assert int(attrs["hidden-rows"]) == len(report["rings"]) - high
    assert attrs["low-rows-hidden"] == "true"
    assert attrs["badge"] == "分析员已排除"  # shown in the language switched to
    assert attrs["fraud-mark"] == "黑名单"


#: Appended by the browser test to a copy of report.html: clicks the language switch
#: and a filter as a reader would, and writes what the page then shows into attributes
#: of <body> (which --dump-dom prints). The page itself is not changed.
_CLICKS = """<script>
window.addEventListener("load", function () {
  var body = document.body, h1 = document.querySelector("header h1");
  body.dataset.before = h1.innerText;
  document.getElementById("lang-switch").click();
  body.dataset.afterClick = h1.innerText;
  body.dataset.langAfterClick = document.documentElement.lang;
  var risk = document.getElementById("f-risk");
  risk.value = "high"; risk.dispatchEvent(new Event("change"));
  var rows = document.querySelectorAll("#triage tbody tr");
  body.dataset.hiddenRows = String(Array.prototype.filter.call(rows, function (tr) {
    return tr.hidden; }).length);
  body.dataset.lowRowsHidden = String(Array.prototype.every.call(
    document.querySelectorAll('#triage tbody tr[data-risk="low"]'),
    function (tr) { return tr.offsetParent === null; }));
  var badge = document.querySelector("section.ring .verdict-dismiss");
  body.dataset.badge = badge && badge.offsetParent !== null ? badge.innerText : "";
  var fraud = document.querySelector("section.ring .mark-fraud");
  body.dataset.fraudMark = fraud && fraud.offsetParent !== null ? fraud.innerText : "";
});
</script>"""


def _redacted_scan(export: Path, out: Path) -> None:
    result = CliRunner().invoke(cli, ["scan", str(export), "--out", str(out), "-q", "--redact"])
    assert result.exit_code == 0, result.output


def test_redact_masks_every_id_consistently_and_the_key_maps_back(
    export: Path, scanned: Path, tmp_path: Path,
) -> None:
    import re

    out = tmp_path / "redacted"
    _redacted_scan(export, out)
    report = json.loads((out / "rings.json").read_text())  # the team's record: real ids
    assert report["rings"] == json.loads((scanned / "rings.json").read_text())["rings"]
    real = {(m["type"], m["id"]) for r in report["rings"] for m in r["members"]}
    real |= {(s["type"], s["id"]) for r in report["rings"] for s in r["shared"]}
    real |= {(h["type"], h["id"]) for h in report["hubs"]}
    html = (out / "report.html").read_text()
    csv_text = (out / "rings.csv").read_text()
    tokens = set(re.findall(r"[\w-]+", html)) | set(re.findall(r"[\w-]+", csv_text))
    assert not {value for _, value in real} & tokens  # no id survives, anywhere
    assert str(export) not in html

    with (out / "redaction-key.csv").open(newline="") as fh:
        key = {row["pseudonym"]: (row["type"], row["id"]) for row in csv.DictReader(fh)}
    # one pseudonym per id: the rings' and hubs', and those the members are flagged via
    assert real <= set(key.values()) and len(key) == len(set(key.values()))
    assert not {value for _, value in key.values()} & tokens
    with (out / "rings.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    members = {(r["ring_id"], m["type"], m["id"]) for r in report["rings"] for m in r["members"]}
    mapped = {(row["ring_id"], *key[row["member_id"]]) for row in rows}
    assert mapped == members  # consistent: every row maps back to its true member
    shown = set(re.findall(r"<code>([MSDA]-[0-9a-f]{12,})</code>", html))
    assert shown and shown <= set(key)  # the page uses the same pseudonyms as the CSV

    again = tmp_path / "redacted-again"
    _redacted_scan(export, again)
    with (again / "redaction-key.csv").open(newline="") as fh:
        other = {row["pseudonym"] for row in csv.DictReader(fh)}
    assert not other & set(key)  # two shared reports cannot be linked by pseudonym

    plain = tmp_path / "redacted"
    result = CliRunner().invoke(cli, ["scan", str(export), "--out", str(plain), "-q"])
    assert result.exit_code == 0
    assert not (plain / "redaction-key.csv").exists()  # no stale key beside real ids


def test_a_bad_worker_count_stops_the_scan_before_any_work(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "never"
    result = CliRunner().invoke(cli, ["scan", str(export), "--out", str(out), "-q"],
                                env={"GRAPHFRAUD_WORKERS": "lots"})
    assert result.exit_code == 2
    assert "GRAPHFRAUD_WORKERS must be a whole number from 1 to 256, not 'lots'" in result.output
    assert not out.exists()


def test_excel_puts_a_byte_order_mark_before_rings_csv_and_nothing_else_changes(
        export: Path, scanned: Path, tmp_path: Path) -> None:
    out = tmp_path / "for-excel"
    result = CliRunner().invoke(cli, ["scan", str(export), "--out", str(out), "--excel", "-q"])
    assert result.exit_code == 0, result.output
    plain = (scanned / "rings.csv").read_bytes()
    assert not plain.startswith(b"\xef\xbb\xbf")  # the default: the contract's plain UTF-8
    assert (out / "rings.csv").read_bytes() == b"\xef\xbb\xbf" + plain
    with (out / "rings.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert next(csv.reader(fh))[0] == "ring_id"
    assert json.loads((out / "rings.json").read_text())["rings"] == json.loads(
        (scanned / "rings.json").read_text())["rings"]


@pytest.mark.parametrize("args,message", [
    (["--out", "s3a://bucket/x"], "needs --engine spark"),
    (["--out", "s3a://bucket/x", "--engine", "spark"], "needs --report-out"),
    (["--out", "s3a://KEY:SECRET@bucket/x", "--engine", "spark", "--report-out", "r"],
     "credentials do not go in a path"),
    (["--out", "s3a://bucket/x*", "--engine", "spark", "--report-out", "r"], "glob"),
    (["--out", "local", "--report-out", "r"], "--report-out goes with a cluster --out"),
], ids=["embedded", "no-report-out", "credentials", "glob", "local-out"])
def test_a_cluster_out_is_checked_before_any_work(tmp_path: Path, args: list[str],
                                                 message: str) -> None:
    from click.testing import CliRunner

    from graphfraud.cli import cli

    result = CliRunner().invoke(cli, ["scan", str(tmp_path), *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "SECRET" not in result.stderr
    assert not Path("s3a:").exists() and not Path("r").exists()
