"""Reading a table of the graph one page at a time, from anywhere: the small queries
that cut it into pages (counts, page ends in ``cypher/pages``) and the read of one page
through its paged statement of ``cypher/reader``.

:func:`graphfraud.store.reader.read_graph` reads every page of a table in turn; these
let :mod:`graphfraud.spark.from_neo4j` plan the pages on the driver and read each in a
Spark task of its own. A page is the owners (merchants, streamers, ...) after one key up
to another in key order, Neo4j's order: strings by UTF-16 code units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphfraud.store import catalog

if TYPE_CHECKING:
    from neo4j import Driver


def page_columns(driver: Driver, *, database: str, statement: str) -> list[str]:
    """The columns of a paged statement's pages (from a page of no owners)."""
    _, _, keys = driver.execute_query(catalog.statement(statement), after="", chunk=0,
                                      database_=database, routing_="r")
    return [k for k in keys if k != "after"]


def owner_count(driver: Driver, *, database: str, entity_type: str) -> int:
    """The nodes of a kind (``merchant``, ``organization``...), from the count store."""
    records, _, _ = driver.execute_query(catalog.statement(f"admin/count_{entity_type}"),
                                         database_=database, routing_="r")
    return int(records[0]["n"])


def page_ends(driver: Driver, *, database: str, entity_type: str, verdicts: bool,
              chunk: int) -> list[str]:
    """The key of every ``chunk``-th node of a kind in key order (of those that carry a
    verdict, with ``verdicts``), in one read transaction, one small query per page."""
    query = catalog.statement(f"pages/end_{entity_type}")

    def work(tx: Any) -> list[str]:
        keys: list[str] = []
        while True:
            record = tx.run(query, after=keys[-1] if keys else "", chunk=chunk,
                            verdicts=verdicts).single()
            if record is None:
                return keys
            keys.append(record["key"])

    with driver.session(database=database) as session:
        return list(session.execute_read(work))


def read_page(driver: Driver, *, database: str, statement: str, key: str, after: str,
              end: str | None, chunk: int) -> dict[str, list[Any]]:
    """The columns of a paged statement for the owners after ``after`` up to ``end``
    (None: to the last), ``key`` the column naming each row's owner.

    One managed read transaction: a retry reads the whole page again. One query when
    the graph did not change since the page ends were found; more only when owners were
    added in the page's range meanwhile, and rows of owners past ``end`` are dropped.
    """
    query = catalog.statement(statement)

    def work(tx: Any) -> dict[str, list[Any]]:
        columns: dict[str, list[Any]] = {}
        last: str | None = after
        while last is not None and (end is None or neo4j_before(last, end)):
            record = tx.run(query, after=last, chunk=chunk).single(strict=True)
            last = record["after"]
            for name, values in record.items():
                if name != "after":
                    columns.setdefault(name, []).extend(values)
        return columns

    with driver.session(database=database) as session:
        columns = dict(session.execute_read(work))
    if end is not None and columns:
        keep = [not neo4j_before(end, k) for k in columns[key]]
        columns = {c: [v for v, k in zip(values, keep, strict=True) if k]
                   for c, values in columns.items()}
    return columns


def neo4j_before(a: str, b: str) -> bool:
    """Whether Neo4j orders string ``a`` before ``b``: by UTF-16 code units, which is
    not Python's code point order past U+FFFF.

    >>> neo4j_before("\\U0001F600", "\\uFFFF"), "\\U0001F600" < "\\uFFFF"
    (True, False)
    """
    return a.encode("utf-16-be") < b.encode("utf-16-be")
