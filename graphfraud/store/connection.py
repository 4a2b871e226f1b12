"""Connection settings for Neo4j, from the variables Neo4j's own tools use.

``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD`` and ``NEO4J_DATABASE`` point at
any Neo4j: Aura (``neo4j+s://``), a cluster, or a server of your own. Without
``NEO4J_URI`` the local server that ``graphfraud neo4j start`` manages is used, with
the password it generated; the caller says how to find it (a :data:`LocalLookup`:
:func:`graphfraud.server.local.connection_settings` passes the managed server's), so
the store never imports the server. The password never appears in ``repr``, logs or
errors.

TLS is always verified: ``+s`` schemes check the server certificate against the
system's CAs, or against ``NEO4J_TRUSTED_CERTIFICATES`` (a PEM file) for a private CA.
The ``+ssc`` schemes, which accept any certificate, are refused.

Transient failures (a server restart, a leader switch, a deadlock) are retried by
the driver with exponential backoff for ``GRAPHFRAUD_RETRY_SECONDS`` (default 30);
after that the command fails with :class:`~graphfraud.errors.StoreError`.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

from graphfraud.errors import ConfigError, StoreError

if TYPE_CHECKING:
    from neo4j import Driver

DEFAULT_USER = "neo4j"
DEFAULT_DATABASE = "neo4j"
DEFAULT_RETRY_SECONDS = 30.0
_SCHEMES = {"bolt", "bolt+s", "neo4j", "neo4j+s"}


@dataclass(frozen=True)
class LocalEndpoint:
    """Where the installed local server listens and the password it keeps."""

    bolt_uri: str
    http_port: int
    password: str = field(default="", repr=False)


#: How settings find the local server from the environment: its endpoint, or None when
#: no local server is installed.
LocalLookup = Callable[[Mapping[str, str]], LocalEndpoint | None]


def _browser_url(env: Mapping[str, str], bolt: Any, local_port: int | None = None) -> str:
    """Neo4j Browser's address (see :attr:`Neo4jSettings.browser`); ``local_port``: the
    HTTP port of the local managed server, when that is the server.

    Raises
    ------
    ConfigError
        If GRAPHFRAUD_BROWSER_URL is not an http(s) URL, or carries a user or password.
    """
    given = env.get("GRAPHFRAUD_BROWSER_URL", "").strip()
    if given:
        parts = urlsplit(given)
        if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
            raise ConfigError("GRAPHFRAUD_BROWSER_URL must be an http:// or https:// address "
                              "without a user name or password, such as "
                              "http://neo4j.example:7474/browser/")
        return given
    secure = str(bolt.scheme).endswith("+s")
    port = str(local_port) if local_port else env.get("GRAPHFRAUD_NEO4J_HTTP_PORT", "").strip()
    if not port.isdigit():
        port = "7473" if secure else "7474"
    host = bolt.hostname or "localhost"
    host = f"[{host}]" if ":" in host else host
    return f"{'https' if secure else 'http'}://{host}:{port}/browser/"


#: Query keys of a routing context that look like a credential (never sent this way).
_SECRET_WORDS = ("pass", "pwd", "secret", "token", "auth", "credential", "key")


def checked_uri(uri: str) -> SplitResult:
    """``NEO4J_URI`` taken apart, or a :class:`ConfigError` that never quotes it.

    Whatever a user name, password or query (``?password=…``) a URI holds must not reach
    a terminal or a cron log, so a bad URI is described, never echoed: only its scheme
    (for an unsupported one) is shown.

    >>> checked_uri("neo4j+s://db.example.com:7687").port
    7687
    >>> checked_uri("bolt://[SECRET")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    graphfraud.errors.ConfigError: NEO4J_URI is not a valid URI (...); it is not shown, ...

    Raises
    ------
    ConfigError
        If it cannot be parsed, carries a user name or password, a credential-like
        query key, a query on a bolt:// scheme, a path or a fragment, has no host or a
        port outside 1-65535, or uses an unsupported or unverified (``+ssc``) scheme.
    """
    hidden = "; it is not shown, as it may hold a secret"
    try:
        split = urlsplit(uri)
    except ValueError:
        raise ConfigError(f"NEO4J_URI is not a valid URI (an unclosed '[' or ']' around the "
                          f"host){hidden}") from None
    if "@" in split.netloc:
        # Never echo it: the part before "@" may be a password, and cron logs keep
        # whatever an error prints.
        raise ConfigError("NEO4J_URI must not carry a user name or password (the "
                          "part before '@'); put them in NEO4J_USER and NEO4J_PASSWORD")
    scheme = split.scheme
    if scheme.endswith("+ssc"):
        raise ConfigError(
            f"NEO4J_URI uses {scheme}://, which accepts any certificate; use "
            f"{scheme[:-4]}+s:// and, for a private CA or a self-signed server, set "
            "NEO4J_TRUSTED_CERTIFICATES to its PEM certificate file"
        )
    if scheme not in _SCHEMES:
        # Without "://" the "scheme" may be a user name (user:password@host).
        named = f" {scheme!r}" if uri.startswith(f"{scheme}://") and re.fullmatch(
            r"[a-z][a-z0-9+.-]*", scheme) else ""
        raise ConfigError(f"NEO4J_URI has an unsupported scheme{named}: it must start with "
                          "bolt://, bolt+s://, neo4j:// or neo4j+s://")
    try:
        port = split.port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise ConfigError(f"NEO4J_URI's port is not a number from 1 to 65535{hidden}")
    if not split.hostname:
        raise ConfigError(f"NEO4J_URI names no host (scheme://host:port){hidden}")
    if split.fragment or uri.endswith("#"):
        raise ConfigError(f"NEO4J_URI must not have a fragment (the part after '#'){hidden}")
    if split.path not in ("", "/"):
        raise ConfigError(f"NEO4J_URI must not have a path (the part after host:port); "
                          f"name the database in NEO4J_DATABASE{hidden}")
    if split.query or uri.endswith("?"):
        if not scheme.startswith("neo4j"):
            raise ConfigError(f"NEO4J_URI: {scheme}:// takes no query (the part after '?'); "
                              f"a routing context is for neo4j:// and neo4j+s://{hidden}")
        keys = [k.lower() for k, _ in parse_qsl(split.query, keep_blank_values=True)]
        if any(word in k for k in keys for word in _SECRET_WORDS):
            raise ConfigError("NEO4J_URI's query must not carry a password or any other "
                              "secret; put the password in NEO4J_PASSWORD" + hidden)
    return split


@dataclass(frozen=True)
class Neo4jSettings:
    """Where and as whom to connect."""

    #: Kept out of ``repr``: a routing context (``?…``) is the user's; :meth:`describe`
    #: is what may be shown.
    uri: str = field(repr=False)
    user: str = DEFAULT_USER
    password: str = field(default="", repr=False)
    database: str = DEFAULT_DATABASE
    retry_seconds: float = DEFAULT_RETRY_SECONDS
    trusted_certificates: str | None = None
    #: Where investigators open Neo4j Browser for this server (report.html links a
    #: ring to a query that draws it): GRAPHFRAUD_BROWSER_URL, else the server's host
    #: on the HTTP port (the local managed server's own; for NEO4J_URI,
    #: GRAPHFRAUD_NEO4J_HTTP_PORT, else 7474, or HTTPS and 7473 for an encrypted URI).
    browser: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *,
                 local: LocalLookup | None = None) -> Neo4jSettings:
        """Settings from the environment, falling back to the local server that
        ``local`` finds (none without it;
        :func:`graphfraud.server.local.connection_settings` passes the managed one's).

        Raises
        ------
        ConfigError
            If no server is configured or no password can be found.
        """
        env = os.environ if env is None else env
        uri = env.get("NEO4J_URI", "").strip()
        password = env.get("NEO4J_PASSWORD", "")
        http_port: int | None = None
        if not uri:
            endpoint = local(env) if local is not None else None
            if endpoint is None:
                raise ConfigError(
                    "NEO4J_URI is not set and no local server exists; set NEO4J_URI, "
                    "NEO4J_USER and NEO4J_PASSWORD, or run `graphfraud neo4j start`"
                )
            uri = endpoint.bolt_uri
            http_port = endpoint.http_port  # the port it was started with, saved
            password = endpoint.password or password
        if not password:
            raise ConfigError("NEO4J_PASSWORD is not set")
        split = checked_uri(uri)
        scheme = split.scheme
        trusted = env.get("NEO4J_TRUSTED_CERTIFICATES", "").strip() or None
        if trusted is not None:
            if not scheme.endswith("+s"):
                raise ConfigError("NEO4J_TRUSTED_CERTIFICATES needs an encrypted NEO4J_URI "
                                  "(bolt+s:// or neo4j+s://)")
            if not Path(trusted).is_file():
                raise ConfigError(f"NEO4J_TRUSTED_CERTIFICATES: no such file {trusted}")
            try:
                pem = Path(trusted).read_bytes()[:1 << 20]
            except OSError as e:
                raise ConfigError(f"NEO4J_TRUSTED_CERTIFICATES: cannot read {trusted}: "
                                  f"{e.strerror}") from None
            if b"-----BEGIN CERTIFICATE-----" not in pem:
                raise ConfigError(f"NEO4J_TRUSTED_CERTIFICATES: {trusted} holds no PEM "
                                  "certificate (-----BEGIN CERTIFICATE-----)")
        retry = env.get("GRAPHFRAUD_RETRY_SECONDS", "").strip()
        try:
            retry_seconds = float(retry) if retry else DEFAULT_RETRY_SECONDS
        except ValueError:
            retry_seconds = -1
        if not 0 <= retry_seconds <= 3600:
            raise ConfigError(f"GRAPHFRAUD_RETRY_SECONDS must be a number of seconds "
                              f"from 0 to 3600, got {retry!r}")
        return cls(
            uri=uri,
            user=env.get("NEO4J_USER", "").strip() or DEFAULT_USER,
            password=password,
            database=env.get("NEO4J_DATABASE", "").strip() or DEFAULT_DATABASE,
            retry_seconds=retry_seconds,
            trusted_certificates=trusted,
            browser=_browser_url(env, split, http_port),
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
        from neo4j import GraphDatabase, TrustCustomCAs
        from neo4j.exceptions import ConfigurationError

        uri = self.uri
        options: dict[str, Any] = {}
        if self.trusted_certificates:
            # The driver takes a custom CA only with a plain scheme plus `encrypted`.
            scheme, rest = uri.split("://", 1)
            uri = f"{scheme.removesuffix('+s')}://{rest}"
            options = {"encrypted": True,
                       "trusted_certificates": TrustCustomCAs(self.trusted_certificates)}
        try:
            return GraphDatabase.driver(uri, auth=(self.user, self.password),
                                        notifications_min_severity="OFF",
                                        max_transaction_retry_time=self.retry_seconds,
                                        **options)
        except (ConfigurationError, ValueError) as e:
            # The driver's message quotes the whole URI ("Given URI: ..."), routing
            # context included: keep its first sentence, without the URI.
            reason = re.split(r"\.?\s*Given URI", str(e), maxsplit=1)[0]
            reason = reason.replace(uri, "NEO4J_URI").replace(self.uri, "NEO4J_URI")
            query = urlsplit(self.uri).query
            for _, value in parse_qsl(query, keep_blank_values=True):
                if value:
                    reason = reason.replace(value, "…")
            raise ConfigError(f"NEO4J_URI is not accepted by the Neo4j driver: "
                              f"{reason.splitlines()[0] if reason else type(e).__name__}"
                              ) from None


def describe_error(e: BaseException) -> str:
    """A one-line, secret-free explanation of a driver error."""
    from neo4j.exceptions import (
        AuthError,
        Neo4jError,
        ServiceUnavailable,
        SessionExpired,
    )

    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    if isinstance(e, AuthError):
        return "Neo4j refused the credentials (check NEO4J_USER / NEO4J_PASSWORD)"
    chain = [e, *(_causes(e))]
    if any("CERTIFICATE_VERIFY_FAILED" in str(x) or "certificate verify failed" in str(x)
           for x in chain):
        return ("the server's TLS certificate could not be verified (for a private CA or a "
                "self-signed server, set NEO4J_TRUSTED_CERTIFICATES to its PEM file)")
    if isinstance(e, ServiceUnavailable | SessionExpired):
        if any(isinstance(x, ConnectionRefusedError) or "refused" in str(x).lower()
               for x in chain):
            return (f"Neo4j is not reachable ({text}): nothing listens there; start the "
                    "local server with `graphfraud neo4j start`, or check NEO4J_URI")
        return f"Neo4j is not reachable ({text})"
    if isinstance(e, Neo4jError):
        return f"Neo4j error {e.code}: {e.message}"
    return f"{type(e).__name__}: {text}"


def _causes(e: BaseException) -> Iterator[BaseException]:
    """The exceptions ``e`` was raised from, innermost last (at most ten)."""
    cause = e.__cause__ or e.__context__
    for _ in range(10):
        if cause is None:
            return
        yield cause
        cause = cause.__cause__ or cause.__context__


class _RetryNotices(logging.Handler):
    """Turns the driver's multi-line retry warnings into one short line each."""

    def __init__(self, say: Callable[[str], None] | None):
        super().__init__(logging.WARNING)
        self.say = say

    def emit(self, record: logging.LogRecord) -> None:
        if self.say is None:
            return
        message = record.getMessage()
        delay = re.search(r"will be retried in ([0-9.]+)s", message)
        code = re.search(r"neo4j_code: ([\w.]+)", message)
        reason = code.group(1).rsplit(".", 1)[-1] if code else message.split("(", 1)[0]
        if delay:
            self.say(f"waiting for Neo4j ({reason.strip()}); retrying in "
                     f"{float(delay.group(1)):.1f} s")
        else:
            self.say(f"neo4j driver: {message.splitlines()[0][:200]}")


@contextmanager
def store_errors(settings: Neo4jSettings, action: str,
                 say: Callable[[str], None] | None = None) -> Iterator[None]:
    """Turn driver errors inside the block into a :class:`StoreError` for ``action``.

    Retries happen inside the driver's managed transactions; each is reported through
    ``say`` as one line (nothing when ``say`` is None) instead of the driver's own
    log output. What arrives here is final: the message names the server (never the
    password), says how long retries went on, and that a rerun is safe.
    """
    from neo4j.exceptions import (
        AuthError,
        DriverError,
        Neo4jError,
        ServiceUnavailable,
        SessionExpired,
        TransientError,
    )

    started = time.monotonic()
    logger = logging.getLogger("neo4j")
    handler = _RetryNotices(say)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    except StoreError:
        raise
    except (DriverError, Neo4jError) as e:
        where = settings.describe()
        if isinstance(e, AuthError):
            raise StoreError(f"{action}: {where}: {describe_error(e)}") from None
        if getattr(e, "code", "") == "Neo.ClientError.Database.DatabaseNotFound":
            raise ConfigError(
                f"{action}: {where}: there is no database {settings.database!r} on this "
                "server; set NEO4J_DATABASE to one that exists (`SHOW DATABASES` lists "
                "them; Community Edition has one, neo4j)") from None
        notes_list = list(getattr(e, "__notes__", []))
        elapsed = time.monotonic() - started
        # Say what happened: retries are claimed only when they went on for the bound
        # (the driver's own, inside managed transactions) or a note says so.
        retried = ""
        if not any("gave up after" in n for n in notes_list) and isinstance(
                e, ServiceUnavailable | SessionExpired | TransientError):
            retried = (f"; gave up after retrying for {elapsed:.0f} s"
                       if settings.retry_seconds and elapsed >= settings.retry_seconds
                       else f"; failed after {elapsed:.1f} s")
        notes = "".join(f"; {n}" for n in notes_list)
        raise StoreError(
            f"{action} failed: {where}: {describe_error(e)}{retried}{notes}. It is safe "
            "to run the same command again once the server is back"
        ) from e
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
