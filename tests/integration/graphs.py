"""Helpers shared by the integration tests (imported by name: pytest puts this folder on
``sys.path``)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def fingerprint(driver: Any, database: str = "neo4j") -> dict[str, Any]:
    """Counts per label and type, and a digest of every property of every node and link.

    Links are named by their endpoints' properties (element ids differ between loads).
    """
    nodes, _, _ = driver.execute_query(
        "MATCH (n) RETURN labels(n) AS l, properties(n) AS p", database_=database)
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN type(r) AS t, properties(a) AS a, properties(b) AS b, "
        "properties(r) AS p", database_=database)

    def text(value: Any) -> str:
        return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)

    node_rows = sorted(text([sorted(r["l"]), r["p"]]) for r in nodes)
    rel_rows = sorted(text([r["t"], r["a"], r["b"], r["p"]]) for r in rels)
    labels: dict[str, int] = {}
    for r in nodes:
        for label in r["l"]:
            labels[label] = labels.get(label, 0) + 1
    types: dict[str, int] = {}
    for r in rels:
        types[r["t"]] = types.get(r["t"], 0) + 1
    digest = hashlib.sha256("\n".join([*node_rows, "--", *rel_rows]).encode()).hexdigest()
    return {"labels": labels, "types": types, "duplicates": len(node_rows) - len(set(node_rows)),
            "digest": digest}
