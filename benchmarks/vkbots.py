"""Ring detection on a second real graph: purchased VKontakte bots amid real communities.

    python benchmarks/realworld.py --dataset vk                   # tuning seeds 1,2
    python benchmarks/realworld.py --dataset vk --seeds 11,12     # reporting seeds
    python benchmarks/realworld.py --dataset vk --vk-data DIR     # data elsewhere

What it measures. The data is the VKontakte purchased-bot set published in the public
repository guardeec/datasets (commit fce6979e, folder VKontakte_bots, MIT licence; not
shipped here): 8 bot farms bought from three sellers at three qualities
(`bots/<SELLER>_<QUALITY>.txt/bot_<hash>.csv`) and the members of 10 real communities
(`users/USERS_<GROUP>.txt/<hash>.csv`). One file is one account (its name is the hashed
account id), one row of it one of the account's friends (hashed id first; some files
hold only the header: an account with no friend listed). The same bot can be sold in
several farms of one seller; no account is both a bot and a user.

The mapping onto the contract: an account is a merchant (merchant_id = the account
hash), a friend is a shared identifier (one merchant_devices row per friend, device_id =
the friend hash). An account that is itself some other account's friend keeps both
roles as separate ids. No dates, no status beyond `active`, no signals: a structure-only
export plus labels. Each benchmark seed draws the labels with its own generator: about a
fifth of each farm is blacklisted (label fraud, source blacklist) and about 3 % of the
real users are cleared (label legit, source investigator).

The product runs end to end (`python -m graphfraud scan EXPORT --out OUT --seed S
--quiet`, as for YelpChi) beside realworld.py's baselines on the same export: pruned
connected components, seeded Louvain communities with a blacklisted member, and
personalised PageRank from the blacklist (its top k = blacklisted / 0.2 accounts, the
assumed label rate here). FRAUDAR is not run (its pure-Python peel over a million links
and identifiers would dominate the run). The truth is "bot" (a member of any farm).
Measures: member precision / recall / F1 of the accounts in `high` rings (and in high or
medium rings), over all bots and again with the blacklisted accounts left out of both
sides; farms with at least half their bots flagged; communities flagged; cleared users
flagged.

Seeds 1 and 2 are the TUNING seeds, 11 and 12 the REPORTING seeds: do not look at the
latter while tuning the detector.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import realworld as rw
import scipy.sparse as sp

DEFAULT_DATA = rw.ROOT.parent / "shared" / "datasets" / "vk"
BLACKLIST_SHARE = 0.2  # of each farm
CLEARED_SHARE = 0.03  # of the real users
COMMUNITY_USERS = 10  # a community with this many users in high rings is flagged
DEFAULT_SEEDS = "1,2"
GETTING_IT = ("clone the public repository guardeec/datasets, check out commit fce6979e "
              "and pass its VKontakte_bots folder with --vk-data DIR (or set "
              "$GRAPHFRAUD_VK, or put it at ../shared/datasets/vk)")


@dataclass
class VkGraph:
    """Accounts (real users first, then bots) and their friend links, by index."""

    tokens: np.ndarray  # account hashes
    n_real: int
    friends: np.ndarray  # friend hashes
    users: np.ndarray  # edge endpoints: account index
    idents: np.ndarray  # edge endpoints: friend index
    farms: dict[str, np.ndarray]  # farm name -> account indices
    communities: dict[str, np.ndarray]  # community name -> account indices


@dataclass
class Labelled:
    """One seed's view: the shared Scenario type plus this data's groups and labels."""

    sc: rw.Scenario
    graph: VkGraph


@dataclass
class Flags:
    """One method's flagged accounts, its time and a note for the table."""

    name: str
    flagged: np.ndarray  # bool per account
    seconds: float
    note: str = ""


def resolve_data(given: Path | None) -> Path:
    """The VKontakte_bots folder: --vk-data, $GRAPHFRAUD_VK, ../shared/datasets/vk."""
    where = given or Path(os.environ.get("GRAPHFRAUD_VK", DEFAULT_DATA))
    for candidate in (where, where / "VKontakte_bots"):
        if (candidate / "bots").is_dir() and (candidate / "users").is_dir():
            return candidate
    raise SystemExit(f"no VKontakte bot data at {where} (want bots/ and users/ in it): "
                     + GETTING_IT)


def read_folder(folder: Path) -> dict[str, list[str]]:
    """account hash -> friend hashes, one file per account (header line first)."""
    accounts: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            next(handle, None)
            friends = [line.split(",", 1)[0].strip() for line in handle if line.strip()]
        accounts[path.stem.removeprefix("bot_")] = friends
    return accounts


def read_side(root: Path, side: str, prefix: str) -> dict[str, dict[str, list[str]]]:
    """group name -> its accounts, for bots/ or users/."""
    groups = {}
    for folder in sorted(p for p in (root / side).iterdir() if p.is_dir()):
        groups[folder.name.removesuffix(".txt").removeprefix(prefix)] = read_folder(folder)
    if not groups:
        raise SystemExit(f"{root / side} holds no group folders: " + GETTING_IT)
    return groups


def load_graph(root: Path) -> VkGraph:
    farms_raw = read_side(root, "bots", "")
    communities_raw = read_side(root, "users", "USERS_")
    real = sorted({a for group in communities_raw.values() for a in group})
    bots = sorted({a for group in farms_raw.values() for a in group} - set(real))
    tokens = np.array(real + bots)
    index = {token: i for i, token in enumerate(tokens.tolist())}
    friends_of: dict[str, list[str]] = {}
    for raw in (*communities_raw.values(), *farms_raw.values()):
        for account, friends in raw.items():  # a bot sold in several farms: one account
            friends_of.setdefault(account, []).extend(friends)
    pairs = pd.DataFrame([(index[a], f) for a, fs in friends_of.items() for f in fs],
                         columns=["account", "friend"]).drop_duplicates()
    friend_codes, friend_tokens = pd.factorize(pairs["friend"], sort=True)

    def members(raw: dict[str, dict[str, list[str]]]) -> dict[str, np.ndarray]:
        return {name: np.array(sorted(index[a] for a in group), dtype=np.int64)
                for name, group in raw.items()}

    return VkGraph(tokens, len(real), np.asarray(friend_tokens, dtype=str),
                   pairs["account"].to_numpy(np.int64), friend_codes.astype(np.int64),
                   members(farms_raw), members(communities_raw))


def label(graph: VkGraph, seed: int) -> Labelled:
    """The seed's labels: a fifth of each farm blacklisted, 3 % of real users cleared."""
    rng = np.random.default_rng(seed)
    fraud = [rng.choice(m, size=round(BLACKLIST_SHARE * len(m)), replace=False)
             for m in graph.farms.values()]
    blacklisted = np.unique(np.concatenate(fraud))
    legit = np.sort(rng.choice(graph.n_real, size=round(CLEARED_SHARE * graph.n_real),
                               replace=False))
    farms = [rw.PlantedRing(i, members, np.empty(0, dtype=np.int64), {"farm": name},
                            int(np.isin(members, blacklisted).sum()))
             for i, (name, members) in enumerate(graph.farms.items())]
    n = len(graph.tokens)
    sc = rw.Scenario(n_real=graph.n_real, n_users=n, n_ids=len(graph.friends),
                     users=graph.users, idents=graph.idents, user_tokens=graph.tokens,
                     ident_tokens=graph.friends, registered=np.zeros(n),
                     fraud=blacklisted, legit=legit, rings=farms)
    return Labelled(sc, graph)


def structure_rows(graph: VkGraph) -> list[list[str]]:
    """Per farm and community: how many friends, how shared, how exclusive."""
    n = len(graph.tokens)
    inc = sp.csr_matrix((np.ones(len(graph.users)), (graph.users, graph.idents)),
                        shape=(n, len(graph.friends)))
    degree = np.asarray(inc.sum(axis=0)).ravel()
    per_account = np.diff(inc.indptr)
    shared_share = (inc @ (degree >= 2).astype(float)) / np.maximum(per_account, 1)
    is_bot = np.arange(n) >= graph.n_real
    bot_degree = np.asarray(inc[is_bot].sum(axis=0)).ravel()
    rows = []
    for name, members in (*graph.farms.items(), *graph.communities.items()):
        inside = np.asarray(inc[members].sum(axis=0)).ravel()
        other = (degree - bot_degree) if is_bot[members[0]] else bot_degree
        within = (inc[members] @ (inside >= 2).astype(float)) / np.maximum(
            per_account[members], 1)
        listed = per_account[members] > 0
        block = inside >= 2
        rows.append([
            name, str(len(members)), str(int(listed.sum())),
            str(int((shared_share[members] > 0).sum())),
            f"{np.median(per_account[members][listed]):.0f}" if listed.any() else "-",
            f"{np.median(shared_share[members][listed]):.2f}" if listed.any() else "-",
            f"{np.median(within[listed]):.2f}" if listed.any() else "-",
            str(int(block.sum())),
            f"{(inside[block] == degree[block]).mean():.2f}" if block.any() else "-",
            f"{inside[block].mean():.1f}" if block.any() else "-",
            f"{(other[block] > 0).mean():.2f}" if block.any() else "-"])
    return rows


def print_structure(graph: VkGraph) -> None:
    print("### structure (the same for every seed)\n")
    print("linked: accounts with a friend that another account also has (no structural "
          "method can find the others); friends: median over the accounts with at least "
          "one friend listed; shared: "
          "median share of an account's friends that another account in the export also "
          "has; in group: that other account in the same farm or community; block: "
          "friends of at least 2 of the group's accounts; exclusive: share of the block "
          "no account outside the group has; accounts per block friend: mean; other kind: share of "
          "the block that some account of the other kind (a real user for a farm, a bot "
          "for a community) also has.\n")
    rw.print_table(["group", "accounts", "with friends", "linked", "friends", "shared", "in group",
                    "block", "exclusive", "accounts per block friend", "other kind"],
                   structure_rows(graph))


def ring_members(lab: Labelled, out: Path) -> list[tuple[str, np.ndarray]]:
    """(risk, merchant indices) of every reported ring, from rings.json."""
    report = json.loads((out / "rings.json").read_text(encoding="utf-8"))
    where = {token: i for i, token in enumerate(lab.sc.user_tokens.tolist())}
    return [(r["risk"], np.array([where[m["id"]] for m in r["members"]
                                  if m["type"] == "merchant"], dtype=np.int64))
            for r in report["rings"]]


def mask_of(n: int, rings: list[tuple[str, np.ndarray]], risks: set[str]) -> np.ndarray:
    flagged = np.zeros(n, dtype=bool)
    for risk, members in rings:
        if risk in risks:
            flagged[members] = True
    return flagged


def communities_by_ring(lab: Labelled, rings: list[tuple[str, np.ndarray]]) -> set[str]:
    """Communities that make up more than half of some high ring's members."""
    out = set()
    for risk, members in rings:
        if risk != "high" or len(members) == 0:
            continue
        for name, users in lab.graph.communities.items():
            if np.isin(members, users).mean() > 0.5:
                out.add(name)
    return out


def communities_by_count(lab: Labelled, flagged: np.ndarray) -> set[str]:
    """Communities with at least COMMUNITY_USERS users flagged."""
    return {name for name, users in lab.graph.communities.items()
            if flagged[users].sum() >= COMMUNITY_USERS}


def run_ppr(lab: Labelled, iterations: int = 100) -> Flags:
    """realworld.run_ppr's walk, with k = blacklisted / BLACKLIST_SHARE."""
    sc = lab.sc
    started = time.perf_counter()
    user_score = rw.ppr_scores(sc, iterations)
    k = round(len(sc.fraud) / BLACKLIST_SHARE)
    flagged = np.zeros(sc.n_users, dtype=bool)
    flagged[np.argsort(-user_score, kind="stable")[:k]] = True
    unlabelled = np.ones(sc.n_users, dtype=bool)
    unlabelled[sc.fraud] = False
    value = rw.auc(user_score[unlabelled], sc.planted[unlabelled])
    return Flags("ppr", flagged, time.perf_counter() - started, f"AUC {value:.3f}, k {k}")


def prf(flagged: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    hits = int((flagged & truth).sum())
    precision = hits / flagged.sum() if flagged.any() else float("nan")
    recall = hits / truth.sum() if truth.any() else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return float(precision), float(recall), float(f1)


@dataclass
class Scored:
    """The figures of one method on one seed (the tables' cells)."""

    name: str
    flagged: int
    all_bots: tuple[float, float, float]
    unseeded: tuple[float, float, float]
    farms: int
    communities: int
    cleared: int
    seconds: float
    note: str


def score(lab: Labelled, flags: Flags, communities: set[str] | None = None) -> Scored:
    sc = lab.sc
    unseeded = np.ones(sc.n_users, dtype=bool)
    unseeded[sc.fraud] = False
    farms = sum(flags.flagged[r.members].mean() >= 0.5 for r in sc.rings)
    if communities is None:
        communities = communities_by_count(lab, flags.flagged)
    return Scored(flags.name, int(flags.flagged.sum()), prf(flags.flagged, sc.planted),
                  prf(flags.flagged & unseeded, sc.planted & unseeded), int(farms),
                  len(communities), int(flags.flagged[sc.legit].sum()), flags.seconds,
                  flags.note)


def run_methods(lab: Labelled, seed: int, workdir: Path
                ) -> tuple[list[Scored], list[tuple[str, np.ndarray]]]:
    """graphfraud (high, high + medium) and the baselines on one seed's export."""
    export, out = workdir / f"vk-seed-{seed}" / "export", workdir / f"vk-seed-{seed}" / "out"
    rw.write_export(lab.sc, export, timestamps=False, seed=seed)
    gf = rw.run_graphfraud(lab.sc, export, out, seed)
    rings = ring_members(lab, out)
    n = lab.sc.n_users
    high = mask_of(n, rings, {"high"})
    either = communities_by_ring(lab, rings) | communities_by_count(lab, high)
    counts = {risk: sum(r == risk for r, _ in rings) for risk in ("high", "medium", "low")}
    note = f"rings {len(rings)} (high {counts['high']}, medium {counts['medium']})"
    scored = [score(lab, Flags("graphfraud high", high, gf.seconds, note), either),
              score(lab, Flags("graphfraud high+medium",
                               mask_of(n, rings, {"high", "medium"}), gf.seconds))]
    for outcome in (rw.run_cc_pruned(lab.sc), rw.run_louvain(lab.sc, seed)):
        scored.append(score(lab, Flags(outcome.method, outcome.flagged, outcome.seconds)))
    scored.append(score(lab, run_ppr(lab)))
    return scored, rings


def linked_bots(lab: Labelled) -> int:
    """Bots with at least one friend that another account also lists."""
    sc = lab.sc
    degree = np.bincount(sc.idents, minlength=sc.n_ids)
    linked = np.zeros(sc.n_users, dtype=bool)
    linked[sc.users[degree[sc.idents] >= 2]] = True
    return int((linked & sc.planted).sum())


def triple(values: tuple[float, float, float]) -> list[str]:
    return [rw.num(v) for v in values]


def report_seed(seed: int, lab: Labelled, scored: list[Scored],
                rings: list[tuple[str, np.ndarray]]) -> None:
    sc, graph = lab.sc, lab.graph
    print(f"### VK seed {seed}: {sc.n_users} accounts ({int(sc.planted.sum())} bots in "
          f"{len(graph.farms)} farms, {sc.n_real} users in {len(graph.communities)} "
          f"communities), {len(sc.users)} friend links, {sc.n_ids} friends, "
          f"{len(sc.fraud)} blacklisted, {len(sc.legit)} cleared; {linked_bots(lab)} bots "
          f"have a friend another account also has (the recall any structural method "
          f"can reach)\n")
    print("P / R / F1 against all bots, then with the blacklisted accounts left out of "
          "both sides. farms: at least half the farm flagged. communities: graphfraud "
          f"high: a high ring more than half of whose members are the community's users, "
          f"or at least {COMMUNITY_USERS} of its users in high rings; other rows: at least "
          f"{COMMUNITY_USERS} of its users flagged.\n")
    rows = [[s.name, str(s.flagged), *triple(s.all_bots), *triple(s.unseeded),
             f"{s.farms}/{len(sc.rings)}", f"{s.communities}/{len(graph.communities)}",
             f"{s.cleared}/{len(sc.legit)}", f"{s.seconds:.1f} s", s.note] for s in scored]
    rw.print_table(["method", "flagged", "P", "R", "F1", "P unseeded", "R unseeded",
                    "F1 unseeded", "farms", "communities", "cleared flagged", "time",
                    "more"], rows)
    report_groups(lab, rings)


def report_groups(lab: Labelled, rings: list[tuple[str, np.ndarray]]) -> None:
    """Per farm and community: how much of it lands in high and medium rings."""
    n = lab.sc.n_users
    high, medium = mask_of(n, rings, {"high"}), mask_of(n, rings, {"medium"})
    by_ring = communities_by_ring(lab, rings)
    rows = []
    for name, members in (*lab.graph.farms.items(), *lab.graph.communities.items()):
        in_high = [np.isin(m, members).sum() for r, m in rings if r == "high"]
        holding = [(int(c), len(m)) for c, (r, m) in zip(
            in_high, [x for x in rings if x[0] == "high"], strict=True) if c]
        largest = max(holding, default=(0, 0))
        flagged = ("-" if name in lab.graph.farms else
                   ", ".join(w for w, hit in (("majority ring", name in by_ring),
                             (f">= {COMMUNITY_USERS} users",
                              high[members].sum() >= COMMUNITY_USERS)) if hit) or "no")
        rows.append([name, str(len(members)), str(int(high[members].sum())),
                     str(int(medium[members].sum())), str(len(holding)),
                     f"{largest[0]} of {largest[1]}" if largest[1] else "-", flagged])
    rw.print_table(["group", "accounts", "in high rings", "in medium rings",
                    "high rings holding some", "most in one high ring (of its size)",
                    "community flagged high"], rows)


def report_summary(runs: list[list[Scored]], n_farms: int, n_communities: int) -> None:
    print(f"### VK summary over {len(runs)} seeds (means)\n")
    rows = []
    for i, first in enumerate(runs[0]):
        ms = [run[i] for run in runs]
        rows.append([first.name] + [rw.mean([getattr(m, part)[j] for m in ms])
                                    for part in ("all_bots", "unseeded") for j in range(3)]
                    + [f"{np.mean([m.farms for m in ms]):.1f}/{n_farms}",
                       f"{np.mean([m.communities for m in ms]):.1f}/{n_communities}",
                       f"{np.mean([m.cleared for m in ms]):.1f}",
                       f"{np.mean([m.seconds for m in ms]):.1f} s"])
    rw.print_table(["method", "P", "R", "F1", "P unseeded", "R unseeded", "F1 unseeded",
                    "farms", "communities", "cleared flagged", "time"], rows)


def run(data: Path | None, seed_list: str | None, keep: Path | None) -> None:
    """Load, print the structure, then label, scan and measure each seed."""
    seeds = [int(s) for s in (seed_list or DEFAULT_SEEDS).split(",") if s.strip()]
    root = resolve_data(data)
    graph = load_graph(root)
    print(f"## realworld: VKontakte bots ({root}), {len(graph.tokens)} accounts, "
          f"{len(graph.users)} friend links, seeds {','.join(map(str, seeds))}\n")
    print_structure(graph)
    runs = []
    with tempfile.TemporaryDirectory(prefix="graphfraud-vk-") as tmp:
        workdir = keep or Path(tmp)
        for seed in seeds:
            lab = label(graph, seed)
            scored, rings = run_methods(lab, seed, workdir)
            report_seed(seed, lab, scored, rings)
            runs.append(scored)
    report_summary(runs, len(graph.farms), len(graph.communities))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=DEFAULT_SEEDS,
                        help="comma-separated; 1,2 tune, 11,12 report [1,2]")
    parser.add_argument("--vk-data", type=Path, default=None,
                        help="the VKontakte_bots folder [$GRAPHFRAUD_VK or "
                             "../shared/datasets/vk]")
    parser.add_argument("--keep", type=Path, default=None,
                        help="write exports and reports under this directory and keep them")
    args = parser.parse_args()
    run(args.vk_data, args.seeds, args.keep)


if __name__ == "__main__":
    main()
