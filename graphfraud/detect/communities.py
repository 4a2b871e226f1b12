"""Candidate rings: connected components over strong links, refined by Leiden."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from graphfraud.graph.projection import ActorGraph
from graphfraud.graph.sparse import dense_components, dense_submatrix, submatrix, take_rows

#: Components of at most this many members (using at most ``_DENSE_COLS`` identifiers)
#: are cut with dense arrays: a million-merchant graph has thousands of small
#: components, and building a scipy sparse matrix costs ~50 us of checks, several per
#: component, more than the work itself. Both ways give the same groups.
_DENSE_MEMBERS = 128
_DENSE_COLS = 256


@dataclass(frozen=True)
class CommunityParams:
    """Knobs of candidate detection."""

    #: Smallest group reported as a ring (a pair sharing a phone is a family, not a ring).
    min_ring_size: int = 3
    #: The giant-component guard: strong-link components larger than this are split
    #: with hierarchical Leiden, unless they are dense (below). Below it a component is
    #: one ring whatever its shape: a farm of 500 shops run as cells is one ring.
    max_ring_size: int = 1000
    #: A component whose strong-link density (linked pairs / all pairs) reaches this
    #: is one ring whatever its size.
    dense_ring_density: float = 0.5
    #: Leiden splits a component on each actor's strongest links, at most this many.
    leiden_neighbours: int = 30
    #: Leiden resolution (higher: smaller communities).
    resolution: float = 1.0
    #: Blacklist propagation: an actor no structural cut took is a candidate with the
    #: blacklisted actors it hangs on when its personalised PageRank from them is at
    #: least this share of the seeds' median (0: off).
    propagation_share: float = 0.5
    #: Components of at least this many actors may be reported as their parts (two
    #: rings met through bystanders); a family business of six shops is not cut in two.
    min_parted_size: int = 10
    #: Two identifiers of a strong-link component belong to one block when at least
    #: this share of the users of the less used one (in the component) use both;
    #: components whose blocks share no member are separated.
    block_tie: float = 0.5
    #: ... when the members of each block's group make at most this share of their
    #: block uses on the other groups' blocks (camouflage, not a shared operation).
    block_crossing: float = 0.25
    #: Else the component's parts are its groups of members that share at least this
    #: many identifiers (transitively), unless one group holds ``part_share_max`` of it.
    part_shared: int = 2
    part_share_max: float = 0.9
    #: Seed of every random choice (Leiden's node order).
    random_seed: int = 42


def strong_links(graph: ActorGraph) -> Any:
    """The actor pairs whose shared identifiers alone are strong evidence."""
    strong = graph.shared.copy()
    strong.data = (strong.data >= graph.strong_threshold * (1 - 1e-9)).astype(np.float64)
    strong.eliminate_zeros()
    return strong


class Candidate(NamedTuple):
    """A group of actor indices (sorted) and the cut that found it.

    ``parts``: the rings the group may instead be, when it is two rings or more met
    through bystanders (:func:`_separate_blocks`); the scoring takes the parts when
    the whole is not a high-risk ring and a part is.
    """

    members: np.ndarray
    source: str
    parts: tuple[np.ndarray, ...] = ()


#: The cuts candidates come from: codes the evidence names in words
#: (:data:`graphfraud.score.evidence.SOURCES`).
SOURCE_BLOCK = "block"
SOURCE_COMPONENT = "component"
SOURCE_LEIDEN = "leiden"
SOURCE_POPULAR = "popular"
SOURCE_PROPAGATION = "propagation"


def candidate_rings(graph: ActorGraph, params: CommunityParams | None = None
                    ) -> list[np.ndarray]:
    """Groups of actor indices, each sorted, the list sorted by first member
    (:func:`find_candidates` without the sources)."""
    return [c.members for c in find_candidates(graph, params)]


def find_candidates(graph: ActorGraph, params: CommunityParams | None = None
                    ) -> list[Candidate]:
    """Candidates from several cuts, merged so that each actor is in one.

    1. Blocks of cohesive identifiers (:func:`block_groups`): rings of any size.
    2. Components of the strong-link graph among the actors no block claimed;
       components larger than ``max_ring_size`` that are not dense are split by
       hierarchical Leiden (seeded: the same data always gives the same groups),
       smaller ones at bridges; components under ``min_ring_size`` are not candidates.
    3. The users of one moderately popular identifier that no other cut took.
    """
    import scipy.sparse as sp

    params = params or CommunityParams()
    found = [Candidate(g, SOURCE_BLOCK) for g in block_groups(graph, params)]
    strong = strong_links(graph)
    if found:
        # An actor claimed by a block is in that ring; its other strong links (a
        # ring shop that also reviews a small real product) must not pull innocent
        # co-users of that product, or a second ring, into the same candidate.
        claimed = np.zeros(graph.n_actors, dtype=bool)
        claimed[np.concatenate([c.members for c in found])] = True
        keep = (~claimed).astype(np.float64)
        strong = (sp.diags(keep) @ strong @ sp.diags(keep)).tocsr()
        strong.eliminate_zeros()
    if strong.nnz:
        found += _components(graph, strong, params)
    found += [Candidate(g, SOURCE_POPULAR) for g in
              _popular_identifier_groups(graph, [c.members for c in found], params)]
    found.sort(key=lambda c: int(c.members[0]))
    return found


def _components(graph: ActorGraph, strong: Any, params: CommunityParams) -> list[Candidate]:
    from scipy.sparse.csgraph import connected_components

    _, labels = connected_components(strong, directed=False)
    degree = np.diff(strong.indptr)
    labels = np.where(degree > 0, labels, -1)  # isolated actors belong to no candidate
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    groups: list[Candidate] = []
    for start, end in zip(starts, np.r_[starts[1:], len(order)], strict=True):
        if sorted_labels[start] < 0 or end - start < params.min_ring_size:
            continue
        members = np.sort(order[start:end])
        if len(members) > params.max_ring_size and not _dense(strong, members, params):
            groups.extend(Candidate(g, SOURCE_LEIDEN) for g in _split(graph, members, params))
        elif len(members) >= 2 * params.min_ring_size:
            for part in _cut_bridges(strong, members, params.min_ring_size):
                separated = [part]
                if len(part) >= params.min_parted_size:
                    separated = _separate_blocks(graph, part, params)
                if len(separated) < 2 and len(part) >= params.min_parted_size:
                    separated = _separate_by_sharing(graph, part, params)
                groups.append(Candidate(part, SOURCE_COMPONENT,
                                        tuple(separated) if len(separated) > 1 else ()))
        else:
            groups.append(Candidate(members, SOURCE_COMPONENT))
    return [g for g in groups if len(g.members) >= params.min_ring_size]


def block_groups(graph: ActorGraph, params: CommunityParams) -> list[np.ndarray]:
    """Rings grown from blocks of cohesive identifiers, whatever their size.

    Cohesive identifiers (see :class:`~graphfraud.graph.projection.ProjectionParams`)
    used together form a block (pairs whose co-users reach the cohesion share of the
    larger one's users, joined transitively). The block's ring is every actor that uses
    at least half of the block's identifiers (and at least two): the members of a farm
    use most of its phones and accounts, while an innocent who shares one of them (a
    real customer of a business that buys reviews) or links to one by camouflage does
    not reach that share.
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    cohesive = np.flatnonzero(graph.identifier_cohesion >= graph.cohesion)
    if len(cohesive) < 2:
        return []
    inc = graph.incidence.tocsc()[:, cohesive]
    co = (inc.T @ inc).tocoo()
    degree = graph.identifier_degree[cohesive]
    k_a, k_b = degree[co.row].astype(np.float64), degree[co.col]
    tie = ((co.row != co.col) & (co.data >= graph.cohesion * np.maximum(k_a, k_b))
           & (co.data >= graph.cohesion_lift * k_a * k_b / max(graph.chance_actors, 1)))
    pairs = sp.csr_matrix((np.ones(int(tie.sum())), (co.row[tie], co.col[tie])),
                          shape=(len(cohesive), len(cohesive)))
    _, block_of = connected_components(pairs, directed=False)
    sizes = np.bincount(block_of)
    # Per actor, its links into each block: one sparse product.
    to_block = sp.csr_matrix((np.ones(len(cohesive)), (np.arange(len(cohesive)), block_of)),
                             shape=(len(cohesive), len(sizes)))
    uses = (inc.tocsr() @ to_block).tocoo()
    need = np.maximum(2, np.ceil(sizes / 2))
    member = uses.data >= need[uses.col]
    found = []
    for b in np.flatnonzero(sizes >= 2):
        members = np.sort(uses.row[member & (uses.col == b)])
        if len(members) >= params.min_ring_size:
            found.append(members.astype(np.int64))
    owner = np.full(graph.n_actors, -1)
    out: list[np.ndarray] = []
    for members in sorted(found, key=len, reverse=True):  # an actor joins one ring
        free = members[owner[members] < 0]
        if len(free) >= params.min_ring_size:
            owner[free] = len(out)
            out.append(free)
    return out


def _dense(strong: Any, members: np.ndarray, params: CommunityParams) -> bool:
    """Whether the strong links among ``members`` reach ``dense_ring_density``."""
    n = len(members)
    inside = submatrix(strong, members).nnz
    return bool(inside >= params.dense_ring_density * n * (n - 1))


def _popular_identifier_groups(graph: ActorGraph, groups: list[np.ndarray],
                               params: CommunityParams) -> list[np.ndarray]:
    """Users of one moderately popular identifier, as a candidate of their own.

    A phone used by 30 shops is too popular to make a strong link (an office PC or a
    small internet cafe looks the same), so its users form no component. Whether it is
    a 30-shop farm or a cafe is a question for the scoring (registration burst, youth,
    behaviour, labels), so each such identifier whose users are mostly in no other
    candidate becomes a candidate: a cafe's unrelated users then score low, a farm high.
    """
    degree = graph.identifier_degree
    popular = np.flatnonzero((degree > graph.strong_degree)
                             & (degree <= min(graph.hub_degree, params.max_ring_size)))
    if not len(popular):
        return []
    owned = np.zeros(graph.n_actors, dtype=bool)
    for members in groups:
        owned[members] = True
    by_identifier = graph.incidence[:, popular].tocsc()
    found = []
    for j in range(len(popular)):
        users = by_identifier.indices[by_identifier.indptr[j]:by_identifier.indptr[j + 1]]
        free = np.sort(users[~owned[users]])
        if len(free) >= max(params.min_ring_size, len(users) / 2):
            owned[free] = True
            found.append(free)
    return found


def _separate_blocks(graph: ActorGraph, members: np.ndarray, params: CommunityParams
                     ) -> list[np.ndarray]:
    """Separate rings that share no block, joined only through bystanders.

    Two small rings that review real products land in one strong-link component when
    the products' real customers use some of both blocks. Within the component, the
    identifiers two or more members use are tied when two members or more, and at
    least ``block_tie`` of the users of the less used one, use both: a ring's phones
    and accounts are used together by its members, while two rings' blocks meet only
    in a few bystanders. Each block's group is the members that use at least half of
    it (and two). The groups are returned (with the remaining actors as one more group
    when they are enough) only when two groups or more reach ``min_ring_size`` and
    each group's members seldom use another's block (``block_crossing``); otherwise
    the component alone. Farms run as cells that share accounts stay one: the shared
    accounts tie the cells' blocks. The scoring takes the groups only when the whole
    is not a high-risk ring and a group is: a farm whose members each use one or two
    of its phones splits into blocks too, and is one ring.
    """
    # Only the identifiers the members use (a dense pass over every identifier of a
    # million-actor graph, once per component, would dominate the scan).
    _, indices, _ = take_rows(graph.incidence, members)
    cols, used = np.unique(indices, return_counts=True)
    keep = (used >= 2) & ~graph.identifier_dropped[cols]
    cols, used = cols[keep], used[keep]
    if len(cols) < 4:
        return [members]
    n_blocks, block_of, uses = _blocks(graph, members, cols, used.astype(np.float64), params)
    sizes = np.bincount(block_of, minlength=n_blocks)
    need = np.maximum(2, np.ceil(sizes / 2))
    deep = (uses >= need) & (sizes >= 2)
    groups = [b for b in range(n_blocks) if deep[:, b].sum() >= params.min_ring_size]
    if len(groups) < 2:
        return [members]
    owner = np.full(len(members), -1)
    for b in sorted(groups, key=lambda b: -int(deep[:, b].sum())):
        mine = deep[:, b] & (owner < 0)
        owner[mine] = b
    for b in groups:  # one group's members rarely use another group's block
        others = [c for c in groups if c != b]
        mine = uses[owner == b]
        if mine[:, others].sum() > params.block_crossing * mine[:, groups].sum():
            return [members]
    out = [np.sort(members[owner == b]) for b in groups
           if (owner == b).sum() >= params.min_ring_size]
    rest = members[owner < 0]
    if len(rest) >= params.min_ring_size:
        out.append(np.sort(rest))
    return out if len(out) >= 2 else [members]


def _blocks(graph: ActorGraph, members: np.ndarray, cols: np.ndarray, k: np.ndarray,
            params: CommunityParams) -> tuple[int, np.ndarray, np.ndarray]:
    """The blocks of identifiers ``cols`` (used ``k`` times by ``members``), tied as
    :func:`_separate_blocks` says: their count, each identifier's block, and each
    member's uses of each block (members x blocks)."""
    if len(members) <= _DENSE_MEMBERS and len(cols) <= _DENSE_COLS:
        sub = dense_submatrix(graph.incidence, members, cols)
        co = sub.T @ sub  # sums of ones: the same counts as the sparse product's
        tie = (co >= 2) & (co >= params.block_tie * np.minimum(k[:, None], k[None, :]))
        np.fill_diagonal(tie, False)
        n_blocks, block_of = dense_components(tie)
        return n_blocks, block_of, sub @ np.eye(n_blocks)[block_of]
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    sparse = submatrix(graph.incidence, members, cols).tocsc()
    co = (sparse.T @ sparse).tocoo()
    ties = ((co.row != co.col) & (co.data >= 2)
            & (co.data >= params.block_tie * np.minimum(k[co.row], k[co.col])))
    tied = sp.csr_matrix((np.ones(int(ties.sum())), (co.row[ties], co.col[ties])),
                         shape=(len(cols), len(cols)))
    n_blocks, block_of = connected_components(tied, directed=False)
    to_block = sp.csr_matrix((np.ones(len(cols)), (np.arange(len(cols)), block_of)),
                             shape=(len(cols), n_blocks))
    return n_blocks, block_of, np.asarray((sparse.tocsr() @ to_block).todense())


def _separate_by_sharing(graph: ActorGraph, members: np.ndarray, params: CommunityParams
                         ) -> list[np.ndarray]:
    """The groups of a component whose members share several identifiers.

    Members of a ring each use several of its phones and accounts, so any two of them
    share two or more (``part_shared``) or are joined through members that do; a real
    customer of a product the ring also uses shares that one identifier with it. The
    groups (components of "shares at least ``part_shared``") of ``min_ring_size`` or
    more, and the remaining actors when they are enough, are returned when they cut the
    component (no group holds ``part_share_max`` of it); otherwise the component alone.
    """
    _, indices, _ = take_rows(graph.incidence, members)
    cols, used = np.unique(indices, return_counts=True)
    cols = cols[(used >= 2) & ~graph.identifier_dropped[cols]]
    if len(cols) < 2:
        return [members]
    group_of = _sharing_groups(graph, members, cols, params.part_shared)
    sizes = np.bincount(group_of)
    big = np.flatnonzero(sizes >= params.min_ring_size)
    if not len(big) or sizes[big].max() >= params.part_share_max * len(members):
        return [members]
    out = [np.sort(members[group_of == g]) for g in big]
    rest = members[~np.isin(group_of, big)]
    if len(rest) >= params.min_ring_size:
        out.append(np.sort(rest))
    return out if len(out) >= 2 else [members]


def _sharing_groups(graph: ActorGraph, members: np.ndarray, cols: np.ndarray,
                    shared: int) -> np.ndarray:
    """Each member's group: the components of "shares at least ``shared`` of the
    identifiers ``cols``" (numbered as ``connected_components`` numbers them)."""
    if len(members) <= _DENSE_MEMBERS and len(cols) <= _DENSE_COLS:
        sub = dense_submatrix(graph.incidence, members, cols)
        pairs = (sub @ sub.T) >= shared  # sums of ones, as the sparse product's
        np.fill_diagonal(pairs, False)
        return dense_components(pairs)[1]
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    sparse = submatrix(graph.incidence, members, cols)
    co = (sparse @ sparse.T).tocoo()
    keep = (co.row != co.col) & (co.data >= shared)
    linked = sp.csr_matrix((np.ones(int(keep.sum())), (co.row[keep], co.col[keep])),
                           shape=(len(members), len(members)))
    return connected_components(linked, directed=False)[1]


def _cut_bridges(strong: object, members: np.ndarray, min_size: int) -> list[np.ndarray]:
    """Separate groups that hang together by one link only.

    Two groups of at least ``min_size`` actors joined by a single strong link (a
    ring shop and a franchise shop that share a family phone) are two groups: the
    link is a bridge of the strong-link graph. Bridges that would cut off fewer
    than ``min_size`` actors are kept.
    """
    small = len(members) <= _DENSE_MEMBERS
    if small and not _small_has_cutting_bridge(dense_submatrix(strong, members, pattern=True),
                                               min_size):
        return [members]
    sub = submatrix(strong, members).tocoo()
    if not small and not _has_cutting_bridge(sub, min_size):
        return [members]
    import networkx as nx  # (imported only for a component that has such a bridge)

    g = nx.Graph()
    g.add_nodes_from(range(len(members)))
    g.add_edges_from((int(a), int(b)) for a, b in zip(sub.row, sub.col, strict=True) if a < b)
    cut = False
    for a, b in list(nx.bridges(g)):
        g.remove_edge(a, b)
        side = nx.node_connected_component(g, a)
        if min(len(side), len(members) - len(side)) >= min_size:
            cut = True
        else:
            g.add_edge(a, b)
    if not cut:
        return [members]
    return [np.sort(members[np.fromiter(c, dtype=np.int64)])
            for c in nx.connected_components(g)]


def _small_has_cutting_bridge(linked: np.ndarray, min_size: int) -> bool:
    """:func:`_has_cutting_bridge` of a small component given as a dense pattern of
    its stored links: one depth-first search in Python (discovery times, low links and
    subtree sizes), no sparse matrix built.

    >>> pairs = [(0, 1), (1, 2), (0, 2), (2, 3), (3, 4), (4, 5), (3, 5)]
    >>> two = np.zeros((6, 6), dtype=bool); two[tuple(zip(*pairs))] = True
    >>> _small_has_cutting_bridge(two, 3), _small_has_cutting_bridge(two, 4)
    (True, False)
    """
    n = len(linked)
    if n < 2 * min_size:
        return False
    upper = np.triu(linked, 1)
    rows, cols = np.nonzero(upper | upper.T)  # row-major: each node's neighbours in turn
    ends = np.searchsorted(rows, np.arange(n + 1)).tolist()
    flat = cols.tolist()
    neighbours = [flat[ends[v]:ends[v + 1]] for v in range(n)]
    found = [-1] * n  # discovery time
    low, size, parent = [0] * n, [1] * n, [-1] * n
    found[0], clock = 0, 1
    stack = [(0, iter(neighbours[0]))]
    while stack:
        v, rest = stack[-1]
        for w in rest:
            if found[w] < 0:
                parent[w], found[w], low[w] = v, clock, clock
                clock += 1
                stack.append((w, iter(neighbours[w])))
                break
            if w != parent[v]:
                low[v] = min(low[v], found[w])
        else:
            stack.pop()
            if stack:
                up = stack[-1][0]
                low[up] = min(low[up], low[v])
                size[up] += size[v]
                if low[v] > found[up] and min_size <= size[v] <= n - min_size:
                    return True
    return clock < n  # not connected: the full search decides


def _has_cutting_bridge(sub: Any, min_size: int) -> bool:
    """Whether a bridge of the graph of ``sub``'s upper-triangle links (what
    :func:`_cut_bridges` builds) would cut off at least ``min_size`` actors on each
    side; True too when that graph is not connected (the full search decides).

    Most components have no such bridge, and nothing is cut until one is found, so
    this one depth-first search (native code) spares them the search in Python. On a
    depth-first tree every other link joins a node to an ancestor; a tree link is a
    bridge when no such link joins its lower side to a node above it.

    >>> import scipy.sparse as sp
    >>> pairs = [(0, 1), (1, 2), (0, 2), (2, 3), (3, 4), (4, 5), (3, 5)]
    >>> two = sp.coo_matrix((np.ones(7), tuple(zip(*pairs))), shape=(6, 6))
    >>> _has_cutting_bridge(two, 3), _has_cutting_bridge(two, 4)
    (True, False)
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import depth_first_order

    n = sub.shape[0]
    if n < 2 * min_size:
        return False
    upper = sub.row < sub.col
    a, b = sub.row[upper].astype(np.int64), sub.col[upper].astype(np.int64)
    links = sp.csr_matrix((np.ones(2 * len(a)), (np.r_[a, b], np.r_[b, a])), shape=(n, n))
    order, parent = depth_first_order(links, 0, directed=True, return_predecessors=True)
    if len(order) < n:
        return True
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    other = (parent[b] != a) & (parent[a] != b)
    a, b = a[other], b[other]
    low = np.where(rank[a] > rank[b], a, b)
    high = np.where(rank[a] > rank[b], b, a)
    # Per node: the links from its subtree to above it (summed up the tree below).
    crossing = (np.bincount(low, minlength=n) - np.bincount(high, minlength=n)).tolist()
    size = [1] * n
    up = parent.tolist()
    for v in reversed(order[1:].tolist()):
        if not crossing[v] and min_size <= size[v] <= n - min_size:
            return True
        crossing[up[v]] += crossing[v]
        size[up[v]] += size[v]
    return False


def _split(graph: ActorGraph, members: np.ndarray, params: CommunityParams
           ) -> list[np.ndarray]:
    """Hierarchical Leiden on a component's links, each node keeping at most its
    ``leiden_neighbours`` strongest links (a dense graph of 5,000 actors has millions
    of links; its communities show in the strongest few of each node).

    Calls graspologic's native Leiden core directly: importing the graspologic package
    (numba, scikit-learn) costs seconds a scan does not need.
    """
    import graspologic_native as gn

    sub = (graph.shared[members][:, members] + graph.promotions[members][:, members]).tocsr()
    rows, cols, weights = _strongest(sub, params.leiden_neighbours)
    edges = [(str(a), str(b), float(w))
             for a, b, w in zip(rows.tolist(), cols.tolist(), weights.tolist(), strict=True)]
    if not edges:
        return []
    clusters = gn.hierarchical_leiden(
        edges, resolution=params.resolution, randomness=0.001, iterations=1,
        use_modularity=True, max_cluster_size=params.max_ring_size,
        seed=params.random_seed)
    by_cluster: dict[int, list[int]] = {}
    for entry in clusters:
        if entry.is_final_cluster:
            by_cluster.setdefault(int(entry.cluster), []).append(int(entry.node))
    return [np.sort(members[np.asarray(sorted(nodes))]) for _, nodes in
            sorted(by_cluster.items())]


def _strongest(matrix: Any, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The upper-triangle links (row, col, weight) of a symmetric matrix that are among
    the ``k`` strongest of either end (among equal weights, the first stored), in the
    matrix's storage order.

    >>> import scipy.sparse as sp
    >>> m = sp.csr_matrix(np.array([[0, 3, 1, 2], [3, 0, 0, 0], [1, 0, 0, 0], [2, 0, 0, 0]]))
    >>> [x.tolist() for x in _strongest(m, 1)]  # 0's strongest is 1; 2 and 3 keep 0
    [[0, 0, 0], [1, 2, 3], [3, 1, 2]]
    """
    csr = matrix.tocsr()
    n = csr.shape[0]
    lengths = np.diff(csr.indptr)
    row = np.repeat(np.arange(n), lengths)
    col, data = csr.indices, csr.data
    if csr.nnz > k * n:
        keep = lengths[row] <= k
        for i in np.flatnonzero(lengths > k):
            start, end = csr.indptr[i], csr.indptr[i + 1]
            keep[start + np.argsort(-data[start:end], kind="stable")[:k]] = True
        low, high = np.minimum(row, col), np.maximum(row, col)
        kept_keys = np.unique(low[keep] * n + high[keep])
        upper = np.flatnonzero(row < col)
        keys = row[upper] * n + col[upper]
        at = np.minimum(np.searchsorted(kept_keys, keys), len(kept_keys) - 1)
        upper = upper[kept_keys[at] == keys] if len(kept_keys) else upper[:0]
    else:
        upper = np.flatnonzero(row < col)
    return row[upper], col[upper], data[upper]


def expand_by_similarity(graph: ActorGraph, groups: list[np.ndarray], embedding: np.ndarray,
                         *, min_similarity: float = 0.8, max_ring_size: int = 60,
                         grow: list[bool] | None = None) -> list[np.ndarray]:
    """Add weakly linked actors whose embedding sits inside a candidate ring.

    An actor that shares only moderately popular identifiers with a ring (a host
    phone used by 25 of the ring's shops is no longer rare enough to make a strong
    link) is still a member when its neighbourhood *is* the ring: its embedding is
    then close to the ring's centroid. Users of a genuine hub are not: their
    neighbourhoods are their own. Each actor joins at most one ring, the one it is
    most strongly linked to; rings do not grow past ``max_ring_size``. With ``grow``,
    only the groups marked true grow (into the one of them an actor is most linked
    to); the others keep their members to themselves (a block's ring is exact, and
    its members belong to no other candidate).
    """
    import scipy.sparse as sp

    if not groups:
        return groups
    n = graph.n_actors
    owner = np.full(n, -1, dtype=np.int64)
    for gi, members in enumerate(groups):
        owner[members] = gi
    rows = np.concatenate(groups)
    cols = owner[rows]
    membership = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(groups)))
    if grow is not None:  # an actor joins the growing group it is most linked to
        membership = (membership @ sp.diags(np.asarray(grow, dtype=np.float64))).tocsr()
        membership.eliminate_zeros()
    weight_to_group = (graph.shared @ membership).tocsr()
    centroids = np.vstack([embedding[g].mean(axis=0) for g in groups])
    norms = np.linalg.norm(centroids, axis=1)
    norms[norms == 0] = 1.0
    centroids = centroids / norms[:, None]
    outside = np.flatnonzero((owner < 0) & (np.diff(weight_to_group.indptr) > 0))
    added: dict[int, list[int]] = {}
    for u in outside:
        start, end = weight_to_group.indptr[u], weight_to_group.indptr[u + 1]
        target = int(weight_to_group.indices[start + np.argmax(weight_to_group.data[start:end])])
        if float(embedding[u] @ centroids[target]) >= min_similarity:
            added.setdefault(target, []).append(int(u))
    out = []
    for gi, members in enumerate(groups):
        extra = added.get(gi, [])[: max(0, max_ring_size - len(members))]
        out.append(np.sort(np.concatenate([members, np.asarray(extra, dtype=members.dtype)]))
                   if extra else members)
    return out
