"""The one exception hierarchy of graphfraud.

Every error the library raises on purpose derives from :class:`GraphFraudError`.
The CLI maps them onto the exit-code contract: :class:`InputError` and
:class:`UsageError` exit with 2, everything else with 1.
"""

from __future__ import annotations


class GraphFraudError(Exception):
    """Base class of every error graphfraud raises on purpose."""

    exit_code = 1


class InputError(GraphFraudError):
    """The input data set breaks the data contract in a way that stops the run.

    Examples are an unreadable file or a missing required column. Single bad rows
    never raise; they go to the rejects file instead.
    """

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, column: str | None = None):
        super().__init__(message)
        self.file = file
        self.column = column


class UsageError(GraphFraudError):
    """The command was called with bad options or parameters."""

    exit_code = 2


class WorkerError(GraphFraudError):
    """A worker process of the scan died (killed, or out of memory)."""


class ConfigError(GraphFraudError):
    """Configuration (connection settings, mapping file) is missing or invalid."""

    exit_code = 2


class Neo4jServerError(GraphFraudError):
    """The local Neo4j server could not be installed, started or stopped."""


class PrerequisiteError(Neo4jServerError):
    """A system prerequisite (Java 17, Maven) is missing."""


class StoreError(GraphFraudError):
    """A Neo4j operation failed after its retries were exhausted."""
