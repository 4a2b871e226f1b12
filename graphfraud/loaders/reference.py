"""docs/data-contract.md's file and column tables, generated from the contract.

The tables are rendered from :func:`graphfraud.loaders.spec.contract` (the file
``graphfraud/loaders/contract.toml`` the loaders read): one row per file, then one
table per file with each column's type, whether it is required, its values, what it
refers to and how repeated rows merge. The prose around them is hand-written.

Regenerate after changing the contract (from the checkout root)::

    python -m graphfraud.loaders.reference --write

``--check`` exits 1 when the page is out of date; ``tests/unit/test_doc_references.py``
fails until it is regenerated.

>>> "| `merchant_id` | id | yes |" in render()
True
"""

from __future__ import annotations

import sys
from pathlib import Path

from graphfraud.docgen import Block, cell
from graphfraud.docgen import main as generator_main
from graphfraud.loaders.spec import TableSpec, contract, limits

BLOCK = Block(Path("docs/data-contract.md"), "graphfraud.loaders.reference",
              "CONTRACT TABLES", "edit graphfraud/loaders/contract.toml")

#: What one row of each contract file is, for the overview (a new file of the contract
#: needs its line here; rendering fails without it).
ROW_IS = {
    "merchants": "a shop",
    "streamers": "a live-stream / short-video host",
    "devices": "a phone or PC fingerprint",
    "payment_accounts": "a settlement / withdrawal account (`kind`: `bank`, `wallet`, "
                        "`aggregator`, …)",
    "merchant_devices": "a merchant's back-office logins from a device",
    "streamer_devices": "a streamer's logins from a device",
    "merchant_accounts": "money flows for the merchant through the account",
    "streamer_accounts": "the same for a streamer",
    "promotions": "the streamer sold the merchant's goods",
    "merchant_signals": "behaviour aggregates over the scan window",
    "labels": "a known verdict about an entity (a label event)",
    "organizations": "an organisation registered with the platform (`kind`: `mcn_agency`, "
                     "`franchise`, `operator`, `enterprise`, …)",
    "organization_members": "a merchant or streamer declared as belonging to an organisation",
}


def render() -> str:
    """The generated block: the overview of the files, then each file's columns."""
    specs = contract()
    missing = sorted(set(specs) - set(ROW_IS))
    if missing:
        raise ValueError(f"contract file(s) {', '.join(missing)} have no line in "
                         "graphfraud/loaders/reference.py ROW_IS")
    lines = ["| file | one row is | key |", "| --- | --- | --- |"]
    for spec in specs.values():
        required = " (required)" if spec.required else ""
        key = ", ".join(f"`{k}`" for k in spec.key)
        lines.append(f"| [`{spec.name}.csv`](#{spec.name}csv){required} | "
                     f"{cell(ROW_IS[spec.name])} | {key} |")
    parts = ["\n".join(lines), _limits()]
    parts += [_section(spec) for spec in specs.values()]
    return "\n\n".join(parts) + "\n"


#: What each of the contract's ``[limits]`` bounds, for the limits table.
LIMIT_OF = {
    "count": "a `count` value of one row",
    "amount": "an `amount` value of one row",
    "field": "bytes in one CSV line (so in any field of it)",
    "horizon": "days after the run's date (UTC) a `timestamp` may fall on",
}


def _limits() -> str:
    """The plausible ranges (``[limits]``): what each bounds, its largest value, why."""
    rows = ["Limits (`[limits]` of the contract): a row with a value past its limit is "
            "rejected with its file, line, field and reason.", "",
            "| limit | bounds | largest | why |", "| --- | --- | --- | --- |"]
    for limit in limits().values():
        rows.append(f"| `{limit.name}` | {cell(LIMIT_OF.get(limit.name, ''))} | "
                    f"{limit.max:,} | {cell(limit.why)} |")
    return "\n".join(rows)


def _section(spec: TableSpec) -> str:
    link = spec.kind in ("link", "membership")
    # a reference names an entity kind, or the column that names it (labels)
    entities = {s.entity for s in contract().values() if s.kind == "node"}
    header = "| column | type | required | values | refers to |" + (" merge |" if link else "")
    rows = [header, "|" + " --- |" * (6 if link else 5)]
    for col in spec.columns:
        values = ", ".join(f"`{v}`" for v in col.values)
        ref = "" if col.ref is None else f"`{col.ref}`" if col.ref in entities \
            else f"the `{col.ref}` named"
        row = f"| `{col.name}` | {col.type} | {'yes' if col.required else ''} | " \
              f"{values} | {ref} |"
        if link:
            row += f" {col.merge or ''} |"
        rows.append(row)
    return "\n".join([f"### `{spec.name}.csv`", "", _about(spec), "", *rows])


def _about(spec: TableSpec) -> str:
    """One sentence on what the file's rows are to the loader."""
    key = ", ".join(f"`{k}`" for k in spec.key)
    required = "Required. " if spec.required else ""
    entity = (spec.entity or "").replace("_", " ")
    if spec.kind == "node":
        role = {"actor": "an actor (rings are made of actors)",
                "identifier": "an identifier (what ties actors together)",
                "organization": "a declaration about actors (neither an actor nor an "
                                "identifier)"}.get(
                    spec.role or "", "an entity")
        return f"{required}One row per {entity} ({key}), {role}."
    if spec.kind == "attributes":
        return f"{required}One row per {entity} ({key}): more of its properties."
    if spec.kind == "link":
        return (f"{required}One row per ({key}) pair: a `{spec.relationship}` relationship "
                "in Neo4j. Rows for the same pair merge into one link, each column by its "
                "merge rule.")
    if spec.kind == "membership":
        return (f"{required}One row per ({key}): a `{spec.relationship}` relationship in "
                "Neo4j from the member to the organisation. Rows for the same membership "
                "merge into one, each column by its merge rule.")
    return (f"{required}Label events about any entity kind, keyed by ({key}); the latest "
            "stands (see below).")


def main(argv: list[str] | None = None) -> int:
    return generator_main(
        BLOCK, render,
        "Generate docs/data-contract.md's file and column tables from the contract.", argv)


if __name__ == "__main__":
    sys.exit(main())
