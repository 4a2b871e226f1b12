"""Read the graph back from Neo4j as the tables a scan needs (a few paged reads).

The result is the same :class:`~graphfraud.loaders.dataset.Dataset` shape the file
loaders produce (for the columns detection uses, and those its report shows: names,
statuses, orders and promoted GMV, what a device or an account is), so a scan of the
graph that ``graphfraud load`` built gives the same rings and the same report.html as a
scan of the files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphfraud.loaders.dataset import Dataset
from graphfraud.model import (
    ACTOR_KINDS,
    ENTITY_KINDS,
    IDENTIFIER_KINDS,
    LINK_KINDS,
    MEMBERSHIP,
    ORGANIZATION,
)
from graphfraud.store import catalog

if TYPE_CHECKING:
    import pandas as pd
    from neo4j import Driver

_TABLES = (*(kind.table for kind in ACTOR_KINDS), *(kind.table for kind in IDENTIFIER_KINDS),
           *(link.table for link in LINK_KINDS))
#: Text columns besides the ids (names, categories, device models, banks).
_TEXT = ("name", "category", "status", "model", "os", "kind", "bank")


#: Owners (merchants, streamers, ...) per page of a read: one record of column lists.
PAGE_SIZE = 100_000


def _fetch(driver: Driver, database: str, name: str, *, page_size: int = PAGE_SIZE
           ) -> pd.DataFrame:
    """Read one table through a paged query of ``cypher/reader`` into a DataFrame.

    Each page is one record whose fields are whole columns (the driver's cost is per
    record, so this is several times faster than a record per row). All pages are read
    in one managed read transaction: a transient failure (the server restarting) runs
    the whole read again, so a retried read never mixes two attempts.
    """
    import pandas as pd

    query = catalog.statement(name)

    def work(tx: Any) -> dict[str, list[Any]]:
        columns: dict[str, list[Any]] = {}
        after: str | None = ""
        while after is not None:
            record = tx.run(query, after=after, chunk=page_size).single(strict=True)
            after = record["after"]
            for key, values in record.items():
                if key != "after":
                    columns.setdefault(key, []).extend(values)
        return columns

    with driver.session(database=database) as session:
        columns = session.execute_read(work)
    return pd.DataFrame(columns)


def _timestamps(seconds: pd.Series) -> pd.Series:
    import pandas as pd

    numbers = pd.to_numeric(seconds, errors="coerce")
    return pd.to_datetime(numbers, unit="s", utc=True).dt.as_unit("us")


def read_verdicts(driver: Driver, *, database: str) -> pd.DataFrame:
    """Every entity's current verdict in the graph (export labels and analysts'),
    as a labels table (entity_type, entity_id, label, source), with ``export_label``:
    for an entity whose current verdict is an analyst's, the label the export's own
    labels.csv last gave it (null when none, and for every other entity), so that a
    scan can tell an analyst's decision from the blacklist it confirmed."""
    import pandas as pd

    labels = []
    for entity in ENTITY_KINDS:
        part = _fetch(driver, database, f"reader/verdicts_{entity}")
        part.insert(0, "entity_type", entity)
        labels.append(part)
    frame = pd.concat(labels, ignore_index=True)
    for col in ("entity_id", "source", "export_label"):
        frame[col] = frame[col].astype("string")
    return frame


def read_graph(driver: Driver, *, database: str) -> Dataset:
    """The scan's input tables, read from Neo4j."""

    tables: dict[str, pd.DataFrame] = {}
    for name in _TABLES:
        frame = _fetch(driver, database, f"reader/{name}")
        for col in frame.columns:
            if col.endswith("_id") or col in _TEXT:
                frame[col] = frame[col].astype("string")
        tables[name] = frame
    merchants = tables["merchants"]
    merchants["registered_at"] = _timestamps(merchants["registered_at"])
    signal_cols = ["orders", "refunds", "complaints", "violations"]
    has_signals = merchants[signal_cols].notna().any(axis=1)
    tables["merchant_signals"] = merchants.loc[has_signals, ["merchant_id", *signal_cols]] \
        .reset_index(drop=True)
    tables["merchants"] = merchants.drop(columns=signal_cols)
    tables["streamers"]["registered_at"] = _timestamps(tables["streamers"]["registered_at"])
    tables["labels"] = read_verdicts(driver, database=database)
    tables.update(read_organizations(driver, database=database))
    return Dataset(source="neo4j", tables=tables)


def read_organizations(driver: Driver, *, database: str) -> dict[str, pd.DataFrame]:
    """The declared organisations and their memberships, as the loader gives
    organizations.csv and organization_members.csv (``verified`` as ``true`` / ``false``,
    ``since`` a UTC timestamp); no table when the graph holds no organisation (an export
    without organizations.csv)."""
    import pandas as pd

    orgs = _fetch(driver, database, f"reader/{ORGANIZATION.table}")
    if orgs.empty:
        return {}
    for col in ("organization_id", "kind", "name"):
        orgs[col] = orgs[col].astype("string")
    orgs["verified"] = pd.Series(
        [None if v is None else "true" if v else "false" for v in orgs["verified"]],
        dtype="string")
    members = _fetch(driver, database, f"reader/{MEMBERSHIP.table}")
    columns = ["organization_id", "entity_type", "entity_id", "since"]
    members = members.reindex(columns=columns)
    for col in columns[:3]:
        members[col] = members[col].astype("string")
    members["since"] = _timestamps(members["since"])
    return {ORGANIZATION.table: orgs[["organization_id", "kind", "name", "verified"]],
            MEMBERSHIP.table: members}
