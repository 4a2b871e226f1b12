"""Detection on hand-made exports whose answer is known by construction."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from conftest import write_csv
from graphfraud.detect.communities import CommunityParams, candidate_rings
from graphfraud.detect.embedding import EmbeddingParams, fastrp, random_projection
from graphfraud.detect.seeds import personalized_pagerank
from graphfraud.graph.projection import ProjectionParams, project
from graphfraud.loaders import read_dataset
from graphfraud.pipeline import ScanParams, scan
from graphfraud.report import RunInfo, RunReport, build_run_report


def _export(tmp_path: Path, *, farm_joined: str = "2024-05-0{}", extra_farm_shop: bool = False
            ) -> Path:
    """A device farm, a franchise, an internet-cafe hub, and a family pair.

    farm:      f1..f5, registered within days, two shared phones, many complaints
    franchise: c1..c6, registered over years, one HQ account, few complaints
    cafe:      150 ordinary shops (and f1) log in from one PC
    family:    p1, p2 share a phone
    """
    d = tmp_path / "export"
    shops = [f"f{i}" for i in range(1, 6)] + (["f6"] if extra_farm_shop else [])
    rows = ["merchant_id,name,registered_at,category,status"]
    rows += [f"{s},Farm {s},{farm_joined.format(i + 1)},health,active"
             for i, s in enumerate(shops)]
    rows += [f"c{i},Chain {i},20{15 + i}-01-01,food,active" for i in range(1, 7)]
    rows += [f"u{i},Shop {i},2020-01-01,food,active" for i in range(150)]
    rows += ["p1,A,2021-01-01,food,active", "p2,B,2021-01-02,food,active"]
    write_csv(d, "merchants.csv", "\n".join(rows) + "\n")
    links = ["merchant_id,device_id,first_seen,last_seen,logins"]
    for i, s in enumerate(shops):
        links.append(f"{s},phone-A,,,5")
        if i % 2:
            links.append(f"{s},phone-B,,,5")
        links.append(f"{s},own-{s},,,1")
    links.append("f2,phone-B,,,1")
    links += [f"u{i},cafe-pc,,,1" for i in range(150)] + ["f1,cafe-pc,,,1"]
    links += ["c1,hq-pc,,,3", "c2,hq-pc,,,3", "p1,home,,,3", "p2,home,,,3"]
    write_csv(d, "merchant_devices.csv", "\n".join(links) + "\n")
    accounts = ["merchant_id,account_id,role,first_seen"]
    accounts += [f"c{i},hq-account,settlement," for i in range(1, 7)]
    accounts += [f"{s},own-acc-{s},settlement," for s in shops]
    write_csv(d, "merchant_accounts.csv", "\n".join(accounts) + "\n")
    signals = ["merchant_id,orders,refunds,complaints,violations"]
    signals += [f"{s},200,60,30,4" for s in shops]
    signals += [f"c{i},500,10,1,0" for i in range(1, 7)]
    signals += [f"u{i},300,15,2,0" for i in range(150)]
    write_csv(d, "merchant_signals.csv", "\n".join(signals) + "\n")
    write_csv(d, "labels.csv", "entity_type,entity_id,label,source,labeled_at\n"
              "merchant,c1,legit,investigator,2024-01-01\n")
    return d


@pytest.fixture()
def result(tmp_path: Path):  # type: ignore[no-untyped-def]
    return scan(read_dataset(_export(tmp_path)).dataset, ScanParams.with_seed(7))


def _members(ring) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.id for m in ring.members}


def test_device_farm_is_high_with_readable_evidence(result) -> None:  # type: ignore[no-untyped-def]
    farm = next(r for r in result.rings if "f1" in _members(r))
    assert _members(farm) == {"f1", "f2", "f3", "f4", "f5"}
    assert farm.risk == "high" and farm.pattern == "device_farm"
    assert "5 of 5 shops log in from the same 2 phones" in farm.evidence
    assert "shops registered within 3 days" in farm.evidence
    assert any("complaints per order" in e for e in farm.evidence)
    assert {(s.type, s.id, s.members) for s in farm.shared} == {
        ("device", "phone-A", 5), ("device", "phone-B", 2)}


def test_legit_franchise_comes_out_low(result) -> None:  # type: ignore[no-untyped-def]
    chain = next(r for r in result.rings if "c1" in _members(r))
    assert _members(chain) == {f"c{i}" for i in range(1, 7)}
    assert chain.risk == "low"
    assert chain.known_legit == 1
    assert any(e.startswith("but: 1 member cleared as legit") for e in chain.evidence)


def test_hub_is_dropped_listed_and_glues_nothing(result) -> None:  # type: ignore[no-untyped-def]
    assert [(h.id, h.actors, h.action) for h in result.hubs] == [("cafe-pc", 151, "dropped")]
    assert not any("u1" in _members(r) for r in result.rings)


def test_family_pair_is_no_ring(result) -> None:  # type: ignore[no-untyped-def]
    assert not any("p1" in _members(r) for r in result.rings)
    assert [r.risk for r in result.rings] == ["high", "low"]  # sorted by score


def test_report_follows_the_contract(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = json.loads(build_run_report(result, RunInfo(source="x", rows=10,
                                                          rejected_rows=2)).to_json())
    assert report["schema_version"] == "2"
    assert set(report) >= {"schema_version", "run_id", "generated_at", "source", "params",
                           "summary", "rings"}
    assert report["params"]["seed"] == 7
    assert report["summary"]["rejected_rows"] == 2
    assert report["summary"]["high"] == 1 and report["summary"]["rings"] == 2
    ring = report["rings"][0]
    assert set(ring) == {"ring_id", "score", "risk", "pattern", "members", "shared",
                         "evidence", "known_fraud", "known_legit", "reasons"}
    assert 0.0 <= ring["score"] <= 1.0
    assert all(0.0 <= m["score"] <= 1.0 for m in ring["members"])


def test_same_data_same_seed_same_rings(tmp_path: Path) -> None:
    dataset = read_dataset(_export(tmp_path)).dataset
    a = scan(dataset, ScanParams.with_seed(3)).rings
    b = scan(dataset, ScanParams.with_seed(3)).rings
    assert a == b


def test_ring_id_survives_a_new_member_and_the_change_is_reported(tmp_path: Path) -> None:
    first = scan(read_dataset(_export(tmp_path / "a")).dataset, ScanParams.with_seed(1))
    written = build_run_report(first, RunInfo(source="a")).to_json()
    grown_export = _export(tmp_path / "b", extra_farm_shop=True)
    second = scan(read_dataset(grown_export).dataset, ScanParams.with_seed(1),
                  previous=RunReport.from_json(written).rings)
    farm_before = next(r for r in first.rings if "f1" in _members(r))
    farm_after = next(r for r in second.rings if "f1" in _members(r))
    assert "f6" in _members(farm_after)
    assert farm_after.ring_id == farm_before.ring_id
    assert second.changes is not None
    assert second.changes.grown == {farm_before.ring_id: ["merchant:f6"]}
    assert second.changes.new == [] and second.changes.gone == []


def test_no_links_no_rings(tmp_path: Path) -> None:
    write_csv(tmp_path / "d", "merchants.csv", "merchant_id\nm1\nm2\n")
    result = scan(read_dataset(tmp_path / "d").dataset)
    assert result.rings == [] and result.counts["merchants"] == 2


def test_giant_component_is_split_by_leiden(tmp_path: Path) -> None:
    """Two 8-shop cliques joined by one bridge phone, with max ring size 10."""
    rows, links = ["merchant_id"], ["merchant_id,device_id"]
    for group in ("a", "b"):
        for i in range(8):
            rows.append(f"{group}{i}")
            links += [f"{group}{i},{group}-phone-{k}" for k in range(3)]
    links += ["a0,bridge", "b0,bridge"]
    write_csv(tmp_path / "d", "merchants.csv", "\n".join(rows) + "\n")
    write_csv(tmp_path / "d", "merchant_devices.csv", "\n".join(links) + "\n")
    dataset = read_dataset(tmp_path / "d").dataset
    graph = project(dataset)
    groups = candidate_rings(graph, CommunityParams(max_ring_size=10, random_seed=5))
    found = sorted(sorted(str(graph.actor_ids[i]) for i in g) for g in groups)
    assert found == [[f"a{i}" for i in range(8)], [f"b{i}" for i in range(8)]]
    again = candidate_rings(graph, CommunityParams(max_ring_size=10, random_seed=5))
    assert [g.tolist() for g in groups] == [g.tolist() for g in again]


def test_projection_weights_by_rarity(tmp_path: Path) -> None:
    write_csv(tmp_path / "d", "merchants.csv", "merchant_id\nm1\nm2\nm3\nm4\n")
    write_csv(tmp_path / "d", "merchant_devices.csv",
              "merchant_id,device_id\nm1,pair\nm2,pair\nm1,trio\nm2,trio\nm3,trio\n")
    graph = project(read_dataset(tmp_path / "d").dataset, ProjectionParams(strong_degree=5))
    index = {str(a): i for i, a in enumerate(graph.actor_ids)}
    w = graph.shared.toarray()
    assert w[index["m1"], index["m2"]] == pytest.approx(1.0 + 0.5)  # 1/(2-1) + 1/(3-1)
    assert w[index["m1"], index["m3"]] == pytest.approx(0.5)
    assert w[index["m4"]].sum() == 0


def test_fastrp_is_seeded_and_puts_neighbours_together() -> None:
    a = sp.lil_matrix((6, 6))
    for i, j in ((0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)):
        a[i, j] = a[j, i] = 1.0
    adjacency = sp.csr_matrix(a)
    e1 = fastrp(adjacency, EmbeddingParams(dimensions=32, random_seed=1))
    e2 = fastrp(adjacency, EmbeddingParams(dimensions=32, random_seed=1))
    assert np.array_equal(e1, e2)
    assert e1[0] @ e1[1] > 0.9 and abs(e1[0] @ e1[3]) < 0.5


def test_random_projection_is_the_plain_draw_of_each_hash() -> None:
    """The vectors as FastRP defines them, drawn the plain way (splitmix64 of hash,
    seed and pair of dimensions; below 1/6 of the range +sqrt 3, from 5/6 -sqrt 3):
    the blocked, in-place draw must give exactly these, across block edges and for an
    odd number of dimensions."""
    mask = (1 << 64) - 1
    sixth = (1 << 32) // 6

    def plain(h: int, dims: int, seed: int) -> list[float]:
        out = []
        for pair in range((dims + 1) // 2):
            z = ((h ^ (seed * 0xBF58476D1CE4E5B9 & mask))
                 + (pair + 1) * 0x9E3779B97F4A7C15) & mask
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
            z ^= z >> 31
            for half in (z & 0xFFFFFFFF, z >> 32):
                out.append(np.sqrt(3.0) if half < sixth else
                           -np.sqrt(3.0) if half >= 5 * sixth else 0.0)
        return out[:dims]

    hashes = np.random.default_rng(5).integers(0, 2**63, 9000).astype(np.uint64)
    hashes[:3] = [0, 2**64 - 1, 12345]
    for dims, seed in ((64, 42), (7, 3)):
        got = random_projection(hashes, EmbeddingParams(dimensions=dims, random_seed=seed))
        for i in (0, 1, 2, 8191, 8192, 8999):
            want = np.asarray(plain(int(hashes[i]), dims, seed), dtype=np.float32)
            assert np.array_equal(got[i], want), (dims, i)
        assert 0.63 < float((got == 0).mean()) < 0.70  # two thirds zero, about


def test_pagerank_without_seeds_is_zero_and_decays_with_distance() -> None:
    chain = sp.diags([1.0] * 4, 1, shape=(5, 5))
    adjacency = sp.csr_matrix(chain + chain.T)
    assert not personalized_pagerank(adjacency, np.array([], dtype=int)).any()
    p = personalized_pagerank(adjacency, np.array([0]))
    assert p[0] == 1.0 and p[1] > p[2] > p[3] > p[4] > 0


def test_the_walk_is_the_transposed_adjacency_scaled_bit_for_bit() -> None:
    """The walk matrix is made from the symmetric adjacency without a transpose; its
    entries and the walk's values are those of the transposed product, to the bit
    (explicit zeros, isolated nodes and rows stored out of order included; an entry
    stored twice takes the transpose)."""
    from graphfraud.detect.seeds import _walk_matrix

    rng = np.random.default_rng(7)
    rows, cols = rng.integers(0, 250, 2000), rng.integers(0, 250, 2000)  # 250..299 isolated
    keep = rows < cols
    rows, cols = rows[keep], cols[keep]
    weights = rng.random(len(rows)) ** 3 * 10.0
    weights[:3] = 0.0  # explicit zeros, each way
    adjacency = sp.csr_matrix((np.concatenate([weights, weights]),
                               (np.concatenate([rows, cols]), np.concatenate([cols, rows]))),
                              shape=(300, 300))
    assert (adjacency != adjacency.T).nnz == 0 and (adjacency.data == 0).any()
    shuffled = adjacency.copy()
    for row in range(0, 300, 3):  # some rows stored out of column order
        lo, hi = shuffled.indptr[row], shuffled.indptr[row + 1]
        shuffled.indices[lo:hi] = shuffled.indices[lo:hi][::-1]
        shuffled.data[lo:hi] = shuffled.data[lo:hi][::-1]
    shuffled.has_sorted_indices = False
    doubled = sp.csr_matrix((adjacency.data.repeat(2) / 2, adjacency.indices.repeat(2),
                             adjacency.indptr * 2), shape=(300, 300))  # each entry twice
    assert not doubled.has_canonical_format
    seeds = np.array([0, 17, 42])
    for matrix in (adjacency, shuffled, doubled):
        degree = np.asarray(matrix.sum(axis=1)).ravel()  # (the degrees as summed before)
        inv = np.zeros(300)
        inv[degree > 0] = 1.0 / degree[degree > 0]
        want = (matrix.T @ sp.diags(inv)).tocsr()
        got = _walk_matrix(matrix)
        assert (got != want).nnz == 0
        p, start = np.zeros(300), np.zeros(300)
        start[seeds] = p[seeds] = 1.0
        for _ in range(30):
            p = 0.75 * (want @ p) + 0.25 * start
        walked = personalized_pagerank(matrix, seeds, top=1.0)
        assert np.array_equal(walked.view(np.uint64), p.view(np.uint64))


def test_one_phone_behind_thirty_new_shops_is_a_ring_an_office_pc_is_not(
    tmp_path: Path,
) -> None:
    """Both identifiers are too popular for a strong link; scoring tells them apart."""
    rows = ["merchant_id,registered_at,status"]
    rows += [f"farm{i:02d},2024-06-{1 + i % 5:02d},active" for i in range(30)]
    rows += [f"office{i:02d},20{12 + i % 10}-0{1 + i % 9}-01,active" for i in range(40)]
    links = ["merchant_id,device_id"]
    links += [f"farm{i:02d},farm-phone" for i in range(30)]
    links += [f"office{i:02d},office-pc" for i in range(40)]
    signals = ["merchant_id,orders,refunds,complaints,violations"]
    signals += [f"farm{i:02d},100,30,10,3" for i in range(30)]
    signals += [f"office{i:02d},100,5,0,0" for i in range(40)]
    write_csv(tmp_path / "d", "merchants.csv", "\n".join(rows) + "\n")
    write_csv(tmp_path / "d", "merchant_devices.csv", "\n".join(links) + "\n")
    write_csv(tmp_path / "d", "merchant_signals.csv", "\n".join(signals) + "\n")
    result = scan(read_dataset(tmp_path / "d").dataset, ScanParams.with_seed(2))
    by_first = {r.members[0].id[:4]: r for r in result.rings}
    assert len(by_first["farm"].members) == 30 and by_first["farm"].risk == "high"
    assert "30 of 30 shops log in from the same phone" in by_first["farm"].evidence
    assert len(by_first["offi"].members) == 40 and by_first["offi"].risk == "low"


def test_the_temperature_spreads_high_scores_and_keeps_rings_bands_and_order(
        tmp_path: Path) -> None:
    import math

    from graphfraud.synth import SynthConfig, generate

    generate(tmp_path / "world", SynthConfig(seed=5, scale=0.5))
    dataset = read_dataset(tmp_path / "world").dataset
    plain = scan(dataset, ScanParams.with_seed(5, temperature=1.0, medium=0.3),
                 build_index=False)
    tempered = scan(dataset, ScanParams.with_seed(5), build_index=False)
    before = {r.ring_id: r for r in plain.rings}
    after = {r.ring_id: r for r in tempered.rings}
    assert before.keys() == after.keys()
    for ring_id, r in after.items():
        p = before[ring_id]
        assert (r.risk, {m.id for m in r.members}) == (p.risk, {m.id for m in p.members})
        if 0.01 < p.score < 0.99:  # sigmoid(logit / 2), up to the 4-place rounding
            logit = math.log(p.score / (1 - p.score))
            assert abs(r.score - 1 / (1 + math.exp(-logit / 2))) < 2e-3
    pairs = [(before[i].score, after[i].score) for i in after]
    assert all(b2 >= a2 for a1, a2 in pairs for b1, b2 in pairs if b1 > a1)  # same order
    high_plain = [r.score for r in plain.rings if r.risk == "high"]
    high = [r.score for r in tempered.rings if r.risk == "high"]
    assert len(high) >= 10
    assert sum(s >= 0.99 for s in high) < sum(s >= 0.99 for s in high_plain) / 2
    assert len({round(s, 2) for s in high}) > len({round(s, 2) for s in high_plain})


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
def test_a_temperature_that_is_not_positive_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="temperature must be positive"):
        ScanParams.with_seed(1, temperature=bad)


def test_positions_search_and_hash_agree(tmp_path: Path) -> None:
    from graphfraud.graph import projection
    from graphfraud.synth import SynthConfig, generate

    generate(tmp_path / "world", SynthConfig(seed=3, scale=0.2))
    graph = project(read_dataset(tmp_path / "world").dataset)
    # (the walk takes the graph's links as exactly symmetric: shared and promoted)
    assert graph.promotions.nnz and (graph.linked != graph.linked.T).nnz == 0
    rng = np.random.default_rng(0)
    for kind, ids in (("merchant", graph.actor_ids[graph.actor_types == 0]),
                      ("device", graph.identifier_ids[graph.identifier_types == 0])):
        picked = list(rng.choice(ids, size=len(ids) // 40, replace=False))
        asked = [*picked, "", "zzz-absent", "商户-9", str(ids[0]) + " ", str(ids[-1]) + "0"]
        rng.shuffle(asked)
        assert len(asked) * projection.SEARCH_BELOW < len(ids)  # the search path
        searched = graph.positions(kind, asked)
        hashed = projection._positions(graph.universes, kind, asked)
        assert searched.tolist() == hashed.tolist()
        assert (searched >= 0).sum() == len(picked)
        found = searched[searched >= 0]
        names = graph.actor_ids if kind == "merchant" else graph.identifier_ids
        assert sorted(names[found].tolist()) == sorted(picked)


def test_vectors_drawn_ahead_give_the_same_embedding_and_are_handed_over_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from graphfraud.detect.embedding import Drawn, node_hashes

    rng = np.random.default_rng(5)
    dense = (rng.random((300, 300)) < 0.02).astype(float)
    adjacency = sp.csr_matrix(dense + dense.T)
    keys = node_hashes(np.zeros(300, np.int8), np.asarray([f"m{i}" for i in range(300)],
                                                          dtype=object))
    params = EmbeddingParams(dimensions=16, random_seed=3)
    with ThreadPoolExecutor(max_workers=1) as pool:
        drawn = Drawn(pool, keys, params)
        ahead = fastrp(adjacency, params, drawn=drawn)
        with pytest.raises(RuntimeError, match="taken already"):
            drawn.take()
    assert ahead.tobytes() == fastrp(adjacency, params, keys=keys).tobytes()
