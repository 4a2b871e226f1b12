"""``graphfraud serve``: the case pages (queue, rings, members, verdicts) as a web app."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path

import click

from graphfraud.errors import UsageError
from graphfraud.terminal import shown


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback should sit behind TLS "
              "(--tls-cert/--tls-key, or a TLS proxy).")
@click.option("--port", default=8686, show_default=True, type=click.IntRange(1, 65535))
@click.option("--users-file", type=click.Path(dir_okay=False, path_type=Path),
              help="The accounts file (graphfraud users) [GRAPHFRAUD_USERS, else "
              "~/.config/graphfraud/users.json].")
@click.option("--hub-users", default=50, show_default=True, type=click.IntRange(2, 1_000_000),
              help="An identifier with more users than this is a hub: drawn as one, never "
              "expanded.")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Serve HTTPS with this certificate (PEM); cookies are then Secure.")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The certificate's private key (PEM, owner-only).")
@click.option("--secure-cookies", is_flag=True,
              help="Mark cookies Secure (behind a TLS proxy); implied by --tls-cert.")
@click.option("--trusted-proxy", multiple=True, metavar="IP",
              help="A reverse proxy whose X-Forwarded-For names the client (repeatable): "
              "sign-in limits then count per client, not per proxy. Never set it for an "
              "address clients can reach directly.")
def serve_cmd(host: str, port: int, users_file: Path | None, hub_users: int,
              tls_cert: Path | None, tls_key: Path | None, secure_cookies: bool,
              trusted_proxy: tuple[str, ...]) -> None:
    """Serve the case pages over the Neo4j graph and its latest complete run.

    Analysts sign in (accounts: `graphfraud users`), work the queue of rings (new,
    changed and alerted first), open a ring with its evidence, members and
    interactive graph, and record decisions (confirm, dismiss, needs info) and
    assignments, written to Neo4j with who and when. Neo4j is the one named by
    NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE (else the local server of
    `graphfraud neo4j start`). GET /healthz answers 200 while Neo4j does.

    Example:

    \b
        graphfraud users add ana --role analyst --password-stdin < ana.pw
        graphfraud serve --port 8686
    """
    import uvicorn

    from graphfraud.server.local import connection_settings
    from graphfraud.store.connection import store_errors
    from graphfraud.web.accounts import UserStore, default_users_path, load_secret
    from graphfraud.web.app import Config, create_app
    from graphfraud.web.backend import Neo4jBackend

    for proxy in trusted_proxy:
        try:
            ipaddress.ip_address(proxy)
        except ValueError:
            raise UsageError(f"--trusted-proxy {proxy!r} is not an IP address") from None
    if (tls_cert is None) != (tls_key is None):
        raise UsageError("give both --tls-cert and --tls-key, or neither")
    if tls_key is not None and tls_key.stat().st_mode & 0o077:
        raise UsageError(f"{tls_key}: the private key is readable by others; "
                         f"chmod 600 it first")
    path = users_file or default_users_path()
    users = UserStore(path)
    if not users.list():
        raise UsageError(f"no accounts in {path}: add one first with `graphfraud users add "
                         "NAME --role lead --password-stdin`")
    secret = load_secret(path.parent / "secret.key")
    settings = connection_settings()
    with store_errors(settings, "serve"):
        driver = settings.driver()
        try:
            driver.verify_connectivity()
        except Exception:
            driver.close()
            raise
    backend = Neo4jBackend(driver, database=settings.database, hub_users=hub_users)
    app = create_app(Config(backend=backend, users=users, secret=secret,
                            secure_cookies=secure_cookies or tls_cert is not None))
    scheme = "https" if tls_cert else "http"
    if not _loopback(host) and tls_cert is None and not secure_cookies:
        click.echo("warning: serving plain HTTP beyond this machine; passwords and "
                   "session cookies cross the network unencrypted (use --tls-cert/--tls-key "
                   "or a TLS proxy with --secure-cookies)", err=True)
    click.echo(shown(f"serving {scheme}://{host}:{port}/ (Neo4j {settings.describe()}, "
                     f"accounts {path}); Ctrl-C stops"), err=True)
    logging.getLogger("graphfraud.serve").setLevel(logging.INFO)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                server_header=False, proxy_headers=bool(trusted_proxy),
                forwarded_allow_ips=list(trusted_proxy) or None,
                ssl_certfile=str(tls_cert) if tls_cert else None,
                ssl_keyfile=str(tls_key) if tls_key else None)
