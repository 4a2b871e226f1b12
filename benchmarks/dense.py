"""A dense graph end to end: time of `graphfraud scan` (report included) and its rings.

    python benchmarks/dense.py                 # seeds 8 and 9 (7 was used while tuning)
    python benchmarks/dense.py --seeds 7,8,9
    python benchmarks/dense.py --shape heavy --seeds 81,82,83   # heavy-tailed degrees

The export: ten real communities of 400 accounts, each with its own pool of 600
contacts (identifiers) and links to 2,000 popular contacts; eight bot farms of 150
accounts with pools of 200 contacts, a pool of 500 shared between farms and camouflage
links to the popular contacts; 20 % of the bots blacklisted, 3 % of the real accounts
cleared. About 5,200 accounts and 340,000 links, no dates, no signals: the shape of a
purchased-bot network amid dense real communities. It is a generator of ours, not real
data; the figure that matters is the time against the 5-second target. Beside it, in the
same run, personalised PageRank from the blacklist (top k = blacklisted / 0.2 flagged).

``--shape heavy`` is the same kind of network with the skew of real ones: account
degrees log-normal (a few real users follow hundreds of contacts), communities of
250-600 accounts with pools of 300-900 contacts, farms of 100-450 bots whose pools
are partly popular accounts real users follow too (the farm's customers). There the
heaviest users of a real community share most of their contacts with each other, the
case that tells a ring's own block from a community's common ground; ring precision
(high rings mostly bots, of all high rings) is printed beside member precision.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


class _Numbers:
    """Hands out consecutive contact numbers: ``contacts(n)`` is the next n."""

    def __init__(self) -> None:
        self.used = 0

    def __call__(self, n: int) -> np.ndarray:
        block = np.arange(self.used, self.used + n)
        self.used += n
        return block


def make(out: Path, seed: int) -> set[str]:
    """Write the export; return the bot ids."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    links: list[tuple[int, int]] = []
    bots: list[int] = []
    contacts = _Numbers()

    popular = contacts(2000)
    weight = 1 / np.arange(1, 2001) ** 0.8
    weight /= weight.sum()
    user = 0
    for _ in range(10):
        pool = contacts(600)
        for _ in range(400):
            k = int(rng.integers(45, 85))
            own = rng.choice(pool, int(k * 0.7), replace=False)
            links += [(user, int(c)) for c in own]
            links += [(user, int(c)) for c in rng.choice(popular, k - len(own), replace=False,
                                                          p=weight)]
            user += 1
    shared = contacts(500)
    for _ in range(8):
        pool = contacts(200)
        for _ in range(150):
            k = int(rng.integers(60, 100))
            picks = [rng.choice(pool, int(k * 0.6), replace=False),
                     rng.choice(shared, int(k * 0.2), replace=False)]
            picks.append(rng.choice(popular, k - sum(len(p) for p in picks), replace=False,
                                    p=weight))
            links += [(user, int(c)) for p in picks for c in p]
            bots.append(user)
            user += 1
    return write(out, rng, user, contacts.used, links, bots)


def make_heavy(out: Path, seed: int) -> set[str]:
    """The heavy-tailed variant (``--shape heavy``); return the bot ids."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    links: set[tuple[int, int]] = set()
    bots: list[int] = []
    contacts = _Numbers()

    def add(user: int, picks: np.ndarray) -> None:
        links.update((user, int(c)) for c in picks)

    popular = contacts(3000)
    weight = 1 / np.arange(1, 3001) ** 0.9
    weight /= weight.sum()
    user = 0
    for _ in range(10):
        pool = contacts(int(rng.integers(300, 900)))
        for _ in range(int(rng.integers(250, 600))):
            k = int(np.clip(rng.lognormal(np.log(50), 0.7), 3, 400))
            own = rng.choice(pool, min(len(pool), int(k * rng.uniform(0.4, 0.8))),
                             replace=False)
            add(user, own)
            add(user, rng.choice(popular, max(0, k - len(own)), replace=False, p=weight))
            user += 1
    shared = contacts(500)
    for _ in range(8):
        own_pool = contacts(int(rng.integers(100, 300)))
        pool = np.concatenate([own_pool, rng.choice(popular[:1500], int(len(own_pool) * 0.3),
                                                    replace=False)])
        for _ in range(int(rng.integers(100, 450))):
            k = int(np.clip(rng.lognormal(np.log(50), 0.8), 4, 300))
            picks = [rng.choice(pool, min(len(pool), max(1, int(k * rng.uniform(0.3, 0.6)))),
                                replace=False),
                     rng.choice(shared, int(k * 0.15), replace=False)]
            rest = k - sum(len(p) for p in picks)
            if rest > 0:
                picks.append(rng.choice(popular, rest, replace=False, p=weight))
            for p in picks:
                add(user, p)
            bots.append(user)
            user += 1
    return write(out, rng, user, contacts.used, sorted(links), bots)


def write(out: Path, rng: np.random.Generator, n_users: int, n_contacts: int,
          links: list[tuple[int, int]], bots: list[int]) -> set[str]:
    """The contract files (ids random tokens, rows shuffled); return the bot ids."""
    token = {u: f"a{t:06d}" for u, t in enumerate(rng.permutation(n_users))}
    contact = rng.permutation(n_contacts)
    order = rng.permutation(len(links))
    with (out / "merchants.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["merchant_id"])
        w.writerows([[token[u]] for u in rng.permutation(n_users)])
    with (out / "merchant_devices.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["merchant_id", "device_id"])
        w.writerows([[token[links[i][0]], f"c{contact[links[i][1]]:06d}"] for i in order])
    bot_set = set(bots)
    with (out / "labels.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["entity_type", "entity_id", "label"])
        for u in range(n_users):
            if u in bot_set and rng.random() < 0.2:
                w.writerow(["merchant", token[u], "fraud"])
            elif u not in bot_set and rng.random() < 0.03:
                w.writerow(["merchant", token[u], "legit"])
    return {token[u] for u in bots}


def prf(flagged: set[str], truth: set[str]) -> tuple[float, float, float]:
    tp = len(flagged & truth)
    p = tp / len(flagged) if flagged else 0.0
    r = tp / len(truth)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def ppr(export: Path, k_share: float = 0.2) -> set[str]:
    import scipy.sparse as sp

    rows = list(csv.reader((export / "merchant_devices.csv").open()))[1:]
    users = sorted({r[0] for r in rows})
    idents = sorted({r[1] for r in rows})
    ui = {u: i for i, u in enumerate(users)}
    ci = {c: i for i, c in enumerate(idents)}
    inc = sp.csr_matrix((np.ones(len(rows)), ([ui[r[0]] for r in rows],
                                              [ci[r[1]] for r in rows])))
    labels = list(csv.reader((export / "labels.csv").open()))[1:]
    seeds = [ui[r[1]] for r in labels if r[2] == "fraud"]
    a = (inc @ inc.T).tocsr()
    a.setdiag(0)
    deg = np.asarray(a.sum(axis=1)).ravel()
    walk = a.multiply(1 / np.maximum(deg, 1)[:, None]).T.tocsr()
    start = np.zeros(len(users))
    start[seeds] = 1 / len(seeds)
    p = start.copy()
    for _ in range(30):
        p = 0.85 * (walk @ p) + 0.15 * start
    top = np.argsort(-p)[: int(len(seeds) / k_share)]
    return {users[i] for i in top}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="8,9")
    parser.add_argument("--shape", choices=("uniform", "heavy"), default="uniform")
    args = parser.parse_args()
    print("| seed | accounts | links | method | member P | member R | member F1 | "
          "ring precision | time |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="graphfraud-dense-") as tmp:
        for seed in (int(s) for s in args.seeds.split(",")):
            export, out = Path(tmp) / f"d{seed}", Path(tmp) / f"o{seed}"
            truth = (make_heavy if args.shape == "heavy" else make)(export, seed)
            n_accounts = sum(1 for _ in (export / "merchants.csv").open()) - 1
            n_links = sum(1 for _ in (export / "merchant_devices.csv").open()) - 1
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "graphfraud", "scan", str(export), "--out",
                            str(out), "--seed", str(seed), "--quiet"], check=True,
                           capture_output=True)
            seconds = time.perf_counter() - started
            report = json.loads((out / "rings.json").read_text("utf-8"))
            high = [{m["id"] for m in r["members"]} for r in report["rings"]
                    if r["risk"] == "high"]
            flagged = set().union(*high)
            ring_p = sum(len(r & truth) > len(r) / 2 for r in high) / len(high) if high \
                else 0.0
            p, r, f = prf(flagged, truth)
            print(f"| {seed} | {n_accounts:,} | {n_links:,} | graphfraud (end to end, report "
                  f"included) | {p:.3f} | {r:.3f} | {f:.3f} | {ring_p:.3f} "
                  f"({len(high)} high) | {seconds:.1f} s |", flush=True)
            started = time.perf_counter()
            p, r, f = prf(ppr(export), truth)
            print(f"| {seed} | | | ppr | {p:.3f} | {r:.3f} | {f:.3f} | | "
                  f"{time.perf_counter() - started:.1f} s |", flush=True)


if __name__ == "__main__":
    main()
