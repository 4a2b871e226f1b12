"""``graphfraud neo4j start|stop|status``: the local Neo4j server."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from graphfraud.cli.options import (
    argument_default,
    mapping_option,
    quiet_option,
    rejects_option,
)

if TYPE_CHECKING:
    from graphfraud.server.local import LocalServer

F = TypeVar("F", bound=Callable[..., Any])


def _home_option(f: F) -> F:
    return click.option(
        "--home",
        type=click.Path(file_okay=False),
        help="Install and data directory [default: $GRAPHFRAUD_NEO4J_HOME or "
        "~/.cache/graphfraud/neo4j].",
    )(f)


def _server(home: str | None, **overrides: Any) -> LocalServer:
    from graphfraud.server.local import LocalServer

    return LocalServer.from_env(home=home, **overrides)


@click.group("neo4j")
def neo4j_group() -> None:
    """Install, start, stop and inspect a local Neo4j 5.26 LTS server.

    The server is assembled from Maven Central with Maven and runs on Java 17,
    on loopback only, with authentication on. Its password is NEO4J_PASSWORD at
    the first start, or a generated one stored in HOME/password (mode 0600).

    Example:

    \b
        graphfraud neo4j start
        graphfraud neo4j status
    """


@neo4j_group.command("start")
@_home_option
@click.option("--bolt-port", type=int,
              help="Bolt port [default: $GRAPHFRAUD_NEO4J_BOLT_PORT or 7687].")
@click.option("--http-port", type=int,
              help="HTTP / Neo4j Browser port [default: $GRAPHFRAUD_NEO4J_HTTP_PORT or 7474].")
@click.option("--heap", help="JVM heap, e.g. 1g [default: 1g].")
@click.option("--pagecache", help="Page cache, e.g. 2g [default: 512m].")
@click.option("--timeout", type=float,
              default=argument_default("graphfraud.server.local", "LocalServer.start",
                                       "timeout"), show_default=True,
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
    server.check_settings()  # bad settings exit 2 before a JVM (or anything) starts
    if tls_cert and tls_key:
        if server.pid() is not None:
            raise UsageError("the server is running; stop it before changing its TLS files")
        server.install_tls(Path(tls_cert), Path(tls_key))
    status = server.start(timeout=timeout, say=lambda m: click.echo(m, err=True))
    _print(status, server)
    click.echo("style:     graphfraud neo4j style > graphfraud.grass, then drop the file "
               "onto the Browser (shop names as captions, the report's colours)")


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


@neo4j_group.command("style")
def style_cmd() -> None:
    """Print a Neo4j Browser style: shop names and ring ids as captions, a colour per label.

    Save it and drag the file onto Neo4j Browser (or paste it after `:style`).

    Example:

        graphfraud neo4j style > graphfraud.grass
    """
    from graphfraud.server.browser_style import grass

    click.echo(grass(), nl=False)


@neo4j_group.command("import")
@click.argument("data_dir", type=click.Path(file_okay=False))
@_home_option
@mapping_option
@rejects_option("rejects.csv")
@click.option("--overwrite", is_flag=True,
              help="Replace a database that already holds a graph (everything in it is lost).")
@click.option("--work-dir", type=click.Path(file_okay=False),
              help="Where to write the import files [default: a temporary directory, removed "
              "afterwards].")
@click.option("--max-off-heap", type=str,
              default=argument_default("graphfraud.server.bulk", "import_dataset",
                                       "max_off_heap"), show_default=True,
              help="Off-heap memory of the import tool, e.g. 4G or 25%.")
@quiet_option
def import_cmd(data_dir: str, home: str | None, mapping: str | None, encoding: str | None,
               rejects: str, overwrite: bool, work_dir: str | None, max_off_heap: str,
               quiet: bool) -> None:
    """First load of a big export into the local server with neo4j-admin import.

    Validates DATA_DIR like `graphfraud load` (bad rows go to --rejects), writes the
    import tool's files, stops the server, runs `neo4j-admin database import full`,
    starts it again and creates the schema. The graph is the one `graphfraud load`
    would build into an empty database, several times faster. It replaces the whole
    database, so a database that holds a graph needs --overwrite; later exports are
    loaded online with `graphfraud load` or `graphfraud batch`.

    Example:

        graphfraud neo4j import exports/2024-06-30
    """
    import tempfile
    import time

    from graphfraud.cli.data import progress_printer, read_export
    from graphfraud.server.bulk import import_dataset

    say = progress_printer(quiet)
    server = _server(home)
    result = read_export(data_dir, mapping, rejects, quiet, encoding=encoding)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="graphfraud-import-") as scratch:
        done = import_dataset(server, result.dataset, work_dir=work_dir or scratch,
                              overwrite=overwrite, max_off_heap=max_off_heap, say=say)
    seconds = time.perf_counter() - started
    nodes = sum(done.nodes.values())
    links = sum(done.relationships.values())
    click.echo(
        f"imported {done.rows} rows into {server.bolt_uri} in {seconds:.1f} s "
        f"({done.rows / max(seconds, 1e-9):,.0f} rows/s; import tool {done.import_seconds:.1f} s, "
        f"schema {done.schema_seconds:.1f} s): {nodes} nodes and {links} relationships"
    )


def _print(status: Any, server: Any) -> None:
    from graphfraud.terminal import shown

    state = f"running (pid {status.pid})" if status.running else "not running"
    click.echo(f"state:     {state}")
    click.echo(f"version:   Neo4j {status.version or '(not installed)'} Community")
    click.echo(f"bolt:      {status.bolt_uri}")
    if server.tls_enabled:
        click.echo(shown(f"tls:       {status.bolt_uri.replace('bolt://', 'bolt+s://')} "
                         f"(certificate {server.tls_dir / 'public.crt'})"))
    click.echo(f"browser:   {status.http_url}")
    click.echo(shown(f"home:      {status.home}"))
    click.echo(shown(f"password:  stored in {server.password_file} (owner-only)"))
