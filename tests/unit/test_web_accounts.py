"""Accounts of ``graphfraud serve`` (graphfraud/web/accounts.py) and ``graphfraud users``."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path
from typing import Literal

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner, Result

from graphfraud.cli import cli
from graphfraud.errors import UsageError
from graphfraud.web import accounts
from graphfraud.web.accounts import (
    ROLES,
    LoginLimiter,
    User,
    UserStore,
    default_users_path,
    load_secret,
)

PASSWORD = "correct horse battery"
OTHER = "another long passphrase"


def fast() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class CountingHasher(PasswordHasher):
    """A fast hasher that counts its verifications."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verified += 1
        return super().verify(hash, password)


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "graphfraud" / "users.json"


@pytest.fixture
def store(users_file: Path) -> UserStore:
    return UserStore(users_file, hasher=fast())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- the store ---------------------------------------------------------------------------


def test_add_verify_list_remove(store: UserStore) -> None:
    ann = store.add("ann", "analyst", PASSWORD)
    assert isinstance(ann, User) and (ann.name, ann.role) == ("ann", "analyst")
    assert ann.created_at.endswith("Z") and ann.created_at[10] == "T"
    store.add("bob@risk.example", "viewer", OTHER)

    assert store.verify("ann", PASSWORD) == ann
    assert store.verify("ann", OTHER) is None
    assert store.verify("ann", "") is None
    assert store.verify("nobody", PASSWORD) is None
    assert store.get("ann") == ann and store.get("nobody") is None
    assert [u.name for u in store.list()] == ["ann", "bob@risk.example"]

    store.remove("ann")
    assert store.get("ann") is None and store.verify("ann", PASSWORD) is None
    assert [u.name for u in store.list()] == ["bob@risk.example"]
    with pytest.raises(UsageError, match=r"^no user named ann in "):
        store.remove("ann")


def test_a_missing_file_is_an_empty_store(store: UserStore, users_file: Path) -> None:
    assert store.list() == [] and store.verify("ann", PASSWORD) is None
    assert not users_file.parent.exists()  # reading creates nothing


def test_set_password(store: UserStore) -> None:
    store.add("ann", "lead", PASSWORD)
    store.set_password("ann", OTHER)
    assert store.verify("ann", PASSWORD) is None
    assert store.verify("ann", OTHER) == store.get("ann")
    with pytest.raises(UsageError, match=r"^no user named bob"):
        store.set_password("bob", OTHER)
    with pytest.raises(UsageError, match="too short"):
        store.set_password("ann", "short")


@pytest.mark.parametrize("name", ["", "-ann", "a b", "ann\n", "a/b", "a" * 65, "\u0430nn",
                                  "a\x1b[31m", "ann:x"])
def test_bad_names_are_refused(store: UserStore, name: str) -> None:
    with pytest.raises(UsageError, match=r"^bad user name ") as e:
        store.add(name, "viewer", PASSWORD)
    assert "\n" not in str(e.value) and "\x1b" not in str(e.value)


@pytest.mark.parametrize("name", ["a", "A.b_c-d@e.example", "7" * 64, "_x", ".x", "@x"])
def test_good_names(store: UserStore, name: str) -> None:
    assert store.add(name, "viewer", PASSWORD).name == name


def test_role_password_and_duplicate_checks(store: UserStore) -> None:
    assert ROLES == ("viewer", "analyst", "lead")
    with pytest.raises(UsageError, match=r"^unknown role admin: choose one of viewer, "):
        store.add("ann", "admin", PASSWORD)
    with pytest.raises(UsageError, match="at least 12 characters") as e:
        store.add("ann", "viewer", "elevenchars")
    assert "elevenchars" not in str(e.value)
    with pytest.raises(UsageError, match="too long"):
        store.add("ann", "viewer", "x" * 1025)
    store.add("ann", "viewer", "x" * 12)
    with pytest.raises(UsageError, match=r"^a user named ann already exists$"):
        store.add("ann", "lead", PASSWORD)
    assert store.get("ann") == User("ann", "viewer", store.list()[0].created_at)


def test_file_and_folder_are_owner_only(store: UserStore, users_file: Path) -> None:
    store.add("ann", "viewer", PASSWORD)
    assert mode(users_file) == 0o600
    assert mode(users_file.parent) == 0o700
    assert mode(users_file.with_name("users.json.lock")) == 0o600
    assert sorted(p.name for p in users_file.parent.iterdir()) == [
        "users.json", "users.json.lock"]  # no temporary file left behind


def test_the_file_holds_an_argon2id_hash_never_the_password(
        store: UserStore, users_file: Path) -> None:
    store.add("ann", "analyst", PASSWORD)
    raw = users_file.read_text("utf-8")
    assert PASSWORD not in raw
    data = json.loads(raw)
    assert data["version"] == 1
    entry = data["users"]["ann"]
    assert set(entry) == {"role", "hash", "created_at"} and entry["role"] == "analyst"
    assert entry["hash"].startswith("$argon2id$")


@pytest.mark.parametrize("bits", [0o640, 0o604, 0o620, 0o660])
def test_a_file_open_to_others_is_refused(store: UserStore, users_file: Path,
                                          bits: int) -> None:
    store.add("ann", "viewer", PASSWORD)
    users_file.chmod(bits)
    for call in (store.list, lambda: store.verify("ann", PASSWORD),
                 lambda: store.add("bob", "viewer", PASSWORD)):
        with pytest.raises(UsageError) as e:
            call()
        message = str(e.value)
        assert message == (f"{users_file}: the users file is open to group or others "
                           f"(mode {bits:04o}); run chmod 600 on it")
    users_file.chmod(0o600)
    assert store.get("bob") is None


def test_a_linked_file_is_refused(store: UserStore, users_file: Path, tmp_path: Path) -> None:
    store.add("ann", "viewer", PASSWORD)
    real = tmp_path / "elsewhere.json"
    users_file.rename(real)
    users_file.symlink_to(real)
    with pytest.raises(UsageError, match="the users file is a symbolic link"):
        store.list()


@pytest.mark.parametrize("content", [
    b"{not json", b"[]", b'{"version": 2, "users": {}}', b'{"version": 1}',
    b'{"version": 1, "users": {"ann": {"role": "viewer"}}}',
    b'{"version": 1, "users": {"ann": {"role": "root", "hash": "h", "created_at": "t"}}}',
    b"\xff\xfe", b"",
])
def test_a_corrupt_file_is_named(store: UserStore, users_file: Path, content: bytes) -> None:
    users_file.parent.mkdir(parents=True)
    users_file.write_bytes(content)
    users_file.chmod(0o600)
    for call in (store.list, lambda: store.add("bob", "viewer", PASSWORD)):
        with pytest.raises(UsageError) as e:
            call()
        message = str(e.value)
        assert message.startswith(f"{users_file}: not a graphfraud users file (")
        assert "\n" not in message
    assert users_file.read_bytes() == content  # a failed change writes nothing


def test_a_damaged_hash_is_reported_not_a_wrong_password(
        store: UserStore, users_file: Path) -> None:
    store.add("ann", "viewer", PASSWORD)
    data = json.loads(users_file.read_text("utf-8"))
    data["users"]["ann"]["hash"] = "plain"
    users_file.write_text(json.dumps(data), "utf-8")
    with pytest.raises(UsageError, match="password hash of ann is damaged"):
        store.verify("ann", PASSWORD)


def test_rehash_when_the_parameters_change(users_file: Path) -> None:
    UserStore(users_file, hasher=fast()).add("ann", "analyst", PASSWORD)
    old = json.loads(users_file.read_text("utf-8"))["users"]["ann"]["hash"]
    assert "m=8,t=1,p=1" in old

    stronger = UserStore(users_file, hasher=PasswordHasher(time_cost=2, memory_cost=16,
                                                           parallelism=1))
    assert stronger.verify("ann", OTHER) is None  # a wrong password changes nothing
    assert json.loads(users_file.read_text("utf-8"))["users"]["ann"]["hash"] == old

    assert stronger.verify("ann", PASSWORD) is not None
    new = json.loads(users_file.read_text("utf-8"))["users"]["ann"]["hash"]
    assert new != old and new.startswith("$argon2id$") and "m=16,t=2,p=1" in new
    assert stronger.verify("ann", PASSWORD) is not None
    assert json.loads(users_file.read_text("utf-8"))["users"]["ann"]["hash"] == new
    assert mode(users_file) == 0o600


def test_a_rehash_that_cannot_be_written_still_signs_in(
        users_file: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    UserStore(users_file, hasher=fast()).add("ann", "analyst", PASSWORD)
    before = users_file.read_bytes()

    def read_only(path: Path, data: bytes) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(accounts, "_write_private", read_only)
    stronger = UserStore(users_file, hasher=PasswordHasher(time_cost=2, memory_cost=16,
                                                           parallelism=1))
    assert stronger.verify("ann", PASSWORD) == stronger.get("ann")
    assert users_file.read_bytes() == before
    assert "could not store the rehashed password of ann (Permission denied)" in caplog.text
    assert PASSWORD not in caplog.text


def test_an_unknown_name_costs_a_hash_verification_too(users_file: Path) -> None:
    hasher = CountingHasher()
    store = UserStore(users_file, hasher=hasher)
    store.add("ann", "viewer", PASSWORD)
    hasher.verified = 0
    assert store.verify("nobody", PASSWORD) is None
    assert hasher.verified == 1
    assert store.verify("ann", OTHER) is None
    assert hasher.verified == 2


def test_concurrent_writers_lose_nothing(users_file: Path) -> None:
    errors: list[BaseException] = []

    def add(i: int) -> None:
        try:
            UserStore(users_file, hasher=fast()).add(f"user{i}", "viewer", PASSWORD)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(UserStore(users_file).list()) == 12


def test_default_users_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GRAPHFRAUD_USERS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert default_users_path() == tmp_path / ".config" / "graphfraud" / "users.json"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")
    assert default_users_path() == tmp_path / ".config" / "graphfraud" / "users.json"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert default_users_path() == tmp_path / "xdg" / "graphfraud" / "users.json"
    monkeypatch.setenv("GRAPHFRAUD_USERS", str(tmp_path / "u.json"))
    assert default_users_path() == tmp_path / "u.json"


# -- the cookie-signing key --------------------------------------------------------------


def test_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = "k" * 32
    monkeypatch.setenv("GRAPHFRAUD_SECRET_KEY", key)
    assert load_secret(tmp_path / "secret.key") == key.encode()
    assert not (tmp_path / "secret.key").exists()
    monkeypatch.setenv("GRAPHFRAUD_SECRET_KEY", "s3cr3t-but-short")
    with pytest.raises(UsageError) as e:
        load_secret(tmp_path / "secret.key")
    assert str(e.value) == ("GRAPHFRAUD_SECRET_KEY is too short: use at least 32 random "
                            "characters")


def test_a_generated_secret_is_owner_only_and_stable(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GRAPHFRAUD_SECRET_KEY", raising=False)
    path = tmp_path / "new" / "secret.key"
    key = load_secret(path)
    assert len(key) == 32 and key == path.read_bytes()
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert load_secret(path) == key
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret.key"]
    assert load_secret(tmp_path / "other.key") != key


def test_the_default_secret_lies_beside_the_users_file(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GRAPHFRAUD_SECRET_KEY", raising=False)
    monkeypatch.setenv("GRAPHFRAUD_USERS", str(tmp_path / "conf" / "users.json"))
    key = load_secret()
    assert (tmp_path / "conf" / "secret.key").read_bytes() == key


def test_a_secret_file_open_to_others_or_short_is_refused(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GRAPHFRAUD_SECRET_KEY", raising=False)
    path = tmp_path / "secret.key"
    key = load_secret(path)
    path.chmod(0o640)
    with pytest.raises(UsageError) as e:
        load_secret(path)
    assert str(e.value) == (f"{path}: the secret key file is open to group or others "
                            "(mode 0640); run chmod 600 on it")
    path.chmod(0o600)
    path.write_bytes(key[:31])
    with pytest.raises(UsageError) as e:
        load_secret(path)
    assert str(e.value).startswith(f"{path}: the secret key is shorter than 32 bytes")
    assert key[:31].hex() not in str(e.value) and repr(key[:31]) not in str(e.value)


# -- the login limit ---------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limiter_blocks_after_n_failures() -> None:
    clock = Clock()
    limiter = LoginLimiter(attempts=3, window_s=60, clock=clock)
    key = "ann|10.0.0.1"
    for _ in range(3):
        assert limiter.allowed(key) and limiter.retry_after(key) == 0
        limiter.failed(key)
        clock.now += 1
    assert not limiter.allowed(key)
    assert limiter.retry_after(key) == 57  # the first failure leaves the window at 1060
    assert limiter.allowed("ann|10.0.0.2") and limiter.allowed("ip|10.0.0.1")


def test_the_window_slides() -> None:
    clock = Clock()
    limiter = LoginLimiter(attempts=2, window_s=60, clock=clock)
    limiter.failed("k")
    clock.now += 30
    limiter.failed("k")
    assert not limiter.allowed("k") and limiter.retry_after("k") == 30
    clock.now += 30  # the first failure expires; the second is still counted
    assert limiter.allowed("k")
    limiter.failed("k")
    assert not limiter.allowed("k") and limiter.retry_after("k") == 30
    clock.now += 61
    assert limiter.allowed("k") and len(limiter) == 0  # expired keys are dropped


def test_success_resets() -> None:
    limiter = LoginLimiter(attempts=2, window_s=60, clock=Clock())
    limiter.failed("k")
    limiter.failed("k")
    assert not limiter.allowed("k")
    limiter.succeeded("k")
    assert limiter.allowed("k") and len(limiter) == 0
    limiter.succeeded("never-seen")  # no error


def test_defaults_are_five_in_five_minutes() -> None:
    clock = Clock()
    limiter = LoginLimiter(clock=clock)
    for _ in range(5):
        assert limiter.allowed("k")
        limiter.failed("k")
    assert not limiter.allowed("k") and limiter.retry_after("k") == 300
    clock.now += 300
    assert limiter.allowed("k")


def test_the_key_table_is_capped() -> None:
    clock = Clock()
    limiter = LoginLimiter(attempts=1, window_s=60, clock=clock, max_keys=100)
    for i in range(250):
        limiter.failed(f"ip|{i}")
    assert len(limiter) == 100
    assert limiter.allowed("ip|0") and not limiter.allowed("ip|249")  # oldest forgotten
    assert LoginLimiter().max_keys == 100_000


def test_long_keys_are_stored_short() -> None:
    limiter = LoginLimiter(attempts=1, clock=Clock())
    key = "x" * 100_000 + "|10.0.0.1"
    limiter.failed(key)
    assert not limiter.allowed(key) and limiter.allowed("x" * 100_000 + "|10.0.0.2")
    assert all(len(k) < 100 for k in limiter._failures)


def test_limiter_settings_are_checked() -> None:
    with pytest.raises(UsageError):
        LoginLimiter(attempts=0)
    with pytest.raises(UsageError):
        LoginLimiter(window_s=0)


# -- graphfraud users --------------------------------------------------------------------


class Runner:
    """Runs ``graphfraud users --users-file USERS ...`` and keeps every output."""

    def __init__(self, users_file: Path) -> None:
        self.users_file = users_file
        self.outputs: list[str] = []

    def __call__(self, *args: str, input: str | None = None) -> Result:
        result = CliRunner().invoke(
            cli, ["users", "--users-file", str(self.users_file), *args], input=input)
        self.outputs.append(result.output)
        return result


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, users_file: Path) -> Runner:
    monkeypatch.setattr(accounts, "_hasher_class", lambda: fast)
    return Runner(users_file)


def test_cli_add_list_passwd_remove(run: Runner, users_file: Path) -> None:
    result = run("add", "ann", "--role", "analyst", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert result.output == "added ann (analyst)\n"
    assert mode(users_file) == 0o600 and mode(users_file.parent) == 0o700
    store = UserStore(users_file, hasher=fast())
    assert store.verify("ann", PASSWORD) is not None  # the newline was stripped

    result = run("add", "bob", "--role", "viewer", "--password-stdin", input=OTHER + "\r\n")
    assert result.exit_code == 0 and store.verify("bob", OTHER) is not None

    result = run("list")
    lines = result.stdout.splitlines()
    assert result.exit_code == 0 and lines[0].split() == ["name", "role", "created"]
    assert [line.split()[:2] for line in lines[1:]] == [["ann", "analyst"], ["bob", "viewer"]]
    result = run("list", "--json")
    listed = json.loads(result.stdout)
    assert [(u["name"], u["role"]) for u in listed] == [("ann", "analyst"), ("bob", "viewer")]
    assert set(listed[0]) == {"name", "role", "created_at"}

    result = run("passwd", "ann", "--password-stdin", input=OTHER + "\n")
    assert result.exit_code == 0 and result.output == "password changed for ann\n"
    assert store.verify("ann", PASSWORD) is None and store.verify("ann", OTHER) is not None

    result = run("remove", "ann")
    assert result.exit_code == 0 and result.output == "removed ann\n"
    assert [u.name for u in store.list()] == ["bob"]

    assert not any(PASSWORD in out or OTHER in out for out in run.outputs)


def test_cli_refusals_exit_2_with_one_line(run: Runner, users_file: Path) -> None:
    assert run("add", "ann", "--role", "lead", "--password-stdin",
               input=PASSWORD + "\n").exit_code == 0
    cases = [
        (("add", "ann", "--role", "viewer", "--password-stdin"), OTHER + "\n",
         "error: a user named ann already exists\n"),
        (("add", "bob", "--role", "viewer", "--password-stdin"), "weakpass11\n",
         "error: the password is too short: use at least 12 characters\n"),
        (("add", "bob", "--role", "viewer", "--password-stdin"), "\n",
         "error: --password-stdin: stdin is empty\n"),
        (("add", "bob", "--role", "viewer", "--password-stdin"), "",
         "error: --password-stdin: stdin is empty\n"),
        (("add", "bob", "--role", "viewer", "--password-stdin"), f"{OTHER}\n{PASSWORD}\n",
         "error: --password-stdin takes one line; stdin holds several\n"),
        (("add", "bob", "--role", "viewer"), OTHER + "\n",
         "error: give the password on stdin with --password-stdin (no terminal to prompt "
         "on)\n"),
        (("add", "b\x1b[31mob", "--role", "viewer", "--password-stdin"), OTHER + "\n",
         "error: bad user name 'b\\x1b[31mob': use 1-64 letters, digits and ._-@, not "
         "starting with -\n"),
        (("remove", "carol"), None, f"error: no user named carol in {users_file}\n"),
        (("passwd", "carol", "--password-stdin"), OTHER + "\n",
         f"error: no user named carol in {users_file}\n"),
        (("passwd", "ann", "--password-stdin"), "short\n",
         "error: the password is too short: use at least 12 characters\n"),
    ]
    for args, stdin, message in cases:
        result = run(*args, input=stdin)
        assert (result.exit_code, result.stderr, result.stdout) == (2, message, ""), args
    store = UserStore(users_file, hasher=fast())
    assert [u.name for u in store.list()] == ["ann"]
    assert store.verify("ann", PASSWORD) is not None
    assert not any(secret in out for out in run.outputs
                   for secret in (PASSWORD, OTHER, "weakpass11"))


def test_cli_unknown_role_and_file_open_to_others(run: Runner, users_file: Path) -> None:
    result = run("add", "ann", "--role", "admin", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 2 and "'admin' is not one of" in result.output
    assert run("add", "ann", "--role", "viewer", "--password-stdin",
               input=PASSWORD + "\n").exit_code == 0
    users_file.chmod(0o644)
    result = run("list")
    assert result.exit_code == 2
    assert result.stderr == (f"error: {users_file}: the users file is open to group or "
                             "others (mode 0644); run chmod 600 on it\n")


def test_cli_list_of_no_users(run: Runner, users_file: Path) -> None:
    result = run("list")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"no users in {users_file}\n"
    assert json.loads(run("list", "--json").stdout) == []


def test_cli_prompts_twice_on_a_terminal(run: Runner, users_file: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from graphfraud.cli import users

    monkeypatch.setattr(users, "_on_terminal", lambda stream: True)
    result = run("add", "ann", "--role", "viewer", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Password: " in result.stderr and "Repeat for confirmation: " in result.stderr
    assert result.stdout == "added ann (viewer)\n"
    assert UserStore(users_file, hasher=fast()).verify("ann", PASSWORD) is not None
    assert not any(PASSWORD in out for out in run.outputs)


def test_cli_default_users_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(accounts, "_hasher_class", lambda: fast)
    monkeypatch.setenv("GRAPHFRAUD_USERS", str(tmp_path / "env-users.json"))
    result = CliRunner().invoke(cli, ["users", "add", "ann", "--role", "viewer",
                                      "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0
    assert [u.name for u in UserStore(tmp_path / "env-users.json").list()] == ["ann"]
    assert os.stat(tmp_path / "env-users.json").st_mode & 0o077 == 0
