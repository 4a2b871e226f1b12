"""`graphfraud neo4j start|status|stop` brings up a real Neo4j 5.26 from nothing."""

from __future__ import annotations

import os
import stat
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphfraud.cli import cli
from graphfraud.store.connection import Neo4jSettings

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


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
    runner = CliRunner()
    try:
        started = runner.invoke(cli, ["neo4j", "start", "--heap", "512m",
                                      "--pagecache", "128m"], env=env)
        assert started.exit_code == 0, started.output + started.stderr
        assert "running (pid" in started.output
        again = runner.invoke(cli, ["neo4j", "start"], env=env)
        assert again.exit_code == 0 and again.stdout == started.stdout  # idempotent, same pid
        assert "Starting" not in again.stderr

        password_file = home / "password"
        assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
        settings = Neo4jSettings.from_env(env)
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
    finally:
        stopped = runner.invoke(cli, ["neo4j", "stop"], env=env)
    assert stopped.exit_code == 0 and stopped.stdout.strip() == "stopped"
    status = runner.invoke(cli, ["neo4j", "status"], env=env)
    assert status.exit_code == 1 and "not running" in status.output
