"""`graphfraud batch` and `graphfraud verdict` against the real test server.

A two-export scenario with known changes: the second export plants a new ring, grows
a ring of the first with three new shops, removes some link rows and changes a status;
the batch must apply exactly that difference, name the ring changes by stable id, and
alert only on what changed. Verdicts then change the next batch's result and alerts.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graphfraud.cli import cli

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

NEW_RING = [f"planted-new-{i}" for i in range(5)]
GROWN = [f"planted-grow-{i}" for i in range(3)]


def _append(path: Path, rows: list[list[Any]]) -> None:
    with path.open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _rewrite(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _latest(runs: Path) -> Path:
    return runs / (runs / "LATEST").read_text().strip()


def _high_shop_ring(run_dir: Path) -> dict[str, Any]:
    """A high ring of shops only, sharing at least two identifiers."""
    report = json.loads((run_dir / "rings.json").read_text())
    return next(r for r in report["rings"] if r["risk"] == "high" and len(r["shared"]) >= 2
                and all(m["type"] == "merchant" for m in r["members"]))


def _join_rows(shops: list[str], ring: dict[str, Any]) -> dict[str, list[list[Any]]]:
    """Link rows that tie ``shops`` to the ring's two most shared identifiers."""
    rows: dict[str, list[list[Any]]] = {"merchant_devices.csv": [], "merchant_accounts.csv": []}
    for shared in ring["shared"][:2]:
        for m in shops:
            if shared["type"] == "device":
                rows["merchant_devices.csv"].append([m, shared["id"], "", "", 3])
            else:
                rows["merchant_accounts.csv"].append([m, shared["id"], "settlement", ""])
    return rows


def _second_export(first: Path, to: Path, grow: dict[str, Any]) -> dict[str, int]:
    """The first export plus the planted changes; returns the rows it adds and removes."""
    shutil.copytree(first, to)
    merchants = NEW_RING + GROWN
    _append(to / "merchants.csv", [[m, f"新店{i}", f"2024-06-0{1 + i % 3}", "health", "active"]
                                    for i, m in enumerate(merchants)])
    _append(to / "merchant_devices.csv",
            [[m, d, "2024-06-02T10:00:00", "2024-06-20T10:00:00", 9]
             for m in NEW_RING for d in ("planted-phone-1", "planted-phone-2")])
    _append(to / "merchant_accounts.csv",
            [[m, "planted-wallet", "settlement", "2024-06-02T10:00:00"] for m in NEW_RING])
    for name, rows in _join_rows(GROWN, grow).items():
        _append(to / name, rows)
    links = _rows(to / "promotions.csv")
    _rewrite(to / "promotions.csv", links[:-10])  # ten promotions ended
    status = _rows(to / "merchants.csv")
    changed = next(i for i, r in enumerate(status) if r["status"] == "active")
    status[changed]["status"] = "suspended"
    _rewrite(to / "merchants.csv", status)
    added = len(merchants) + 2 * len(NEW_RING) + len(NEW_RING) + 2 * len(GROWN)
    return {"written": added + 1, "removed": 10}


def _env(settings: Any) -> dict[str, str]:
    return {"NEO4J_URI": settings.uri, "NEO4J_PASSWORD": settings.password,
            "GRAPHFRAUD_ANALYST": "alice"}


def _batch(exports: Path, runs: Path, settings: Any) -> Any:
    result = CliRunner().invoke(cli, ["batch", str(exports), "--runs", str(runs), "-q"],
                                env=_env(settings))
    assert result.exit_code == 0, result.output + result.stderr
    return result


def _entity_graph(driver: Any) -> list[str]:
    """Every business node and link (not runs, rings or verdicts), as sorted text."""
    nodes, _, _ = driver.execute_query(
        "MATCH (n) WHERE NOT (n:Run OR n:Ring OR n:Verdict) "
        "RETURN labels(n) AS l, properties(n) AS p", database_="neo4j")
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r:LOGGED_IN_FROM|PAID_VIA|PROMOTED]->(b) "
        "RETURN type(r) AS t, properties(a) AS a, properties(b) AS b, properties(r) AS p",
        database_="neo4j")
    return sorted([json.dumps([r["l"], r["p"]], sort_keys=True, default=str) for r in nodes]
                  + [json.dumps([r["t"], r["a"], r["b"], r["p"]], sort_keys=True, default=str)
                     for r in rels])


def _first_batch(first_export: Path, tmp_path: Path, settings: Any) -> tuple[Path, Path, Path]:
    """Exports dir holding the first export, the runs dir, and the run the batch made."""
    exports, runs = tmp_path / "exports", tmp_path / "runs"
    shutil.copytree(first_export, exports / "2026-01-01")
    _batch(exports, runs, settings)
    return exports, runs, _latest(runs)


@pytest.fixture(scope="module")
def first_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from graphfraud.synth import SynthConfig, generate

    out = tmp_path_factory.mktemp("exports") / "2026-01-01"
    generate(out, SynthConfig(scale=0.3, seed=77))
    (out / "ground_truth.json").unlink()
    return out


def test_two_exports_apply_the_difference_and_alert_only_on_change(
    first_export: Path, empty_db: Any, neo4j_settings: Any, tmp_path: Path,
) -> None:
    exports, runs = tmp_path / "exports", tmp_path / "runs"
    shutil.copytree(first_export, exports / "2026-01-01")
    first = _batch(exports, runs, neo4j_settings)
    run1 = _latest(runs)
    assert "load (full)" in first.stdout
    for name in ("rings.json", "rings.csv", "report.html", "rejects.csv", "alerts.json",
                 "batch.json"):
        assert (run1 / name).is_file(), name
    report1 = json.loads((run1 / "rings.json").read_text())
    high1 = {r["ring_id"] for r in report1["rings"] if r["risk"] == "high"}
    alerts1 = json.loads((run1 / "alerts.json").read_text())["alerts"]
    assert {a["ring_id"] for a in alerts1} == high1 and high1  # first run: every high ring

    again = _batch(exports, runs, neo4j_settings)
    assert "unchanged" in again.stdout and "nothing to do" in again.stdout
    assert _latest(runs) == run1 and len([p for p in runs.iterdir() if p.is_dir()
                                          and not p.name.startswith(".")]) == 1

    grow = _high_shop_ring(run1)
    expected = _second_export(exports / "2026-01-01", exports / "2026-01-02", grow)
    reader_problems: list[str] = []
    proc = subprocess.Popen(  # investigators query while the batch writes
        [str(Path(sys.executable).with_name("graphfraud")), "batch", str(exports), "--runs",
         str(runs), "-q"], env={**_env(neo4j_settings), "PATH": ""},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watcher = threading.Thread(target=_watch_runs, args=(empty_db, proc, reader_problems))
    watcher.start()
    out, err = proc.communicate(timeout=300)
    watcher.join()
    assert proc.returncode == 0, err
    assert reader_problems == []
    run2 = _latest(runs)
    assert run2 != run1
    batch2 = json.loads((run2 / "batch.json").read_text())
    assert batch2["load"] == {"mode": "incremental", **expected,
                              "unchanged": batch2["load"]["unchanged"]}
    changes = batch2["changes"]
    report2 = json.loads((run2 / "rings.json").read_text())
    by_id = {r["ring_id"]: r for r in report2["rings"]}
    [new_ring] = [by_id[i] for i in changes["new"]
                  if {m["id"] for m in by_id[i]["members"]} == set(NEW_RING)]
    assert changes["grown"][grow["ring_id"]] == sorted(f"merchant:{m}" for m in GROWN)
    alerts = {a["ring_id"]: a for a in json.loads((run2 / "alerts.json").read_text())["alerts"]}
    assert alerts[grow["ring_id"]]["reason"] == "ring grew"
    assert alerts[grow["ring_id"]]["new_members"] == sorted(f"merchant:{m}" for m in GROWN)
    if new_ring["risk"] == "high":
        assert alerts[new_ring["ring_id"]]["reason"] == "new ring"
    unchanged_high = set(changes["unchanged"]) & {i for i, r in by_id.items()
                                                   if r["risk"] == "high"}
    assert unchanged_high and not unchanged_high & set(alerts)  # no re-alert storm
    assert f"{len(alerts)}" in out
    # the alerts went into Neo4j with the run, on its FOUND relationships
    found, _, _ = empty_db.execute_query(
        "MATCH (:Run {run_id: $run})-[f:FOUND]->(r:Ring) WHERE f.alert IS NOT NULL "
        "RETURN r.ring_id AS ring_id, f.alert AS alert", run=report2["run_id"],
        database_="neo4j")
    assert {r["ring_id"]: r["alert"] for r in found} == {
        i: a["reason"] for i, a in alerts.items()}

    incremental = _entity_graph(empty_db)  # the difference gives what a full load gives
    empty_db.execute_query("MATCH (n) DETACH DELETE n", database_="neo4j")
    loaded = CliRunner().invoke(cli, ["load", str(exports / "2026-01-02"), "-q", "--rejects",
                                      str(tmp_path / "r.csv")], env=_env(neo4j_settings))
    assert loaded.exit_code == 0
    assert _entity_graph(empty_db) == incremental


def _watch_runs(driver: Any, proc: subprocess.Popen[str], problems: list[str]) -> None:
    while proc.poll() is None:
        records, _, _ = driver.execute_query(
            "MATCH (run:Run) RETURN run.run_id AS id, run.complete AS complete, "
            "run.summary AS summary, COUNT { (run)-[:FOUND]->() } AS found", database_="neo4j")
        for r in records:
            rings = json.loads(r["summary"])["rings"]
            if not r["complete"] or r["found"] != rings:
                problems.append(f"{r['id']}: complete={r['complete']} {r['found']}/{rings}")


def test_verdicts_change_the_next_batch_and_keep_their_history(
    first_export: Path, empty_db: Any, neo4j_settings: Any, tmp_path: Path,
) -> None:
    exports, runs, run1 = _first_batch(first_export, tmp_path, neo4j_settings)
    ring = _high_shop_ring(run1)
    members = {m["id"] for m in ring["members"]}
    runner, env = CliRunner(), _env(neo4j_settings)
    _confirm_then_dismiss(runner, env, ring, members)
    _dismissal_is_visible(runner, env, ring, members)

    # export 2: one shop joins the dismissed ring -- not material, not alerted
    second = exports / "2026-01-02"
    shutil.copytree(exports / "2026-01-01", second)
    _join(second, ["joiner-1"], ring)
    _batch(exports, runs, neo4j_settings)
    _dismissal_counts_in_the_next_run(_latest(runs), ring, members, empty_db)
    _check_names_the_dismissal_from_both(runner, env, ring, _latest(runs))

    # export 3: three more join -- a material change, alerted once
    third = exports / "2026-01-03"
    shutil.copytree(second, third)
    _join(third, ["joiner-2", "joiner-3", "joiner-4"], ring)
    _batch(exports, runs, neo4j_settings)
    run3 = _latest(runs)
    alerts3 = {a["ring_id"]: a for a in json.loads((run3 / "alerts.json").read_text())["alerts"]}
    assert alerts3[ring["ring_id"]]["reason"] == (
        "dismissed ring changed materially: 4 members joined since the dismissal")
    assert alerts3[ring["ring_id"]]["new_members"] == [f"merchant:joiner-{i}" for i in range(1, 5)]

    _verdicts_export_and_import(runner, env, members, third, empty_db, tmp_path)


def _confirm_then_dismiss(runner: CliRunner, env: dict[str, str], ring: dict[str, Any],
                          members: set[str]) -> None:
    """A confirmation, a dismissal refused while it would clear blacklisted members,
    then the dismissal that clears them."""
    first = runner.invoke(cli, ["verdict", ring["ring_id"], "confirm", "--note", "case 17"],
                          env=env)
    assert first.exit_code == 0, first.output
    # dismissing would clear members now labelled fraud: refused unless asked for
    refused = runner.invoke(cli, ["verdict", ring["ring_id"], "dismiss", "--note", "x"],
                            env=env)
    assert refused.exit_code == 2, refused.output
    assert f"has {len(members)} blacklisted members" in refused.stderr
    assert "--clear-blacklisted" in refused.stderr
    dismissed = runner.invoke(cli, ["verdict", ring["ring_id"], "dismiss", "--note",
                                    "franchise with one licence, checked",
                                    "--clear-blacklisted"], env=env)
    assert dismissed.exit_code == 0 and f"{len(members)} members now count as legit" in (
        dismissed.stdout)
    # the dismissal overturns the confirmation's labels, and says so
    assert f"warning: {len(members)} of them were labelled fraud (blacklisted)" in (
        dismissed.stderr)


def _dismissal_is_visible(runner: CliRunner, env: dict[str, str], ring: dict[str, Any],
                          members: set[str]) -> None:
    """The decision is visible where analysts look: ring_detail, top_rings, check, and
    the ring's and a member's history."""
    detail = runner.invoke(cli, ["query", "ring_detail", "-p", f"ring_id={ring['ring_id']}",
                                 "--format", "json"], env=env)
    [row] = json.loads(detail.stdout)
    assert row["verdict"] == "dismiss" and row["verdict_at"]
    top = runner.invoke(cli, ["query", "top_rings", "-p", "limit=1000", "--format", "json"],
                        env=env)
    assert {r["ring_id"]: r["verdict"] for r in json.loads(top.stdout)}[ring["ring_id"]] == (
        "dismiss")
    near = {"merchant_id": "near", "devices": [s["id"] for s in ring["shared"]
                                               if s["type"] == "device"][:1],
            "accounts": [s["id"] for s in ring["shared"]
                         if s["type"] == "payment_account"][:1]}
    checked = runner.invoke(cli, ["check", "--neo4j", "--json", "-"],
                            input=json.dumps(near) + "\n", env=env)
    reasons = [r["text"] for r in json.loads(checked.stdout)["reasons"]
               if ring["ring_id"] in r["text"]]
    assert reasons and all("dismissed by alice on " in text
                           and text.endswith(": franchise with one licence, checked)")
                           for text in reasons)
    history = runner.invoke(cli, ["verdict", ring["ring_id"], "--history"], env=env)
    lines = history.stdout.strip().splitlines()
    assert [line.split()[1] for line in lines] == ["confirm", "dismiss"]  # nothing overwritten
    assert "alice" in lines[0] and "case 17" in lines[0]
    one = next(iter(members))
    member_history = runner.invoke(cli, ["verdict", f"merchant:{one}", "--history"], env=env)
    assert f"via ring {ring['ring_id']}" in member_history.stdout
    # the dismissal's line for the member keeps what it cleared
    assert "[replaced fraud from analyst:alice]" in member_history.stdout.splitlines()[-1]


def _check_names_the_dismissal_from_both(runner: CliRunner, env: dict[str, str],
                                         ring: dict[str, Any], run: Path) -> None:
    """``check --index`` of the batch after the dismissal names it as ``check --neo4j``
    does (who, when, why), for a shop next to the ring and for a member checked again."""
    near = {"merchant_id": "near", "devices": [s["id"] for s in ring["shared"]
                                               if s["type"] == "device"][:1],
            "accounts": [s["id"] for s in ring["shared"]
                         if s["type"] == "payment_account"][:1]}
    member = {"merchant_id": ring["members"][0]["id"], "devices": ["never-seen"]}
    payload = json.dumps(near) + "\n" + json.dumps(member) + "\n"
    live = runner.invoke(cli, ["check", "--neo4j", "--json", "-"], input=payload, env=env)
    cached = runner.invoke(cli, ["check", "--index", str(run), "--json", "-"], input=payload)
    answers = [[json.loads(line) for line in r.stdout.splitlines()] for r in (live, cached)]
    for from_neo4j, from_index in zip(*answers, strict=True):
        texts = [r["text"] for r in from_neo4j["reasons"]]
        assert texts == [r["text"] for r in from_index["reasons"]]
        assert any(ring["ring_id"] in t and "dismissed by alice on " in t for t in texts)
        assert from_neo4j["merchant"] == from_index["merchant"]
    shop = answers[1][1]["merchant"]
    assert shop["verdict"] == "legit" and shop["decision"] == "dismiss"
    assert (shop["decision_by"], shop["decision_via"]) == ("alice", ring["ring_id"])
    assert any(t["text"].startswith(f"merchant {member['merchant_id']} was cleared, "
                                    "dismissed by alice on ") for t in answers[1][1]["reasons"])


def _join(export: Path, shops: list[str], ring: dict[str, Any]) -> None:
    """New shops in ``export`` that share the ring's two most shared identifiers."""
    _append(export / "merchants.csv", [[m, "x", "2024-06-01", "health", "active"]
                                       for m in shops])
    for name, rows in _join_rows(shops, ring).items():
        _append(export / name, rows)


def _dismissal_counts_in_the_next_run(run2: Path, ring: dict[str, Any], members: set[str],
                                      db: Any) -> None:
    """The dismissed ring, grown by one shop: its members count as legit, the report
    shows the dismissal, and the change is not alerted."""
    after = {r["ring_id"]: r for r in json.loads((run2 / "rings.json").read_text())["rings"]}
    assert after[ring["ring_id"]]["known_legit"] >= len(members)  # the dismissal counted
    assert after[ring["ring_id"]]["known_fraud"] == 0
    assert after[ring["ring_id"]]["score"] < ring["score"]
    page = (run2 / "report.html").read_text("utf-8")  # the dismissal shows in the report
    assert page.count('<span class="verdict-dismiss"') >= 2 and ring["ring_id"] in page
    assert "/browser/?db=neo4j&amp;cmd=edit&amp;arg=MATCH" in page  # each ring links its query
    # every ring carries exactly one risk label, its latest risk (the Browser colours it)
    labelled, _, _ = db.execute_query(
        "MATCH (r:Ring) RETURN r.risk AS risk, [x IN labels(r) WHERE x <> 'Ring'] AS extra",
        database_="neo4j")
    names = {"high": "HighRisk", "medium": "MediumRisk", "low": "LowRisk"}
    assert labelled and all(row["extra"] == [names[row["risk"]]] for row in labelled)
    alerts2 = json.loads((run2 / "alerts.json").read_text())
    assert ring["ring_id"] not in {a["ring_id"] for a in alerts2["alerts"]}


def _verdicts_export_and_import(runner: CliRunner, env: dict[str, str], members: set[str],
                                export: Path, db: Any, tmp_path: Path) -> None:
    """The verdicts exported, then imported into a fresh graph: they come back, with
    their analyst."""
    exported = tmp_path / "verdicts.csv"
    out = runner.invoke(cli, ["verdict", "--export", str(exported)], env=env)
    assert out.exit_code == 0
    rows = _rows(exported)
    assert {r["entity_id"] for r in rows} >= members
    assert all(r["label"] == "legit" and r["source"] == "analyst:alice" for r in rows
               if r["entity_id"] in members)

    # re-import into a fresh graph: the verdicts come back, with their analyst
    db.execute_query("MATCH (n) DETACH DELETE n", database_="neo4j")
    runner.invoke(cli, ["load", str(export), "-q", "--rejects", str(tmp_path / "r.csv")],
                  env=env)
    imported = runner.invoke(cli, ["verdict", "--import", str(exported)], env=env)
    assert imported.exit_code == 0, imported.output
    assert f"{len(rows)} verdicts recorded" in imported.stdout
    records, _, _ = db.execute_query(
        "MATCH (m:Merchant) WHERE m.merchant_id IN $ids RETURN m.verdict AS v, "
        "m.verdict_source AS s", ids=sorted(members), database_="neo4j")
    assert {(r["v"], r["s"]) for r in records} == {("legit", "analyst:alice")}


def test_a_second_batch_waits_for_no_one(first_export: Path, neo4j_settings: Any,
                                          tmp_path: Path) -> None:
    from graphfraud.batch.job import batch_lock

    runs = tmp_path / "runs"
    with batch_lock(runs):
        result = CliRunner().invoke(cli, ["batch", str(first_export), "--runs", str(runs)],
                                    env=_env(neo4j_settings))
    assert result.exit_code == 1
    assert "another batch run holds" in result.stderr and "pid" in result.stderr


def test_a_batch_that_cannot_reach_neo4j_fails_and_publishes_nothing(
    first_export: Path, tmp_path: Path,
) -> None:
    runs = tmp_path / "runs"
    result = CliRunner().invoke(cli, ["batch", str(first_export), "--runs", str(runs), "-q"],
                                env={"NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "x" * 9})
    assert result.exit_code == 1 and result.stderr.startswith("error: batch failed")
    assert not (runs / "LATEST").exists()


def test_check_gives_the_same_answer_from_neo4j_and_from_the_index(
    first_export: Path, empty_db: Any, neo4j_settings: Any, tmp_path: Path,
) -> None:
    _, _, run = _first_batch(first_export, tmp_path, neo4j_settings)
    rings = json.loads((run / "rings.json").read_text())["rings"]
    high = next(r for r in rings if r["risk"] == "high")
    host = next((m["id"] for r in rings for m in r["members"] if m["type"] == "streamer"),
                "no-such-host")
    applicants = [
        {"merchant_id": "near", "devices": [s["id"] for s in high["shared"]
                                            if s["type"] == "device"][:2],
         "accounts": [s["id"] for s in high["shared"] if s["type"] == "payment_account"][:1]},
        {"merchant_id": "far", "devices": ["never-seen"], "accounts": ["never-seen-either"]},
        {"merchant_id": "host", "streamers": [host]},
    ]
    payload = "\n".join(json.dumps(a) for a in applicants) + "\n"
    runner, env = CliRunner(), _env(neo4j_settings)
    live = runner.invoke(cli, ["check", "--neo4j", "--json", "-"], input=payload, env=env)
    cached = runner.invoke(cli, ["check", "--index", str(run), "--json", "-"], input=payload)
    assert live.exit_code == 0 and cached.exit_code == 0, live.output + cached.output
    answers = [[json.loads(line) for line in r.stdout.splitlines()] for r in (live, cached)]
    for from_neo4j, from_index in zip(*answers, strict=True):
        assert from_neo4j["recommendation"] == from_index["recommendation"]
        assert from_neo4j["score"] == pytest.approx(from_index["score"], abs=1e-6)
        assert [r["text"] for r in from_neo4j["reasons"]] == [
            r["text"] for r in from_index["reasons"]]
    near, far, _ = answers[0]
    assert near["recommendation"] == "block" and high["ring_id"] in json.dumps(near["reasons"])
    assert far["recommendation"] == "allow" and far["reasons"] == []
