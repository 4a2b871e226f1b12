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
