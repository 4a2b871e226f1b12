"""A synthetic export with planted fraud rings and a separate ground truth.

The data is built to be hard in the ways real exports are hard:

* heavy-tailed degrees (a few hosts promote hundreds of shops, most promote one);
* hub devices (internet cafes, shared office PCs) and payment aggregators used by
  hundreds of innocent actors;
* legit dense look-alikes: agencies whose hosts share studio phones and a payout
  account, franchise chains settling to one HQ account;
* several ring typologies (device farm, shared settlement, ban evasion, host
  collusion, mixed), with camouflage links to innocent actors and members that
  touch the ring through one identifier only;
* behaviour signals that overlap between fraud and innocent shops, some rings
  with no elevated signal at all;
* a partial, slightly wrong blacklist; many rings have no labelled member.

Ids are random opaque strings and every file is shuffled, so no column, id or
row order tells a ring member from an innocent one.

``SynthConfig(structure_only=True)`` makes a different world: merchants, devices,
payment accounts, their links and a sparse blacklist only (no streamers, timestamps or
behaviour signals), with rings of 5 to 400 members, so a detector can be measured on
graph structure alone.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias

import numpy as np

from graphfraud.errors import UsageError
from graphfraud.model import Pattern

#: Actors per unit of scale (merchants + streamers is about 10,000 at scale 1).
MERCHANTS_PER_SCALE = 7700
STREAMERS_PER_SCALE = 2300
WINDOW_END = np.datetime64("2024-06-30T00:00:00", "s")
DAY = np.timedelta64(86400, "s")

#: The modi operandi rings are planted with (every pattern but `organization`, which
#: names explained sharing, not a way to defraud).
TYPOLOGIES = tuple(p.value for p in Pattern if p is not Pattern.ORGANIZATION)
TYPOLOGY_WEIGHTS = (0.25, 0.22, 0.15, 0.20, 0.18)

CATEGORIES = np.array(
    ["apparel", "beauty", "health", "food", "electronics", "home", "jewelry", "toys",
     "agriculture", "books"]
)
CATEGORY_WEIGHTS = np.array([0.18, 0.14, 0.09, 0.16, 0.1, 0.12, 0.05, 0.06, 0.07, 0.03])
NAME_HEADS = np.array(
    ["优品", "好物", "鲜果", "Lucky", "Star", "乡村", "臻选", "Happy", "老字号", "Green",
     "小店", "家居", "美妆", "Sunny", "时尚", "健康", "Golden", "农家", "潮流", "Blue"]
)
NAME_TAILS = np.array(
    ["旗舰店", "专营店", "Shop", "Store", "工厂店", "严选", "Mall", "小铺", "优选", "直营"]
)
PHONE_MODELS = np.array(
    ["Redmi Note 12", "OPPO A57", "vivo Y35", "HUAWEI nova 11", "iPhone 13", "iPhone 14",
     "Honor X40", "realme 10", "Samsung A54", "Xiaomi 13"]
)
PC_MODELS = np.array(["Lenovo M720", "Dell OptiPlex", "HP ProDesk", "Assembled PC"])
BANKS = np.array(["ICBC", "CCB", "ABC", "BOC", "CMB", "BOCOM", "PSBC"])
WALLETS = np.array(["Alipay", "WeChat Pay"])
STATUSES = np.array(["active", "suspended", "banned"])
ACCOUNT_KINDS = np.array(["bank", "wallet", "aggregator"])
#: Roles of an account link, sorted: links keep a one-byte code until they are written.
ROLES = np.array(["refund", "settlement", "withdrawal"])

#: Structure-only mode: ring sizes are drawn log-uniformly within a band; every world
#: gets one ring per band first (largest first), then bands drawn by these weights.
SIZE_BANDS = ((5, 40), (40, 120), (120, 400))
SIZE_BAND_WEIGHTS = (0.75, 0.2, 0.05)
#: Structure-only typologies and the chance a member shares the ring's (devices, accounts).
STRUCTURE_TYPOLOGIES = {
    "mixed": (0.8, 0.8),
    "device_farm": (0.95, 0.35),
    "shared_settlement": (0.35, 0.95),
}
STRUCTURE_TYPOLOGY_WEIGHTS = (0.5, 0.25, 0.25)
#: Files of the default mode that a structure-only export must not contain.
NOT_IN_STRUCTURE_ONLY = ("streamers", "streamer_devices", "streamer_accounts", "promotions",
                         "merchant_signals")


@dataclass(frozen=True)
class SynthConfig:
    """Knobs of the generator; the defaults give the documented difficulty."""

    scale: float = 1.0
    seed: int = 0
    #: Share of merchants that belong to a planted ring.
    ring_merchant_share: float = 0.04
    #: Share of rings with at least one blacklisted member.
    labelled_ring_share: float = 0.65
    #: Chance that a member of a labelled ring is on the blacklist.
    member_label_rate: float = 0.35
    #: Share of innocent merchants wrongly blacklisted.
    false_blacklist_rate: float = 0.0015
    #: Share of rings whose behaviour signals look innocent.
    clean_signal_ring_share: float = 0.35
    #: Structure only: merchants, devices, accounts, their links and labels; no streamers,
    #: timestamps or behaviour signals; rings of 5 to 400 members. Of the knobs above only
    #: ``scale``, ``seed`` and ``false_blacklist_rate`` apply; the three below do too.
    structure_only: bool = False
    #: Structure only: share of merchants in planted rings.
    structure_ring_share: float = 0.1
    #: Structure only: share of all ring members on the blacklist.
    structure_label_rate: float = 0.1
    #: Structure only: share of rings kept free of any label.
    structure_unlabelled_ring_share: float = 0.2


class _Ids:
    """Allocates entity indices; the opaque string ids are made at the end."""

    def __init__(self) -> None:
        self.count = 0

    def new(self, n: int) -> np.ndarray:
        out = np.arange(self.count, self.count + n, dtype=np.int64)
        self.count += n
        return out


@dataclass
class _Tables:
    """Column arrays appended piece by piece, concatenated once."""

    parts: dict[str, dict[str, list[np.ndarray]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )

    def add(self, table: str, **columns: Any) -> None:
        lengths = {len(np.atleast_1d(v)) for v in columns.values() if np.ndim(v) > 0}
        n = max(lengths) if lengths else 1
        for name, values in columns.items():
            arr = np.asarray(values)
            if arr.ndim == 0:
                arr = np.full(n, arr)
            self.parts[table][name].append(arr)

    def pop(self, table: str) -> dict[str, np.ndarray]:
        """The table's columns, each concatenated once; the pieces are let go as it goes,
        so a table is held once, not twice, while it is written."""
        parts = self.parts.pop(table, {})
        return {name: np.concatenate(parts.pop(name)) for name in list(parts)}


def _role_codes(role: str | np.ndarray) -> np.ndarray:
    """Codes into :data:`ROLES` (a link's role takes one byte, not forty, until written)."""
    codes = np.searchsorted(ROLES, role).astype(np.int8)
    if not np.all(ROLES[np.minimum(codes, len(ROLES) - 1)] == role):
        raise ValueError(f"unknown account role in {role!r}")
    return codes


def _choice_cdf(p: np.ndarray) -> np.ndarray:
    """The table ``Generator.choice(len(p), size, p=p)`` searches, built once:
    ``choice`` rebuilds it on every call, which made a loop of weighted draws over all
    merchants quadratic in the scale."""
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return cdf


def _choice(rng: np.random.Generator, cdf: np.ndarray, size: int) -> np.ndarray:
    """``rng.choice(len(p), size, p=p)`` for ``cdf = _choice_cdf(p)``: the same draws
    from ``rng`` and the same indices (a unit test holds the two together)."""
    return np.asarray(cdf.searchsorted(rng.random(size), side="right"), dtype=np.int64)


#: ASCII digits of bases 10 and 16, as ``"%x"`` writes them.
_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _fixed_text(values: np.ndarray, prefix: str, base: int, width: int) -> np.ndarray:
    """``prefix`` and each value zero-padded to ``width`` digits of ``base`` (what
    ``"%0{width}d"`` or ``"%0{width}x"`` write), as ASCII bytes: one byte a character
    where NumPy text takes four, and no Python string per id."""
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    out = np.empty((len(values), len(head) + width), dtype=np.uint8)
    out[:, :len(head)] = head
    rest = values.astype(np.int64)
    for at in range(out.shape[1] - 1, len(head) - 1, -1):
        out[:, at] = _DIGITS[rest % base]
        rest //= base
    if np.any(rest != 0) or np.any(values < 0):
        raise ValueError(f"a value does not fit {width} digits of base {base}")
    return out.view(f"S{out.shape[1]}").reshape(len(values))


def _opaque_ids(rng: np.random.Generator, n: int, prefix: str, digits: int) -> np.ndarray:
    """n distinct random ids like ``prefix`` + zero-padded digits, in random order, as
    ASCII bytes (see :func:`_fixed_text`)."""
    space = 10**digits
    drawn = np.unique(rng.integers(0, space, size=int(n * 1.2) + 16))
    while len(drawn) < n:
        drawn = np.unique(np.concatenate([drawn, rng.integers(0, space, size=n)]))
    picked = rng.permutation(drawn)[:n]
    return _fixed_text(picked, prefix, 10, digits)


def _hex_ids(rng: np.random.Generator, n: int, prefix: str) -> np.ndarray:
    """n random ids like ``prefix`` + 16 hex digits, as ASCII bytes."""
    high = rng.integers(0, 2**62, size=n, dtype=np.int64)
    ids = _fixed_text(high, prefix, 16, 16)
    if len(np.unique(high)) != n:  # astronomically rare; keep ids distinct anyway
        ids = np.char.add(ids, np.arange(n).astype("S"))
    return ids


def _dates(base: np.ndarray | np.datetime64, days: np.ndarray | float) -> np.ndarray:
    """``base`` plus ``days``, never past the end of the export window."""
    out = (base + (np.asarray(days) * 86400).astype("timedelta64[s]")).astype("datetime64[s]")
    return np.minimum(out, WINDOW_END - DAY)


class _World:
    """What both modes share: the actor pool, identifiers, link tables, ground truth."""

    def __init__(self, config: SynthConfig, n_m: int, n_s: int):
        self.cfg = config
        self.rng = np.random.default_rng(config.seed)
        self.t = _Tables()
        self.n_m = n_m
        self.n_s = n_s
        self.devices = _Ids()
        self.accounts = _Ids()
        self.device_kind: list[np.ndarray] = []  # 0 phone, 1 pc
        self.account_kind: list[np.ndarray] = []  # 0 bank, 1 wallet, 2 aggregator
        self.truth_rings: list[dict[str, Any]] = []
        self.truth_lookalikes: list[dict[str, Any]] = []
        self.m_fraud = np.zeros(n_m, dtype=bool)
        # Actors not yet placed in a planted group, in random order (set by the
        # subclass), and a cursor each.
        self.m_pool = np.empty(0, dtype=np.int64)
        self.s_pool = np.empty(0, dtype=np.int64)
        self.m_next = 0
        self.s_next = 0

    def _take_m(self, n: int) -> np.ndarray:
        out = self.m_pool[self.m_next:self.m_next + n]
        self.m_next += len(out)
        return out

    def _take_s(self, n: int) -> np.ndarray:
        out = self.s_pool[self.s_next:self.s_next + n]
        self.s_next += len(out)
        return out

    def _new_devices(self, n: int, kind: int) -> np.ndarray:
        self.device_kind.append(np.full(n, kind, dtype=np.int8))
        return self.devices.new(n)

    def _new_accounts(self, n: int, kind: int | np.ndarray) -> np.ndarray:
        self.account_kind.append(np.broadcast_to(np.asarray(kind, dtype=np.int8), (n,)).copy())
        return self.accounts.new(n)


class _Generator(_World):
    """The default world: merchants and streamers with timestamps and signals."""

    def __init__(self, config: SynthConfig):
        super().__init__(config, max(200, round(MERCHANTS_PER_SCALE * config.scale)),
                         max(60, round(STREAMERS_PER_SCALE * config.scale)))
        rng = self.rng
        # Actor attributes, overwritten below for planted groups.
        self.m_registered = _dates(WINDOW_END, -rng.gamma(1.6, 260, self.n_m) - 5)
        self.m_category = rng.choice(len(CATEGORIES), self.n_m, p=CATEGORY_WEIGHTS)
        self.m_status = rng.choice(3, self.n_m, p=[0.95, 0.03, 0.02])  # active/suspended/banned
        self.m_popularity = rng.lognormal(0, 1.4, self.n_m)
        self.m_bad_signals = np.zeros(self.n_m, dtype=bool)
        self.s_registered = _dates(WINDOW_END, -rng.gamma(1.8, 300, self.n_s) - 5)
        self.s_followers = np.round(rng.lognormal(7, 2.0, self.n_s)).astype(np.int64)
        self.s_fraud = np.zeros(self.n_s, dtype=bool)
        self.m_pool = rng.permutation(self.n_m)
        self.s_pool = rng.permutation(self.n_s)

    # -- small helpers -------------------------------------------------------
    def _login(self, who: str, actors: np.ndarray, devices: np.ndarray,
               since: np.ndarray | None = None, heavy: float = 1.0) -> None:
        rng = self.rng
        n = len(actors)
        if n == 0:
            return
        registered = self.m_registered if who == "merchant" else self.s_registered
        start = registered[actors] if since is None else since
        first = _dates(start, rng.exponential(20, n))
        span = np.maximum(WINDOW_END - first, DAY).astype(np.int64) / 86400
        last = _dates(first, rng.uniform(0, 1, n) * span)
        logins = 1 + rng.poisson(rng.lognormal(1.5, 1.0, n) * heavy)
        self.t.add(f"{who}_devices", actor=actors, device=devices, first_seen=first,
                   last_seen=last, logins=logins)

    def _pay(self, who: str, actors: np.ndarray, accounts: np.ndarray,
             role: str | np.ndarray = "settlement", since: np.ndarray | None = None) -> None:
        n = len(actors)
        if n == 0:
            return
        registered = self.m_registered if who == "merchant" else self.s_registered
        start = registered[actors] if since is None else since
        first = _dates(start, self.rng.exponential(10, n))
        self.t.add(f"{who}_accounts", actor=actors, account=accounts,
                   role=_role_codes(role), first_seen=first)

    def _promote(self, streamers: np.ndarray, merchants: np.ndarray, intensity: float = 1.0
                 ) -> None:
        rng = self.rng
        n = len(streamers)
        if n == 0:
            return
        sessions = 1 + rng.poisson(3 * intensity, n)
        orders = np.round(sessions * rng.lognormal(2.5, 1.2, n)).astype(np.int64)
        gmv = np.round(orders * rng.lognormal(3.8, 0.8, n), 2)
        first = _dates(np.maximum(self.m_registered[merchants], self.s_registered[streamers]),
                       rng.exponential(30, n))
        span = np.maximum(WINDOW_END - first, DAY).astype(np.int64) / 86400
        last = _dates(first, rng.uniform(0, 1, n) * span)
        self.t.add("promotions", streamer=streamers, merchant=merchants, sessions=sessions,
                   orders=orders, gmv=gmv, first_at=first, last_at=last)

    # -- the innocent platform -------------------------------------------------
    def innocent_background(self) -> None:
        rng = self.rng
        n_m, n_s = self.n_m, self.n_s
        # Private phones: most shops use one or two, a few many.
        k = rng.geometric(0.6, n_m)
        owners = np.repeat(np.arange(n_m), k)
        self._login("merchant", owners, self._new_devices(len(owners), 0))
        k = rng.geometric(0.55, n_s)
        owners = np.repeat(np.arange(n_s), k)
        self._login("streamer", owners, self._new_devices(len(owners), 0))
        # Family shops and business partners: pairs sharing one phone.
        pairs = rng.choice(n_m, size=2 * max(1, int(0.015 * n_m)), replace=False).reshape(-1, 2)
        shared = self._new_devices(len(pairs), 0)
        self._login("merchant", pairs.ravel(), np.repeat(shared, 2))
        # Private accounts: a settlement account each, some a separate withdrawal one.
        acc = self._new_accounts(n_m, rng.choice(2, n_m, p=[0.7, 0.3]))
        self._pay("merchant", np.arange(n_m), acc, "settlement")
        refund = rng.random(n_m) < 0.1  # same account again in another role
        self._pay("merchant", np.flatnonzero(refund), acc[refund], "refund")
        extra = np.flatnonzero(rng.random(n_m) < 0.3)
        self._pay("merchant", extra, self._new_accounts(len(extra), 1), "withdrawal")
        acc = self._new_accounts(n_s, rng.choice(2, n_s, p=[0.5, 0.5]))
        self._pay("streamer", np.arange(n_s), acc, "withdrawal")
        # Hub devices: internet cafes and shared office PCs used by many actors.
        n_hubs = max(4, round(0.0012 * (n_m + n_s)))
        sizes = np.minimum(25 + (rng.pareto(1.3, n_hubs) * 40).astype(int), min(900, n_m // 4))
        hubs = self._new_devices(n_hubs, 1)
        for hub, size in zip(hubs, sizes, strict=True):
            n_str = int(size * 0.2)
            m = rng.choice(n_m, size - n_str, replace=False)
            self._login("merchant", m, np.full(len(m), hub), heavy=0.3)
            s = rng.choice(n_s, n_str, replace=False)
            self._login("streamer", s, np.full(len(s), hub), heavy=0.3)
        # Payment aggregators: one account settling for very many shops.
        n_agg = max(3, round(0.0005 * n_m))
        aggs = self._new_accounts(n_agg, 2)
        users = np.flatnonzero(rng.random(n_m) < 0.22)
        weights = 1 / np.arange(1, n_agg + 1) ** 1.1
        self._pay("merchant", users, rng.choice(aggs, len(users), p=weights / weights.sum()))
        # Promotions: heavy-tailed on both sides.
        degree = np.minimum(1 + (rng.pareto(1.25, n_s) * 2).astype(int), max(10, n_m // 20))
        hosts = np.repeat(np.arange(n_s), degree)
        p = self.m_popularity / self.m_popularity.sum()
        shops = rng.choice(n_m, len(hosts), p=p)
        self._promote(hosts, shops)

    def lookalikes(self) -> None:
        """Legit dense clusters that a naive detector flags."""
        rng = self.rng
        n_groups = max(2, round(6 * self.cfg.scale))
        popular = _choice_cdf(self.m_popularity / self.m_popularity.sum())
        for _ in range(n_groups):  # MCN agencies
            hosts = self._take_s(int(rng.integers(5, 16)))
            if len(hosts) < 3:
                break
            self.s_registered[hosts] = _dates(WINDOW_END, -rng.uniform(400, 1500, len(hosts)))
            phones = self._new_devices(int(rng.integers(2, 5)), 0)
            for i, h in enumerate(hosts):
                use = {phones[i % len(phones)], *rng.choice(phones, rng.integers(0, 3))}
                use_arr = np.array(sorted(use))
                self._login("streamer", np.full(len(use_arr), h), use_arr, heavy=3)
            payout = self._new_accounts(1, 0)
            self._pay("streamer", hosts, np.repeat(payout, len(hosts)))
            shops = _choice(rng, popular, len(hosts) * 6)
            self._promote(np.repeat(hosts, 6), shops, intensity=2)
            self.truth_lookalikes.append({"kind": "agency", "members": [
                ("streamer", int(h)) for h in hosts]})
        for _ in range(n_groups):  # franchise chains
            shops = self._take_m(int(rng.integers(5, 21)))
            if len(shops) < 3:
                break
            self.m_registered[shops] = _dates(WINDOW_END, -rng.uniform(60, 1400, len(shops)))
            self.m_status[shops] = 0
            hq = self._new_accounts(1, 0)
            self._pay("merchant", shops, np.repeat(hq, len(shops)))
            office = self._new_devices(1, 1)
            staff = shops[rng.random(len(shops)) < 0.5]
            self._login("merchant", staff, np.repeat(office, len(staff)))
            self.truth_lookalikes.append({"kind": "franchise", "members": [
                ("merchant", int(m)) for m in shops]})

    # -- planted rings ---------------------------------------------------------
    def rings(self) -> None:
        rng = self.rng
        target = int(self.cfg.ring_merchant_share * self.n_m)
        planted = 0
        while planted < target:
            typology = str(rng.choice(TYPOLOGIES, p=TYPOLOGY_WEIGHTS))
            size = int(min(4 + rng.geometric(0.14), 40))
            shops = self._take_m(size)
            if len(shops) < 3:
                break
            planted += len(shops)
            self.m_fraud[shops] = True
            members: list[tuple[str, int]] = [("merchant", int(m)) for m in shops]
            shared_dev: list[int] = []
            shared_acc: list[int] = []
            # Registration: usually a burst, sometimes spread out to look organic.
            base = _dates(WINDOW_END, -rng.uniform(40, 700))
            spread = 25 if rng.random() < 0.7 else 240
            self.m_registered[shops] = _dates(base, np.sort(rng.uniform(0, spread, len(shops))))
            self.m_category[shops] = rng.choice(len(CATEGORIES), p=CATEGORY_WEIGHTS)
            self.m_status[shops] = rng.choice(3, len(shops), p=[0.82, 0.1, 0.08])
            if typology in ("device_farm", "mixed"):
                shared_dev += self._farm(shops)
            if typology in ("shared_settlement", "mixed"):
                shared_acc += self._settlement(shops)
            if typology == "ban_evasion":
                d, a = self._ban_evasion(shops)
                shared_dev += d
                shared_acc += a
            if typology in ("host_collusion", "mixed") and self.s_next < self.n_s - 5:
                hosts, d = self._collusion(shops, mixed=typology == "mixed")
                members += [("streamer", int(h)) for h in hosts]
                shared_dev += d
            self._camouflage(shops)
            self.truth_rings.append({"typology": typology, "members": members,
                                     "devices": shared_dev, "accounts": shared_acc})

    def _farm(self, shops: np.ndarray) -> list[int]:
        rng = self.rng
        pool = self._new_devices(max(2, len(shops) // 3 + int(rng.integers(0, 2))), 0)
        for i, m in enumerate(shops):
            use = {pool[i % len(pool)], *rng.choice(pool, rng.integers(0, 3))}
            arr = np.array(sorted(use))
            self._login("merchant", np.full(len(arr), m), arr, heavy=2)
        return [int(d) for d in pool]

    def _settlement(self, shops: np.ndarray) -> list[int]:
        rng = self.rng
        n = max(1, len(shops) // 5 + int(rng.integers(0, 2)))
        accs = self._new_accounts(n, rng.choice(2, n, p=[0.5, 0.5]))
        for i, m in enumerate(shops):
            use = {accs[i % n], *rng.choice(accs, rng.integers(0, 2))}
            arr = np.array(sorted(use))
            self._pay("merchant", np.full(len(arr), m), arr,
                      rng.choice(["settlement", "withdrawal"], len(arr)))
        return [int(a) for a in accs]

    def _ban_evasion(self, shops: np.ndarray) -> tuple[list[int], list[int]]:
        """Banned shops come back under new names with the same phone or account."""
        rng = self.rng
        n_old = max(1, min(int(len(shops) * 0.4), len(shops) // 2))
        old, new = shops[:n_old], shops[n_old:]
        self.m_status[old] = 2
        self.m_registered[old] = _dates(WINDOW_END, -rng.uniform(500, 900, len(old)))
        # One operator: a few phones and accounts behind all the banned shops, used in
        # overlapping pairs (phones by shops 0-1, 2-3, ...; accounts by 1-2, 3-4, ...).
        step = np.arange(len(old))
        own_phones = self._new_devices(int(step[-1] // 2 + 1), 0)
        own_accs = self._new_accounts(int((step[-1] + 1) // 2 + 1), 0)
        phones = own_phones[step // 2]
        accs = own_accs[(step + 1) // 2]
        self._login("merchant", old, phones)
        self._pay("merchant", old, accs)
        ban_day = self.m_registered[old] + (rng.uniform(60, 200, len(old)) * 86400).astype(
            "timedelta64[s]")
        used_dev: set[int] = set()
        used_acc: set[int] = set()
        for i, m in enumerate(new):
            # every banned shop comes back at least once; later ones pick any of them
            j = i if i < len(old) else int(rng.integers(0, len(old)))
            self.m_registered[m] = _dates(ban_day[j], rng.uniform(3, 60))
            self.m_status[m] = 0
            since = np.array([self.m_registered[m]])
            roll = rng.random()
            if roll < 0.75:
                self._login("merchant", np.array([m]), phones[j:j + 1], since=since)
                used_dev.add(int(phones[j]))
            if roll > 0.45:
                self._pay("merchant", np.array([m]), accs[j:j + 1], since=since)
                used_acc.add(int(accs[j]))
        return sorted(used_dev), sorted(used_acc)

    def _collusion(self, shops: np.ndarray, *, mixed: bool) -> tuple[np.ndarray, list[int]]:
        """Hired hosts push the ring's goods and run its shops from their phones."""
        rng = self.rng
        hosts = self._take_s(int(rng.integers(2, 5)) if not mixed else 1)
        self.s_fraud[hosts] = True
        self.s_registered[hosts] = _dates(
            self.m_registered[shops].min(), -rng.uniform(0, 60, len(hosts)))
        for h in hosts:
            pushed = shops[rng.random(len(shops)) < 0.8]
            if len(pushed) == 0:
                pushed = shops[:1]
            self._promote(np.full(len(pushed), h), pushed, intensity=3)
        phones = self._new_devices(len(hosts), 0)
        self._login("streamer", hosts, phones, heavy=2)
        for i, m in enumerate(shops):
            use = phones[rng.random(len(phones)) < 0.5]
            if len(use) == 0:
                use = phones[i % len(phones): i % len(phones) + 1]
            self._login("merchant", np.full(len(use), m), use)
        return hosts, [int(d) for d in phones]

    def _camouflage(self, shops: np.ndarray) -> None:
        """Ring shops also look like ordinary shops: promoted by innocent hosts."""
        rng = self.rng
        promoted = shops[rng.random(len(shops)) < 0.45]
        if len(promoted) and self.n_s:
            hosts = rng.choice(self.n_s, len(promoted))
            self._promote(hosts, promoted)

    # -- signals, labels, output -----------------------------------------------
    def signals(self) -> dict[str, np.ndarray]:
        rng = self.rng
        n = self.n_m
        ring_ids = [np.array([i for t, i in r["members"] if t == "merchant"])
                    for r in self.truth_rings]
        for members in ring_ids:
            if rng.random() >= self.cfg.clean_signal_ring_share:
                self.m_bad_signals[members] = True
        bad = self.m_bad_signals
        orders = np.round(rng.lognormal(4.5, 1.5, n)).astype(np.int64)
        refund_rate = np.where(bad, rng.beta(3, 18, n), rng.beta(2, 26, n))
        refunds = rng.binomial(orders, refund_rate)
        health = CATEGORIES[self.m_category] == "health"
        c_rate = np.where(bad, 0.012, 0.004) * np.where(health, 2.0, 1.0)
        complaints = rng.poisson(orders * c_rate * rng.lognormal(0, 0.7, n))
        violations = rng.poisson(np.where(bad, 0.9, 0.25) * np.where(health, 1.8, 1.0))
        present = rng.random(n) < 0.95
        idx = np.flatnonzero(present)
        return {"merchant": idx, "orders": orders[idx], "refunds": refunds[idx],
                "complaints": complaints[idx], "violations": violations[idx]}

    def labels(self) -> dict[str, list[Any]]:
        rng = self.rng
        cfg = self.cfg
        rows: dict[str, list[Any]] = defaultdict(list)

        def add(kind: str, idx: int, label: str, source: str) -> None:
            rows["entity_type"].append(kind)
            rows["entity"].append(idx)
            rows["label"].append(label)
            rows["source"].append(source)
            rows["labeled_at"].append(_dates(WINDOW_END, -rng.uniform(1, 300)))

        for ring in self.truth_rings:
            shops = [i for t, i in ring["members"] if t == "merchant"]
            if rng.random() < cfg.labelled_ring_share:
                hit = [m for m in shops if rng.random() < cfg.member_label_rate]
                if not hit:
                    hit = [shops[int(rng.integers(0, len(shops)))]]
                for m in hit:
                    add("merchant", m, "fraud", "blacklist")
                if ring["devices"] and rng.random() < 0.15:
                    add("device", ring["devices"][0], "fraud", "device_blacklist")
            for m in shops:
                if rng.random() < 0.01:
                    add("merchant", m, "legit", "investigator")  # a wrong clearance
        innocent = np.flatnonzero(~self.m_fraud)
        for m in rng.choice(innocent, int(cfg.false_blacklist_rate * len(innocent)) + 1,
                            replace=False):
            add("merchant", int(m), "fraud", "blacklist")
        for m in rng.choice(innocent, int(0.01 * len(innocent)), replace=False):
            add("merchant", int(m), "legit", "investigator")
        for group in self.truth_lookalikes:
            for kind, idx in group["members"]:
                if rng.random() < 0.1:
                    add(kind, idx, "legit", "investigator")
        return rows


class _StructureWorld(_World):
    """The structure-only world: merchants, devices, accounts, links and labels only."""

    def __init__(self, config: SynthConfig):
        per_scale = MERCHANTS_PER_SCALE + STREAMERS_PER_SCALE
        super().__init__(config, max(200, round(per_scale * config.scale)), 0)
        self.m_pool = self.rng.permutation(self.n_m)
        self.hubs = np.empty(0, dtype=np.int64)
        self.hub_p = np.empty(0)
        self.aggregators = np.empty(0, dtype=np.int64)
        self.aggregator_p = np.empty(0)

    def _use(self, shops: np.ndarray, devices: np.ndarray) -> None:
        self.t.add("merchant_devices", actor=shops, device=devices)

    def _pay(self, shops: np.ndarray, accounts: np.ndarray,
             role: str | np.ndarray = "settlement") -> None:
        self.t.add("merchant_accounts", actor=shops, account=accounts,
                   role=_role_codes(role))

    def _share(self, shops: np.ndarray, pool: np.ndarray, most_extra: int
               ) -> tuple[np.ndarray, np.ndarray]:
        """Each shop uses one identifier of ``pool`` in turn, plus up to ``most_extra``
        random others; the first shops also use the next one in the pool, which chains
        the whole pool (and so every shop on it) into one connected piece."""
        rng = self.rng
        extra = rng.integers(0, most_extra + 1, len(shops))
        chain = shops[:len(pool) - 1]
        who = np.concatenate([shops, chain, np.repeat(shops, extra)])
        what = np.concatenate([pool[np.arange(len(shops)) % len(pool)],
                               pool[1:len(chain) + 1],
                               pool[rng.integers(0, len(pool), int(extra.sum()))]])
        return who, what

    def background(self) -> None:
        """Private phones and accounts, family pairs, internet cafes, aggregators."""
        rng = self.rng
        n = self.n_m
        k = rng.geometric(0.6, n)
        owners = np.repeat(np.arange(n), k)
        self._use(owners, self._new_devices(len(owners), 0))
        pairs = rng.choice(n, size=2 * max(1, int(0.015 * n)), replace=False).reshape(-1, 2)
        self._use(pairs.ravel(), np.repeat(self._new_devices(len(pairs), 0), 2))
        self._pay(np.arange(n), self._new_accounts(n, rng.choice(2, n, p=[0.7, 0.3])))
        extra = np.flatnonzero(rng.random(n) < 0.3)
        self._pay(extra, self._new_accounts(len(extra), 1), "withdrawal")
        n_hubs = max(4, round(0.0012 * n))
        sizes = np.minimum(25 + (rng.pareto(1.3, n_hubs) * 40).astype(int), min(900, n // 4))
        self.hubs = self._new_devices(n_hubs, 1)
        self.hub_p = sizes / sizes.sum()
        for hub, size in zip(self.hubs, sizes, strict=True):
            users = rng.choice(n, size, replace=False)
            self._use(users, np.full(len(users), hub))
        n_agg = max(3, round(0.0005 * n))
        self.aggregators = self._new_accounts(n_agg, 2)
        weights = 1 / np.arange(1, n_agg + 1) ** 1.1
        self.aggregator_p = weights / weights.sum()
        users = np.flatnonzero(rng.random(n) < 0.22)
        self._pay(users, rng.choice(self.aggregators, len(users), p=self.aggregator_p))

    def lookalikes(self) -> None:
        """Legit dense groups: shop-operation agencies and franchise chains."""
        rng = self.rng
        n_groups = max(2, round(6 * self.cfg.scale))
        for _ in range(n_groups):  # agency staff run 5-15 client shops from studio phones
            shops = self._take_m(int(rng.integers(5, 16)))
            if len(shops) < 3:
                break
            phones = self._new_devices(int(rng.integers(2, 5)), 0)
            self._use(*self._share(shops, phones, 2))
            fee = self._new_accounts(1, 0)
            self._pay(shops, np.repeat(fee, len(shops)), "withdrawal")
            self.truth_lookalikes.append({"kind": "agency", "members": [
                ("merchant", int(m)) for m in shops]})
        for _ in range(n_groups):  # franchise chains: one HQ account, an office PC
            shops = self._take_m(int(rng.integers(5, 21)))
            if len(shops) < 3:
                break
            self._pay(shops, np.repeat(self._new_accounts(1, 0), len(shops)))
            staff = shops[rng.random(len(shops)) < 0.5]
            self._use(staff, np.repeat(self._new_devices(1, 1), len(staff)))
            self.truth_lookalikes.append({"kind": "franchise", "members": [
                ("merchant", int(m)) for m in shops]})

    def rings(self) -> None:
        rng = self.rng
        target = int(self.cfg.structure_ring_share * self.n_m)
        cap = max(5, self.n_m // 8)  # small worlds keep most merchants innocent
        forced = list(range(len(SIZE_BANDS)))[::-1]
        planted = 0
        while forced or planted < target:
            band = forced.pop(0) if forced else int(rng.choice(len(SIZE_BANDS),
                                                              p=SIZE_BAND_WEIGHTS))
            low, high = SIZE_BANDS[band]
            size = min(int(np.exp(rng.uniform(np.log(low), np.log(high)))), cap)
            shops = self._take_m(size)
            if len(shops) < 3:
                break
            planted += len(shops)
            self.m_fraud[shops] = True
            typology = str(rng.choice(list(STRUCTURE_TYPOLOGIES), p=STRUCTURE_TYPOLOGY_WEIGHTS))
            devices, accounts = self._ring_links(shops, typology)
            self._camouflage(shops)
            self.truth_rings.append({
                "typology": typology, "members": [("merchant", int(m)) for m in shops],
                "devices": devices, "accounts": accounts})

    def _ring_links(self, shops: np.ndarray, typology: str) -> tuple[list[int], list[int]]:
        """Operator cells of 10-40 shops share a phone pool; the whole ring shares a
        pool of payout accounts. Each shop joins through devices, accounts or both, and
        one shop of every cell also pays into the ring's accounts, so the ring is one
        connected piece."""
        rng = self.rng
        n = len(shops)
        p_dev, p_acc = STRUCTURE_TYPOLOGIES[typology]
        on_dev = rng.random(n) < p_dev
        on_acc = rng.random(n) < p_acc
        loose = ~on_dev & ~on_acc
        on_dev |= loose & (rng.random(n) < p_dev / (p_dev + p_acc))
        on_acc |= ~on_dev & ~on_acc
        devices: list[int] = []
        cell_at = np.flatnonzero(on_dev)
        while len(cell_at):
            size = int(rng.integers(10, 41))
            if len(cell_at) - size < 10:  # no tiny last cell
                size = len(cell_at)
            cell, cell_at = cell_at[:size], cell_at[size:]
            pool = self._new_devices(max(2, round(len(cell) * rng.uniform(0.15, 0.35))), 0)
            self._use(*self._share(shops[cell], pool, 2))
            devices += [int(d) for d in pool]
            on_acc[cell[0]] = True  # the cell's bridge to the ring's accounts
        payers = shops[on_acc]
        n_acc = max(1, round(len(payers) * rng.uniform(0.06, 0.15)))
        pool = self._new_accounts(n_acc, rng.choice(2, n_acc, p=[0.5, 0.5]))
        who, what = self._share(payers, pool, 1)
        self._pay(who, what, rng.choice(["settlement", "withdrawal"], len(who)))
        return devices, [int(a) for a in pool]

    def _camouflage(self, shops: np.ndarray) -> None:
        """Some ring shops also use busy internet cafes and payment aggregators."""
        rng = self.rng
        cafe = shops[rng.random(len(shops)) < 0.15]
        self._use(cafe, rng.choice(self.hubs, len(cafe), p=self.hub_p))
        agg = shops[rng.random(len(shops)) < 0.15]
        self._pay(agg, rng.choice(self.aggregators, len(agg), p=self.aggregator_p))

    def labels(self) -> dict[str, list[Any]]:
        """A sparse blacklist: ``structure_label_rate`` of all ring members, none in the
        unlabelled rings; a few innocents wrongly blacklisted; some cleared."""
        rng = self.rng
        cfg = self.cfg
        rows: dict[str, list[Any]] = defaultdict(list)

        def add(kind: str, idx: int, label: str, source: str) -> None:
            rows["entity_type"].append(kind)
            rows["entity"].append(idx)
            rows["label"].append(label)
            rows["source"].append(source)

        members = [np.array([i for _, i in r["members"]]) for r in self.truth_rings]
        if members:
            dark = rng.random(len(members)) < cfg.structure_unlabelled_ring_share
            if not dark.any():
                dark[int(np.argmin([len(m) for m in members]))] = True
            known = [m for m, d in zip(members, dark, strict=True) if not d]
            pool = np.concatenate(known) if known else np.empty(0, dtype=np.int64)
            k = min(len(pool), round(cfg.structure_label_rate * sum(len(m) for m in members)))
            for m in np.sort(rng.choice(pool, k, replace=False)):
                add("merchant", int(m), "fraud", "blacklist")
        innocent = np.flatnonzero(~self.m_fraud)
        for m in rng.choice(innocent, int(cfg.false_blacklist_rate * len(innocent)),
                            replace=False):
            add("merchant", int(m), "fraud", "blacklist")
        for m in rng.choice(innocent, int(0.01 * len(innocent)), replace=False):
            add("merchant", int(m), "legit", "investigator")
        for group in self.truth_lookalikes:
            for kind, idx in group["members"]:
                if rng.random() < 0.1:
                    add(kind, idx, "legit", "investigator")
        return rows


def _iso(values: np.ndarray, unit: Literal["D", "s"] = "s") -> np.ndarray:
    return np.datetime_as_string(values.astype("datetime64[s]"), unit=unit)


#: The file formats ``generate`` writes (the reader takes both).
FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class _Export:
    """Where the export goes and in which format."""

    folder: Path
    format: str


#: A column to write: its values, or a function that makes the values of the rows it
#: is given, so text (ids, names, timestamps) exists for one slice of rows at a time.
Column: TypeAlias = "np.ndarray | Callable[[np.ndarray], np.ndarray]"
#: Rows made and written at a time: pyarrow's default Parquet row group, so a table
#: written in slices has the row groups it had when written whole.
ROWS_PER_WRITE = 1024 * 1024


def _pick(values: np.ndarray, index: np.ndarray) -> Column:
    """The column ``values[index]``, made for the rows being written only."""
    return lambda rows: values[index[rows]]


def _iso_of(dates: np.ndarray, unit: Literal["D", "s"] = "s") -> Column:
    """The column ``_iso(dates, unit)``, made for the rows being written only."""
    return lambda rows: _iso(dates[rows], unit)


def _arrow(values: np.ndarray) -> Any:
    """An Arrow array of ``values``; ASCII bytes (the ids) become text."""
    import pyarrow as pa

    array = pa.array(values)
    return array.cast(pa.string()) if values.dtype.kind == "S" else array


def _write(out: _Export, stem: str, rows: int, columns: Mapping[str, Column],
           rng: np.random.Generator) -> int:
    """One table of ``rows`` rows, shuffled, as ``stem.csv`` or ``stem.parquet``: the same
    rows, columns and values either way (numbers stay numbers in Parquet, text and
    timestamps are the CSV file's text). It is made and written
    :data:`ROWS_PER_WRITE` shuffled rows at a time, so only one slice of its text is
    ever held (a 10M-merchant world's would not fit in memory whole). The CSV bytes
    are those of writing it whole, and so are the Parquet rows, values and row groups
    (the pages inside a row group may be cut elsewhere)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    order = rng.permutation(rows)
    path = out.folder / f"{stem}.{out.format}"
    writer: Any = None
    try:
        for start in range(0, max(rows, 1), ROWS_PER_WRITE):
            at = order[start:start + ROWS_PER_WRITE]
            table = pa.table({k: _arrow(v[at] if isinstance(v, np.ndarray) else v(at))
                              for k, v in columns.items()})
            if writer is None and out.format == "parquet":
                writer = pq.ParquetWriter(path, table.schema)
            elif writer is None:
                writer = pacsv.CSVWriter(path, table.schema, write_options=pacsv.WriteOptions(
                    quoting_style="needed"))
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return rows


def _dedupe_pairs(cols: dict[str, np.ndarray], a: str, b: str) -> dict[str, np.ndarray]:
    """One row per pair, as an export that aggregates per pair has. It takes ``cols``
    over: each column is let go as soon as its kept rows are copied."""
    keys = cols[a].astype(np.int64) * (int(cols[b].max()) + 1) + cols[b].astype(np.int64)
    _, first = np.unique(keys, return_index=True)
    del keys
    keep = np.sort(first)
    return {k: cols.pop(k)[keep] for k in list(cols)}


def generate(out_dir: str | Path, config: SynthConfig | None = None, *,
             file_format: str = "csv") -> dict[str, int]:
    """Write a synthetic export to ``out_dir`` and its ground truth beside the files.

    Parameters
    ----------
    out_dir
        Directory to create (it may exist); contract files are written into it and the
        ground truth into ``out_dir/ground_truth.json``, which the loaders never read.
    config
        Scale, seed and difficulty knobs; ``structure_only=True`` writes the
        structure-only world (no streamer, promotion or signal files, no timestamps).
    file_format
        ``"csv"`` (``merchants.csv``, ...) or ``"parquet"`` (``merchants.parquet``, ...:
        the same tables, columns and rows).

    Returns
    -------
    dict
        Rows written per file.

    Raises
    ------
    UsageError
        If ``file_format`` is not one of :data:`FORMATS`; if ``out_dir`` holds a file of
        the other format for a table of the contract (a reader would find the table
        twice); in structure-only mode, when ``out_dir`` already holds a file of a kind
        the mode does not write (it would mix two exports).
    """
    cfg = config or SynthConfig()
    out = _Export(Path(out_dir), file_format)
    _check_folder(out, cfg)
    out.folder.mkdir(parents=True, exist_ok=True)
    if cfg.structure_only:
        return _write_structure_only(_StructureWorld(cfg), out)
    gen = _Generator(cfg)
    gen.rings()
    gen.lookalikes()
    gen.innocent_background()
    signals = gen.signals()
    labels = gen.labels()
    rng = gen.rng
    m_ids = _opaque_ids(rng, gen.n_m, "", 9)
    s_ids = _opaque_ids(rng, gen.n_s, "h", 8)
    d_ids, a_ids = _identifier_ids(gen)
    counts = _write_actors(gen, out, m_ids, s_ids)
    counts.update(_write_identifiers(gen, out, d_ids, a_ids))
    counts.update(_write_links(gen, out, m_ids, s_ids, d_ids, a_ids))
    counts["merchant_signals"] = _write(out, "merchant_signals", len(signals["merchant"]), {
        "merchant_id": _pick(m_ids, signals["merchant"]), "orders": signals["orders"],
        "refunds": signals["refunds"], "complaints": signals["complaints"],
        "violations": signals["violations"]}, rng)
    id_of = {"merchant": m_ids, "streamer": s_ids, "device": d_ids, "payment_account": a_ids}
    label_rows = _label_rows(labels, id_of)
    counts["labels"] = _write(out, "labels", len(label_rows["entity_id"]), label_rows, rng)
    counts.update(_write_organizations(out, gen, id_of))
    _write_truth(out, gen, id_of)
    return counts


def _check_folder(out: _Export, cfg: SynthConfig) -> None:
    """Refuse a format not in :data:`FORMATS`, and a folder holding files that would mix
    with this export (see :func:`generate`)."""
    from graphfraud.loaders.spec import contract

    if out.format not in FORMATS:
        raise UsageError(f"unknown file format {out.format!r} (expected one of "
                         f"{', '.join(FORMATS)})")
    other = next(f for f in FORMATS if f != out.format)
    mixed = [f"{spec.name}.{other}" for spec in contract().values()
             if (out.folder / f"{spec.name}.{other}").exists()]
    if mixed:
        raise UsageError(f"{out.folder} already holds {', '.join(mixed)}, an export in "
                         f"{other}; write the {out.format} export into another directory "
                         "(the reader refuses a table in both formats)")
    if cfg.structure_only:
        stale = [f"{n}.{ext}" for n in NOT_IN_STRUCTURE_ONLY for ext in FORMATS
                 if (out.folder / f"{n}.{ext}").exists()]
        if stale:
            raise UsageError(f"{out.folder} already holds {', '.join(stale)} from another "
                             "export; write a structure-only export into an empty directory")


def _write_actors(gen: _Generator, out: _Export, m_ids: np.ndarray, s_ids: np.ndarray
                  ) -> dict[str, int]:
    """merchants.csv and streamers.csv; names are drawn as codes (the same draws as
    drawing the names) and spelt out one slice of rows at a time."""
    rng = gen.rng
    heads = rng.choice(len(NAME_HEADS), gen.n_m).astype(np.int8)
    tails = rng.choice(len(NAME_TAILS), gen.n_m).astype(np.int8)
    counts = {"merchants": _write(out, "merchants", gen.n_m, {
        "merchant_id": m_ids,
        "name": lambda rows: np.char.add(NAME_HEADS[heads[rows]], NAME_TAILS[tails[rows]]),
        "registered_at": _iso_of(gen.m_registered, "D"),
        "category": _pick(CATEGORIES, gen.m_category),
        "status": _pick(STATUSES, gen.m_status)}, rng)}
    number = rng.integers(0, 10**6, gen.n_s)
    counts["streamers"] = _write(out, "streamers", gen.n_s, {
        "streamer_id": s_ids, "name": lambda rows: np.char.add("主播", number[rows].astype(str)),
        "registered_at": _iso_of(gen.s_registered, "D"), "followers": gen.s_followers}, rng)
    return counts


def _identifier_ids(gen: _World) -> tuple[np.ndarray, np.ndarray]:
    """Opaque ids of every device and payment account (bank cards numeric, others hex)."""
    rng = gen.rng
    d_ids = _hex_ids(rng, gen.devices.count, "")
    a_kind = np.concatenate(gen.account_kind)
    a_ids = np.where(a_kind == 0, _opaque_ids(rng, gen.accounts.count, "62", 14),
                     _hex_ids(rng, gen.accounts.count, "w"))
    return d_ids, a_ids


def _write_identifiers(gen: _World, out: _Export, d_ids: np.ndarray, a_ids: np.ndarray
                       ) -> dict[str, int]:
    """devices.csv and payment_accounts.csv; a few of each are left out (link-only)."""
    rng = gen.rng
    counts: dict[str, int] = {}
    d_kind = np.concatenate(gen.device_kind)
    a_kind = np.concatenate(gen.account_kind)
    listed = np.flatnonzero(rng.random(len(d_ids)) < 0.92)
    # Models as codes into phones then PCs (the same draws as drawing the names).
    models = np.concatenate([PHONE_MODELS, PC_MODELS])
    os_of = np.where(np.arange(len(models)) >= len(PHONE_MODELS), "Windows",
                     np.where(np.char.startswith(models, "iPhone"), "iOS", "Android"))
    pc = rng.choice(len(PC_MODELS), len(listed)) + len(PHONE_MODELS)
    model = np.where(d_kind[listed] == 1, pc, rng.choice(len(PHONE_MODELS), len(listed)))
    model = model.astype(np.int8)
    counts["devices"] = _write(out, "devices", len(listed), {
        "device_id": _pick(d_ids, listed), "model": _pick(models, model),
        "os": _pick(os_of, model)}, rng)
    listed = np.flatnonzero(rng.random(len(a_ids)) < 0.95)
    kind = a_kind[listed]
    providers = np.concatenate([BANKS, WALLETS])
    bank = rng.choice(len(BANKS), len(listed))
    provider = np.where(kind == 0, bank, rng.choice(len(WALLETS), len(listed)) + len(BANKS))
    counts["payment_accounts"] = _write(out, "payment_accounts", len(listed), {
        "account_id": _pick(a_ids, listed), "kind": _pick(ACCOUNT_KINDS, kind),
        "bank": _pick(providers, provider.astype(np.int8))}, rng)
    return counts


def _write_links(gen: _Generator, out: _Export, m_ids: np.ndarray, s_ids: np.ndarray,
                 d_ids: np.ndarray, a_ids: np.ndarray) -> dict[str, int]:
    """The default mode's device, account and promotion link files."""
    rng = gen.rng
    counts: dict[str, int] = {}
    for who, ids in (("merchant", m_ids), ("streamer", s_ids)):
        cols = _dedupe_pairs(gen.t.pop(f"{who}_devices"), "actor", "device")
        counts[f"{who}_devices"] = _write(out, f"{who}_devices", len(cols["actor"]), {
            f"{who}_id": _pick(ids, cols["actor"]), "device_id": _pick(d_ids, cols["device"]),
            "first_seen": _iso_of(cols["first_seen"]), "last_seen": _iso_of(cols["last_seen"]),
            "logins": cols["logins"]}, rng)
        cols = gen.t.pop(f"{who}_accounts")
        counts[f"{who}_accounts"] = _write(out, f"{who}_accounts", len(cols["actor"]), {
            f"{who}_id": _pick(ids, cols["actor"]), "account_id": _pick(a_ids, cols["account"]),
            "role": _pick(ROLES, cols["role"]), "first_seen": _iso_of(cols["first_seen"])}, rng)
    cols = _dedupe_pairs(gen.t.pop("promotions"), "streamer", "merchant")
    counts["promotions"] = _write(out, "promotions", len(cols["streamer"]), {
        "streamer_id": _pick(s_ids, cols["streamer"]),
        "merchant_id": _pick(m_ids, cols["merchant"]),
        "sessions": cols["sessions"], "orders": cols["orders"], "gmv": cols["gmv"],
        "first_at": _iso_of(cols["first_at"]), "last_at": _iso_of(cols["last_at"])}, rng)
    return counts


def _write_structure_only(gen: _StructureWorld, out: _Export) -> dict[str, int]:
    """Plant and write the structure-only world: ids, names, links and labels only."""
    gen.background()
    gen.lookalikes()
    gen.rings()
    labels = gen.labels()
    rng = gen.rng
    m_ids = _opaque_ids(rng, gen.n_m, "", 9)
    d_ids, a_ids = _identifier_ids(gen)
    heads = rng.choice(len(NAME_HEADS), gen.n_m).astype(np.int8)
    tails = rng.choice(len(NAME_TAILS), gen.n_m).astype(np.int8)
    category = rng.choice(len(CATEGORIES), gen.n_m, p=CATEGORY_WEIGHTS).astype(np.int8)
    counts = {"merchants": _write(out, "merchants", gen.n_m, {
        "merchant_id": m_ids,
        "name": lambda rows: np.char.add(NAME_HEADS[heads[rows]], NAME_TAILS[tails[rows]]),
        "category": _pick(CATEGORIES, category)}, rng)}
    counts.update(_write_identifiers(gen, out, d_ids, a_ids))
    cols = _dedupe_pairs(gen.t.pop("merchant_devices"), "actor", "device")
    counts["merchant_devices"] = _write(out, "merchant_devices", len(cols["actor"]), {
        "merchant_id": _pick(m_ids, cols["actor"]),
        "device_id": _pick(d_ids, cols["device"])}, rng)
    cols = _dedupe_pairs(gen.t.pop("merchant_accounts"), "actor", "account")
    counts["merchant_accounts"] = _write(out, "merchant_accounts", len(cols["actor"]), {
        "merchant_id": _pick(m_ids, cols["actor"]),
        "account_id": _pick(a_ids, cols["account"]), "role": _pick(ROLES, cols["role"])}, rng)
    id_of = {"merchant": m_ids, "device": d_ids, "payment_account": a_ids}
    label_rows = _label_rows(labels, id_of, dated=False)
    counts["labels"] = _write(out, "labels", len(label_rows["entity_id"]), label_rows, rng)
    counts.update(_write_organizations(out, gen, id_of, dated=False))
    _write_truth(out, gen, id_of, mode="structure_only")
    return counts


#: Share of the legit look-alike groups declared as verified organisations (the rest
#: stay undeclared, as many real agencies do).
DECLARED_SHARE = 0.5
ORG_KINDS = {"agency": "mcn_agency", "franchise": "franchise"}


def _write_organizations(out: _Export, gen: _World, id_of: dict[str, np.ndarray], *,
                         dated: bool = True) -> dict[str, int]:
    """organizations.csv and organization_members.csv: about half of the look-alike
    groups declared (and verified), drawn from a stream of their own so the rest of
    the world is what the same seed gave before organisations were declared. Each
    look-alike's ``declared`` in the ground truth says which."""
    rng = np.random.default_rng([gen.cfg.seed, 0x0A9])
    declared = rng.random(len(gen.truth_lookalikes)) < DECLARED_SHARE
    orgs: dict[str, list[str]] = {"organization_id": [], "kind": [], "name": [],
                                  "verified": []}
    members: dict[str, list[str]] = {"organization_id": [], "entity_type": [],
                                     "entity_id": [], "since": []}
    for i, (group, yes) in enumerate(zip(gen.truth_lookalikes, declared, strict=True)):
        group["declared"] = bool(yes)
        if not yes:
            continue
        org = f"ORG{i:04d}"
        orgs["organization_id"].append(org)
        orgs["kind"].append(ORG_KINDS.get(group["kind"], "enterprise"))
        orgs["name"].append(f"{group['kind'].title()} {i}")
        orgs["verified"].append("true")
        for kind, idx in group["members"]:
            members["organization_id"].append(org)
            members["entity_type"].append(kind)
            members["entity_id"].append(id_of[kind][idx].decode())
            members["since"].append("2023-01-01")
    if not orgs["organization_id"]:
        return {}
    if not dated:  # a structure-only export has no timestamps
        del members["since"]
    return {"organizations": _write(out, "organizations", len(orgs["organization_id"]),
                                    {k: np.array(v) for k, v in orgs.items()}, rng),
            "organization_members": _write(out, "organization_members",
                                           len(members["organization_id"]),
                                           {k: np.array(v) for k, v in members.items()},
                                           rng)}


def _write_truth(out: _Export, gen: _World, id_of: dict[str, np.ndarray],
                 mode: str | None = None) -> None:
    d_ids, a_ids = id_of["device"], id_of["payment_account"]
    truth: dict[str, Any] = {
        "seed": gen.cfg.seed,
        "scale": gen.cfg.scale,
        "rings": [
            {
                "ring": f"T{i:05d}",
                "typology": r["typology"],
                "members": [{"type": t, "id": id_of[t][i].decode()} for t, i in r["members"]],
                "devices": [d_ids[d].decode() for d in r["devices"]],
                "accounts": [a_ids[a].decode() for a in r["accounts"]],
            }
            for i, r in enumerate(gen.truth_rings)
        ],
        "lookalikes": [
            {"kind": g["kind"], "declared": g.get("declared", False),
             "members": [{"type": t, "id": id_of[t][i].decode()} for t, i in g["members"]]}
            for g in gen.truth_lookalikes
        ],
    }
    if mode is not None:
        truth["mode"] = mode
    (out.folder / "ground_truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1))


def _label_rows(labels: dict[str, list[Any]], id_of: dict[str, np.ndarray], *,
                dated: bool = True) -> dict[str, np.ndarray]:
    seen: set[tuple[str, int]] = set()
    keep = []
    for i, (kind, idx) in enumerate(zip(labels["entity_type"], labels["entity"], strict=True)):
        if (kind, idx) not in seen:  # one verdict per entity in the export
            seen.add((kind, idx))
            keep.append(i)
    kinds = np.array(labels["entity_type"], dtype=object)[keep]
    entity = np.array(labels["entity"], dtype=np.int64)[keep]
    ids = np.array([id_of[k][e].decode() for k, e in zip(kinds, entity, strict=True)],
                   dtype=object)
    rows = {
        "entity_type": kinds.astype(str),
        "entity_id": ids.astype(str),
        "label": np.array(labels["label"], dtype=object)[keep].astype(str),
        "source": np.array(labels["source"], dtype=object)[keep].astype(str),
    }
    if dated:
        rows["labeled_at"] = _iso(
            np.array(labels["labeled_at"], dtype="datetime64[s]")[keep], "D")
    return rows
