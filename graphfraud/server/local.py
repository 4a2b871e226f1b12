"""A local Neo4j 5.26 LTS Community server, installed from Maven Central and run on loopback.

The official distribution's ``lib/`` is a set of Maven artifacts, so the server is
assembled with Maven itself: ``org.neo4j:neo4j`` (the community DBMS),
``org.neo4j.app:neo4j-server`` (Bolt and HTTP), and ``org.neo4j.client:neo4j-browser``
(Neo4j Browser, served over HTTP). The newest 5.26.x patch is resolved at install
time. Everything lives in one home directory (by default
``$XDG_CACHE_HOME/graphfraud/neo4j``, overridable with ``GRAPHFRAUD_NEO4J_HOME``):

    lib/       the jars           conf/neo4j.conf   generated configuration
    data/      the databases      logs/             neo4j.log, console.log, ...
    run/       the pid file       password          generated password (mode 0600)
    graphfraud-server.json        ports and version of this install

Authentication stays on. The password is ``NEO4J_PASSWORD`` when it is set at the
first start, otherwise a generated one; either way it is stored in ``password``,
readable by the owner only, and set through Bolt (never on a command line). The folders
the server writes (``data/`` with the system database, ``logs/``, ``certificates/``, ...)
are the owner's alone (700), and the server creates its files owner-only (umask 077);
the TLS private key is 600 from its first byte.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from graphfraud.errors import ConfigError, Neo4jServerError, PrerequisiteError
from graphfraud.store.connection import LocalEndpoint, Neo4jSettings

SERIES = "5.26"
VERSION_RANGE = "[5.26.0,5.27)"
BROWSER_VERSION = "5.24.0"  # the Neo4j Browser the 5.26 distribution ships
SUPPORTED_JAVA = (17, 21)
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
#: Servers started by this process, by pid (see ``LocalServer.start``).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}
ADMIN_ENTRY_POINT = "org.neo4j.cli.AdminTool"  # what bin/neo4j-admin runs
JVM_OPTIONS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
)

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>graphfraud.local</groupId>
  <artifactId>neo4j-server-assembly</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.neo4j</groupId><artifactId>neo4j</artifactId>
      <version>{range}</version>
    </dependency>
    <dependency>
      <groupId>org.neo4j.app</groupId><artifactId>neo4j-server</artifactId>
      <version>{range}</version>
    </dependency>
    <dependency>
      <groupId>org.neo4j.client</groupId><artifactId>neo4j-browser</artifactId>
      <version>{browser}</version>
    </dependency>
  </dependencies>
</project>
"""

Say = Callable[[str], None]
#: Folders of the home the server writes (the databases, the system database included,
#: logs, keys): its owner's alone, 700, made so again at every start.
PRIVATE_DIRS = ("conf", "data", "logs", "run", "import", "plugins")
#: The server and neo4j-admin create their files owner-only (600, folders 700).
SERVER_UMASK = 0o077
#: A memory size the JVM (``-Xmx``) and Neo4j both read: digits and an optional unit.
_MEMORY = re.compile(r"[1-9][0-9]*[kKmMgGtT]?")


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True)
class ServerStatus:
    """What ``graphfraud neo4j status`` reports."""

    installed: bool
    running: bool
    pid: int | None
    version: str | None
    bolt_uri: str
    http_url: str
    home: Path


def default_home(env: Mapping[str, str]) -> Path:
    if env.get("GRAPHFRAUD_NEO4J_HOME"):
        return Path(env["GRAPHFRAUD_NEO4J_HOME"]).expanduser()
    cache = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "graphfraud" / "neo4j"


def connection_settings(env: Mapping[str, str] | None = None) -> Neo4jSettings:
    """Connection settings from the ``NEO4J_*`` variables (see
    :meth:`~graphfraud.store.connection.Neo4jSettings.from_env`), falling back to the
    local server ``graphfraud neo4j start`` manages when ``NEO4J_URI`` is not set.

    Raises
    ------
    ConfigError
        If no server is configured or no password can be found.
    """
    return Neo4jSettings.from_env(env, local=local_endpoint)


def local_endpoint(env: Mapping[str, str]) -> LocalEndpoint | None:
    """Where the local server of ``env`` (``GRAPHFRAUD_NEO4J_HOME``, its saved ports)
    listens and its stored password; None when it is not installed."""
    server = LocalServer.from_env(env)
    if not server.is_installed():
        return None
    return LocalEndpoint(server.bolt_uri, server.http_port, server.read_password())


def java_major_version(java: str) -> int:
    """The major version of a ``java`` binary.

    Raises
    ------
    PrerequisiteError
        If it cannot be run or its version cannot be read.
    """
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except OSError as e:
        raise PrerequisiteError(f"cannot run {java}: {e.strerror}") from e
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        raise PrerequisiteError(f"cannot read the version of {java}")
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 and match.group(2) else major


class LocalServer:
    """One local Neo4j installation and its process."""

    def __init__(
        self,
        home: Path,
        *,
        bolt_port: int = 7687,
        http_port: int = 7474,
        heap: str = "1g",
        pagecache: str = "512m",
        env: Mapping[str, str] | None = None,
    ):
        self.home = home
        self.bolt_port = bolt_port
        self.http_port = http_port
        self.heap = heap
        self.pagecache = pagecache
        self._env = dict(os.environ if env is None else env)
        state = self._read_state()
        if state:  # an existing install keeps its ports unless told otherwise
            self.bolt_port = int(str(state.get("bolt_port", bolt_port)))
            self.http_port = int(str(state.get("http_port", http_port)))

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        home: str | Path | None = None,
        bolt_port: int | None = None,
        http_port: int | None = None,
        heap: str | None = None,
        pagecache: str | None = None,
    ) -> LocalServer:
        """The server described by arguments, then ``GRAPHFRAUD_NEO4J_*`` variables.

        Ports given here or in the environment beat those stored by an earlier install.
        """
        env = os.environ if env is None else env

        def pick(value: object, var: str) -> str | None:
            return str(value) if value is not None else (env.get(var) or None)

        server = cls(
            Path(str(home)).expanduser() if home else default_home(env),
            heap=pick(heap, "GRAPHFRAUD_NEO4J_HEAP") or "1g",
            pagecache=pick(pagecache, "GRAPHFRAUD_NEO4J_PAGECACHE") or "512m",
            env=env,
        )
        state = server._read_state()  # memory chosen at an earlier start is kept, like ports
        if not pick(heap, "GRAPHFRAUD_NEO4J_HEAP") and state.get("heap"):
            server.heap = str(state["heap"])
        if not pick(pagecache, "GRAPHFRAUD_NEO4J_PAGECACHE") and state.get("pagecache"):
            server.pagecache = str(state["pagecache"])
        bolt = pick(bolt_port, "GRAPHFRAUD_NEO4J_BOLT_PORT")
        http = pick(http_port, "GRAPHFRAUD_NEO4J_HTTP_PORT")
        if bolt:
            server.bolt_port = _port(bolt, "bolt")
        if http:
            server.http_port = _port(http, "http")
        return server

    def check_settings(self) -> None:
        """Refuse bad settings before any JVM runs (``java -version`` included): ports
        outside 1-65535 or equal, a heap or page cache that is not a size, and a
        ``NEO4J_PASSWORD`` too short to become the server's password at its first start.

        Raises
        ------
        ConfigError
            Naming the setting (never the password).
        """
        for name in ("bolt", "http"):
            _port(str(getattr(self, f"{name}_port")), name)
        if self.bolt_port == self.http_port:
            raise ConfigError(f"the Bolt and HTTP ports are both {self.bolt_port}; give "
                              "--bolt-port and --http-port different ports")
        for name, value in (("heap", self.heap), ("pagecache", self.pagecache)):
            if not _MEMORY.fullmatch(value):
                raise ConfigError(f"--{name} (GRAPHFRAUD_NEO4J_{name.upper()}) must be a size "
                                  f"such as 512m or 2g, got {value!r}")
        given = self._env.get("NEO4J_PASSWORD", "")
        if given and len(given) < 8 and not self.read_password():
            raise ConfigError("NEO4J_PASSWORD must have at least 8 characters (it becomes "
                              "the local server's password at its first start)")

    # -- paths ------------------------------------------------------------------
    @property
    def lib(self) -> Path:
        return self.home / "lib"

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "neo4j.pid"

    @property
    def password_file(self) -> Path:
        return self.home / "password"

    @property
    def state_file(self) -> Path:
        return self.home / "graphfraud-server.json"

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def tls_dir(self) -> Path:
        return self.home / "certificates" / "bolt"

    @property
    def tls_enabled(self) -> bool:
        """Whether Bolt also accepts TLS (``bolt+s://``) with the installed certificate."""
        return (self.tls_dir / "public.crt").is_file() and (self.tls_dir / "private.key").is_file()

    def install_tls(self, certificate: Path, private_key: Path) -> None:
        """Use this PEM certificate and key for Bolt TLS from the next start on.

        Plain Bolt stays available on loopback (TLS level OPTIONAL), so local tools
        keep working; clients that ask for ``bolt+s://`` get the certificate checked.

        Raises
        ------
        ConfigError
            If either file cannot be read or is not PEM (an empty file, or the two
            swapped), or the key is not the certificate's (or is encrypted): bad settings,
            found before anything is installed.
        """
        try:
            cert = certificate.read_bytes()
            key = private_key.read_bytes()
        except OSError as e:
            raise ConfigError(f"cannot read the TLS file {e.filename}: {e.strerror}") from None
        if b"-----BEGIN CERTIFICATE-----" not in cert:
            swapped = " (it holds a private key: are --tls-cert and --tls-key swapped?)" \
                if b"PRIVATE KEY-----" in cert else " (empty)" if not cert.strip() else ""
            raise ConfigError(f"--tls-cert {certificate}: not a PEM certificate{swapped}")
        if b"PRIVATE KEY-----" in cert:  # it would be stored as public.crt
            raise ConfigError(f"--tls-cert {certificate}: holds a private key as well as the "
                              "certificate; give the certificate alone as --tls-cert and the "
                              "key as --tls-key")
        if b"PRIVATE KEY-----" not in key:
            raise ConfigError(f"--tls-key {private_key}: not a PEM private key"
                              + (" (empty)" if not key.strip() else ""))
        _check_pair(certificate, private_key)
        _private_dir(self.tls_dir.parent)
        _private_dir(self.tls_dir)
        (self.tls_dir / "public.crt").write_bytes(cert)
        _write_private(self.tls_dir / "private.key", key)

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/browser/"

    def _read_state(self) -> dict[str, object]:
        try:
            return dict(json.loads(self.state_file.read_text("utf-8")))
        except (OSError, ValueError):
            return {}

    def _write_state(self, **updates: object) -> None:
        state = self._read_state()
        state.update(updates)
        state.update(bolt_port=self.bolt_port, http_port=self.http_port)
        self.state_file.write_text(json.dumps(state, indent=1), "utf-8")

    # -- prerequisites and install --------------------------------------------------
    def java(self) -> str:
        """The java binary to run Neo4j with (``JAVA_HOME`` first, then ``PATH``).

        Raises
        ------
        PrerequisiteError
            If there is no Java, or not a version Neo4j 5.26 runs on.
        """
        java_home = self._env.get("JAVA_HOME")
        java = (str(Path(java_home) / "bin" / "java") if java_home
                else shutil.which("java", path=self._env.get("PATH")))
        if not java or not Path(java).exists():
            raise PrerequisiteError(
                "Java 17 is required to run Neo4j 5.26 and none was found; install it "
                "(Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME"
            )
        major = java_major_version(java)
        if major not in SUPPORTED_JAVA:
            raise PrerequisiteError(
                f"{java} is Java {major}; Neo4j {SERIES} runs on Java 17 or 21 "
                "(Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`, or set JAVA_HOME)"
            )
        return java

    def is_installed(self) -> bool:
        return self.version() is not None

    def version(self) -> str | None:
        """The installed Neo4j version, read off the kernel jar's name."""
        for jar in self.lib.glob("neo4j-kernel-*.jar"):
            match = re.fullmatch(r"neo4j-kernel-(\d+\.\d+\.\d+)", jar.stem)
            if match:
                return match.group(1)
        return None

    def install(self, say: Say = _quiet) -> str:
        """Fetch the newest 5.26.x jars with Maven (a no-op when already installed).

        Returns the installed version.

        Raises
        ------
        PrerequisiteError
            If Java or Maven is missing.
        Neo4jServerError
            If Maven cannot resolve the artifacts.
        """
        self.java()
        if self.is_installed():
            return str(self.version())
        mvn = shutil.which("mvn", path=self._env.get("PATH"))
        if not mvn:
            raise PrerequisiteError(
                "Maven is required to install Neo4j from Maven Central and none was found; "
                "install it (Debian/Ubuntu: `apt-get install maven`)"
            )
        build = self.home / "build"
        build.mkdir(parents=True, exist_ok=True)
        (build / "pom.xml").write_text(
            _POM.format(range=VERSION_RANGE, browser=BROWSER_VERSION), "utf-8"
        )
        staging = self.home / "lib.partial"
        shutil.rmtree(staging, ignore_errors=True)
        say(f"Installing Neo4j {SERIES} (newest patch) from Maven Central into {self.home} ...")
        result = subprocess.run(
            [mvn, "-B", "-q", "-f", str(build / "pom.xml"), "dependency:copy-dependencies",
             f"-DoutputDirectory={staging}", "-DincludeScope=runtime"],
            capture_output=True, text=True, stdin=subprocess.DEVNULL,
        )
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
            raise Neo4jServerError(f"Maven could not fetch Neo4j {SERIES}:\n{tail}")
        shutil.rmtree(self.lib, ignore_errors=True)
        staging.rename(self.lib)
        version = str(self.version())
        self._write_state(version=version)
        say(f"Installed Neo4j {version} ({len(list(self.lib.glob('*.jar')))} jars).")
        return version

    def write_config(self) -> Path:
        for sub in PRIVATE_DIRS:  # an install made before they were private is made so
            _private_dir(self.home / sub)
        for tls in (self.tls_dir.parent, self.tls_dir):
            if tls.is_dir():
                _private_dir(tls)
        settings = {
            "server.default_listen_address": "127.0.0.1",
            "server.default_advertised_address": "127.0.0.1",
            "server.bolt.listen_address": f"127.0.0.1:{self.bolt_port}",
            "server.bolt.advertised_address": f"127.0.0.1:{self.bolt_port}",
            "server.http.listen_address": f"127.0.0.1:{self.http_port}",
            "server.http.advertised_address": f"127.0.0.1:{self.http_port}",
            "server.https.enabled": "false",
            "server.directories.data": str(self.home / "data"),
            "server.directories.logs": str(self.home / "logs"),
            "server.directories.run": str(self.home / "run"),
            "server.directories.import": str(self.home / "import"),
            "server.directories.plugins": str(self.home / "plugins"),
            "server.memory.heap.initial_size": self.heap,
            "server.memory.heap.max_size": self.heap,
            "server.memory.pagecache.size": self.pagecache,
            "dbms.security.auth_enabled": "true",
            "dbms.usage_report.enabled": "false",
            "db.tx_log.rotation.retention_policy": "2 files",
        }
        if self.tls_enabled:
            settings.update({
                "dbms.ssl.policy.bolt.enabled": "true",
                "dbms.ssl.policy.bolt.base_directory": str(self.tls_dir),
                "dbms.ssl.policy.bolt.private_key": "private.key",
                "dbms.ssl.policy.bolt.public_certificate": "public.crt",
                "dbms.ssl.policy.bolt.client_auth": "NONE",
                "server.bolt.tls_level": "OPTIONAL",
            })
        path = self.conf_dir / "neo4j.conf"
        lines = ["# Written by graphfraud; regenerated at every start."]
        lines += [f"{k}={v}" for k, v in settings.items()]
        path.write_text("\n".join(lines) + "\n", "utf-8")
        return path

    # -- process -------------------------------------------------------------------
    def pid(self) -> int | None:
        """The pid of the running server of this home, or None."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return None
        if ENTRY_POINT not in cmdline or str(self.home) not in cmdline:
            return None  # a stale pid file, reused by another process
        return pid

    def _bolt_open(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.bolt_port), timeout=1):
                return True
        except OSError:
            return False

    def status(self) -> ServerStatus:
        pid = self.pid()
        return ServerStatus(
            installed=self.is_installed(),
            running=pid is not None and self._bolt_open(),
            pid=pid,
            version=self.version(),
            bolt_uri=self.bolt_uri,
            http_url=self.http_url,
            home=self.home,
        )

    def read_password(self) -> str:
        try:
            return self.password_file.read_text("utf-8").strip()
        except OSError:
            return ""

    def _store_password(self, password: str) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        tmp = self.password_file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(password + "\n")
        os.chmod(tmp, 0o600)
        tmp.replace(self.password_file)

    def start(self, *, timeout: float = 180, say: Say = _quiet) -> ServerStatus:
        """Install if needed, start if not running, and wait until Bolt answers.

        Idempotent: a running server is left as it is.

        Raises
        ------
        PrerequisiteError
            If Java or Maven is missing.
        Neo4jServerError
            If the server does not come up within ``timeout`` seconds, or its port
            is taken by another process.
        """
        self.check_settings()
        java = self.java()
        self.install(say)
        if self.pid() is not None:
            self._wait_ready(timeout)
            return self.status()
        if self._bolt_open():
            raise Neo4jServerError(
                f"port {self.bolt_port} is already in use by another process; set "
                "GRAPHFRAUD_NEO4J_BOLT_PORT (and GRAPHFRAUD_NEO4J_HTTP_PORT) to free ports"
            )
        if not self.read_password():  # NEO4J_PASSWORD's length: see check_settings
            self._store_password(self._env.get("NEO4J_PASSWORD") or secrets.token_urlsafe(24))
        self.write_config()
        self._write_state(version=self.version(), heap=self.heap, pagecache=self.pagecache)
        console = (self.home / "logs" / "console.log").open("ab")
        env = dict(self._env, NEO4J_HOME=str(self.home), NEO4J_CONF=str(self.conf_dir))
        env.pop("NEO4J_PASSWORD", None)
        say(f"Starting Neo4j {self.version()} on {self.bolt_uri} ...")
        proc = subprocess.Popen(
            [java, f"-Xms{self.heap}", f"-Xmx{self.heap}", *JVM_OPTIONS,
             "-cp", f"{self.lib}/*", ENTRY_POINT,
             f"--home-dir={self.home}", f"--config-dir={self.conf_dir}"],
            stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
            env=env, start_new_session=True, cwd=self.home, umask=SERVER_UMASK,
        )
        console.close()
        # The server outlives this call (it is a daemon): keep its handle so that it is
        # reaped by stop() in this process, never collected while it runs.
        _CHILDREN[proc.pid] = proc
        self.pid_file.write_text(f"{proc.pid}\n")
        self._wait_ready(timeout, proc)
        return self.status()

    def _wait_ready(self, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
        deadline = time.monotonic() + timeout
        while not self._bolt_open():
            if proc is not None and proc.poll() is not None:
                raise Neo4jServerError(
                    f"Neo4j exited with code {proc.returncode} while starting:\n"
                    + self._log_tail()
                )
            if time.monotonic() > deadline:
                raise Neo4jServerError(
                    f"Neo4j did not open Bolt on port {self.bolt_port} within {timeout:.0f} s:\n"
                    + self._log_tail()
                )
            time.sleep(0.25)
        self._ensure_password(deadline)

    def _ensure_password(self, deadline: float) -> None:
        """Replace the initial password through Bolt on the first start; then verify."""
        from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired

        from graphfraud.store.admin import check_login

        password = self.read_password()
        while True:
            try:
                check_login(self.bolt_uri, password)
                return
            except AuthError:
                if self._read_state().get("password_set"):
                    raise Neo4jServerError(
                        f"the stored password in {self.password_file} is not accepted by the "
                        f"server in {self.home}"
                    ) from None
                self._set_initial_password(password)
                self._write_state(password_set=True)
            except (ServiceUnavailable, SessionExpired, OSError) as e:
                if time.monotonic() > deadline:
                    raise Neo4jServerError(f"Neo4j is not answering on {self.bolt_uri}") from e
                time.sleep(0.5)

    def _set_initial_password(self, password: str) -> None:
        from graphfraud.store.admin import set_initial_password

        set_initial_password(self.bolt_uri, "neo4j", password)

    def _log_tail(self, lines: int = 15) -> str:
        texts = []
        for name in ("neo4j.log", "console.log"):
            try:
                text = (self.home / "logs" / name).read_text("utf-8", errors="replace")
            except OSError:
                continue
            texts.extend(text.strip().splitlines()[-lines:])
        return "\n".join(texts[-lines:])

    def admin(self, args: list[str], *, timeout: float | None = None) -> str:
        """Run ``neo4j-admin ARGS`` of this installation and return its output.

        Raises
        ------
        Neo4jServerError
            If the tool exits non-zero (its last lines are in the message).
        ConfigError
            If the settings are bad (:meth:`check_settings`).
        """
        self.check_settings()
        java = self.java()
        self.install()
        self.write_config()
        env = dict(self._env, NEO4J_HOME=str(self.home), NEO4J_CONF=str(self.conf_dir))
        env.pop("NEO4J_PASSWORD", None)
        result = subprocess.run(
            [java, f"-Xmx{self.heap}", *JVM_OPTIONS, "-cp", f"{self.lib}/*",
             ADMIN_ENTRY_POINT, *args],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
            cwd=self.home, timeout=timeout, umask=SERVER_UMASK,
        )
        output = result.stdout + result.stderr
        if result.returncode != 0:
            tail = "\n".join(output.strip().splitlines()[-15:])
            raise Neo4jServerError(
                f"neo4j-admin {' '.join(args[:3])} failed (exit {result.returncode}):\n{tail}"
            )
        return output

    def stop(self, *, timeout: float = 90, say: Say = _quiet) -> bool:
        """Shut the server down cleanly (SIGTERM, then SIGKILL after ``timeout``).

        Returns False when it was not running.
        """
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        say(f"Stopping Neo4j (pid {pid}) ...")
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.pid() is not None and time.monotonic() < deadline:
            time.sleep(0.25)
        if self.pid() is not None:
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
        child = _CHILDREN.pop(pid, None)
        if child is not None:  # started by this process: collect its exit status
            child.wait(timeout=10)
        self.pid_file.unlink(missing_ok=True)
        return True


def _port(value: str, name: str) -> int:
    """A port given as ``--NAME-port`` or ``GRAPHFRAUD_NEO4J_NAME_PORT``.

    Raises
    ------
    ConfigError
        If it is not a whole number from 1 to 65535.
    """
    try:
        port = int(value)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise ConfigError(f"--{name}-port (GRAPHFRAUD_NEO4J_{name.upper()}_PORT) must be a port "
                          f"number from 1 to 65535, got {value!r}")
    return port


def _private_dir(path: Path) -> None:
    """``path`` (made if missing, with its parents) as a folder only its owner enters."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner alone (600) from its first byte:
    a new file renamed onto the name (a link there is replaced, never followed)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _check_pair(certificate: Path, private_key: Path) -> None:
    """Refuse a key that is not the certificate's (or is encrypted): the server would
    start, advertise TLS, and fail every TLS connection."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certificate, private_key, password=lambda: b"")
    except (ssl.SSLError, OSError) as e:
        raise ConfigError(
            f"{private_key} is not a usable private key of {certificate} (the key does "
            f"not match the certificate, or is encrypted): {getattr(e, 'reason', e)}"
        ) from None
