"""The local server manager, without starting a server (see tests/integration)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from graphfraud.errors import ConfigError, PrerequisiteError
from graphfraud.server.local import LocalServer, connection_settings
from graphfraud.store.connection import Neo4jSettings


def test_config_binds_loopback_with_auth_on(tmp_path: Path) -> None:
    server = LocalServer(tmp_path, bolt_port=17999, http_port=17998)
    text = server.write_config().read_text()
    assert "server.default_listen_address=127.0.0.1" in text
    assert "server.bolt.listen_address=127.0.0.1:17999" in text
    assert "server.http.listen_address=127.0.0.1:17998" in text
    assert "dbms.security.auth_enabled=true" in text
    assert "dbms.usage_report.enabled=false" in text


def test_missing_java_names_what_to_install(tmp_path: Path) -> None:
    server = LocalServer(tmp_path, env={"JAVA_HOME": str(tmp_path / "nojava"), "PATH": ""})
    with pytest.raises(PrerequisiteError, match="apt-get install openjdk-17-jre-headless"):
        server.java()


def test_wrong_java_version_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "jdk" / "bin" / "java"
    fake.parent.mkdir(parents=True)
    fake.write_text('#!/bin/sh\necho \'openjdk version "11.0.2" 2019-01-15\' >&2\n')
    fake.chmod(0o755)
    server = LocalServer(tmp_path, env={"JAVA_HOME": str(tmp_path / "jdk")})
    with pytest.raises(PrerequisiteError, match=r"is Java 11; Neo4j 5\.26 runs on Java 17 or 21"):
        server.java()


def test_missing_maven_names_what_to_install(tmp_path: Path) -> None:
    fake = tmp_path / "jdk" / "bin" / "java"
    fake.parent.mkdir(parents=True)
    fake.write_text('#!/bin/sh\necho \'openjdk version "17.0.15" 2025-04-15\' >&2\n')
    fake.chmod(0o755)
    server = LocalServer(tmp_path / "home", env={"JAVA_HOME": str(tmp_path / "jdk"),
                                                 "PATH": str(tmp_path)})
    with pytest.raises(PrerequisiteError, match="apt-get install maven"):
        server.install()


def test_password_file_is_owner_only(tmp_path: Path) -> None:
    server = LocalServer(tmp_path)
    server._store_password("a-long-password")
    mode = stat.S_IMODE(server.password_file.stat().st_mode)
    assert mode == 0o600
    assert server.read_password() == "a-long-password"


def test_stale_pid_file_is_not_a_running_server(tmp_path: Path) -> None:
    server = LocalServer(tmp_path)
    server.pid_file.parent.mkdir(parents=True)
    server.pid_file.write_text(f"{os.getpid()}\n")  # alive, but not a Neo4j of this home
    assert server.pid() is None
    assert server.status().running is False


def test_settings_fall_back_to_the_local_server(tmp_path: Path) -> None:
    server = LocalServer(tmp_path, bolt_port=17123, http_port=17999)
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "neo4j-kernel-5.26.30.jar").write_bytes(b"")
    server._write_state(version="5.26.30")
    server._store_password("local-pass-123")
    settings = connection_settings({"GRAPHFRAUD_NEO4J_HOME": str(tmp_path)})
    assert settings.uri == "bolt://127.0.0.1:17123"
    assert settings.password == "local-pass-123"
    assert settings.browser == "http://127.0.0.1:17999/browser/"  # the port it keeps
    assert "local-pass-123" not in repr(settings) + settings.describe()
    # the store alone knows no local server: the caller passes how to find one
    with pytest.raises(ConfigError, match="NEO4J_URI is not set and no local server"):
        Neo4jSettings.from_env({"GRAPHFRAUD_NEO4J_HOME": str(tmp_path)})
    empty = tmp_path / "elsewhere"
    with pytest.raises(ConfigError, match="NEO4J_URI is not set and no local server"):
        connection_settings({"GRAPHFRAUD_NEO4J_HOME": str(empty)})
    assert not empty.exists()


def test_settings_from_neo4j_variables() -> None:
    settings = Neo4jSettings.from_env({
        "NEO4J_URI": "neo4j+s://abc.databases.neo4j.io", "NEO4J_USER": "risk",
        "NEO4J_PASSWORD": "pw-123456", "NEO4J_DATABASE": "fraud"})
    assert (settings.uri, settings.user, settings.database) == (
        "neo4j+s://abc.databases.neo4j.io", "risk", "fraud")
    assert settings.describe() == "neo4j+s://abc.databases.neo4j.io (database fraud, user risk)"


def _pem_pair(directory: Path, name: str) -> tuple[Path, Path]:
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.fail("openssl is missing (scripts/test.sh installs it)")
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def test_a_tls_key_that_is_not_the_certificates_is_refused_before_anything_is_installed(
        tmp_path: Path) -> None:
    from graphfraud.errors import ConfigError

    cert, key = _pem_pair(tmp_path, "one")
    _, other_key = _pem_pair(tmp_path, "two")
    server = LocalServer(tmp_path / "home")
    with pytest.raises(ConfigError, match=r"two\.key is not a usable private key of .*one\.crt"):
        server.install_tls(cert, other_key)
    assert not (server.tls_dir / "private.key").exists()
    server.install_tls(cert, key)  # the matching pair is taken
    assert (server.tls_dir / "private.key").read_bytes() == key.read_bytes()


def test_a_certificate_file_that_holds_a_key_is_refused(tmp_path: Path) -> None:
    """A combined cert+key PEM given as both files used to be stored as public.crt,
    mode 644, private key included."""
    cert, key = _pem_pair(tmp_path, "one")
    combined = tmp_path / "combined.pem"
    combined.write_bytes(cert.read_bytes() + key.read_bytes())
    server = LocalServer(tmp_path / "home")
    for key_file in (combined, key):
        with pytest.raises(ConfigError, match=r"--tls-cert .*combined\.pem: holds a private "
                           "key as well as the certificate"):
            server.install_tls(combined, key_file)
    assert not (tmp_path / "home").exists()  # nothing installed
    server.install_tls(cert, combined)  # a key file may carry its certificate
    assert b"PRIVATE KEY" not in (server.tls_dir / "public.crt").read_bytes()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_local_store_and_its_keys_are_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "data" / "databases" / "system").mkdir(parents=True)  # an older install's
    (home / "data").chmod(0o755)
    (home / "logs").mkdir(mode=0o755)
    server = LocalServer(home)
    cert, key = _pem_pair(tmp_path, "one")
    key.chmod(0o644)
    server.install_tls(cert, key)
    server.write_config()
    for folder in ("conf", "data", "logs", "run", "import", "plugins", "certificates",
                   "certificates/bolt"):
        assert _mode(home / folder) == 0o700, folder
    assert _mode(server.tls_dir / "private.key") == 0o600
    assert (server.tls_dir / "private.key").read_bytes() == key.read_bytes()
    # an installed key is replaced by a new file, never written through a link
    target = tmp_path / "elsewhere"
    target.write_bytes(b"keep")
    (server.tls_dir / "private.key").unlink()
    (server.tls_dir / "private.key").symlink_to(target)
    server.install_tls(cert, key)
    assert target.read_bytes() == b"keep"
    assert not (server.tls_dir / "private.key").is_symlink()
    assert _mode(server.tls_dir / "private.key") == 0o600


@pytest.mark.parametrize("run", ["start", "admin"])
def test_the_server_and_neo4j_admin_create_files_owner_only(tmp_path: Path, run: str
                                                            ) -> None:
    """The JVM (here a stand-in that records its umask) runs with umask 077, so the
    databases, the system database included, and the logs it writes are its owner's."""
    import socket

    from graphfraud.errors import Neo4jServerError

    mark = tmp_path / "umask"
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\numask > {mark}\n"
                    "echo 'openjdk version \"17.0.15\" 2025-04-15' >&2\n")
    java.chmod(0o755)
    home = tmp_path / "home"
    (home / "lib").mkdir(parents=True)
    (home / "lib" / "neo4j-kernel-5.26.30.jar").write_bytes(b"")
    with socket.socket() as s1, socket.socket() as s2:  # two free ports
        s1.bind(("127.0.0.1", 0))
        s2.bind(("127.0.0.1", 0))
        ports = s1.getsockname()[1], s2.getsockname()[1]
    server = LocalServer(home, bolt_port=ports[0], http_port=ports[1],
                         env={"JAVA_HOME": str(java.parent.parent), "PATH": ""})
    if run == "start":
        with pytest.raises(Neo4jServerError):  # the stand-in exits at once
            server.start(timeout=5)
        assert _mode(server.password_file) == 0o600
    else:
        server.admin(["--version"])
    assert mark.read_text().strip() == "0077"
    assert _mode(home / "data") == 0o700


def test_the_browser_style_covers_every_label_with_a_readable_caption() -> None:
    from click.testing import CliRunner

    from graphfraud.cli import cli
    from graphfraud.model import Label

    result = CliRunner().invoke(cli, ["neo4j", "style"])
    assert result.exit_code == 0
    risks = (Label.HIGH_RISK, Label.MEDIUM_RISK, Label.LOW_RISK)
    for label in Label:
        selector = f"node.Ring.{label.value}" if label in risks else f"node.{label.value}"
        assert f"{selector} {{" in result.stdout
    assert "node.Merchant {\n  color: #C62828;" in result.stdout  # report.html's shop red
    assert "caption: '{name}';" in result.stdout and "caption: '{ring_id}';" in result.stdout


def test_the_browser_address_follows_the_server_or_the_setting() -> None:
    from graphfraud.errors import ConfigError
    from graphfraud.store.connection import Neo4jSettings

    base = {"NEO4J_URI": "bolt://graph.internal:7687", "NEO4J_PASSWORD": "x" * 10}
    assert Neo4jSettings.from_env(base).browser == "http://graph.internal:7474/browser/"
    secure = {**base, "NEO4J_URI": "neo4j+s://graph.internal"}
    assert Neo4jSettings.from_env(secure).browser == "https://graph.internal:7473/browser/"
    local = {**base, "NEO4J_URI": "bolt://127.0.0.1:17687", "GRAPHFRAUD_NEO4J_HTTP_PORT": "17474"}
    assert Neo4jSettings.from_env(local).browser == "http://127.0.0.1:17474/browser/"
    given = {**base, "GRAPHFRAUD_BROWSER_URL": "https://browser.example/neo4j/"}
    assert Neo4jSettings.from_env(given).browser == "https://browser.example/neo4j/"
    for bad in ("javascript:alert(1)", "https://user:secret@browser.example/", "ftp://x/"):
        with pytest.raises(ConfigError, match="GRAPHFRAUD_BROWSER_URL") as caught:
            Neo4jSettings.from_env({**base, "GRAPHFRAUD_BROWSER_URL": bad})
        assert "secret" not in str(caught.value)


def test_the_import_files_hold_declared_organisations_and_their_members(
    tmp_path: Path,
) -> None:
    """Organisations as nodes (``verified`` a boolean), memberships as MEMBER_OF from the
    members the graph holds; a host named only by a membership is left out, as the
    online loader's MATCH leaves it."""
    import csv

    from conftest import write_csv
    from graphfraud.loaders import read_dataset
    from graphfraud.server.bulk import write_import_files

    data = tmp_path / "export"
    write_csv(data, "merchants.csv", "merchant_id\nm1\nm2\n")
    write_csv(data, "streamer_devices.csv", "streamer_id,device_id\nh1,d1\n")
    write_csv(data, "organizations.csv",
              "organization_id,kind,name,verified\nO1,franchise,Tea,true\nO2,,,\n")
    write_csv(data, "organization_members.csv",
              "organization_id,entity_type,entity_id,since\nO1,merchant,m1,2024-01-01\n"
              "O2,merchant,m2,\nO1,streamer,h1,\nO1,streamer,h9,\n")
    files = write_import_files(read_dataset(data).dataset, tmp_path / "import")
    assert files.node_counts["Organization"] == 2
    assert files.relationship_counts["MEMBER_OF"] == 3
    [nodes] = files.nodes["Organization"]
    with nodes.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [":ID(Organization)", "organization_id", "kind", "name",
                       "verified:boolean"]
    assert [r[1:] for r in rows[1:]] == [["O1", "franchise", "Tea", "true"],
                                         ["O2", "", "", ""]]
    rels = {}
    for path in files.relationships["MEMBER_OF"]:
        with path.open(newline="", encoding="utf-8") as fh:
            header, *body = list(csv.reader(fh))
        rels[header[0]] = (header, body)
    assert rels[":START_ID(Merchant)"] == (
        [":START_ID(Merchant)", ":END_ID(Organization)", "since:datetime"],
        [["0", "0", "2024-01-01T00:00:00Z"], ["1", "1", ""]])
    assert rels[":START_ID(Streamer)"][1] == [["0", "0", ""]]  # h9 is not in the graph


def test_an_export_without_organisations_writes_no_organisation_file(tmp_path: Path) -> None:
    from conftest import write_csv
    from graphfraud.loaders import read_dataset
    from graphfraud.server.bulk import write_import_files

    write_csv(tmp_path / "export", "merchants.csv", "merchant_id\nm1\n")
    files = write_import_files(read_dataset(tmp_path / "export").dataset, tmp_path / "out")
    assert "Organization" not in files.nodes and "MEMBER_OF" not in files.relationships
