"""What the case pages read and write, in one place: the Neo4j side of ``serve``.

:class:`Neo4jBackend` calls the store (``graphfraud.store.cases`` and
``graphfraud.store.verdicts``) with the app's one driver. The web layer sees only this
class, so its tests can run the HTTP layer against a small in-memory backend while the
integration and browser tests run it against a real server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from neo4j import Driver

    from graphfraud.store.cases import QueueFilter, QueuePage
    from graphfraud.store.verdicts import Recorded


class Backend(Protocol):
    def ping(self) -> bool: ...
    def queue(self, f: QueueFilter) -> QueuePage: ...
    def ring(self, ring_id: str) -> dict[str, Any] | None: ...
    def ring_graph(self, ring_id: str) -> dict[str, Any]: ...
    def expand(self, kind: str, node_id: str) -> dict[str, Any]: ...
    def member(self, kind: str, actor_id: str) -> dict[str, Any] | None: ...
    def record(self, target: str, decision: str, *, note: str, analyst: str,
               clear_blacklisted: bool) -> Recorded: ...
    def assign(self, ring_id: str, assignee: str, *, by: str, note: str) -> dict[str, Any]: ...
    def analysts(self) -> list[str]: ...
    def close(self) -> None: ...


class Neo4jBackend:
    """The store's case functions over one driver (opened by ``serve``, closed here)."""

    def __init__(self, driver: Driver, *, database: str, hub_users: int) -> None:
        self.driver = driver
        self.database = database
        self.hub_users = hub_users

    def ping(self) -> bool:
        try:
            self.driver.verify_connectivity()
        except Exception:  # any failure to answer is "not healthy"
            return False
        return True

    def queue(self, f: QueueFilter) -> QueuePage:
        from graphfraud.store.cases import queue

        return queue(self.driver, f, database=self.database)

    def ring(self, ring_id: str) -> dict[str, Any] | None:
        from graphfraud.store.cases import ring_case

        return ring_case(self.driver, ring_id, database=self.database,
                         hub_users=self.hub_users)

    def ring_graph(self, ring_id: str) -> dict[str, Any]:
        from graphfraud.store.cases import ring_graph

        return ring_graph(self.driver, ring_id, database=self.database,
                          hub_users=self.hub_users)

    def expand(self, kind: str, node_id: str) -> dict[str, Any]:
        from graphfraud.store.cases import expand

        return expand(self.driver, kind, node_id, database=self.database,
                      hub_users=self.hub_users)

    def member(self, kind: str, actor_id: str) -> dict[str, Any] | None:
        from graphfraud.store.cases import member_case

        return member_case(self.driver, kind, actor_id, database=self.database)

    def record(self, target: str, decision: str, *, note: str, analyst: str,
               clear_blacklisted: bool) -> Recorded:
        from graphfraud.store.verdicts import parse_target, record_verdict

        return record_verdict(self.driver, parse_target(target), decision, note=note,
                              analyst=analyst, database=self.database,
                              clear_blacklisted=clear_blacklisted)

    def assign(self, ring_id: str, assignee: str, *, by: str, note: str) -> dict[str, Any]:
        from graphfraud.store.cases import assign

        return assign(self.driver, ring_id, assignee, by=by, note=note,
                      database=self.database)

    def analysts(self) -> list[str]:
        from graphfraud.store.cases import analysts

        return analysts(self.driver, database=self.database)

    def close(self) -> None:
        self.driver.close()
