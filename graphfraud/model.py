"""The graph model, the project's schema: entity kinds, link kinds, labels,
relationship types, risk levels and ring patterns.

Entity and link kinds are read from the data contract (``loaders/contract.toml``: each
node table's entity, key and role, each link table's ends and relationship type, the
membership table's columns), so the contract file and the graph model cannot disagree;
every other module iterates :data:`ACTOR_KINDS`, :data:`IDENTIFIER_KINDS` and
:data:`LINK_KINDS` (and :data:`ORGANIZATION`, :data:`MEMBERSHIP` for declared
organisations) instead of spelling table, column or label names.

Cypher cannot take a label or a relationship type as a parameter, so every name
that may appear in a query lives here and nowhere else in the Python code. The
``.cypher`` files spell the same names; a unit test checks that every label and
relationship type they use belongs to this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class Label(StrEnum):
    """Node labels."""

    MERCHANT = "Merchant"
    STREAMER = "Streamer"
    DEVICE = "Device"
    PAYMENT_ACCOUNT = "PaymentAccount"
    #: An organisation registered with the platform (organizations.csv): an MCN agency,
    #: a franchise, a shop-operation agency, an enterprise. Neither an actor nor an
    #: identifier: a declaration about actors.
    ORGANIZATION = "Organization"
    RING = "Ring"
    RUN = "Run"
    VERDICT = "Verdict"
    #: A ring's risk in the latest run that found it, as a second label (Neo4j Browser
    #: colours by label only): exactly one of these on every Ring.
    HIGH_RISK = "HighRisk"
    MEDIUM_RISK = "MediumRisk"
    LOW_RISK = "LowRisk"


class RelType(StrEnum):
    """Relationship types."""

    #: (Merchant|Streamer)-[:LOGGED_IN_FROM]->(Device)
    LOGGED_IN_FROM = "LOGGED_IN_FROM"
    #: (Merchant|Streamer)-[:PAID_VIA]->(PaymentAccount)
    PAID_VIA = "PAID_VIA"
    #: (Streamer)-[:PROMOTED]->(Merchant)
    PROMOTED = "PROMOTED"
    #: (Merchant|Streamer)-[:MEMBER_OF]->(Organization), with ``since``
    MEMBER_OF = "MEMBER_OF"
    #: (Ring)-[:HAS_MEMBER]->(Merchant|Streamer)
    HAS_MEMBER = "HAS_MEMBER"
    #: (Ring)-[:SHARES]->(Device|PaymentAccount)
    SHARES = "SHARES"
    #: (Run)-[:FOUND]->(Ring)
    FOUND = "FOUND"
    #: (Verdict)-[:ABOUT]->(Ring|Merchant|Streamer|Device|PaymentAccount)
    ABOUT = "ABOUT"


class Role(StrEnum):
    """What an entity kind does in a ring."""

    #: merchants and streamers: rings are made of them
    ACTOR = "actor"
    #: devices and payment accounts: they tie actors together
    IDENTIFIER = "identifier"
    #: declared organisations: they explain their members' sharing (never in a ring)
    ORGANIZATION = "organization"


class Risk(StrEnum):
    """A ring's risk level; ``high`` is the recommendation to act."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Pattern(StrEnum):
    """The modus operandi a ring's evidence names."""

    DEVICE_FARM = "device_farm"
    SHARED_SETTLEMENT = "shared_settlement"
    BAN_EVASION = "ban_evasion"
    HOST_COLLUSION = "host_collusion"
    MIXED = "mixed"
    #: sharing inside one declared, verified organisation (an MCN agency, a franchise):
    #: explained, not high unless a sign of fraud appears
    ORGANIZATION = "organization"


@dataclass(frozen=True)
class NodeKind:
    """One kind of entity: its contract name, label, key property, file and role."""

    entity_type: str  # the name used in labels.csv and in reports
    label: Label
    key: str
    table: str
    role: Role
    #: Position among the kinds of its role (the integer code of the actor graph).
    code: int


@dataclass(frozen=True)
class LinkKind:
    """One link file: its actor end, its other end and its relationship type."""

    table: str
    start: NodeKind
    start_column: str
    end: NodeKind
    end_column: str
    rel: RelType


@dataclass(frozen=True)
class MembershipKind:
    """The membership file: which actors (of ``members``, named per row by their type
    and id) belong to which organisation, and its relationship type."""

    table: str
    organization: NodeKind
    organization_column: str
    type_column: str
    id_column: str
    members: tuple[NodeKind, ...]
    rel: RelType


def _kinds() -> tuple[tuple[NodeKind, ...], tuple[LinkKind, ...], tuple[MembershipKind, ...]]:
    from graphfraud.loaders.spec import contract

    tables = contract()
    nodes: list[NodeKind] = []
    counters = {role: 0 for role in Role}
    for spec in tables.values():
        if spec.kind != "node":
            continue
        assert spec.entity is not None and spec.role is not None, spec.name
        role = Role(spec.role)
        label = Label("".join(part.title() for part in spec.entity.split("_")))
        nodes.append(NodeKind(spec.entity, label, spec.key[0], spec.name, role,
                              counters[role]))
        counters[role] += 1
    by_type = {k.entity_type: k for k in nodes}
    links = []
    for spec in tables.values():
        if spec.kind != "link":
            continue
        start, end = (spec.column(name) for name in spec.key)
        assert start.ref and end.ref and spec.relationship, spec.name
        links.append(LinkKind(spec.name, by_type[start.ref], start.name, by_type[end.ref],
                              end.name, RelType(spec.relationship)))
    memberships = []
    for spec in tables.values():
        if spec.kind != "membership":
            continue
        org, kind_col, id_col = (spec.column(name) for name in spec.key)
        assert org.ref and id_col.ref == kind_col.name and spec.relationship, spec.name
        memberships.append(MembershipKind(
            spec.name, by_type[org.ref], org.name, kind_col.name, id_col.name,
            tuple(by_type[v] for v in kind_col.values), RelType(spec.relationship)))
    return tuple(nodes), tuple(links), tuple(memberships)


NODE_KINDS, LINK_KINDS, MEMBERSHIP_KINDS = _kinds()

#: Entity kinds by the ``entity_type`` value of labels.csv: actors and identifiers (an
#: organisation is a declaration about actors, not an entity a label or a ring names).
ENTITY_KINDS: dict[str, NodeKind] = {k.entity_type: k for k in NODE_KINDS
                                     if k.role in (Role.ACTOR, Role.IDENTIFIER)}
MERCHANT = ENTITY_KINDS["merchant"]
STREAMER = ENTITY_KINDS["streamer"]
DEVICE = ENTITY_KINDS["device"]
PAYMENT_ACCOUNT = ENTITY_KINDS["payment_account"]
#: Actor kinds in code order (``ActorGraph.actor_types`` holds these codes).
ACTOR_KINDS = tuple(k for k in NODE_KINDS if k.role is Role.ACTOR)
#: Identifier kinds in code order (``ActorGraph.identifier_types``).
IDENTIFIER_KINDS = tuple(k for k in NODE_KINDS if k.role is Role.IDENTIFIER)
#: Links from an actor to an identifier: the ones rings share.
SHARING_LINKS = tuple(k for k in LINK_KINDS if k.end.role is Role.IDENTIFIER)
#: The streamer-promotes-merchant link.
PROMOTION = next(k for k in LINK_KINDS if k.rel is RelType.PROMOTED)
#: Declared organisations (organizations.csv) and who belongs to them
#: (organization_members.csv): optional, read by scoring and carried to Neo4j.
ORGANIZATION = next(k for k in NODE_KINDS if k.role is Role.ORGANIZATION)
MEMBERSHIP = next(k for k in MEMBERSHIP_KINDS if k.organization is ORGANIZATION)

ALL_LABELS = frozenset(label.value for label in Label)
ALL_REL_TYPES = frozenset(rel.value for rel in RelType)


def entity_keys(kinds: object, ids: object) -> np.ndarray:
    """``"type:id"`` keys, the one spelling of an entity across kinds (vectorised).

    >>> entity_keys("merchant", ["007", "m2"]).tolist()
    ['merchant:007', 'merchant:m2']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    def text(values: object) -> pa.Array | pa.Scalar:
        if isinstance(values, str):
            return pa.scalar(values, pa.large_string())
        values = getattr(values, "array", values)  # a pandas Series: its Arrow-backed array
        return pa.array(np.asarray(values, dtype=object) if isinstance(values, list | tuple)
                        else values, type=pa.large_string(), from_pandas=True)

    joined = pc.binary_join_element_wise(text(kinds), text(ids),
                                         pa.scalar(":", pa.large_string()))
    if isinstance(joined, pa.Scalar):
        return np.asarray([joined.as_py()], dtype=object)
    return np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)
