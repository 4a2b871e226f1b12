"""docs/report.md's ring field tables, generated from :mod:`graphfraud.report.fields`.

Regenerate after editing a declaration (from the checkout root)::

    python -m graphfraud.report.reference --write

``--check`` exits 1 when the page is out of date; without a flag the tables are printed.
The unit test ``tests/unit/test_report_fields.py`` fails when docs/report.md and the
declarations disagree.

>>> "| `reasons` | list of reason objects | from schema 2 |" in render()
True
"""

from __future__ import annotations

import sys
from pathlib import Path

from graphfraud import docgen
from graphfraud.report.fields import (
    CSV_CONTEXT,
    RECORDS,
    Column,
    Field,
    FieldType,
    Record,
    csv_header,
    parquet_columns,
)

#: The block of docs/report.md made from the declarations.
BLOCK = docgen.Block(Path("docs/report.md"), "graphfraud.report.reference", "FIELD TABLES",
                     "edit graphfraud/report/fields.py")


def _column(column: Column | None, ftype: FieldType, *, arrow: bool = False,
            where: str = "") -> str:
    """A column as the table shows it: its name (``where.name`` for a property), what it
    holds of the field, and (``arrow``) its Arrow type."""
    if column is None:
        return ""
    notes = [column.doc] if column.doc else []
    if arrow:
        notes.append(column.arrow or ftype.arrow)
    name = f"{where}.{column.name}" if where else column.name
    return f"`{name}`" + (f" ({', '.join(notes)})" if notes else "")


def _row(record: Record, field: Field) -> str:
    parquet = [_column(field.parquet, field.type, arrow=True)]
    listed = field.type.record
    if listed is not None and listed.parquet:
        parquet.append(f"{listed.parquet}.parquet: a row each")
    neo4j = [_column(c, field.type, where=where)
             for where, c in ((record.neo4j, field.neo4j), ("FOUND", field.found)) if c]
    cells = [f"`{field.name}`", field.type.name,
             "yes" if field.since == "1" else f"from schema {field.since}",
             "a row each" if field.csv_rows else _column(field.csv, field.type),
             "; ".join(p for p in parquet if p), ", ".join(neo4j), field.description]
    return "| " + " | ".join(docgen.cell(c) for c in cells) + " |"


def render() -> str:
    """The column lists and field tables, Markdown."""
    context = " and ".join(f"`{c}`" for c in CSV_CONTEXT)
    out = ["Columns, in order:", "",
           f"- rings.csv (a row per member): `{', '.join(csv_header())}`; {context} are "
           "what the export says of the member, not ring fields",
           *(f"- {r.parquet}.parquet (a row per {r.name}): "
             f"`{', '.join(parquet_columns(r))}`" for r in RECORDS if r.parquet), ""]
    for record in RECORDS:
        parquet = f"{record.parquet}.parquet" if record.parquet else "Parquet"
        out += [f"**{record.name}** objects", "",
                f"| field | type | rings.json | rings.csv | {parquet} | Neo4j | meaning |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        out += [_row(record, f) for f in record]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(docgen.main(BLOCK, render, "Generate docs/report.md's ring field tables from "
                         "graphfraud/report/fields.py."))
