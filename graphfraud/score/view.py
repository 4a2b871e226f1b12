"""One candidate ring as the evidence units see it (:class:`View`), and what they
found about it (:class:`Found`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from graphfraud.graph.sparse import take_rows, within_rows
from graphfraud.model import MERCHANT as MERCHANT_KIND

if TYPE_CHECKING:
    from graphfraud.graph.projection import ActorGraph
    from graphfraud.score.facts import ActorFacts


#: Each member's links within the ring and their summed weight
#: (:func:`graphfraud.graph.sparse.within_rows` over the linked graph).
Within = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Uses:
    """Which member uses which local identifier (a 0/1 matrix, members x identifiers,
    as CSR arrays) and the two products scoring takes of it.

    Each sum adds its terms in the order scipy's CSR and CSC products add them (the
    entries in row order, from zero), so the results are those products' to the bit;
    a scipy matrix per candidate cost more to build (its checks) than all its products.
    """

    indptr: np.ndarray
    indices: np.ndarray
    #: The member (row) of each entry.
    rows: np.ndarray
    shape: tuple[int, int]

    @property
    def data(self) -> np.ndarray:
        """Each entry's value: 1 (for :func:`graphfraud.graph.sparse.take_rows`)."""
        return np.ones(len(self.indices))

    def per_member(self, w: np.ndarray) -> np.ndarray:
        """``inc @ w``: per member, the sum of ``w`` over the identifiers it uses."""
        return np.bincount(self.rows, weights=np.asarray(w, np.float64)[self.indices],
                           minlength=self.shape[0])

    def per_identifier(self, x: np.ndarray) -> np.ndarray:
        """``inc.T @ x``: per identifier, the sum of ``x`` over the members using it."""
        return np.bincount(self.indices, weights=np.asarray(x, np.float64)[self.rows],
                           minlength=self.shape[1])


@dataclass(frozen=True)
class View:
    """One candidate as the phenomena see it: members and the identifiers they use."""

    members: np.ndarray  # actor indices
    is_merchant: np.ndarray
    inc: Uses  # members x local identifiers
    ident: np.ndarray  # global identifier index of each local column
    inside: np.ndarray  # members using each local identifier
    degree: np.ndarray  # all actors using it
    ident_types: np.ndarray
    shared: np.ndarray  # local columns used by two or more members
    kept: np.ndarray  # shared and not dropped as hubs
    rare: np.ndarray  # kept and rare enough to make a strong link alone
    reg: np.ndarray  # registration day per member (NaN unknown)
    verdict: np.ndarray  # +1 blacklisted, -1 cleared, 0 none, per member
    #: The members' links within the ring, when the caller had them (else None).
    within: Within | None = None

    def links_within(self, graph: ActorGraph) -> Within:
        """Each member's links within the ring and their summed weight."""
        return self.within if self.within is not None else within_rows(graph.linked,
                                                                        self.members)

    @property
    def n(self) -> int:
        return len(self.members)

    def over(self, cols: np.ndarray, weights: np.ndarray | float = 1.0) -> np.ndarray:
        """Per member: its uses of the local columns ``cols`` (unique; each times its weight),
        as one product (scipy's column indexing costs more than the sum)."""
        w = np.zeros(self.inc.shape[1])
        w[cols] = weights
        return self.inc.per_member(w)


def make_view(graph: ActorGraph, facts: ActorFacts, members: np.ndarray,
              within: Within | None = None) -> View:
    """The members' incidence over only the identifiers they use (local columns): cost
    grows with the ring, not with the graph."""
    n = len(members)
    indptr, indices, _ = take_rows(graph.incidence, members)  # its values are all 1
    ident, local = np.unique(indices, return_inverse=True)
    inc = Uses(indptr, local, np.repeat(np.arange(n), np.diff(indptr)), (n, len(ident)))
    inside = np.bincount(local, minlength=len(ident))
    degree = graph.identifier_degree[ident]
    shared = np.flatnonzero(inside >= 2)
    kept = shared[~graph.identifier_dropped[ident[shared]]]
    return View(members=members,
                is_merchant=graph.actor_types[members] == MERCHANT_KIND.code, inc=inc,
                ident=ident, inside=inside, degree=degree,
                ident_types=graph.identifier_types[ident], shared=shared, kept=kept,
                rare=kept[degree[kept] <= graph.strong_degree],
                reg=facts.registered_days[members], verdict=facts.verdict[members],
                within=within)


@dataclass
class Found:
    """What the phenomena found: sub-scores (None: no data to judge), facts for the
    evidence text and the pattern."""

    scores: dict[str, float | None] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

