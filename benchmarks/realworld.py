"""Ring detection on a real graph: planted rings in the YelpChi review graph, beside baselines.

    python benchmarks/realworld.py                        # tuning seeds 1,2,3, 20 rings each
    python benchmarks/realworld.py --seeds 11,12,13       # reporting seeds
    python benchmarks/realworld.py --no-timestamps        # structure-only export
    python benchmarks/realworld.py --dataset vk           # VKontakte bot farms (vkbots.py)

What it measures. The real YelpChi graph (67,395 reviews by 38,063 users of 201
products; ../shared/datasets/yelpchi/README.md) is the innocent background: a user is a
merchant, a product is a shared identifier (a device), a review is one merchant_devices
row. Yelp-filtered users (label -1) are individual spammers, counted as innocent. Into it
each seed plants K rings of new accounts (FRAUDAR's protocol, Hooi et al. KDD 2016), of
sizes 5-39, 40-119 and 120-300 (log-uniform within the band), each member linking most
(a strict majority) of a block of 3-8 identifiers, and varies every facet across rings:

  block        new identifiers, or existing low-degree real products (<= 100 users;
               real users share the block: "paid reviews for a real business")
  camouflage   none; random (each member links as many real identifiers outside the block
               as inside, uniformly) or biased (in proportion to popularity)
  timing       registrations clustered within 1-5 days, or spread like the real users'
               (2016-2023, density growing linearly)
  blacklist    labelled (~10 % of members, at least one, labelled fraud; 2 rings in 3)
               or unlabelled; 0.5 % of the real users, at random, are cleared as legit

Each facet's values are cycled over the K rings and shuffled independently. Ids are random
tokens and every file's rows are shuffled. --no-timestamps plants the same graph and
labels and only leaves registered_at / labeled_at empty. The export is written as
contract CSVs and every method runs on the same data in this process:

  graphfraud  `python -m graphfraud scan` (the contract face); predictions: members of
              rings with risk == high; its time includes start-up and reading the CSVs
  fraudar     own greedy peeling (heap, O(E log V)) on the user x identifier graph, column
              weights 1 / log(degree + 5) on the remaining edges, best prefix of
              g(S) = f(S) / |S|; 20 blocks, each found block's edges removed before the
              next; members: the users of all blocks
  cc-pruned   connected components (>= 3 users) after dropping identifiers shared by
              more than 50 users (a fixed cut: the 99th percentile here is ~1,400)
  louvain     networkx Louvain (seeded) on that pruned user projection (weights: shared
              identifiers), communities of >= 3 users with a blacklisted member
  ppr         personalised PageRank (restart 0.15) from the blacklist on the
              user-identifier graph; flags the top k users, k = blacklisted / 0.1 (the
              assumed label rate, not the true number of plants); AUC over the users not
              on the blacklist

Measures: member precision / recall / F1 against the planted members; ring recall (a
planted ring is found when the predicted members cover at least half of it), per size
band and per facet; for graphfraud also recall by one high ring covering half a planted
ring, the precision of high rings (share with at least half planted members), the ring
average precision (every reported ring ranked by score, relevant when at least half its
members are planted) and, per planted ring, the reported ring of any risk holding most
of it (was it a candidate scored too low, or never a candidate); PPR's AUC; time.

Seeds 1-3 are the TUNING seeds. Seeds 11-13 are the REPORTING seeds, chosen afterwards:
do not look at them while tuning the detector.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.stats import rankdata

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "yelpchi" / "metadata.gz"
SIZE_BANDS = ((5, 40, "5-39"), (40, 120, "40-119"), (120, 301, "120-300"))
BLOCK_SIZES = (3, 8)  # identifiers per block, inclusive
LOW_DEGREE = 100  # an existing product usable as a ring block has at most this many users
LABEL_RATE = 0.1  # share of a labelled ring's members on the blacklist
LEGIT_SHARE = 0.005  # share of real users cleared as legit
REG_START_DAY = 16801.0  # 2016-01-01, days since the epoch
REG_SPAN_DAYS = 8 * 365.25
LABEL_START_DAY = 19754.0  # 2024-02-01
CC_MAX_DEGREE = 50
FRAUDAR_BLOCKS = 20
PPR_RESTART = 0.15
FACETS = ("size", "block", "camouflage", "timing", "blacklist")
#: Each facet's values, cycled over the K rings (so labelled rings are 2 in 3).
PLAN_CYCLES = {
    "size": [band[2] for band in SIZE_BANDS],
    "block": ["new", "existing"],
    "camouflage": ["none", "random", "biased"],
    "timing": ["clustered", "spread"],
    "blacklist": ["labelled", "labelled", "unlabelled"],
}
FACET_VALUES = {name: list(dict.fromkeys(values)) for name, values in PLAN_CYCLES.items()}
METHODS = ("graphfraud", "fraudar", "cc-pruned", "louvain", "ppr")


@dataclass
class Background:
    """The real graph: users and products as dense indices, one edge per review."""

    n_users: int
    n_products: int
    users: np.ndarray
    products: np.ndarray
    filtered: np.ndarray  # bool per user: at least one review removed by Yelp's filter


@dataclass
class PlantedRing:
    index: int
    members: np.ndarray
    block: np.ndarray  # identifier indices
    facets: dict[str, str]
    n_labelled: int


@dataclass
class Scenario:
    """One seed's export in memory: users (real first, then planted), identifiers, truth."""

    n_real: int
    n_users: int
    n_ids: int
    users: np.ndarray  # edge endpoints
    idents: np.ndarray
    user_tokens: np.ndarray
    ident_tokens: np.ndarray
    registered: np.ndarray  # days since the epoch
    fraud: np.ndarray  # user indices labelled fraud
    legit: np.ndarray  # user indices labelled legit
    rings: list[PlantedRing]
    planted: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.planted = np.zeros(self.n_users, dtype=bool)
        self.planted[self.n_real:] = True


@dataclass
class Outcome:
    """One method's predictions on one seed."""

    method: str
    flagged: np.ndarray  # bool per user
    seconds: float
    extra: dict[str, float] = field(default_factory=dict)
    one_ring_found: np.ndarray | None = None  # graphfraud: one high ring covers half
    #: graphfraud: per planted ring, the reported ring (any risk) holding most of it
    best_ring: list[str] = field(default_factory=list)


def load_background(path: Path) -> Background:
    """Read the YelpChi metadata (user_id product_id rating label date per line)."""
    frame = pd.read_csv(path, sep=" ", header=None, dtype=str, compression="gzip",
                        names=["user", "product", "rating", "label", "date"])
    user_keys, users = np.unique(frame["user"].to_numpy(), return_inverse=True)
    product_keys, products = np.unique(frame["product"].to_numpy(), return_inverse=True)
    filtered = np.zeros(len(user_keys), dtype=bool)
    filtered[users[(frame["label"] == "-1").to_numpy()]] = True
    return Background(len(user_keys), len(product_keys), users.astype(np.int64),
                      products.astype(np.int64), filtered)


def ring_plans(rng: np.random.Generator, k: int) -> list[dict[str, str]]:
    """Facets of K rings: each facet's values cycled evenly, shuffled independently."""
    columns = {name: rng.permutation([vals[i % len(vals)] for i in range(k)])
               for name, vals in PLAN_CYCLES.items()}
    return [{name: str(columns[name][i]) for name in FACETS} for i in range(k)]


def registration_days(rng: np.random.Generator, n: int) -> np.ndarray:
    """Real users' sign-ups: 2016-2023, density growing linearly (a growing platform)."""
    return REG_START_DAY + REG_SPAN_DAYS * np.sqrt(rng.random(n))


def ring_size(rng: np.random.Generator, band: str) -> int:
    low, high = next((lo, hi) for lo, hi, name in SIZE_BANDS if name == band)
    size = round(float(np.exp(rng.uniform(np.log(low), np.log(high)))))
    return min(max(size, low), high - 1)


def top_choices(rng: np.random.Generator, pool: np.ndarray, counts: np.ndarray,
                weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """For each row i, counts[i] distinct picks from pool, without replacement.

    Uniform, or in proportion to ``weights`` (Gumbel top-k: the same law as drawing
    one by one without replacement). Returns (row, pick) pairs.
    """
    keys = rng.gumbel(size=(len(counts), len(pool)))
    if weights is not None:
        keys += np.log(weights)[None, :]
    order = np.argsort(-keys, axis=1)
    take = np.arange(len(pool))[None, :] < counts[:, None]
    rows = np.repeat(np.arange(len(counts)), take.sum(axis=1))
    return rows, pool[order[take]]


def plant_ring(rng: np.random.Generator, bg: Background, plan: dict[str, str],
               first_user: int, first_ident: int, spare: list[int]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges (user, identifier) of one ring, and its block. ``spare`` holds unused
    low-degree products (consumed here when the block is made of existing ones)."""
    size = ring_size(rng, plan["size"])
    b = int(rng.integers(BLOCK_SIZES[0], BLOCK_SIZES[1] + 1))
    if plan["block"] == "new":
        block = np.arange(first_ident, first_ident + b)
    else:
        if len(spare) < b:  # more existing-block rings than low-degree products: reuse
            spare[:] = np.flatnonzero(np.bincount(bg.products) <= LOW_DEGREE).tolist()
        picks = rng.choice(len(spare), size=b, replace=False)
        block = np.array(sorted(spare[i] for i in picks))
        for i in sorted(picks.tolist(), reverse=True):
            spare.pop(i)
    members = np.arange(first_user, first_user + size)
    inside = rng.integers(b // 2 + 1, b + 1, size=size)  # most of the block
    rows, picked = top_choices(rng, block, inside, None)
    users, idents = [members[rows]], [picked]
    if plan["camouflage"] != "none":
        real = np.setdiff1d(np.arange(bg.n_products), block)
        weights = None
        if plan["camouflage"] == "biased":
            weights = np.bincount(bg.products, minlength=bg.n_products)[real].astype(float)
        rows, picked = top_choices(rng, real, inside, weights)
        users.append(members[rows])
        idents.append(picked)
    return np.concatenate(users), np.concatenate(idents), block


def tokens(rng: np.random.Generator, n: int, prefix: str) -> np.ndarray:
    """n distinct opaque ids: a prefix and 13 random hex digits."""
    while True:
        raw = rng.integers(0, 2**52, size=n)
        if len(np.unique(raw)) == n:
            return np.array([f"{prefix}{x:013x}" for x in raw.tolist()])


def plant(bg: Background, seed: int, k: int) -> Scenario:
    """The seed's scenario: the real graph plus K planted rings, labels and dates."""
    rng = np.random.default_rng(seed)
    spare = np.flatnonzero(np.bincount(bg.products) <= LOW_DEGREE).tolist()
    users, idents = [bg.users], [bg.products]
    registered = [registration_days(rng, bg.n_users)]
    next_user, next_ident = bg.n_users, bg.n_products
    rings: list[PlantedRing] = []
    fraud: list[np.ndarray] = []
    for i, plan in enumerate(ring_plans(rng, k)):
        u, d, block = plant_ring(rng, bg, plan, next_user, next_ident, spare)
        members = np.unique(u)
        if plan["timing"] == "clustered":
            start = registration_days(rng, 1)[0]
            registered.append(start + rng.uniform(0, rng.uniform(1, 5), size=len(members)))
        else:
            registered.append(registration_days(rng, len(members)))
        labelled = np.empty(0, dtype=np.int64)
        if plan["blacklist"] == "labelled":
            n = max(1, int(rng.binomial(len(members), LABEL_RATE)))
            labelled = rng.choice(members, size=n, replace=False)
        fraud.append(labelled)
        rings.append(PlantedRing(i, members, block, plan, len(labelled)))
        users.append(u)
        idents.append(d)
        next_user += len(members)
        next_ident = max(next_ident, int(block.max()) + 1)
    legit = rng.choice(bg.n_users, size=round(LEGIT_SHARE * bg.n_users), replace=False)
    return Scenario(
        n_real=bg.n_users, n_users=next_user, n_ids=next_ident,
        users=np.concatenate(users), idents=np.concatenate(idents),
        user_tokens=tokens(rng, next_user, "m"), ident_tokens=tokens(rng, next_ident, "d"),
        registered=np.concatenate(registered), fraud=np.concatenate(fraud),
        legit=np.sort(legit), rings=rings)


def iso(days: np.ndarray, unit: Literal["s", "D"] = "s") -> np.ndarray:
    seconds = np.round(days * 86400.0).astype(np.int64).astype("datetime64[s]")
    return np.datetime_as_string(seconds, unit=unit)


def write_export(sc: Scenario, out: Path, *, timestamps: bool, seed: int) -> None:
    """Contract CSVs with shuffled rows: merchants, merchant_devices, labels."""
    rng = np.random.default_rng([seed, 7])
    out.mkdir(parents=True, exist_ok=True)
    order = rng.permutation(sc.n_users)
    pd.DataFrame({
        "merchant_id": sc.user_tokens[order], "name": "",
        "registered_at": iso(sc.registered[order]) if timestamps else "",
        "category": "", "status": "active",
    }).to_csv(out / "merchants.csv", index=False)
    order = rng.permutation(len(sc.users))
    pd.DataFrame({"merchant_id": sc.user_tokens[sc.users[order]],
                  "device_id": sc.ident_tokens[sc.idents[order]]}).to_csv(
        out / "merchant_devices.csv", index=False)
    who = np.concatenate([sc.fraud, sc.legit])
    label = np.array(["fraud"] * len(sc.fraud) + ["legit"] * len(sc.legit))
    source = np.array(["blacklist"] * len(sc.fraud) + ["investigator"] * len(sc.legit))
    when = iso(LABEL_START_DAY + rng.uniform(0, 90, size=len(who)), "D")
    order = rng.permutation(len(who))
    pd.DataFrame({"entity_type": "merchant", "entity_id": sc.user_tokens[who[order]],
                  "label": label[order], "source": source[order],
                  "labeled_at": when[order] if timestamps else ""}).to_csv(
        out / "labels.csv", index=False)


def run_graphfraud(sc: Scenario, export: Path, out: Path, seed: int) -> Outcome:
    """Scan through the contract face and read rings.json."""
    shutil.rmtree(out, ignore_errors=True)  # no --previous carry-over from an older run
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "graphfraud", "scan", str(export), "--out", str(out),
         "--seed", str(seed), "--quiet"], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"graphfraud scan failed ({done.returncode}): {done.stderr}")
    report = json.loads((out / "rings.json").read_text(encoding="utf-8"))
    where = {token: i for i, token in enumerate(sc.user_tokens.tolist())}
    rings = [(float(r["score"]), r["risk"],
              np.array([where[m["id"]] for m in r["members"] if m["type"] == "merchant"],
                       dtype=np.int64)) for r in report["rings"]]
    flagged = np.zeros(sc.n_users, dtype=bool)
    one_ring = np.zeros(len(sc.rings), dtype=bool)
    high = [members for _, risk, members in rings if risk == "high"]
    for members in high:
        flagged[members] = True
        inside = np.zeros(sc.n_users, dtype=bool)
        inside[members] = True
        one_ring |= np.array([inside[r.members].mean() >= 0.5 for r in sc.rings])
    planted_share = [sc.planted[m].mean() if len(m) else 0.0 for _, _, m in rings]
    relevant = np.array([share >= 0.5 for share in planted_share])
    is_high = np.array([risk == "high" for _, risk, _ in rings], dtype=bool)
    ranked = np.argsort([-score for score, _, _ in rings], kind="stable")
    extra = {
        "high rings": float(is_high.sum()),
        "high-ring precision": float(relevant[is_high].mean()) if is_high.any() else np.nan,
        "ring AP": average_precision(relevant[ranked]) if len(rings) else 0.0,
        "rings": float(len(rings)),
    }
    return Outcome("graphfraud", flagged, seconds, extra, one_ring, best_rings(sc, rings))


def best_rings(sc: Scenario, rings: list[tuple[float, str, np.ndarray]]) -> list[str]:
    """Per planted ring: 'share of it in the reported ring @ score risk' of the reported
    ring (any risk) that holds most of it; '-' when no reported ring holds any."""
    out = []
    for planted in sc.rings:
        inside = np.zeros(sc.n_users, dtype=bool)
        inside[planted.members] = True
        shares = [float(inside[members].sum()) / len(planted.members)
                  for _, _, members in rings]
        if not shares or max(shares) == 0:
            out.append("-")
            continue
        j = int(np.argmax(shares))
        share = shares[j]
        out.append(f"{share:.2f} @ {rings[j][0]:.2f} {rings[j][1]}")
    return out


def average_precision(relevant: np.ndarray) -> float:
    """AP of a ranked list: mean of precision@k over the ranks k of relevant items."""
    if not relevant.any():
        return 0.0
    hits = np.cumsum(relevant)
    ranks = np.arange(1, len(relevant) + 1)
    return float((hits / ranks)[relevant].mean())


def peel(n_users: int, n_ids: int, eu: np.ndarray, ei: np.ndarray
         ) -> tuple[np.ndarray, np.ndarray]:
    """FRAUDAR's greedy peel on one bipartite graph; returns the densest prefix's
    (users, identifiers). Edge weight 1 / log(column degree + 5); g(S) = f(S) / |S|."""
    col_degree = np.bincount(ei, minlength=n_ids)
    weight = 1.0 / np.log(col_degree[ei] + 5.0)
    src = np.concatenate([eu, n_users + ei])
    dst = np.concatenate([n_users + ei, eu])
    both = np.concatenate([weight, weight])
    order = np.argsort(src, kind="stable")
    dst_list, w_list = dst[order].tolist(), both[order].tolist()
    n = n_users + n_ids
    indptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=n))]).tolist()
    prio = np.bincount(src, weights=both, minlength=n).tolist()
    present = [v for v in range(n) if indptr[v + 1] > indptr[v]]
    heap = [(prio[v], v) for v in present]
    heapq.heapify(heap)
    removed = bytearray(n)
    f, size = float(weight.sum()), len(present)
    best, best_step, steps = f / size, 0, []
    while heap:
        p, v = heapq.heappop(heap)
        if removed[v] or p != prio[v]:
            continue
        removed[v] = 1
        steps.append(v)
        f -= p
        size -= 1
        for j in range(indptr[v], indptr[v + 1]):
            u = dst_list[j]
            if not removed[u]:
                prio[u] -= w_list[j]
                heapq.heappush(heap, (prio[u], u))
        if size > 0 and f / size > best:
            best, best_step = f / size, len(steps)
    gone = set(steps[:best_step])
    kept = np.array([v for v in present if v not in gone], dtype=np.int64)
    return kept[kept < n_users], kept[kept >= n_users] - n_users


def run_fraudar(sc: Scenario, blocks: int = FRAUDAR_BLOCKS) -> Outcome:
    """Up to ``blocks`` dense blocks, each peeled after the previous ones' edges left."""
    started = time.perf_counter()
    alive = np.ones(len(sc.users), dtype=bool)
    flagged = np.zeros(sc.n_users, dtype=bool)
    found = mostly_planted = 0
    for _ in range(blocks):
        live = np.flatnonzero(alive)
        if len(live) == 0:
            break
        users, idents = peel(sc.n_users, sc.n_ids, sc.users[live], sc.idents[live])
        if len(users) == 0:
            break
        found += 1
        mostly_planted += int(sc.planted[users].mean() >= 0.5)
        flagged[users] = True
        in_user = np.zeros(sc.n_users, dtype=bool)
        in_user[users] = True
        in_ident = np.zeros(sc.n_ids, dtype=bool)
        in_ident[idents] = True
        alive[live[in_user[sc.users[live]] & in_ident[sc.idents[live]]]] = False
    return Outcome("fraudar", flagged, time.perf_counter() - started,
                   {"blocks": found, "blocks mostly planted": mostly_planted})


def pruned_incidence(sc: Scenario, max_degree: int) -> sp.csr_matrix:
    """Users x identifiers, identifiers shared by more than ``max_degree`` users dropped."""
    degree = np.bincount(sc.idents, minlength=sc.n_ids)
    keep = degree[sc.idents] <= max_degree
    return sp.csr_matrix((np.ones(int(keep.sum())), (sc.users[keep], sc.idents[keep])),
                         shape=(sc.n_users, sc.n_ids))


def run_cc_pruned(sc: Scenario, max_degree: int = CC_MAX_DEGREE) -> Outcome:
    started = time.perf_counter()
    inc = pruned_incidence(sc, max_degree)
    graph = sp.bmat([[None, inc], [inc.T, None]]).tocsr()
    _, comp = connected_components(graph, directed=False)
    user_comp = comp[: sc.n_users]
    has_edge = np.diff(inc.indptr) > 0
    sizes = np.bincount(user_comp[has_edge], minlength=comp.max() + 1)
    flagged = has_edge & (sizes[user_comp] >= 3)
    return Outcome("cc-pruned", flagged, time.perf_counter() - started)


def run_louvain(sc: Scenario, seed: int, max_degree: int = CC_MAX_DEGREE) -> Outcome:
    import networkx as nx

    started = time.perf_counter()
    inc = pruned_incidence(sc, max_degree)
    shared = sp.triu(inc @ inc.T, k=1).tocoo()
    graph = nx.Graph()
    graph.add_weighted_edges_from(
        zip(shared.row.tolist(), shared.col.tolist(), shared.data.tolist(), strict=True))
    communities = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    blacklisted = set(sc.fraud.tolist())
    flagged = np.zeros(sc.n_users, dtype=bool)
    for community in communities:
        if len(community) >= 3 and blacklisted & community:
            flagged[list(community)] = True
    return Outcome("louvain", flagged, time.perf_counter() - started)


def run_ppr(sc: Scenario, iterations: int = 100) -> Outcome:
    """PPR from the blacklist; flags the top k = blacklisted / LABEL_RATE users.

    AUC is over the users not on the blacklist (planted against real)."""
    started = time.perf_counter()
    user_score = ppr_scores(sc, iterations)
    k = round(len(sc.fraud) / LABEL_RATE)
    flagged = np.zeros(sc.n_users, dtype=bool)
    flagged[np.argsort(-user_score, kind="stable")[:k]] = True
    seconds = time.perf_counter() - started
    unlabelled = np.ones(sc.n_users, dtype=bool)
    unlabelled[sc.fraud] = False
    return Outcome("ppr", flagged, seconds,
                   {"AUC": auc(user_score[unlabelled], sc.planted[unlabelled]), "k": k})


def ppr_scores(sc: Scenario, iterations: int = 100) -> np.ndarray:
    """Per user, the visit probability of a walk over the user-identifier graph that
    restarts at the blacklisted users (``PPR_RESTART``)."""
    n = sc.n_users + sc.n_ids
    rows = np.concatenate([sc.users, sc.n_users + sc.idents])
    cols = np.concatenate([sc.n_users + sc.idents, sc.users])
    adj = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    degree = np.asarray(adj.sum(axis=0)).ravel()
    walk = (adj @ sp.diags(1.0 / np.maximum(degree, 1.0))).tocsr()  # column-stochastic
    start = np.zeros(n)
    start[sc.fraud] = 1.0 / max(len(sc.fraud), 1)
    score = start.copy()
    for _ in range(iterations):
        nxt = PPR_RESTART * start + (1 - PPR_RESTART) * (walk @ score)
        if np.abs(nxt - score).sum() < 1e-12:
            score = nxt
            break
        score = nxt
    return score[: sc.n_users]


def auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    ranks = rankdata(score)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@dataclass
class Measured:
    """Scores of one method on one seed."""

    outcome: Outcome
    precision: float
    recall: float
    f1: float
    found: np.ndarray  # bool per planted ring: the flagged members cover at least half


def measure(sc: Scenario, outcome: Outcome) -> Measured:
    flagged = outcome.flagged
    hits = int((flagged & sc.planted).sum())
    precision = hits / flagged.sum() if flagged.any() else np.nan  # undefined: none flagged
    recall = hits / sc.planted.sum()
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    found = np.array([flagged[r.members].mean() >= 0.5 for r in sc.rings])
    return Measured(outcome, float(precision), float(recall), float(f1), found)


def run_seed(bg: Background, seed: int, k: int, timestamps: bool,
             workdir: Path) -> tuple[Scenario, list[Measured]]:
    """Plant, export, run every method, measure."""
    sc = plant(bg, seed, k)
    export = workdir / f"seed-{seed}" / "export"
    write_export(sc, export, timestamps=timestamps, seed=seed)
    runs: list[Callable[[], Outcome]] = [
        lambda: run_graphfraud(sc, export, workdir / f"seed-{seed}" / "out", seed),
        lambda: run_fraudar(sc),
        lambda: run_cc_pruned(sc),
        lambda: run_louvain(sc, seed),
        lambda: run_ppr(sc),
    ]
    return sc, [measure(sc, run()) for run in runs]


def facet_groups(sc: Scenario) -> dict[str, np.ndarray]:
    """'facet=value' -> bool mask over the planted rings."""
    groups: dict[str, np.ndarray] = {}
    for facet in FACETS:
        for value in FACET_VALUES[facet]:
            mask = np.array([r.facets[facet] == value for r in sc.rings])
            if mask.any():
                groups[f"{facet}={value}"] = mask
    return groups


def num(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.3f}"


def mean(values: list[float]) -> str:
    """Mean over the seeds where the value is defined; '(n of m)' when some are not."""
    defined = [v for v in values if not np.isnan(v)]
    if not defined:
        return "n/a"
    note = f" ({len(defined)} of {len(values)} seeds)" if len(defined) < len(values) else ""
    return f"{np.mean(defined):.3f}{note}"


def print_table(header: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(flush=True)


def report_seed(seed: int, sc: Scenario, results: list[Measured]) -> None:
    planted = int(sc.planted.sum())
    print(f"### seed {seed}: {len(sc.rings)} rings, {planted} planted of {sc.n_users} "
          f"merchants, {len(sc.users)} links, {len(sc.fraud)} blacklisted, "
          f"{len(sc.legit)} cleared legit\n")
    rows = []
    for m in results:
        extra = ", ".join(f"{k} {num(v)}" if k in ("AUC", "high-ring precision", "ring AP")
                          else f"{k} {v:.0f}" for k, v in m.outcome.extra.items())
        rows.append([m.outcome.method, str(int(m.outcome.flagged.sum())),
                     num(m.precision), f"{m.recall:.3f}", f"{m.f1:.3f}",
                     f"{m.found.mean():.3f}", f"{m.outcome.seconds:.1f} s", extra])
    gf = results[0].outcome
    assert gf.one_ring_found is not None
    rows[0][-1] += f", ring recall (one high ring) {gf.one_ring_found.mean():.3f}"
    print_table(["method", "flagged", "member P", "member R", "member F1", "ring recall",
                 "time", "more"], rows)
    rows = []
    for name, mask in facet_groups(sc).items():
        cells = [f"{int(m.found[mask].sum())}/{int(mask.sum())}" for m in results]
        rows.append([name, f"{int(gf.one_ring_found[mask].sum())}/{int(mask.sum())}", *cells])
    print_table(["ring recall per facet", "graphfraud (one ring)", *METHODS], rows)
    rows = []
    for r, one, best in zip(sc.rings, gf.one_ring_found, gf.best_ring, strict=True):
        covered = gf.flagged[r.members].mean()
        rows.append([str(r.index), str(len(r.members)), f"{r.facets['block']} ({len(r.block)})",
                     r.facets["camouflage"], r.facets["timing"], str(r.n_labelled),
                     f"{covered:.2f}", "yes" if one else "no", best,
                     " ".join(m.outcome.method for m in results[1:] if m.found[r.index])])
    print_table(["ring", "size", "block", "camouflage", "timing", "blacklisted",
                 "graphfraud high covers", "one high ring", "graphfraud best ring",
                 "found by"], rows)


def report_summary(runs: list[tuple[Scenario, list[Measured]]]) -> None:
    """Means over seeds; per-facet ring recall pooled (found / planted over all seeds)."""
    print(f"### summary over {len(runs)} seeds (means; facets pooled)\n")
    rows = []
    for i, method in enumerate(METHODS):
        ms = [results[i] for _, results in runs]
        extras: dict[str, list[float]] = {}
        for m in ms:
            for key, value in m.outcome.extra.items():
                extras.setdefault(key, []).append(value)
            if m.outcome.one_ring_found is not None:
                extras.setdefault("ring recall (one high ring)", []).append(
                    float(m.outcome.one_ring_found.mean()))
        rows.append([method] + [mean(v) for v in (
            [m.precision for m in ms], [m.recall for m in ms], [m.f1 for m in ms],
            [m.found.mean() for m in ms])] + [
            f"{np.mean([m.outcome.seconds for m in ms]):.1f} s",
            ", ".join(f"{k} {mean(v)}" for k, v in extras.items()
                      if k not in ("rings", "blocks", "k", "high rings"))])
    print_table(["method", "member P", "member R", "member F1", "ring recall", "time",
                 "more"], rows)
    pooled: dict[str, list[int]] = {}
    for sc, results in runs:
        gf_one = results[0].outcome.one_ring_found
        assert gf_one is not None
        for name, mask in facet_groups(sc).items():
            counts = pooled.setdefault(name, [0] * (len(METHODS) + 2))
            counts[0] += int(mask.sum())
            counts[1] += int(gf_one[mask].sum())
            for j, m in enumerate(results):
                counts[j + 2] += int(m.found[mask].sum())
    rows = [[name, str(c[0])] + [f"{x / c[0]:.2f}" for x in c[1:]]
            for name, c in pooled.items()]
    print_table(["ring recall per facet", "rings", "graphfraud (one ring)", *METHODS], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=("yelpchi", "vk"), default="yelpchi",
                        help="YelpChi with planted rings, or the VKontakte bot farms "
                             "amid real communities (benchmarks/vkbots.py) [yelpchi]")
    parser.add_argument("--seeds", default=None,
                        help="comma-separated; 1,2,3 tune, 11,12,13 report [1,2,3]; "
                             "vk: 1,2 tune, 11,12 report [1,2]")
    parser.add_argument("--rings", type=int, default=20, help="planted rings per seed [20]")
    parser.add_argument("--no-timestamps", action="store_true",
                        help="leave registered_at (and labeled_at) empty: structure only")
    parser.add_argument("--data", type=Path, default=None,
                        help="YelpChi metadata.gz [$GRAPHFRAUD_YELPCHI or "
                             "../shared/datasets/yelpchi/metadata.gz]")
    parser.add_argument("--vk-data", type=Path, default=None,
                        help="vk: the VKontakte_bots folder [$GRAPHFRAUD_VK or "
                             "../shared/datasets/vk]")
    parser.add_argument("--keep", type=Path, default=None,
                        help="write exports and reports under this directory and keep them")
    args = parser.parse_args()
    if args.dataset == "vk":
        import vkbots

        vkbots.run(args.vk_data, args.seeds, args.keep)
        return
    args.seeds = args.seeds or "1,2,3"
    data = args.data or Path(os.environ.get("GRAPHFRAUD_YELPCHI", DEFAULT_DATA))
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    bg = load_background(data)
    print(f"## realworld: YelpChi ({bg.n_users} users, {bg.n_products} products, "
          f"{len(bg.users)} reviews, {int(bg.filtered.sum())} Yelp-filtered users), "
          f"{args.rings} rings per seed, timestamps "
          f"{'off' if args.no_timestamps else 'on'}, seeds {args.seeds}\n")
    runs = []
    with tempfile.TemporaryDirectory(prefix="graphfraud-realworld-") as tmp:
        workdir = args.keep or Path(tmp)
        for seed in seeds:
            sc, results = run_seed(bg, seed, args.rings, not args.no_timestamps, workdir)
            report_seed(seed, sc, results)
            runs.append((sc, results))
    report_summary(runs)


if __name__ == "__main__":
    main()
