"""The graph model: the one closed set of labels, keys and relationship types.

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
    RING = "Ring"
    RUN = "Run"
    VERDICT = "Verdict"


class RelType(StrEnum):
    """Relationship types."""

    #: (Merchant|Streamer)-[:LOGGED_IN_FROM]->(Device)
    LOGGED_IN_FROM = "LOGGED_IN_FROM"
    #: (Merchant|Streamer)-[:PAID_VIA]->(PaymentAccount)
    PAID_VIA = "PAID_VIA"
    #: (Streamer)-[:PROMOTED]->(Merchant)
    PROMOTED = "PROMOTED"
    #: (Ring)-[:HAS_MEMBER]->(Merchant|Streamer)
    HAS_MEMBER = "HAS_MEMBER"
    #: (Ring)-[:SHARES]->(Device|PaymentAccount)
    SHARES = "SHARES"
    #: (Run)-[:FOUND]->(Ring)
    FOUND = "FOUND"
    #: (Verdict)-[:ABOUT]->(Ring|Merchant|Streamer|Device|PaymentAccount)
    ABOUT = "ABOUT"


@dataclass(frozen=True)
class NodeKind:
    """One kind of entity: its label, its key property and its contract name."""

    entity_type: str  # the name used in labels.csv and in reports
    label: Label
    key: str


MERCHANT = NodeKind("merchant", Label.MERCHANT, "merchant_id")
STREAMER = NodeKind("streamer", Label.STREAMER, "streamer_id")
DEVICE = NodeKind("device", Label.DEVICE, "device_id")
PAYMENT_ACCOUNT = NodeKind("payment_account", Label.PAYMENT_ACCOUNT, "account_id")

#: Entity kinds by the ``entity_type`` value of labels.csv.
ENTITY_KINDS: dict[str, NodeKind] = {
    k.entity_type: k for k in (MERCHANT, STREAMER, DEVICE, PAYMENT_ACCOUNT)
}

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
