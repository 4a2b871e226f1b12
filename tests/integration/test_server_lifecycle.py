"""`graphfraud neo4j start|status|stop` brings up a real Neo4j 5.26 from nothing."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphfraud.cli import cli
from graphfraud.server.local import connection_settings
from graphfraud.store.connection import Neo4jSettings

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1, made with openssl."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is missing (scripts/test.sh installs it)")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True)
    return cert, key


def _check_tls(runner: CliRunner, env: dict[str, str], home: Path, cert: Path,
               password: str) -> None:
    """bolt+s:// and neo4j+s:// verify the certificate; +ssc is refused."""
    assert stat.S_IMODE((home / "certificates" / "bolt" / "private.key").stat().st_mode) == 0o600
    query = ["query", "top_rings", "--format", "json"]
    tls = dict(env, NEO4J_PASSWORD=password, NEO4J_URI="bolt+s://127.0.0.1:17697")
    unverified = runner.invoke(cli, query, env=tls)
    assert unverified.exit_code == 1
    assert "TLS certificate could not be verified" in unverified.stderr
    assert password not in unverified.output + unverified.stderr
    for scheme in ("bolt+s", "neo4j+s"):
        trusted = runner.invoke(cli, query, env=dict(
            tls, NEO4J_URI=f"{scheme}://127.0.0.1:17697", NEO4J_TRUSTED_CERTIFICATES=str(cert)))
        assert trusted.exit_code == 0, trusted.stderr
        assert trusted.stdout.strip() == "[]"
    ssc = runner.invoke(cli, query, env=dict(tls, NEO4J_URI="bolt+ssc://127.0.0.1:17697"))
    assert ssc.exit_code == 2 and "accepts any certificate" in ssc.stderr


def test_start_status_stop_from_nothing(tmp_path: Path,
                                        neo4j_settings: Neo4jSettings) -> None:
    home = tmp_path / "neo4j-home"
    env = {"GRAPHFRAUD_NEO4J_HOME": str(home), "GRAPHFRAUD_NEO4J_BOLT_PORT": "17697",
           "GRAPHFRAUD_NEO4J_HTTP_PORT": "17484", "NEO4J_PASSWORD": "", "NEO4J_URI": ""}
    # The jars come from the test server's install when it is there (no second download).
    shared = os.environ.get("GRAPHFRAUD_TEST_NEO4J_HOME")
    if shared and (Path(shared) / "lib").is_dir():
        home.mkdir()
        (home / "lib").symlink_to(Path(shared) / "lib")
    cert, key = _self_signed_certificate(tmp_path)
    runner = CliRunner()
    try:
        started = runner.invoke(cli, ["neo4j", "start", "--heap", "512m", "--pagecache", "128m",
                                      "--tls-cert", str(cert), "--tls-key", str(key)], env=env)
        assert started.exit_code == 0, started.output + started.stderr
        assert "running (pid" in started.output
        assert "tls:       bolt+s://127.0.0.1:17697" in started.output
        again = runner.invoke(cli, ["neo4j", "start"], env=env)
        assert again.exit_code == 0 and again.stdout == started.stdout  # idempotent, same pid
        assert "Starting" not in again.stderr

        password_file = home / "password"
        assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
        settings = connection_settings(env)
        assert settings.uri == "bolt://127.0.0.1:17697"
        with settings.driver() as driver:
            records, _, _ = driver.execute_query("CALL dbms.components() YIELD versions, "
                                                 "edition RETURN versions[0], edition")
            version, edition = records[0]
        assert version.startswith("5.26.") and edition == "community"
        with urllib.request.urlopen("http://127.0.0.1:17484/browser/", timeout=10) as page:
            assert b"Neo4j Browser" in page.read()
        with urllib.request.urlopen("http://127.0.0.1:17484/", timeout=10) as page:
            assert b'"neo4j_version":"5.26.' in page.read()
        _check_tls(runner, env, home, cert, settings.password)
    finally:
        stopped = runner.invoke(cli, ["neo4j", "stop"], env=env)
    assert stopped.exit_code == 0 and stopped.stdout.strip() == "stopped"
    status = runner.invoke(cli, ["neo4j", "status"], env=env)
    assert status.exit_code == 1 and "not running" in status.output
