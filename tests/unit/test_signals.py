"""The evidence registry: units, knobs, sentences in both languages, and that a new
phenomenon is one unit plus one registry line."""

from __future__ import annotations

import dataclasses
import re
import string
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from graphfraud.score.evidence import CORES, SENTENCES, SOURCES, Reason, Sentence, render
from graphfraud.score.params import CORE_KNOBS, ScoreParams, knobs_of, params_type
from graphfraud.score.signals import REGISTRY, Inputs, Knob, Signal

DOC = Path(__file__).resolve().parents[2] / "docs" / "algorithms.md"
#: Values the templates take from the reason's own numbers rather than directly.
DERIVED = {"source_en", "source_zh", "why_en", "why_zh", "who_zh", "who_zh_unit", "phones",
           "accounts"}


def _sample(sentence: Sentence, k: int) -> dict[str, int | float | str]:
    names = {name for template in (sentence.en, sentence.zh)
             for _, name, _, _ in string.Formatter().parse(template) if name}
    values: dict[str, int | float | str] = {n: k for n in names - DERIVED}
    if names & {"source_en", "source_zh"}:
        values["source"] = "component"
    if names & {"why_en", "why_zh"}:
        values.update(core_kind="time", days=7.0)
    if names & {"who_zh", "who_zh_unit"}:
        values["who"] = "shops"
    return values


@pytest.mark.parametrize("code", sorted(SENTENCES))
def test_every_sentence_renders_in_both_languages(code: str) -> None:
    for k in (1, 3):
        reason = Reason.of(code, **_sample(SENTENCES[code], k))
        english, chinese = render(reason, "en"), render(reason, "zh")
        assert english and chinese and english != chinese
        assert "{" not in english + chinese
        # the Chinese is written, not the English with numbers: no English words in it
        words = set(re.findall(r"[a-z]{4,}", chinese)) - {"leiden"}
        assert not words - {"Leiden".lower()}, (code, chinese)


def test_plurals_sources_and_cores_read_right() -> None:
    assert render(Reason.of("blacklisted", k=1)) == "1 blacklisted member"
    assert render(Reason.of("evasion", k=2)) == \
        "2 shops registered after a banned member and reuse its phone or account"
    assert render(Reason.of("same_phones", used=3, n=10, who="members", k=1)) == \
        "3 of 10 members log in from the same phone"
    assert render(Reason.of("same_phones", used=3, n=10, who="members", k=1), "zh") == \
        "10 名成员中有 3 名从相同的 1 部手机登录"
    for source, (en, zh) in SOURCES.items():
        assert render(Reason.of("found_by", source=source)) == f"found by: {en}"
        assert render(Reason.of("found_by", source=source), "zh") == f"发现方式：{zh}"
    assert set(CORES) == {"time", "block"}
    assert render(Reason.of("found_by_core", source="leiden", core_kind="time", core=12,
                            of=42, days=2.5)).endswith("then its 12 of 42 members "
                                                       "registered within 2.5 days")


def test_every_knob_belongs_to_one_unit_or_the_score() -> None:
    names = [k.name for k in knobs_of()]
    assert len(names) == len(set(names))
    assert names == [f.name for f in dataclasses.fields(ScoreParams)]
    assert {k.name for k in CORE_KNOBS} == {"bias", "temperature", "high", "medium",
                                             "no_sign_cap", "min_member_support"}
    assert len({s.name for s in REGISTRY}) == len(REGISTRY)
    with pytest.raises(ValueError, match="declared twice"):
        knobs_of((*REGISTRY, REGISTRY[0]))


def test_every_code_a_unit_gives_has_words() -> None:
    # the codes named in each unit's source are in the table
    import inspect

    import graphfraud.score.signals as signals

    codes = set(re.findall(r'Reason\.of\(\s*"([a-z_]+)"', inspect.getsource(signals)))
    codes |= {c for c in re.findall(r'"(neighbours_[a-z_]+|same_[a-z]+|refunds|'
                                    r'complaints|violations)"', inspect.getsource(signals))}
    assert codes and codes <= set(SENTENCES), codes - set(SENTENCES)


class _Toy(Signal):
    """A made-up phenomenon: every member is a streamer."""

    name = "toy"
    knobs = (Knob("w_toy", 1.5, "Weight of the toy term."),)
    sentences: ClassVar[dict[str, Sentence]] = {
        "toy_hosts": Sentence("all {n} members are hosts", "全部 {n} 名成员都是主播")}

    def measure(self, c: Inputs) -> None:
        c.found.scores["toy"] = float((~c.view.is_merchant).all())

    def terms(self, scores: dict[str, float | None], p: Any) -> Iterable[float]:
        return (p.w_toy * (scores["toy"] or 0.0),)

    def reasons(self, c: Inputs) -> Iterable[Reason]:
        if c.found.scores["toy"]:
            yield Reason.of("toy_hosts", 5.0, n=c.view.n)


def test_a_new_unit_is_one_class_and_one_registry_line() -> None:
    """Add a toy term: its knob is in the params, its term in the score, its reason in
    both languages; without it, nothing of it remains."""
    import pandas as pd

    from graphfraud.graph.projection import project
    from graphfraud.loaders.dataset import Dataset
    from graphfraud.score.evidence import render_or_none
    from graphfraud.score.rings import actor_facts, score_candidate

    hosts = [f"s{i}" for i in range(4)]
    dataset = Dataset(source="toy", tables={
        "merchants": pd.DataFrame({"merchant_id": pd.Series(["m0"], dtype="string")}),
        "streamer_devices": pd.DataFrame({
            "streamer_id": pd.Series(hosts * 2, dtype="string"),
            "device_id": pd.Series(["d1"] * 4 + ["d2"] * 4, dtype="string")}),
    })
    graph = project(dataset)
    facts = actor_facts(graph, dataset)
    members = np.sort(graph.positions("streamer", pd.Series(hosts)))

    with_toy = (*REGISTRY, _Toy())  # the one registry line
    params = params_type(with_toy)()
    assert params.w_toy == 1.5 and "w_toy" not in dataclasses.asdict(ScoreParams())

    def scored(signals: tuple[Signal, ...], p: object) -> tuple[float, tuple[str, ...]]:
        ring, _ = score_candidate(graph, facts, members, embedding=None,
                                  proximity=np.zeros(graph.n_actors),
                                  seeds=np.zeros(0, np.int64), params=p, signals=signals)
        return ring.score, ring.evidence

    plain_score, plain_evidence = scored(REGISTRY, ScoreParams())
    toy_score, toy_evidence = scored(with_toy, params)
    assert toy_score > plain_score
    assert toy_evidence[0] == "all 4 members are hosts"
    assert "all 4 members are hosts" not in plain_evidence
    assert render_or_none(Reason.of("toy_hosts", n=4), "zh", _Toy.sentences) == \
        "全部 4 名成员都是主播"
    # the same knob at zero weighs nothing
    assert scored(with_toy, params_type(with_toy)(w_toy=0.0))[0] == plain_score


def test_algorithms_page_table_is_generated_from_the_registry() -> None:
    from graphfraud.score.docs import TERMS_BEGIN, TERMS_END, terms_table

    text = DOC.read_text("utf-8")
    current = text.split(TERMS_BEGIN)[1].split(TERMS_END)[0].strip()
    assert current == terms_table().strip(), \
        "docs/algorithms.md is stale: python -m graphfraud.score.docs"


def _agency(*, declared: bool, verified: bool = True, blacklisted: int = 0) -> Any:
    """Fifteen hosts of one agency, each on its own phone and two of the agency's four
    studio phones, paid out through the agency's account, amid 3,000 ordinary actors;
    ``blacklisted`` of the hosts on the blacklist (with 30 ordinary ones)."""
    import pandas as pd

    from graphfraud.loaders.dataset import Dataset

    rng = np.random.default_rng(2)
    hosts = [f"h{i:02d}" for i in range(15)]
    real = [f"r{i:04d}" for i in range(3000)]
    dev = [(h, f"own{i}") for i, h in enumerate(hosts)]
    dev += [(h, f"studio{p}") for h in hosts for p in rng.choice(4, 2, replace=False)]
    dev += [(r, f"pop{p}") for r in real for p in rng.choice(200, 2, replace=False)]
    acc = [(h, "agency") for h in hosts] + [(h, f"acct{h}") for h in hosts]

    def frame(**cols: list[str]) -> pd.DataFrame:
        return pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in cols.items()})

    labels = [f"r{i:04d}" for i in range(30)] + hosts[:blacklisted]
    tables = {
        "merchants": frame(merchant_id=real),
        "streamers": frame(streamer_id=hosts),
        "merchant_devices": frame(merchant_id=[a for a, _ in dev if a.startswith("r")],
                                  device_id=[d for a, d in dev if a.startswith("r")]),
        "streamer_devices": frame(streamer_id=[a for a, _ in dev if a.startswith("h")],
                                  device_id=[d for a, d in dev if a.startswith("h")]),
        "streamer_accounts": frame(streamer_id=[a for a, _ in acc],
                                   account_id=[d for _, d in acc]),
        "labels": frame(entity_type=["merchant"] * 30 + ["streamer"] * blacklisted,
                        entity_id=labels, label=["fraud"] * len(labels)),
    }
    if declared:
        tables["organizations"] = frame(organization_id=["mcn1"], kind=["mcn_agency"],
                                        name=["Star Studio"],
                                        verified=["true" if verified else "false"])
        tables["organization_members"] = frame(organization_id=["mcn1"] * 15,
                                               entity_type=["streamer"] * 15,
                                               entity_id=hosts)
    return Dataset(source="agency", tables=tables)


def _agency_ring(dataset: Any) -> Any:
    from graphfraud.pipeline import ScanParams, scan

    result = scan(dataset, ScanParams.with_seed(1), build_index=False)
    return next(r for r in result.rings if any(m.id == "h00" for m in r.members))


def test_sharing_inside_a_declared_verified_organisation_is_explained() -> None:
    undeclared = _agency_ring(_agency(declared=False))
    declared = _agency_ring(_agency(declared=True))
    assert declared.pattern == "organization" and declared.risk != "high"
    assert declared.score < undeclared.score
    line = next(e for e in declared.evidence if "declared, verified organisation" in e)
    assert line == ("but: 15 of 15 members belong to the declared, verified organisation "
                    "Star Studio (mcn_agency, mcn1): sharing inside it is explained")
    # a declaration nobody verified explains nothing
    unverified = _agency_ring(_agency(declared=True, verified=False))
    assert unverified.score == undeclared.score and unverified.pattern != "organization"


def test_declared_organisations_read_from_an_export_are_explained_alike(
    tmp_path: Path,
) -> None:
    """The loader's form of organizations.csv and organization_members.csv is the one
    scoring reads (mixed-case values in the files, a membership repeated)."""
    from graphfraud.loaders import read_dataset

    dataset = _agency(declared=True)
    for name, frame in dataset.tables.items():
        if name == "organizations":
            frame = frame.assign(verified="True")
        if name == "organization_members":
            frame = frame.assign(entity_type="Streamer", since="2023-01-01")
            frame = frame.iloc[[*range(len(frame)), 0]]
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    loaded = read_dataset(tmp_path)
    assert loaded.rejects == []
    ring = _agency_ring(loaded.dataset)
    assert ring.pattern == "organization" and ring.risk != "high"
    assert ring.evidence == _agency_ring(dataset).evidence


def test_an_organisation_with_blacklisted_members_still_surfaces() -> None:
    ring = _agency_ring(_agency(declared=True, blacklisted=4))
    assert ring.risk == "high" and "4 blacklisted members" in ring.evidence
    assert ring.score == _agency_ring(_agency(declared=False, blacklisted=4)).score
    assert "15 of 15 members belong to the declared, verified organisation Star Studio " \
        "(mcn_agency, mcn1), with signs of fraud among them: not explained by it" \
        in ring.evidence


def test_a_redacted_report_hides_the_organisations_name_and_id() -> None:
    from graphfraud.pipeline import ScanParams, scan
    from graphfraud.report.redact import Redactor
    from graphfraud.report.run import RunInfo, build_run_report

    result = scan(_agency(declared=True), ScanParams.with_seed(1), build_index=False)
    report = Redactor(key=b"k" * 16).run_report(build_run_report(result, RunInfo("x")))
    text = report.to_json()
    assert "declared, verified organisation" in text
    assert "Star Studio" not in text and "mcn1" not in text


def test_the_report_shows_a_units_own_sentences_in_chinese() -> None:
    from graphfraud.report.html import UNIT_SENTENCES, evidence_zh
    from graphfraud.score.rings import Ring

    ring = Ring("R-1", 0.9, "high", "mixed", (), (), ("all 4 members are hosts",), 0, 0,
                reasons=(Reason.of("toy_hosts", n=4),))
    assert evidence_zh(ring, 0) is None  # the toy is not registered
    UNIT_SENTENCES.update(_Toy.sentences)
    try:
        assert evidence_zh(ring, 0) == "全部 4 名成员都是主播"
    finally:
        del UNIT_SENTENCES["toy_hosts"]
