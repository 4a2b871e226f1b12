"""`graphfraud check` against the last scan's index: near a ring, next to fraud, far away."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graphfraud.check.assess import Applicant, RingRef, Touch, assess
from graphfraud.check.index import CheckIndex
from graphfraud.cli import cli
from graphfraud.synth import SynthConfig, generate


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("check-data")
    generate(data, SynthConfig(scale=0.3, seed=613))
    out = tmp_path_factory.mktemp("check-out")
    result = CliRunner().invoke(cli, ["scan", str(data), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


def _rings(out: Path) -> list[dict[str, Any]]:
    return json.loads((out / "rings.json").read_text())["rings"]


def test_a_merchant_next_to_a_high_ring_is_blocked_naming_the_ring(scanned: Path) -> None:
    ring = next(r for r in _rings(scanned) if r["risk"] == "high")
    shared = ring["shared"][0]
    flag = "--device" if shared["type"] == "device" else "--account"
    result = CliRunner().invoke(cli, ["check", "--index", str(scanned), flag, shared["id"],
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["recommendation"] == "block" and answer["score"] >= 0.8
    assert any(ring["ring_id"] in r["text"] and r["action"] == "block"
               for r in answer["reasons"])
    assert answer["milliseconds"] < 1000


def test_a_merchant_far_from_everything_is_allowed(scanned: Path) -> None:
    index = CheckIndex.load(scanned)
    answer = index.check(Applicant("newcomer", devices=("never-seen-phone",),
                                   accounts=("never-seen-wallet",)))
    assert (answer.recommendation, answer.score, answer.reasons) == ("allow", 0.0, [])
    assert [t.known for t in answer.touches] == [False, False]


def test_a_quiet_identifier_of_a_legit_shop_is_a_note_not_a_block(scanned: Path) -> None:
    index = CheckIndex.load(scanned)
    frame = index.frame
    quiet = frame[(frame["type"] == "device") & (frame["actors"] == 1)
                  & frame["rings"].isna() & frame["fraud_actors"].isna()
                  & frame["verdict"].isna()]
    assert len(quiet)
    answer = index.check(Applicant("x", devices=(str(quiet.iloc[0]["id"]),)))
    assert answer.recommendation == "allow" and 0 < answer.score <= 0.1
    assert "already used by 1 other actor" in answer.reasons[0].text


def test_json_lines_in_one_answer_per_line(scanned: Path) -> None:
    ring = next(r for r in _rings(scanned) if r["risk"] == "high")
    host = next((m["id"] for r in _rings(scanned) for m in r["members"]
                 if m["type"] == "streamer" and r["risk"] in ("high", "medium")), None)
    lines = [json.dumps({"merchant_id": "a", "devices": ["nope"]}),
             json.dumps({"merchant_id": "b", ring["shared"][0]["type"].replace(
                 "payment_account", "account") + "s": [ring["shared"][0]["id"]]})]
    if host:
        lines.append(json.dumps({"merchant_id": "c", "streamers": [host]}))
    result = CliRunner().invoke(cli, ["check", "--index", str(scanned), "--json", "-"],
                                input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["merchant_id"] for a in answers] == ["a", "b", "c"][:len(lines)]
    assert answers[0]["recommendation"] == "allow" and answers[1]["recommendation"] == "block"
    if host:
        assert answers[2]["recommendation"] == "review"
        assert f"host {host} is a member of" in answers[2]["reasons"][0]["text"]


def test_bad_applicants_are_usage_or_input_errors(scanned: Path) -> None:
    runner = CliRunner()
    nothing = runner.invoke(cli, ["check", "--index", str(scanned)])
    assert nothing.exit_code == 2 and "nothing to check" in nothing.stderr
    both = runner.invoke(cli, ["check", "--device", "x"])
    assert both.exit_code == 2 and "--index OUT_DIR or --neo4j" in both.stderr
    document = scanned / "applicant.json"  # one document in a file, not a stream
    document.write_text('{"phones": ["b"]}', "utf-8")
    broken = runner.invoke(cli, ["check", "--index", str(scanned), "--json", str(document)])
    assert broken.exit_code == 2 and "line 1: not a valid applicant: unknown field(s) phones" \
        in broken.stderr


def test_rules_rank_blacklist_over_rings_over_sharing() -> None:
    ring = RingRef("R-1", "high", 0.9, "device_farm")
    touches = [Touch("device", "d1", True, actors=3, rings=(ring,)),
               Touch("payment_account", "a1", True, actors=2, verdict="fraud"),
               Touch("device", "hub", True, actors=500, hub=True,
                     fraud_actors=("merchant:m9",)),
               Touch("streamer", "h1", True, actors=4, verdict="fraud")]
    result = assess(Applicant("m", devices=("d1",)), touches)
    assert [r.weight for r in result.reasons] == [0.95, 0.8, 0.7, 0.2]
    assert result.recommendation == "block"
    assert not any("hub" in r.text for r in result.reasons)  # hubs are ignored
    assert result.score == pytest.approx(1 - 0.05 * 0.2 * 0.3 * 0.8, abs=1e-4)


def test_a_bad_line_in_a_stream_gets_one_error_line_and_the_stream_goes_on(
        scanned: Path) -> None:
    lines = [json.dumps({"merchant_id": "a", "devices": ["nope"]}), "{not json",
             "[" * 30000 + "]" * 30000, json.dumps({"merchant_id": "b", "devices": ["x"]})]
    result = CliRunner().invoke(cli, ["check", "--index", str(scanned), "--json", "-"],
                                input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 4
    assert answers[0]["merchant_id"] == "a" and answers[3]["merchant_id"] == "b"
    assert answers[1]["error"].startswith("line 2: not a valid applicant")
    assert answers[2]["error"] == "line 3: not a valid applicant: nested too deeply"


def test_a_ring_an_analyst_decided_says_who_when_and_why() -> None:
    touch = Touch("device", "d1", known=True, actors=4, rings=(RingRef(
        "R-1", "high", 0.95, "device_farm", "dismiss", "li", "2026-05-01T08:00:00Z",
        "franchise, checked licence"),))
    result = assess(Applicant("new", devices=("d1",)), [touch])
    text = next(r.text for r in result.reasons if "R-1" in r.text)
    assert text.endswith("dismissed by li on 2026-05-01: franchise, checked licence)")
    assert result.recommendation == "review"
    confirmed = RingRef("R-2", "medium", 0.4, "mixed", "confirm", "wang",
                        "2026-06-02T00:00:00Z", "case 7")
    assert confirmed.decided() == ", confirmed by wang on 2026-06-02: case 7"
    assert RingRef("R-3", "high", 0.9, "mixed", "dismiss").decided() == (
        ", dismissed by an analyst")
    assert RingRef("R-4", "high", 0.9, "mixed").decided() == ""


def test_the_answer_names_the_declared_organisations_of_the_merchant_and_its_hosts(
        tmp_path: Path) -> None:
    from conftest import write_csv

    data = tmp_path / "export"
    write_csv(data, "merchants.csv", "merchant_id\nm1\nm2\nm3\n")
    write_csv(data, "streamers.csv", "streamer_id\nh1\nh2\n")
    write_csv(data, "merchant_devices.csv", "merchant_id,device_id\nm1,d1\nm2,d1\nm3,d2\n")
    write_csv(data, "promotions.csv", "streamer_id,merchant_id\nh1,m1\nh2,m3\n")
    write_csv(data, "organizations.csv", "organization_id,kind,name,verified\n"
              "O1,franchise,Tea Franchise,true\nO2,mcn_agency,Star Hosts,false\nO3,,,\n")
    write_csv(data, "organization_members.csv", "organization_id,entity_type,entity_id\n"
              "O1,merchant,m1\nO3,merchant,m1\nO2,streamer,h1\n")
    out = tmp_path / "out"
    scanned = CliRunner().invoke(cli, ["scan", str(data), "--out", str(out), "-q"])
    assert scanned.exit_code == 0, scanned.output

    index = CheckIndex.load(out)
    answer = index.check(Applicant("m1", devices=("d1",), streamers=("h1", "h2")))
    assert [(d.type, d.id, d.organization_id, d.name, d.kind, d.verified)
            for d in answer.organizations] == [
        ("merchant", "m1", "O1", "Tea Franchise", "franchise", True),
        ("merchant", "m1", "O3", None, None, None),
        ("streamer", "h1", "O2", "Star Hosts", "mcn_agency", False)]
    # a declaration informs, it does not score
    assert answer.score == index.check(Applicant("new", devices=("d1",),
                                                 streamers=("h1", "h2"))).score
    assert index.organizations("m2") == () and index.organizations("nobody") == ()
    assert [t.organizations for t in index.touches(Applicant("x", devices=("d1",)))] == [()]

    result = CliRunner().invoke(cli, ["check", "--index", str(out), "--merchant-id", "m1",
                                      "--device", "d1", "--streamer", "h1"])
    assert result.exit_code == 0, result.output
    assert "  declared: merchant m1 belongs to Tea Franchise (franchise, O1), verified\n" \
        in result.stdout
    assert "  declared: host h1 belongs to Star Hosts (mcn_agency, O2), not verified\n" \
        in result.stdout
    as_json = CliRunner().invoke(cli, ["check", "--index", str(out), "--merchant-id", "m1",
                                       "--device", "d1", "--format", "json"])
    assert json.loads(as_json.stdout)["organizations"][0] == {
        "type": "merchant", "id": "m1", "organization_id": "O1", "name": "Tea Franchise",
        "kind": "franchise", "verified": True}


def test_needs_info_and_an_identifiers_own_decision_are_named() -> None:
    ring = RingRef("R-5", "high", 0.9, "device_farm", "needs-info", "li",
                   "2026-05-03T00:00:00Z", "ask the bank")
    assert ring.decided() == ", more information requested by li on 2026-05-03: ask the bank"
    asked = Touch("device", "d1", True, actors=1, decision="needs-info", decision_by="wang",
                  decision_at="2026-05-04T00:00:00Z", decision_note="whose phone?")
    cleared = Touch("payment_account", "a1", True, actors=3, verdict="legit",
                    decision="dismiss", decision_by="li", decision_at="2026-05-05T00:00:00Z",
                    decision_note="the franchise's account", decision_via="R-9")
    confirmed = Touch("device", "d2", True, actors=1, verdict="fraud", decision="confirm",
                      decision_by="li", decision_at="2026-05-06T00:00:00Z",
                      decision_note="case 3")
    result = assess(Applicant("new", devices=("d1", "d2")),
                    [Touch("device", "d0", True, actors=2, rings=(ring,)), asked, cleared,
                     confirmed])
    texts = [r.text for r in result.reasons]
    assert "device d2 is blacklisted (confirmed by li on 2026-05-06: case 3)" in texts
    assert ("device d0 is shared by members of high-risk ring R-5 (device_farm, score 0.90, "
            "more information requested by li on 2026-05-03: ask the bank)") in texts
    assert ("device d1: an analyst asked for more information, more information requested "
            "by wang on 2026-05-04: whose phone?") in texts
    assert ("payment account a1 was cleared, dismissed by li on 2026-05-05 (via ring R-9): "
            "the franchise's account") in texts
    assert {r.weight for r in result.reasons if "d1:" in r.text} == {0.3}
    assert result.as_dict()["merchant"] is None  # a new merchant: nothing of its own


def test_an_existing_merchant_checked_again_counts_its_own_standing() -> None:
    from graphfraud.check.assess import standing

    ring = RingRef("R-1", "medium", 0.45, "mixed", "dismiss", "li", "2026-05-01T00:00:00Z",
                   "franchise")
    shop = Touch("merchant", "m1", True, verdict="legit", rings=(ring,), decision="dismiss",
                 decision_by="li", decision_at="2026-05-01T00:00:00Z",
                 decision_note="franchise", decision_via="R-1")
    result = assess(Applicant("m1", devices=("d9",)), [Touch("device", "d9", False)],
                    merchant=standing(shop))
    assert [(r.weight, r.action) for r in result.reasons] == [(0.2, "review"), (0.0, "note")]
    assert result.reasons[0].text == ("merchant m1 itself is a member of medium-risk ring "
                                      "R-1 (mixed, score 0.45, dismissed by li on "
                                      "2026-05-01: franchise)")
    assert result.as_dict()["merchant"]["decision_via"] == "R-1"
    fraud = assess(Applicant("m2"), [], merchant=Touch("merchant", "m2", True,
                                                       verdict="fraud"))
    assert (fraud.recommendation, fraud.reasons[0].text) == (
        "block", "merchant m2 itself is labelled fraud")
    assert standing(Touch("merchant", "m3", True)) is None


def test_the_index_carries_the_analysts_decisions(scanned: Path, tmp_path: Path) -> None:
    import shutil

    import pyarrow.parquet as pq

    from graphfraud.check.index import with_decisions

    out = tmp_path / "out"
    shutil.copytree(scanned, out)
    ring = next(r for r in _rings(out) if r["risk"] == "high")
    device = next(s["id"] for s in ring["shared"] if s["type"] == "device")
    shop = next(m["id"] for m in ring["members"] if m["type"] == "merchant")
    decisions = [
        {"target_type": "ring", "target_id": ring["ring_id"], "decision": "dismiss",
         "analyst": "li", "at": "2026-05-01T00:00:00Z", "note": "franchise",
         "via_ring": None},
        {"target_type": "device", "target_id": device, "decision": "needs-info",
         "analyst": "wang", "at": "2026-05-02T00:00:00Z", "note": "whose?",
         "via_ring": None},
        {"target_type": "merchant", "target_id": shop, "decision": "dismiss",
         "analyst": "li", "at": "2026-05-01T00:00:00Z", "note": "franchise",
         "via_ring": ring["ring_id"]}]
    table = pq.read_table(out / "check-index.parquet")
    assert with_decisions(None, decisions) is None
    decided = with_decisions(table, decisions)
    assert decided is not None and decided.num_rows == table.num_rows + 1  # the ring's row
    assert with_decisions(decided, decisions).num_rows == decided.num_rows  # idempotent
    pq.write_table(decided, out / "check-index.parquet")
    (out / "manifest.json").unlink()  # the files no longer match it: read as a plain folder
    index = CheckIndex.load(out)
    assert index.rings[ring["ring_id"]].verdict == "dismiss"
    answer = index.check(Applicant(shop, devices=(device,)))
    texts = [r.text for r in answer.reasons]
    assert any(ring["ring_id"] in t and t.endswith("dismissed by li on 2026-05-01: "
                                                   "franchise)") for t in texts)
    assert any(t.startswith(f"device {device}: an analyst asked for more information")
               for t in texts)
    assert answer.merchant is not None and answer.merchant.decision_via == ring["ring_id"]
    assert any(t.startswith(f"merchant {shop} itself is a member of") for t in texts)
