"""Detection on structure alone: big farms, camouflage, shared real identifiers, labels.

Each export is built so the answer is known: a farm of 250 accounts on a block of six
phones (each used by far more actors than the hub degree), amid 2,000 ordinary actors
who each use two of 150 popular phones; no timestamps, no signals, no streamers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from conftest import write_csv
from graphfraud.loaders import read_dataset
from graphfraud.pipeline import ScanParams, scan
from graphfraud.score.rings import reaches_high

FARM = 250
REAL = 2000


def _export(tmp_path: Path, *, camouflage: bool = False, real_on_block: int = 0,
            labels: str = "") -> Path:
    rng = np.random.default_rng(3)
    d = tmp_path / "export"
    farm = [f"x{i:04d}" for i in range(FARM)]
    real = [f"r{i:04d}" for i in range(REAL)]
    write_csv(d, "merchants.csv", "merchant_id\n" + "\n".join(farm + real) + "\n")
    block = [f"blk{i}" for i in range(6)]
    popular = [f"pop{i:03d}" for i in range(150)]
    rows = ["merchant_id,device_id"]
    for shop in farm:
        for phone in rng.choice(block, size=int(rng.integers(4, 7)), replace=False):
            rows.append(f"{shop},{phone}")
        if camouflage:  # as many links outside the block, to popular phones
            for phone in rng.choice(popular, size=5, replace=False):
                rows.append(f"{shop},{phone}")
    for i, shop in enumerate(real):
        for phone in rng.choice(popular, size=2, replace=False):
            rows.append(f"{shop},{phone}")
        if i < real_on_block:  # real customers who also use one block phone
            rows.append(f"{shop},{block[i % len(block)]}")
    write_csv(d, "merchant_devices.csv", "\n".join(rows) + "\n")
    if labels:
        write_csv(d, "labels.csv", "entity_type,entity_id,label\n" + labels)
    return d


def _high(d: Path) -> list[set[str]]:
    """The rings whose score reaches high, with a sign of fraud or without one (then
    they are medium, "no sign of fraud"): which members form a ring is what these
    tests check; the tests at the end of this file check the sign."""
    result = scan(read_dataset(d).dataset, ScanParams.with_seed(1), build_index=False)
    return [{m.id for m in r.members} for r in result.rings if reaches_high(r)]


def test_a_farm_bigger_than_the_hub_degree_is_one_high_ring_on_structure_alone(
        tmp_path: Path) -> None:
    high = _high(_export(tmp_path))
    assert len(high) == 1
    assert high[0] == {f"x{i:04d}" for i in range(FARM)}


def test_camouflage_to_popular_identifiers_does_not_dilute_the_ring(tmp_path: Path) -> None:
    high = _high(_export(tmp_path, camouflage=True))
    assert len(high) == 1 and high[0] == {f"x{i:04d}" for i in range(FARM)}


def test_real_users_of_one_block_identifier_are_not_members(tmp_path: Path) -> None:
    high = _high(_export(tmp_path, real_on_block=60))
    assert len(high) == 1
    assert high[0] == {f"x{i:04d}" for i in range(FARM)}  # no r… customer in it


def test_a_group_whose_judged_members_are_all_cleared_is_not_high(tmp_path: Path) -> None:
    cleared = "".join(f"merchant,x{i:04d},legit\n" for i in range(0, 40, 10))
    assert _high(_export(tmp_path, labels=cleared)) == []


def test_the_ring_carries_the_cut_that_found_it(tmp_path: Path) -> None:
    result = scan(read_dataset(_export(tmp_path)).dataset, ScanParams.with_seed(1),
                  build_index=False)
    ring = next(r for r in result.rings if r.risk == "high")
    assert ring.evidence[-1] == "found by: a block of phones and accounts used together"
    assert result.params.as_dict()["cohesion"] == 0.3


def _hidden_ring_export(tmp_path: Path, *, ring: int) -> Path:
    """``ring`` accounts each using four or five of five phones that 80 real actors
    each also use one of (a ring buying reviews of real businesses), amid 8,000 ordinary
    actors on 300 popular phones."""
    rng = np.random.default_rng(5)
    d = tmp_path / "hidden"
    members = [f"h{i:03d}" for i in range(ring)]
    real = [f"r{i:04d}" for i in range(8000)]
    write_csv(d, "merchants.csv", "merchant_id\n" + "\n".join(members + real) + "\n")
    shops = [f"shop{i}" for i in range(5)]
    popular = [f"pop{i:03d}" for i in range(300)]
    rows = ["merchant_id,device_id"]
    for account in members:
        for phone in rng.choice(shops, size=int(rng.integers(4, 6)), replace=False):
            rows.append(f"{account},{phone}")
    for i, account in enumerate(real):
        for phone in rng.choice(popular, size=2, replace=False):
            rows.append(f"{account},{phone}")
        if i < 5 * 80:  # real customers: one of the five each
            rows.append(f"{account},{shops[i % 5]}")
    write_csv(d, "merchant_devices.csv", "\n".join(rows) + "\n")
    return d


def test_a_small_ring_hidden_among_real_customers_is_found_without_them(
        tmp_path: Path) -> None:
    high = _high(_hidden_ring_export(tmp_path, ring=14))
    assert high == [{f"h{i:03d}" for i in range(14)}]


def test_real_customers_of_the_same_identifiers_alone_are_not_a_ring(
        tmp_path: Path) -> None:
    assert _high(_hidden_ring_export(tmp_path, ring=0)) == []


def test_an_analysts_confirmation_is_named_as_such_not_as_blacklisted_members(
        tmp_path: Path) -> None:
    d = _export(tmp_path)
    rows = "".join(f"merchant,x{i:04d},fraud,analyst:alice\n" for i in range(30)) + \
        "".join(f"merchant,x{i:04d},fraud,blacklist\n" for i in range(30, 32))
    write_csv(d, "labels.csv", "entity_type,entity_id,label,source\n" + rows)
    result = scan(read_dataset(d).dataset, ScanParams.with_seed(1), build_index=False)
    [ring] = [r for r in result.rings if r.risk == "high"]
    assert "30 members confirmed as fraud by analysts (a decision, not counted as " \
        "evidence)" in ring.evidence
    assert "2 blacklisted members" in ring.evidence
    assert not any("32 blacklisted" in e for e in ring.evidence)


def _two_small_rings(tmp_path: Path, *, shared_accounts: bool) -> Path:
    """Rings a and b of ten accounts, each account on four of the five phones of its
    own ring; 25 real customers each use one of those phones (rings buying reviews of
    real businesses); four bystanders each use two phones of each ring; 4,000 ordinary
    actors on 200 popular phones. With ``shared_accounts`` both groups are paid out to
    the same two accounts: two cells of one operation."""
    rng = np.random.default_rng(8)
    d = tmp_path / ("cells" if shared_accounts else "rings")
    a = [f"a{i}" for i in range(10)]
    b = [f"b{i}" for i in range(10)]
    by = [f"y{i}" for i in range(4)]
    real = [f"r{i:04d}" for i in range(4000)]
    write_csv(d, "merchants.csv", "merchant_id\n" + "\n".join(a + b + by + real) + "\n")
    rows = ["merchant_id,device_id"]
    rows += [f"{shop},p{ring}{(i + j) % 5}" for members, ring in ((a, "a"), (b, "b"))
             for i, shop in enumerate(members) for j in range(4)]
    rows += [f"{shop},p{ring}{(i + j) % 5}" for i, shop in enumerate(by) for ring in "ab"
             for j in range(2)]
    popular = [f"pop{i:03d}" for i in range(200)]
    for i, shop in enumerate(real):
        rows += [f"{shop},{phone}" for phone in rng.choice(popular, size=2, replace=False)]
        if i < 250:  # 25 real customers of each ring phone
            rows.append(f"{shop},p{'ab'[i % 2]}{i // 2 % 5}")
    write_csv(d, "merchant_devices.csv", "\n".join(rows) + "\n")
    if shared_accounts:
        write_csv(d, "merchant_accounts.csv", "merchant_id,account_id\n" + "".join(
            f"{shop},acct{k}\n" for shop in a + b for k in range(2)))
    return d


def _candidates(d: Path) -> list[tuple[set[str], list[set[str]]]]:
    """Each candidate's members and its parts."""
    from graphfraud.detect.communities import find_candidates
    from graphfraud.graph.projection import project

    graph = project(read_dataset(d).dataset)
    return [(set(graph.actor_ids[c.members].tolist()),
             [set(graph.actor_ids[p].tolist()) for p in c.parts])
            for c in find_candidates(graph)]


def test_two_rings_joined_only_through_bystanders_are_reported_apart(tmp_path: Path) -> None:
    ring_a, ring_b = {f"a{i}" for i in range(10)}, {f"b{i}" for i in range(10)}
    [(whole, parts)] = [(w, p) for w, p in _candidates(
        _two_small_rings(tmp_path, shared_accounts=False)) if ring_a & w]
    assert ring_a | ring_b < whole  # one strong-link component, bystanders included
    assert ring_a in parts and ring_b in parts
    result = scan(read_dataset(_two_small_rings(tmp_path / "scan", shared_accounts=False)
                               ).dataset, ScanParams.with_seed(1), build_index=False)
    high = [{m.id for m in r.members} for r in result.rings if reaches_high(r)]
    assert ring_a in high and ring_b in high
    assert not any(m.id.startswith(("y", "r")) for r in result.rings if r.risk != "low"
                   for m in r.members)


def test_cells_paid_out_to_the_same_accounts_stay_one_candidate(tmp_path: Path) -> None:
    found = _candidates(_two_small_rings(tmp_path, shared_accounts=True))
    cells = {f"a{i}" for i in range(10)} | {f"b{i}" for i in range(10)}
    assert any(cells <= whole and not parts for whole, parts in found)


def test_a_ring_does_not_grow_into_the_members_of_a_block_ring(tmp_path: Path) -> None:
    """Embedding expansion adds actors outside every candidate, block rings included:
    before, a small ring's candidate could take a neighbouring farm's members."""
    from graphfraud.detect.communities import expand_by_similarity
    from graphfraud.graph.projection import project

    graph = project(read_dataset(_two_small_rings(tmp_path, shared_accounts=False)).dataset)
    index = {a: i for i, a in enumerate(graph.actor_ids.tolist())}
    ring = np.array(sorted(index[f"a{i}"] for i in range(10)))
    block_ring = np.array(sorted(index[f"y{i}"] for i in range(4)))  # linked to ring a
    alike = np.ones((graph.n_actors, 4)) / 2.0  # every actor looks the same
    grown = expand_by_similarity(graph, [ring, block_ring], alike, min_similarity=0.5,
                                 max_ring_size=10_000,
                                 grow=[True, False])
    assert not set(block_ring) & set(grown[0].tolist())
    assert grown[1].tolist() == block_ring.tolist()
    alone = expand_by_similarity(graph, [ring], alike, min_similarity=0.5,
                                 max_ring_size=10_000)
    assert set(block_ring) <= set(alone[0].tolist())  # the case the rule exists for


def test_a_ring_and_the_customers_it_shares_one_product_with_are_two_parts(
        tmp_path: Path) -> None:
    """Twelve accounts on all of four rare products; each of eight real customers uses one
    of those products and nothing else of the ring: one strong-link component, whose
    parts are the ring (its members share several products) and the customers."""
    d = tmp_path / "shared-product"
    ring = [f"a{i}" for i in range(12)]
    customers = [f"c{i}" for i in range(8)]
    write_csv(d, "merchants.csv", "merchant_id\n" + "\n".join(ring + customers) + "\n")
    rows = ["merchant_id,device_id"]
    rows += [f"{shop},p{j}" for shop in ring for j in range(4)]
    rows += [f"{shop},p{i % 4}" for i, shop in enumerate(customers)]
    write_csv(d, "merchant_devices.csv", "\n".join(rows) + "\n")
    [(whole, parts)] = _candidates(d)
    assert whole == set(ring) | set(customers)
    assert set(ring) in parts and set(customers) in parts



def _community_export(tmp_path: Path, *, cleared: int) -> Path:
    """A real community of 400 accounts on a pool of 300 contacts (ten each), whose
    three heaviest users use 35 of the same 40; beside it a farm of 40 on six phones of
    its own, eight of them blacklisted."""
    rng = np.random.default_rng(5)
    d = tmp_path / "export"
    community = [f"c{i:03d}" for i in range(400)]
    heavy = ["h0", "h1", "h2"]
    farm = [f"f{i:02d}" for i in range(40)]
    write_csv(d, "merchants.csv", "merchant_id\n" + "\n".join(community + heavy + farm) + "\n")
    pool = [f"p{i:03d}" for i in range(300)]
    rows = ["merchant_id,device_id"]
    for shop in community:
        rows += [f"{shop},{c}" for c in rng.choice(pool, size=10, replace=False)]
    for shop in heavy:
        rows += [f"{shop},{c}" for c in rng.choice(pool[:40], size=35, replace=False)]
    for shop in farm:
        rows += [f"{shop},farm{k}" for k in rng.choice(6, size=4, replace=False)]
    write_csv(d, "merchant_devices.csv", "\n".join(rows) + "\n")
    labels = [f"merchant,f{i:02d},fraud" for i in range(0, 40, 5)]
    labels += [f"merchant,{community[i]},legit" for i in range(0, 400, 400 // cleared)] \
        if cleared else []
    write_csv(d, "labels.csv", "entity_type,entity_id,label\n" + "\n".join(labels) + "\n")
    return d


def _heavy_rings(d: Path, **knobs: float) -> list[tuple[str, int, float | None]]:
    result = scan(read_dataset(d).dataset, ScanParams.with_seed(1, **knobs),
                  build_index=False)
    high = [{m.id for m in r.members} for r in result.rings if reaches_high(r)]
    assert {f"f{i:02d}" for i in range(40)} in high  # the farm stays one high ring
    return [("high" if reaches_high(r) else r.risk.value, len(r.members),
             r.features.get("block_users"))
            for r in result.rings if {"h0", "h1"} & {m.id for m in r.members}]


def test_heavy_users_of_a_cleared_community_are_judged_by_it(tmp_path: Path) -> None:
    """The three heavy users share most of their block with the rest of the community,
    which holds cleared members and no blacklisted one: they are not a high ring. Without
    that phenomenon (weight 0) they are, which is what this test guards."""
    d = _community_export(tmp_path, cleared=15)
    assert all(risk != "high" for risk, _, _ in _heavy_rings(d, crowd_ratio=1e9))
    alone = _heavy_rings(d, w_block_users=0.0, crowd_ratio=1e9)
    assert [(risk, n) for risk, n, _ in alone] == [("high", 3)]
    assert alone[0][2] is not None and alone[0][2] < -0.5


def test_heavy_users_amid_a_crowd_on_their_block_are_not_set_apart(tmp_path: Path) -> None:
    """The heavy users' co-use is beyond chance over the whole graph but not beyond their
    neighbourhood: hundreds of others use two or more of the same contacts. Co-use
    against chance then does not stand in for exclusivity (``crowd_ratio``), even with
    the block-users term off: they are no ring of their own. With both off they are a
    high ring of three."""
    d = _community_export(tmp_path, cleared=15)
    assert [(risk, n) for risk, n, _ in _heavy_rings(d, w_block_users=0.0)] == \
        [("medium", 403)]  # the community as a whole; its cleared members keep it low
    assert [(risk, n) for risk, n, _ in _heavy_rings(d, w_block_users=0.0,
                                                     crowd_ratio=1e9)] == [("high", 3)]


def _week_ring_export(tmp_path: Path, *, ring: int, clustered: bool = True) -> Path:
    """``ring`` accounts registered within three days (or over years, like everyone,
    when not ``clustered``), each using two of three products that 30 real customers,
    registered over eight years, also use two of: the same structure, told apart by
    time only. 3,000 actors on 200 popular phones around them."""
    import datetime as dt

    rng = np.random.default_rng(5)
    d = tmp_path / "week"
    members = [f"h{i:03d}" for i in range(ring)]
    real = [f"r{i:04d}" for i in range(3000)]
    start = dt.date(2016, 1, 1)
    rows = ["merchant_id,registered_at"]
    for account in members:
        day = dt.date(2024, 3, 1) + dt.timedelta(days=int(rng.integers(0, 3))) if clustered \
            else start + dt.timedelta(days=int(rng.integers(0, 2900)))
        rows.append(f"{account},{day}")
    for account in real:
        rows.append(f"{account},{start + dt.timedelta(days=int(rng.integers(0, 2900)))}")
    write_csv(d, "merchants.csv", "\n".join(rows) + "\n")
    products = ["shop0", "shop1", "shop2"]
    popular = [f"pop{i:03d}" for i in range(200)]
    rows = ["merchant_id,device_id"]
    for account in members:
        rows += [f"{account},{p}" for p in rng.choice(products, size=2, replace=False)]
    for i, account in enumerate(real):
        rows += [f"{account},{p}" for p in rng.choice(popular, size=2, replace=False)]
        if i < 30:
            rows += [f"{account},{p}" for p in rng.choice(products, size=2, replace=False)]
    write_csv(d, "merchant_devices.csv", "\n".join(rows) + "\n")
    return d


def test_a_ring_registered_in_one_week_amid_its_products_customers_is_found_alone(
        tmp_path: Path) -> None:
    from dataclasses import replace

    d = _week_ring_export(tmp_path, ring=12)
    assert _high(d) == [{f"h{i:03d}" for i in range(12)}]
    found = scan(read_dataset(d).dataset, ScanParams.with_seed(1), build_index=False)
    [ring] = [r for r in found.rings if r.risk == "high"]
    assert ring.evidence[-1].endswith(", then its 12 of 42 members registered within 7 days")
    # without the time core, the ring and the customers are one group, not high
    params = ScanParams.with_seed(1)
    params = replace(params, score=replace(params.score, time_core_chance=-1.0))
    result = scan(read_dataset(d).dataset, params, build_index=False)
    assert not [r for r in result.rings if r.risk == "high"]
    [whole] = [r for r in result.rings if any(m.id == "h000" for m in r.members)]
    assert len(whole.members) == 42


def test_the_customers_alone_or_with_a_ring_spread_over_years_have_no_time_core(
        tmp_path: Path) -> None:
    assert _high(_week_ring_export(tmp_path / "none", ring=0)) == []
    assert _high(_week_ring_export(tmp_path / "spread", ring=12, clustered=False)) == []


def test_a_time_core_is_more_members_in_one_week_than_chance_gives() -> None:
    from graphfraud.score.rings import ScoreParams, time_core

    rng = np.random.default_rng(2)
    spread = rng.uniform(0, 2900, size=40)
    week = 3000 + rng.uniform(0, 3, size=8)

    def core(days: np.ndarray) -> np.ndarray | None:
        facts = type("Facts", (), {"registered_days": days})()
        return time_core(facts, np.arange(len(days)), ScoreParams(), 3)  # type: ignore[arg-type]

    found = core(np.concatenate([spread, week]))
    assert found is not None and found.tolist() == list(range(40, 48))
    assert core(spread) is None  # chance: a few in some week of eight years
    assert core(week) is None  # all of them: the whole is the group (burst judges it)
    assert core(np.concatenate([spread, week[:2]])) is None  # two: fewer than 3
    assert core(np.full(10, np.nan)) is None  # no dates, no core


def _customers_export(tmp_path: Path, *, ring: int, customers: int) -> Path:
    """``ring`` accounts each using the same three products, no dates, amid
    ``customers`` real customers of each product that use that one only (and two
    popular phones); 3,000 actors on 200 popular phones around them. Each customer's
    product is used mostly by the ring, so the candidate holds both."""
    rng = np.random.default_rng(7)
    d = tmp_path / f"customers-{ring}"
    members = [f"h{i:03d}" for i in range(ring)]
    real = [f"r{i:04d}" for i in range(3000)]
    write_csv(d, "merchants.csv", "merchant_id\n" + "\n".join(members + real) + "\n")
    products = ["shop0", "shop1", "shop2"]
    popular = [f"pop{i:03d}" for i in range(200)]
    rows = ["merchant_id,device_id"]
    for account in members:
        rows += [f"{account},{p}" for p in products]
    for i, account in enumerate(real):
        rows += [f"{account},{p}" for p in rng.choice(popular, size=2, replace=False)]
        if i < 3 * customers:
            rows.append(f"{account},{products[i % 3]}")
    write_csv(d, "merchant_devices.csv", "\n".join(rows) + "\n")
    return d


def test_a_ring_amid_its_products_customers_is_found_on_its_block_core(
        tmp_path: Path) -> None:
    from graphfraud.detect.communities import Candidate
    from graphfraud.graph.projection import project
    from graphfraud.pipeline import _score_candidates
    from graphfraud.score.rings import actor_facts, score_candidate

    dataset = read_dataset(_customers_export(tmp_path, ring=30, customers=40)).dataset
    params = ScanParams.with_seed(1)
    graph = project(dataset, params.projection)
    facts = actor_facts(graph, dataset)
    ring = graph.positions("merchant", [f"h{i:03d}" for i in range(30)])
    customers = graph.positions("merchant", [f"r{i:04d}" for i in range(120)])
    whole = np.sort(np.concatenate([ring, customers]))
    options = {"embedding": None, "proximity": np.zeros(graph.n_actors),
               "seeds": np.zeros(0, np.int64)}
    # a cut that took the ring with its products' customers: the whole is not high
    scored, core = score_candidate(graph, facts, whole, params=params.score, **options)
    assert scored.risk != "high" and len(scored.members) == 150
    assert core is not None and core.tolist() == np.sort(ring).tolist()
    # the block core is: reported, and the customers apart as the rest, not high
    found = _score_candidates(graph, facts, [Candidate(whole, "component")], [whole],
                              params=params, **options)
    assert [(len(r.members), "high" if reaches_high(r) else r.risk) for r in found] == \
        [(30, "high"), (120, "low")]
    assert {m.id for m in found[0].members} == {f"h{i:03d}" for i in range(30)}
    by = [next(e for e in r.evidence if e.startswith("found by:")) for r in found]
    assert by[0] == ("found by: rare shared phones and accounts, then its 30 of 150 members "
                     "that use most of its phones and accounts")
    assert by[1] == ("found by: rare shared phones and accounts, less its 30 members that "
                     "use most of its phones and accounts")
    [core_reason] = [r for r in found[0].reasons if r.code == "found_by_core"]
    assert core_reason.values == {"source": "component", "core_kind": "block", "core": 30,
                                  "of": 150, "days": 7.0}


def test_the_customers_alone_have_no_block_core(tmp_path: Path) -> None:
    from graphfraud.graph.projection import project
    from graphfraud.score.rings import actor_facts, score_candidate

    d = _customers_export(tmp_path, ring=0, customers=40)
    assert _high(d) == []
    dataset = read_dataset(d).dataset
    params = ScanParams.with_seed(1)
    graph = project(dataset, params.projection)
    customers = np.sort(graph.positions("merchant", [f"r{i:04d}" for i in range(120)]))
    scored, core = score_candidate(graph, actor_facts(graph, dataset), customers,
                                   params=params.score, embedding=None,
                                   proximity=np.zeros(graph.n_actors),
                                   seeds=np.zeros(0, np.int64))
    assert scored.risk != "high" and core is None  # each uses one of the three: none deep


def test_co_use_is_judged_at_the_depth_the_members_reach() -> None:
    from graphfraud.score.rings import ScoreParams
    from graphfraud.score.signals import _co_use

    # 10,000 actors of degree 3 and a block holding 1 % of all uses
    facts = type("Facts", (), {"degree_values": np.array([3]),
                               "degree_counts": np.array([10_000]),
                               "total_uses": 30_000})()
    two = np.array([2] * 8 + [1] * 4)
    three = np.array([3] * 8 + [1] * 4)
    at2 = _co_use(facts, two, 2, 300, ScoreParams())  # type: ignore[arg-type]
    at3 = _co_use(facts, three, 2, 300, ScoreParams())  # type: ignore[arg-type]
    assert (at2.depth, at2.members, at3.depth, at3.members) == (2, 8, 3, 8)
    assert at3.chance < at2.chance / 50  # all three of three: far rarer than two of three
    assert 0 < at2.surprise < at3.surprise <= 1.0
    assert at3.at_half == at2.surprise  # "two of three" is what both reach
    # a member or none at the deeper level says nothing more
    assert _co_use(facts, np.array([3] + [2] * 7), 2, 300, ScoreParams()).depth == 2  # type: ignore[arg-type]
    assert _co_use(facts, np.array([1] * 12), 2, 300, ScoreParams()).surprise == 0.0  # type: ignore[arg-type]


def _sanctions_export(tmp_path: Path, *, statuses: bool, sanctioned: int,
                      others_sanctioned: int = 10) -> Path:
    """Eight shops on the same three phones, ``sanctioned`` of them suspended or banned,
    amid 400 shops on a phone of their own, ``others_sanctioned`` of them sanctioned
    (ten: 2.5 %)."""
    d = tmp_path / f"sanctions-{statuses}-{sanctioned}-{others_sanctioned}"
    group = [f"g{i}" for i in range(8)]
    others = [f"o{i:03d}" for i in range(400)]
    status = {**{s: "suspended" for s in group[:sanctioned]},
              **{s: "banned" for s in others[:others_sanctioned]}}
    head = "merchant_id,status" if statuses else "merchant_id"
    rows = [f"{s},{status.get(s, 'active')}" if statuses else s for s in group + others]
    write_csv(d, "merchants.csv", head + "\n" + "\n".join(rows) + "\n")
    links = ["merchant_id,device_id"]
    links += [f"{s},farm{(i + k) % 3}" for i, s in enumerate(group) for k in range(2)]
    links += [f"{s},own{s}" for s in others]
    write_csv(d, "merchant_devices.csv", "\n".join(links) + "\n")
    return d


def _group_scored(d: Path) -> object:
    from graphfraud.graph.projection import project
    from graphfraud.score.rings import actor_facts, score_candidate

    dataset = read_dataset(d).dataset
    params = ScanParams.with_seed(1)
    graph = project(dataset, params.projection)
    group = graph.positions("merchant", [f"g{i}" for i in range(8)])
    ring, _ = score_candidate(graph, actor_facts(graph, dataset), np.sort(group),
                              embedding=None, proximity=np.zeros(graph.n_actors),
                              seeds=np.zeros(0, np.int64), params=params.score)
    return ring


def test_members_the_platform_already_sanctioned_add_evidence_against_its_rate(
        tmp_path: Path) -> None:
    caught = _group_scored(_sanctions_export(tmp_path, statuses=True, sanctioned=3))
    clean = _group_scored(_sanctions_export(tmp_path, statuses=True, sanctioned=0))
    # three of eight at a 2.5 % rate: chance gives that with probability ~0.001
    assert caught.features["enforcement"] > 0.9
    assert ("3 of 8 shops already suspended or banned by the platform, more than chance "
            "would give") in caught.evidence
    assert clean.features["enforcement"] == 0.0
    assert caught.score > clean.score
    one = _group_scored(_sanctions_export(tmp_path, statuses=True, sanctioned=1))
    assert 0.0 < one.features["enforcement"] < 0.3  # one of eight: ordinary
    assert not any("suspended" in e for e in one.evidence)


def test_without_statuses_enforcement_says_nothing(tmp_path: Path) -> None:
    bare = _group_scored(_sanctions_export(tmp_path, statuses=False, sanctioned=0))
    clean = _group_scored(_sanctions_export(tmp_path, statuses=True, sanctioned=0))
    assert "enforcement" not in bare.features
    # an all-active group amid sanctioned shops is not evidence of innocence either
    assert clean.features["enforcement"] == 0.0 and bare.score == clean.score
    # an export where every shop is active says nothing of sanctions
    active = _group_scored(_sanctions_export(tmp_path, statuses=True, sanctioned=0,
                                             others_sanctioned=0))
    assert "enforcement" not in active.features and active.score == bare.score


def test_a_big_rings_picture_uses_are_those_of_its_first_members(tmp_path: Path) -> None:
    from graphfraud.score.rings import USAGE_IDENTIFIERS, USAGE_MEMBERS

    d = _export(tmp_path)
    result = scan(read_dataset(d).dataset, ScanParams.with_seed(1), build_index=False)
    ring = next(r for r in result.rings if r.risk == "high")
    assert len(ring.members) == FARM > USAGE_MEMBERS
    first = {f"{m.type}:{m.id}" for m in ring.members[:USAGE_MEMBERS]}
    drawn = {f"{s.type}:{s.id}" for s in ring.shared[:USAGE_IDENTIFIERS]}
    links = (d / "merchant_devices.csv").read_text().splitlines()[1:]
    expected = {(f"merchant:{m}", f"device:{p}") for m, p in (row.split(",") for row in links)
                if f"merchant:{m}" in first and f"device:{p}" in drawn}
    assert len(expected) > USAGE_MEMBERS  # each drawn member uses several block phones
    assert set(ring.usage) == expected and len(ring.usage) == len(expected)
    assert list(ring.usage) == sorted(ring.usage)


def test_ban_evasion_follows_the_banned_shops_own_phone_and_account(tmp_path: Path) -> None:
    """The banned shop's phone is not the ring's first: the shops that came back on it
    120 days after the ban are evaders; the ring's other shops, as old as it, are not."""
    d = tmp_path / "evasion"
    shops = {"a1": ("2024-01-01", "active", "a-phone"), "a2": ("2024-01-01", "active", "a-phone"),
             "a3": ("2024-01-02", "active", "a-phone"), "b0": ("2024-01-01", "banned", "z-phone"),
             "n1": ("2024-05-01", "active", "z-phone"), "n2": ("2024-05-03", "active", "z-phone")}
    write_csv(d, "merchants.csv", "merchant_id,registered_at,status\n" + "".join(
        f"{s},{reg},{status}\n" for s, (reg, status, _) in shops.items()))
    write_csv(d, "merchant_devices.csv", "merchant_id,device_id\n" + "".join(
        f"{s},{phone}\n" for s, (_, _, phone) in shops.items()))
    write_csv(d, "merchant_accounts.csv", "merchant_id,account_id\n" + "".join(
        f"{s},acct\n" for s in shops))
    result = scan(read_dataset(d).dataset, ScanParams.with_seed(1), build_index=False)
    [ring] = result.rings
    assert ring.features["ban_evasion"] == 1.0
    assert ("2 shops registered after a banned member and reuse its phone or account"
            in ring.evidence)


# -- what high means: a sign of fraud, not coordination alone ---------------------------

def _rings_with(d: Path, ids: set[str]) -> list[Any]:
    result = scan(read_dataset(d).dataset, ScanParams.with_seed(1), build_index=False)
    return [r for r in result.rings if {m.id for m in r.members} & ids]


def test_coordination_alone_is_a_group_to_review_not_to_act_on(tmp_path: Path) -> None:
    ring = {f"h{i:03d}" for i in range(14)}
    [found] = _rings_with(_hidden_ring_export(tmp_path, ring=14), ring)
    assert {m.id for m in found.members} == ring and reaches_high(found)
    assert found.risk == "medium" and found.score <= ScanParams().score.no_sign_cap
    assert found.evidence[-1].startswith("but: an organised group with no sign of fraud")
    assert found.reasons[-1].code == "no_fraud_sign"


def test_one_blacklisted_member_is_a_sign_of_fraud_about_the_group(tmp_path: Path) -> None:
    ring = {f"h{i:03d}" for i in range(14)}
    d = _hidden_ring_export(tmp_path, ring=14)
    write_csv(d, "labels.csv", "entity_type,entity_id,label\nmerchant,h003,fraud\n")
    [found] = _rings_with(d, ring)
    assert found.risk == "high" and "1 blacklisted member" in found.evidence
    assert not any(r.code == "no_fraud_sign" for r in found.reasons)


def _exclusive_block_export(tmp_path: Path, *, cleared: bool) -> Path:
    """Twelve accounts, each on four or five of the same five phones that nobody else
    uses, amid 3,000 ordinary actors on 200 popular phones."""
    rng = np.random.default_rng(3)
    d = tmp_path / ("cleared" if cleared else "plain")
    ring = [f"x{i:02d}" for i in range(12)]
    real = [f"r{i:04d}" for i in range(3000)]
    write_csv(d, "merchants.csv", "merchant_id\n" + "\n".join(ring + real) + "\n")
    rows = ["merchant_id,device_id"]
    rows += [f"{a},farm{p}" for a in ring
             for p in rng.choice(5, size=int(rng.integers(4, 6)), replace=False)]
    rows += [f"{a},pop{p}" for a in real for p in rng.choice(200, size=2, replace=False)]
    write_csv(d, "merchant_devices.csv", "\n".join(rows) + "\n")
    labels = ["entity_type,entity_id,label"] + [f"merchant,r{i:04d},fraud" for i in range(30)]
    if cleared:
        labels.append("merchant,x05,legit")
    write_csv(d, "labels.csv", "\n".join(labels) + "\n")
    return d


def test_coordination_no_organisation_explains_is_a_sign_on_its_own(tmp_path: Path) -> None:
    ring = {f"x{i:02d}" for i in range(12)}
    [found] = _rings_with(_exclusive_block_export(tmp_path, cleared=False), ring)
    assert {m.id for m in found.members} == ring and found.risk == "high"
    assert any(r.code == "extraordinary" for r in found.reasons)
    assert any(e.endswith("more than chance or an ordinary organisation explains")
               for e in found.evidence)


def test_a_cleared_member_speaks_for_an_organisation(tmp_path: Path) -> None:
    ring = {f"x{i:02d}" for i in range(12)}
    found = _rings_with(_exclusive_block_export(tmp_path, cleared=True), ring)
    assert found and all(r.risk != "high" for r in found)
    assert not any(r.code == "extraordinary" for f in found for r in f.reasons)


def test_blacklisted_members_fewer_than_the_graph_rate_are_no_sign() -> None:
    """A real community of 300 with 11 bots mixed in, where a fifth of all actors are
    blacklisted, holds fewer than its share: its labels are no sign of fraud; a group
    of 30 with 10 is; a member on a blacklisted phone always is."""
    from types import SimpleNamespace

    from graphfraud.score.signals import Labels

    def sign(n: int, blacklisted: int, touching: int = 0) -> bool:
        kept = np.zeros(n, dtype=bool)
        kept[:touching] = True  # members on a blacklisted phone that is not a hub
        c = SimpleNamespace(found=SimpleNamespace(facts={"known_fraud": blacklisted,
                                                         "touching": touching,
                                                         "inside": inside}),
                            facts=SimpleNamespace(fraud_rate=0.2,
                                                  touches_kept_fraud_identifier=kept),
                            view=SimpleNamespace(n=n, members=np.arange(n)),
                            params=ScanParams().score)
        return Labels().signs(c)  # type: ignore[arg-type]

    inside = 0.6  # a tight ring: at least its share of the graph's rate
    assert not sign(300, 11) and sign(30, 6) and sign(300, 0, touching=1)
    assert not sign(30, 0) and not sign(30, 5)
    inside = 0.05  # a loose one (members live mostly outside the block): beyond chance
    assert not sign(30, 6) and sign(30, 12) and not sign(300, 0, touching=1)


def _frame(**cols: list[str]) -> Any:
    import pandas as pd

    return pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in cols.items()})


def _studio(ring: list[str], phones: int, extra: list[tuple[str, str]] | None = None,
            **tables: Any) -> Any:
    """``ring`` shops each on the same ``phones`` studio phones (and ``extra`` links),
    amid 2,000 ordinary shops on 300 popular phones, 20 of them blacklisted."""
    from graphfraud.loaders.dataset import Dataset

    rng = np.random.default_rng(1)
    others = [f"o{i:04d}" for i in range(2000)]
    dev = [(m, f"studio{p}") for m in ring for p in range(phones)] + (extra or [])
    dev += [(o, f"pop{p}") for o in others for p in rng.choice(300, 2, replace=False)]
    base = {"merchants": _frame(merchant_id=ring + others),
            "merchant_devices": _frame(merchant_id=[a for a, _ in dev],
                                       device_id=[b for _, b in dev]),
            "labels": _frame(entity_type=["merchant"] * 20, entity_id=others[1000:1020],
                             label=["fraud"] * 20)}
    return Dataset(source="studio", tables={**base, **tables})


def _ring_of(dataset: Any, member: str) -> Any:
    result = scan(dataset, ScanParams.with_seed(1), build_index=False, workers=1)
    return next(r for r in result.rings if any(m.id == member for m in r.members))


def test_a_ring_spread_over_two_organisations_is_not_explained() -> None:
    ring = [f"r{i:02d}" for i in range(12)]
    orgs = {"organizations": _frame(organization_id=["A", "B"], kind=["franchise", "operator"],
                                    name=["Alpha", "Beta"], verified=["true", "true"]),
            "organization_members": _frame(organization_id=["A"] * 6 + ["B"] * 6,
                                           entity_type=["merchant"] * 12, entity_id=ring)}
    plain, declared = _ring_of(_studio(ring, 4), "r00"), _ring_of(_studio(ring, 4, **orgs), "r00")
    assert declared.risk == plain.risk == "high" and declared.score == plain.score
    assert declared.pattern != "organization"
    assert "its members belong to 2 different declared organisations: sharing across " \
        "organisations is not explained by them" in declared.evidence


def test_a_blacklisted_hub_is_no_sign_of_fraud_about_its_users() -> None:
    ring = [f"r{i:02d}" for i in range(9)]
    own = [(m, f"own{m}") for m in ring]
    wifi = own + [(f"o{i:04d}", "wifi") for i in range(400)] + [("r00", "wifi")]
    dataset = _studio(ring, 3, wifi)
    labels = dataset.tables["labels"]
    dataset.tables["labels"] = _frame(
        entity_type=[*labels["entity_type"], "device"], entity_id=[*labels["entity_id"], "wifi"],
        label=[*labels["label"], "fraud"])
    found = _ring_of(dataset, "r00")
    assert found.risk == "medium" and found.reasons[-1].code.startswith("no_fraud_sign")


def test_a_bursty_core_of_a_group_with_no_sign_surfaces_on_its_own(tmp_path: Path) -> None:
    """Twenty shops on the same three phones: eight registered within two days, twelve
    over four months. The whole has no sign of fraud; its time core has a burst."""
    rng = np.random.default_rng(1)
    ring = [f"r{i:02d}" for i in range(20)]
    others = [f"o{i:04d}" for i in range(2000)]
    day = [f"2024-04-{10 + i % 2:02d}" for i in range(8)] + \
        [f"2024-{1 + i // 4:02d}-{1 + 7 * (i % 4):02d}" for i in range(12)]
    old = [f"20{18 + i % 5}-0{1 + i % 9}-11" for i in range(2000)]
    write_csv(tmp_path, "merchants.csv", "merchant_id,registered_at\n" + "".join(
        f"{m},{d}\n" for m, d in zip(ring + others, day + old, strict=True)))
    rows = [f"{m},studio{p}" for m in ring for p in range(3)] + [f"{m},own{m}" for m in ring]
    rows += [f"{o},pop{p}" for o in others for p in rng.choice(300, 2, replace=False)]
    write_csv(tmp_path, "merchant_devices.csv", "merchant_id,device_id\n" + "\n".join(rows))
    write_csv(tmp_path, "labels.csv", "entity_type,entity_id,label\n" + "".join(
        f"merchant,{o},fraud\n" for o in others[:20]))
    result = scan(read_dataset(tmp_path).dataset, ScanParams.with_seed(1), build_index=False)
    mine = [r for r in result.rings if {m.id for m in r.members} & set(ring)]
    high = [{m.id for m in r.members} for r in mine if r.risk == "high"]
    assert len(high) == 1 and high[0] >= set(ring[:8]) and high[0] <= set(ring)
    assert all(r.risk != "high" for r in mine if {m.id for m in r.members} & set(ring[8:]))


def test_a_time_core_of_hundreds_of_members_is_measured() -> None:
    from graphfraud.score.rings import ScoreParams, time_core

    days = np.concatenate([np.full(200, 19_000.0) + np.arange(200) % 3,
                           19_000.0 + np.linspace(30, 900, 100)])
    facts = type("Facts", (), {"registered_days": days})()
    core = time_core(facts, np.arange(300), ScoreParams(), 5)  # type: ignore[arg-type]
    assert core is not None and len(core) == 200
