"""Alert rules: only what an analyst has not seen, no re-alert storm."""

from __future__ import annotations

from datetime import UTC, datetime

from graphfraud.batch.alerts import decide_alerts
from graphfraud.report import RunReport
from graphfraud.score.diff import Changes
from graphfraud.score.rings import Member, Ring


def ring(ring_id: str, ids: list[str], risk: str = "high") -> Ring:
    return Ring(ring_id=ring_id, score=0.9, risk=risk, pattern="device_farm",
                members=tuple(Member("merchant", i, 0.9) for i in ids), shared=(),
                evidence=("e",), known_fraud=0, known_legit=0)


def run(rings: list[Ring], changes: Changes | None = None) -> RunReport:
    """A run's report holding ``rings`` and the ``changes`` since the run before."""
    return RunReport(run_id="run", generated_at=datetime(2026, 1, 1, tzinfo=UTC),
                     source="test", params={}, summary={}, rings=tuple(rings),
                     changes=changes)


def keys(*ids: str) -> list[str]:
    return [f"merchant:{i}" for i in ids]


def test_first_run_alerts_every_high_ring_and_only_those() -> None:
    rings = [ring("R-1", ["a", "b", "c"]), ring("R-2", ["d", "e", "f"], risk="medium")]
    out = decide_alerts(run(rings), previous=None, verdicts={})
    assert [(a.ring_id, a.reason) for a in out.alerts] == [("R-1", "new ring")]


def test_later_runs_alert_new_grown_and_escalated_rings_only() -> None:
    rings = [ring("R-same", ["a", "b", "c"]), ring("R-grew", ["d", "e", "f", "g"]),
             ring("R-new", ["h", "i", "j"]), ring("R-up", ["k", "l", "m"]),
             ring("R-shrunk", ["n", "o", "p"])]
    previous = [ring("R-same", ["a", "b", "c"]), ring("R-grew", ["d", "e", "f"]),
                ring("R-up", ["k", "l", "m"], risk="medium"),
                ring("R-shrunk", ["n", "o", "p", "q"])]
    changes = Changes(new=["R-new"], grown={"R-grew": keys("g")}, unchanged=["R-same", "R-up"],
                      shrunk={"R-shrunk": keys("q")})
    out = decide_alerts(run(rings, changes), previous=run(previous), verdicts={})
    assert {a.ring_id: a.reason for a in out.alerts} == {
        "R-grew": "ring grew", "R-new": "new ring", "R-up": "risk rose from medium to high"}
    assert out.suppressed == {"unchanged since the previous run": 2}


def test_handled_rings_alert_only_on_what_the_verdict_did_not_cover() -> None:
    dismissed = {"decision": "dismiss", "members": keys("a", "b", "c", "d", "e")}
    confirmed = {"decision": "confirm", "members": keys("v", "w", "x")}
    verdicts = {"R-dis": dismissed, "R-con": confirmed}
    previous = [ring("R-dis", ["a", "b", "c", "d", "e"]), ring("R-con", ["v", "w", "x"])]
    one_more = [ring("R-dis", ["a", "b", "c", "d", "e", "f"]), ring("R-con", ["v", "w", "x"])]
    changes = Changes(grown={"R-dis": keys("f")}, unchanged=["R-con"])
    quiet = decide_alerts(run(one_more, changes), previous=run(previous), verdicts=verdicts)
    assert quiet.alerts == []
    assert quiet.suppressed == {"dismissed, no material change": 1,
                                "confirmed, no new members": 1}

    two_more = [ring("R-dis", ["a", "b", "c", "d", "e", "f", "g"]),
                ring("R-con", ["v", "w", "x", "y"])]
    changes = Changes(grown={"R-dis": keys("g"), "R-con": keys("y")})
    loud = decide_alerts(run(two_more, changes), previous=run(one_more), verdicts=verdicts)
    assert {a.ring_id: (a.reason, a.new_members) for a in loud.alerts} == {
        "R-dis": ("dismissed ring changed materially: 2 members joined since the dismissal",
                  keys("f", "g")),
        "R-con": ("confirmed ring has new members", keys("y"))}

    unchanged = decide_alerts(run(two_more, Changes(unchanged=["R-dis", "R-con"])),
                              previous=run(two_more), verdicts=verdicts)
    assert unchanged.alerts == []  # alerted once, not again at every run


def test_a_dismissed_ring_kept_low_by_its_own_verdicts_still_alerts_when_it_grows() -> None:
    before = ring("R-d", ["a", "b", "c"], risk="low")
    grown = ring("R-d", ["a", "b", "c", "x", "y", "z"], risk="low")
    changes = Changes(grown={"R-d": keys("x", "y", "z")})
    verdicts = {"R-d": {"decision": "dismiss", "members": keys("a", "b", "c")}}
    out = decide_alerts(run([grown], changes), previous=run([before]), verdicts=verdicts)
    assert [a.reason for a in out.alerts] == [
        "dismissed ring changed materially: 3 members joined since the dismissal"]
    quiet = decide_alerts(run([before], Changes(unchanged=["R-d"])), previous=run([before]),
                          verdicts=verdicts)
    assert quiet.alerts == [] and quiet.suppressed == {"dismissed, no material change": 1}
