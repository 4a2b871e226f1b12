"""Connection settings for Neo4j, from the variables Neo4j's own tools use.

``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD`` and ``NEO4J_DATABASE`` point at
any Neo4j: Aura (``neo4j+s://``), a cluster, or a server of your own. Without
``NEO4J_URI`` the local server that ``graphfraud neo4j start`` manages is used, with
the password it generated. The password never appears in ``repr``, logs or errors.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from graphfraud.errors import ConfigError

if TYPE_CHECKING:
    from neo4j import Driver

DEFAULT_USER = "neo4j"
DEFAULT_DATABASE = "neo4j"


@dataclass(frozen=True)
class Neo4jSettings:
    """Where and as whom to connect."""

    uri: str
    user: str = DEFAULT_USER
    password: str = field(default="", repr=False)
    database: str = DEFAULT_DATABASE

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Neo4jSettings:
        """Settings from the environment, falling back to the local managed server.

        Raises
        ------
        ConfigError
            If no server is configured or no password can be found.
        """
        from graphfraud.store.server import LocalServer

        env = os.environ if env is None else env
        uri = env.get("NEO4J_URI", "").strip()
        password = env.get("NEO4J_PASSWORD", "")
        if not uri:
            local = LocalServer.from_env(env)
            if not local.is_installed():
                raise ConfigError(
                    "NEO4J_URI is not set and no local server exists; set NEO4J_URI, "
                    "NEO4J_USER and NEO4J_PASSWORD, or run `graphfraud neo4j start`"
                )
            uri = local.bolt_uri
            password = local.read_password() or password
        if not password:
            raise ConfigError("NEO4J_PASSWORD is not set")
        scheme = urlsplit(uri).scheme
        if scheme not in {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}:
            raise ConfigError(f"NEO4J_URI has an unsupported scheme {scheme!r}")
        return cls(
            uri=uri,
            user=env.get("NEO4J_USER", "").strip() or DEFAULT_USER,
            password=password,
            database=env.get("NEO4J_DATABASE", "").strip() or DEFAULT_DATABASE,
        )

    def describe(self) -> str:
        """A printable description without any secret."""
        parts = urlsplit(self.uri)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port} (database {self.database}, user {self.user})"

    def driver(self) -> Driver:
        """A new driver; the caller closes it (use it in a ``with`` block).

        Server notifications (hints such as "this label does not exist yet" on an
        empty database) are switched off: they would reach users as log noise.
        """
        from neo4j import GraphDatabase

        return GraphDatabase.driver(self.uri, auth=(self.user, self.password),
                                    notifications_min_severity="OFF")
