"""``graphfraud neo4j start|stop|status``: the local Neo4j server."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from graphfraud.store.server import LocalServer

F = TypeVar("F", bound=Callable[..., Any])


def _home_option(f: F) -> F:
    return click.option(
        "--home",
        type=click.Path(file_okay=False),
        help="Install and data directory [default: $GRAPHFRAUD_NEO4J_HOME or "
        "~/.cache/graphfraud/neo4j].",
    )(f)


def _server(home: str | None, **overrides: Any) -> LocalServer:
    from graphfraud.store.server import LocalServer

    return LocalServer.from_env(home=home, **overrides)


@click.group("neo4j")
def neo4j_group() -> None:
    """Install, start, stop and inspect a local Neo4j 5.26 LTS server.

    The server is assembled from Maven Central with Maven and runs on Java 17,
    on loopback only, with authentication on. Its password is NEO4J_PASSWORD at
    the first start, or a generated one stored in HOME/password (mode 0600).
    """


@neo4j_group.command("start")
@_home_option
@click.option("--bolt-port", type=int, help="Bolt port [default: 7687].")
@click.option("--http-port", type=int, help="HTTP / Neo4j Browser port [default: 7474].")
@click.option("--heap", help="JVM heap, e.g. 1g [default: 1g].")
@click.option("--pagecache", help="Page cache, e.g. 2g [default: 512m].")
@click.option("--timeout", type=float, default=180, show_default=True,
              help="Seconds to wait for Bolt to answer.")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False),
              help="PEM certificate for Bolt TLS (bolt+s://); kept for later starts.")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False),
              help="PEM private key of --tls-cert (stored owner-only).")
def start_cmd(home: str | None, bolt_port: int | None, http_port: int | None,
              heap: str | None, pagecache: str | None, timeout: float,
              tls_cert: str | None, tls_key: str | None) -> None:
    """Install Neo4j if needed, start it, and wait until Bolt answers.

    Running it again while the server runs changes nothing.

    Example:

        graphfraud neo4j start --pagecache 2g
    """
    from pathlib import Path

    from graphfraud.errors import UsageError

    server = _server(home, bolt_port=bolt_port, http_port=http_port, heap=heap,
                     pagecache=pagecache)
    if bool(tls_cert) != bool(tls_key):
        raise UsageError("give --tls-cert and --tls-key together")
    if tls_cert and tls_key:
        if server.pid() is not None:
            raise UsageError("the server is running; stop it before changing its TLS files")
        server.install_tls(Path(tls_cert), Path(tls_key))
    status = server.start(timeout=timeout, say=lambda m: click.echo(m, err=True))
    _print(status, server)


@neo4j_group.command("stop")
@_home_option
def stop_cmd(home: str | None) -> None:
    """Shut the local server down cleanly.

    Example:

        graphfraud neo4j stop
    """
    server = _server(home)
    if server.stop(say=lambda m: click.echo(m, err=True)):
        click.echo("stopped")
    else:
        click.echo("not running")


@neo4j_group.command("status")
@_home_option
def status_cmd(home: str | None) -> None:
    """Say whether the local server runs, and where.

    Exit code 0 when it runs, 1 when it does not.

    Example:

        graphfraud neo4j status
    """
    server = _server(home)
    status = server.status()
    _print(status, server)
    if not status.running:
        raise SystemExit(1)


def _print(status: Any, server: Any) -> None:
    state = f"running (pid {status.pid})" if status.running else "not running"
    click.echo(f"state:     {state}")
    click.echo(f"version:   Neo4j {status.version or '(not installed)'} Community")
    click.echo(f"bolt:      {status.bolt_uri}")
    if server.tls_enabled:
        click.echo(f"tls:       {status.bolt_uri.replace('bolt://', 'bolt+s://')} "
                   f"(certificate {server.tls_dir / 'public.crt'})")
    click.echo(f"browser:   {status.http_url}")
    click.echo(f"home:      {status.home}")
    click.echo(f"password:  stored in {server.password_file} (owner-only)")
