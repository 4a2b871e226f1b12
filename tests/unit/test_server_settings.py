"""`graphfraud neo4j start` with bad settings: exit 2 and one line, before any JVM runs.

The Java on PATH here is a stand-in that leaves a mark when it runs (`java -version`
counts: it is a JVM), so each case shows that nothing started.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphfraud.cli import cli
from graphfraud.errors import ConfigError
from graphfraud.server.local import LocalServer


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An environment whose only Java leaves ``tmp_path/java-ran`` when it runs."""
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\ntouch {tmp_path / 'java-ran'}\n"
                    "echo 'openjdk version \"17.0.15\" 2025-04-15' >&2\n")
    java.chmod(0o755)
    return {"JAVA_HOME": str(java.parent.parent), "PATH": str(java.parent),
            "GRAPHFRAUD_NEO4J_HOME": str(tmp_path / "home"), "NEO4J_PASSWORD": "",
            "NEO4J_URI": "", "GRAPHFRAUD_NEO4J_BOLT_PORT": "", "GRAPHFRAUD_NEO4J_HTTP_PORT": "",
            "GRAPHFRAUD_NEO4J_HEAP": "", "GRAPHFRAUD_NEO4J_PAGECACHE": ""}


def _pem_pair(directory: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.fail("openssl is missing (scripts/test.sh installs it)")
    cert, key = directory / "server.crt", directory / "server.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def _start(args: list[str], env: dict[str, str], tmp_path: Path) -> str:
    """Run `neo4j start ARGS`; expect exit 2, one error line and no JVM. Returns the line."""
    result = CliRunner().invoke(cli, ["neo4j", "start", *args], env=env)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (result.exit_code, result.output, result.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not (tmp_path / "java-ran").exists(), "a JVM ran before the settings were checked"
    assert not (tmp_path / "home" / "certificates").exists()  # nothing installed
    return lines[0]


@pytest.mark.parametrize(("args", "variables", "said"), [
    (["--bolt-port", "70000"], {}, "--bolt-port (GRAPHFRAUD_NEO4J_BOLT_PORT) must be a port "
     "number from 1 to 65535, got '70000'"),
    (["--http-port", "0"], {}, "--http-port (GRAPHFRAUD_NEO4J_HTTP_PORT) must be a port"),
    ([], {"GRAPHFRAUD_NEO4J_BOLT_PORT": "seven"}, "got 'seven'"),
    (["--bolt-port", "17000", "--http-port", "17000"], {}, "both 17000"),
    (["--heap", "lots"], {}, "--heap (GRAPHFRAUD_NEO4J_HEAP) must be a size such as 512m"),
    ([], {"GRAPHFRAUD_NEO4J_PAGECACHE": "-1g"}, "--pagecache (GRAPHFRAUD_NEO4J_PAGECACHE)"),
    ([], {"NEO4J_PASSWORD": "Pw-x9"}, "NEO4J_PASSWORD must have at least 8 characters"),
])
def test_bad_settings_exit_2_before_a_jvm_starts(args: list[str], variables: dict[str, str],
                                                 said: str, env: dict[str, str],
                                                 tmp_path: Path) -> None:
    line = _start(args, {**env, **variables}, tmp_path)
    assert said in line
    assert "Pw-x9" not in line  # the password is never shown


def test_swapped_or_empty_tls_files_exit_2_before_anything_is_installed(
        env: dict[str, str], tmp_path: Path) -> None:
    cert, key = _pem_pair(tmp_path)
    swapped = _start(["--tls-cert", str(key), "--tls-key", str(cert)], env, tmp_path)
    assert "not a PEM certificate" in swapped and "swapped" in swapped
    empty = tmp_path / "empty.pem"
    empty.write_bytes(b"")
    assert "(empty)" in _start(["--tls-cert", str(empty), "--tls-key", str(key)], env,
                               tmp_path)
    assert "--tls-key" in _start(["--tls-cert", str(cert), "--tls-key", str(empty)], env,
                                 tmp_path)


def test_a_combined_certificate_and_key_as_tls_cert_exits_2_before_anything_is_installed(
        env: dict[str, str], tmp_path: Path) -> None:
    cert, key = _pem_pair(tmp_path)
    combined = tmp_path / "combined.pem"
    combined.write_bytes(cert.read_bytes() + key.read_bytes())
    line = _start(["--tls-cert", str(combined), "--tls-key", str(combined)], env, tmp_path)
    assert line == (f"error: --tls-cert {combined}: holds a private key as well as the "
                    "certificate; give the certificate alone as --tls-cert and the key as "
                    "--tls-key")


def test_the_library_checks_the_settings_before_java_too(env: dict[str, str],
                                                         tmp_path: Path) -> None:
    server = LocalServer(tmp_path / "home", bolt_port=70000, env=env)
    with pytest.raises(ConfigError, match="port number from 1 to 65535"):
        server.start(timeout=1)
    with pytest.raises(ConfigError, match="port number from 1 to 65535"):
        server.admin(["--version"])
    assert not (tmp_path / "java-ran").exists()


def test_good_settings_pass_the_check(env: dict[str, str], tmp_path: Path) -> None:
    server = LocalServer.from_env(env, bolt_port=17687, http_port=17474, heap="2g",
                                  pagecache="512M")
    server.check_settings()
    LocalServer.from_env({**env, "NEO4J_PASSWORD": "long-enough-1"}).check_settings()
