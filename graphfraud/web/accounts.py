"""Who may sign in to ``graphfraud serve``, and as what.

Accounts live in one JSON file, ``{"version": 1, "users": {name: {role, hash,
created_at}}}``, owner-only (0600, its folder 0700). Passwords are kept only as
argon2id hashes (``argon2-cffi``'s :class:`~argon2.PasswordHasher`). Every change is a
locked read-modify-write (``flock`` on ``users.json.lock`` beside the file) that ends
with an atomic replace, so readers never see half a file and two writers never lose
each other's change. A users file that group or others may read, that is a link or
that does not parse is refused with one line naming it.

Roles, from least to most (:data:`ROLES`): a ``viewer`` reads cases; an ``analyst``
also records verdicts and assigns rings; a ``lead`` may do everything an analyst does
(admin pages are reserved to leads).

The cookie-signing key (:func:`load_secret`) and the login rate limit
(:class:`LoginLimiter`) live here too. The CLI (``graphfraud users``) and the web app
call this module; it never prints.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import re
import secrets
import stat
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from graphfraud.errors import UsageError
from graphfraud.terminal import shown

if TYPE_CHECKING:
    from argon2 import PasswordHasher

__all__ = ["ROLES", "LoginLimiter", "User", "UserStore", "default_users_path",
           "load_secret"]

#: The roles, from least to most: viewer reads; analyst also records verdicts and
#: assigns; lead also everything analysts do (reserved for admin pages).
ROLES = ("viewer", "analyst", "lead")

#: Passwords are at least this long (characters) ...
MIN_PASSWORD = 12
#: ... and at most this long, so a login form cannot make one hash take long.
MAX_PASSWORD = 1024
#: Bytes of the cookie-signing key, and the least ``$GRAPHFRAUD_SECRET_KEY`` may hold
#: (characters).
SECRET_BYTES = 32
SECRET_FILE = "secret.key"

_NAME = re.compile(r"[A-Za-z0-9._@][A-Za-z0-9._@-]{0,63}")
_VERSION = 1
_OPEN_FLAGS = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class User:
    """An account as the app sees it (never its hash)."""

    name: str
    role: str
    created_at: str  #: ISO 8601 UTC, e.g. ``2024-06-30T12:00:00Z``


def default_users_path() -> Path:
    """``$GRAPHFRAUD_USERS``, else ``$XDG_CONFIG_HOME/graphfraud/users.json`` (where
    ``XDG_CONFIG_HOME`` defaults to ``~/.config``; a relative one is ignored, as the XDG
    specification says)."""
    explicit = os.environ.get("GRAPHFRAUD_USERS")
    if explicit:
        return Path(explicit).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(config) if config and Path(config).is_absolute() else (
        Path.home() / ".config")
    return base / "graphfraud" / "users.json"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hasher_class() -> type[PasswordHasher]:
    try:
        from argon2 import PasswordHasher
    except ImportError:  # pragma: no cover - argon2-cffi ships with the web app
        raise UsageError("accounts need argon2-cffi: pip install argon2-cffi") from None
    return PasswordHasher


class UserStore:
    """The users file at ``path``: add, remove, list and verify accounts.

    ``hasher`` is the :class:`argon2.PasswordHasher` new hashes are made with (its
    defaults: argon2id, 64 MiB, 3 passes); a stored hash made with other parameters is
    replaced at the next successful :meth:`verify`.

    Raises
    ------
    UsageError
        From every method when the file is a link, not a regular file, open to group or
        others, or not a users file; from :meth:`add`, :meth:`set_password` and
        :meth:`remove` as each says.
    """

    def __init__(self, path: Path, *, hasher: PasswordHasher | None = None) -> None:
        self.path = Path(path)
        self._hasher = hasher if hasher is not None else _hasher_class()()
        self._dummy: str | None = None

    # -- reading -------------------------------------------------------------------

    def list(self) -> list[User]:
        """Every account, sorted by name."""
        users = self._read()
        return [_user(name, users[name]) for name in sorted(users)]

    def get(self, name: str) -> User | None:
        """The account ``name``, or None."""
        entry = self._read().get(name)
        return None if entry is None else _user(name, entry)

    def stamp(self, name: str) -> str | None:
        """A short digest of the account's stored password hash (None: no such
        account). Sessions carry it, so a changed password ends them."""
        entry = self._read().get(name)
        if entry is None:
            return None
        return hashlib.sha256(str(entry.get("hash", "")).encode()).hexdigest()[:24]

    def verify(self, name: str, password: str) -> User | None:
        """The account when ``password`` is its password, else None.

        An unknown name costs one hash verification too (against a dummy hash made with
        the same parameters), so the time taken does not tell which names exist. After a
        match, a hash made with other parameters than the store's hasher is replaced.
        """
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        dummy = self._dummy_hash()  # made on the first call, whatever the name
        entry = self._read().get(name)
        stored = entry["hash"] if entry is not None else dummy
        try:
            self._hasher.verify(stored, password)
        except VerifyMismatchError:
            return None
        except (InvalidHashError, VerificationError) as e:
            if entry is None:
                return None
            raise UsageError(f"{self.path}: the password hash of {shown(name)} is "
                             f"damaged ({e}); set a new password") from None
        if entry is None:  # pragma: no cover - a random dummy password never matches
            return None
        if self._hasher.check_needs_rehash(stored):
            self._rehash(name, stored, password)
        return _user(name, entry)

    # -- changing ------------------------------------------------------------------

    def add(self, name: str, role: str, password: str) -> User:
        """Create the account ``name`` with ``role``.

        Raises
        ------
        UsageError
            If the name is not 1-64 letters, digits and ``._-@`` (not starting with a
            dash), the role is not one of :data:`ROLES`, the password is shorter than
            12 characters, or the name is taken.
        """
        check_name(name)
        if role not in ROLES:
            raise UsageError(f"unknown role {shown(role)}: choose one of {', '.join(ROLES)}")
        digest = self._hash(password)
        user = User(name, role, _now())
        with self._changing() as users:
            if name in users:
                raise UsageError(f"a user named {name} already exists")
            users[name] = {"role": role, "hash": digest, "created_at": user.created_at}
        return user

    def set_password(self, name: str, password: str) -> None:
        """Give the account ``name`` a new password.

        Raises
        ------
        UsageError
            If there is no such account or the password is too short.
        """
        digest = self._hash(password)
        with self._changing() as users:
            self._existing(users, name)["hash"] = digest

    def remove(self, name: str) -> None:
        """Delete the account ``name``.

        Raises
        ------
        UsageError
            If there is no such account.
        """
        with self._changing() as users:
            self._existing(users, name)
            del users[name]

    # -- the parts -----------------------------------------------------------------

    def _existing(self, users: dict[str, dict[str, str]], name: str) -> dict[str, str]:
        if name not in users:
            raise UsageError(f"no user named {shown(name)} in {self.path}")
        return users[name]

    def _hash(self, password: str) -> str:
        check_password(password)
        return str(self._hasher.hash(password))

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = str(self._hasher.hash(secrets.token_urlsafe(24)))
        return self._dummy

    def _rehash(self, name: str, old: str, password: str) -> None:
        """Replace ``name``'s hash ``old`` by one with the current parameters, unless it
        changed meanwhile. A users file the server may not write keeps the old hash."""
        new = str(self._hasher.hash(password))
        try:
            with self._changing() as users:
                entry = users.get(name)
                if entry is not None and entry["hash"] == old:
                    entry["hash"] = new
        except (OSError, UsageError) as e:  # the login itself succeeded
            _log.warning("%s: could not store the rehashed password of %s (%s)",
                         self.path, shown(name), getattr(e, "strerror", None) or e)

    @contextlib.contextmanager
    def _changing(self) -> Iterator[dict[str, dict[str, str]]]:
        """The accounts, read under the lock; written back when the block succeeds."""
        import fcntl

        _make_private_folder(self.path.parent)
        lock = self.path.with_name(self.path.name + ".lock")
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | _OPEN_FLAGS, 0o600)
        except OSError as e:
            why = "it is a symbolic link" if lock.is_symlink() else e.strerror
            raise UsageError(f"{lock}: cannot open the lock file ({why})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            users = self._read()
            yield users
            _write_private(self.path, _dump(users))
        finally:
            os.close(fd)  # closing releases the lock

    def _read(self) -> dict[str, dict[str, str]]:
        raw = _read_private(self.path, what="users file")
        if raw is None:
            return {}
        try:
            return _parse(raw)
        except (ValueError, TypeError, KeyError) as e:
            reason = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise UsageError(f"{self.path}: not a graphfraud users file ({shown(reason)})"
                             ) from None


def check_name(name: str) -> None:
    """Refuse (UsageError) a name that is not 1-64 ASCII letters, digits and ``._-@``,
    or that starts with a dash."""
    if not _NAME.fullmatch(name):
        quoted = f"'{shown(name)}'" if len(name) <= 64 else "(over 64 characters)"
        raise UsageError(f"bad user name {quoted}: use 1-64 letters, digits and ._-@, "
                         "not starting with -")


def check_password(password: str) -> None:
    """Refuse (UsageError) a password under 12 or over 1024 characters, or one that is
    not text (a lone surrogate). The message never quotes the password."""
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the password is too short: use at least {MIN_PASSWORD} "
                         "characters")
    if len(password) > MAX_PASSWORD:
        raise UsageError(f"the password is too long: use at most {MAX_PASSWORD} characters")
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError("the password is not valid text") from None


def _user(name: str, entry: dict[str, str]) -> User:
    return User(name, entry["role"], entry["created_at"])


def _parse(raw: bytes) -> dict[str, dict[str, str]]:
    """The accounts of a users file; ValueError saying what is wrong."""
    data = json.loads(raw.decode("utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("users"), dict):
        raise ValueError('expected an object with "version" and "users"')
    if data.get("version") != _VERSION:
        raise ValueError(f"version {data.get('version')!r}; this graphfraud reads "
                         f"version {_VERSION}")
    users: dict[str, dict[str, str]] = {}
    for name, entry in data["users"].items():
        fields = ("role", "hash", "created_at")
        if not isinstance(entry, dict) or not all(
                isinstance(entry.get(f), str) for f in fields):
            raise ValueError(f"user {name!r} lacks role, hash or created_at")
        if entry["role"] not in ROLES:
            raise ValueError(f"user {name!r} has the unknown role {entry['role']!r}")
        users[name] = {f: entry[f] for f in fields}
    return users


def _dump(users: dict[str, dict[str, str]]) -> bytes:
    data = {"version": _VERSION, "users": {name: users[name] for name in sorted(users)}}
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# -- owner-only files ------------------------------------------------------------------


def _make_private_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) when missing; the folder itself 0700."""
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, mode=0o700)
    except FileExistsError:
        if not folder.is_dir():
            raise UsageError(f"{folder}: exists and is not a folder") from None
        return
    except OSError as e:
        raise UsageError(f"{folder}: cannot create the folder ({e.strerror})") from None
    os.chmod(folder, 0o700)  # the umask may have taken bits away; never added any


def _read_private(path: Path, *, what: str) -> bytes | None:
    """The bytes of ``path``, or None when it does not exist; refuses a link, a
    non-regular file and a file open to group or others."""
    try:  # (O_NONBLOCK: a FIFO planted there does not hang the open)
        fd = os.open(path, os.O_RDONLY | _OPEN_FLAGS | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as e:
        if path.is_symlink():
            raise UsageError(f"{path}: the {what} is a symbolic link; not reading "
                             "it") from None
        raise UsageError(f"{path}: cannot read the {what} ({e.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{path}: the {what} is not a regular file")
        if info.st_mode & 0o077:
            raise UsageError(f"{path}: the {what} is open to group or others (mode "
                             f"{stat.S_IMODE(info.st_mode):04o}); run chmod 600 on it")
        return fh.read()


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` as ``path`` (0600): a new temporary file beside it, synced, then
    renamed onto it, and the folder synced."""
    tmp = _new_private_sibling(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _new_private_sibling(path: Path, data: bytes) -> Path:
    """A new file beside ``path`` (owner-only, a random hidden name) holding ``data``,
    synced to disk."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _OPEN_FLAGS
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.partial")
        try:
            fd = os.open(tmp, flags, 0o600)
        except FileExistsError:
            continue
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb", closefd=False) as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        finally:
            os.close(fd)
        return tmp
    raise UsageError(f"{path.parent}: no free temporary name for {path.name}")


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- the cookie-signing key ------------------------------------------------------------


def load_secret(path: Path | None = None) -> bytes:
    """The key that signs the app's cookies.

    ``$GRAPHFRAUD_SECRET_KEY`` (at least 32 characters) when set and not empty; else the
    key file ``path`` (default: ``secret.key`` beside :func:`default_users_path`),
    created on first use with 32 random bytes, owner-only (0600, a new folder 0700).
    Two processes creating it at once end up with the same key.

    Raises
    ------
    UsageError
        If the variable is shorter than 32 characters, or the file is a link, not a
        regular file, open to group or others, or shorter than 32 bytes. The message
        never shows the key.
    """
    from_env = os.environ.get("GRAPHFRAUD_SECRET_KEY")
    if from_env:
        if len(from_env) < SECRET_BYTES:
            raise UsageError(f"GRAPHFRAUD_SECRET_KEY is too short: use at least "
                             f"{SECRET_BYTES} random characters")
        return from_env.encode("utf-8")
    if path is None:
        path = default_users_path().with_name(SECRET_FILE)
    key = _read_private(path, what="secret key file")
    if key is None:
        key = _create_secret(path)
    if len(key) < SECRET_BYTES:
        raise UsageError(f"{path}: the secret key is shorter than {SECRET_BYTES} bytes; "
                         "remove the file to have a new one made")
    return key


def _create_secret(path: Path) -> bytes:
    """A new random key written to ``path``, or the key another process wrote there
    first."""
    _make_private_folder(path.parent)
    tmp = _new_private_sibling(path, secrets.token_bytes(SECRET_BYTES))
    try:
        os.link(tmp, path)  # fails when another process made the file first
    except FileExistsError:
        pass
    except OSError as e:
        raise UsageError(f"{path}: cannot create the secret key file ({e.strerror})"
                         ) from None
    finally:
        tmp.unlink(missing_ok=True)
    _sync_folder(path.parent)
    key = _read_private(path, what="secret key file")
    if key is None:  # pragma: no cover - removed between creating and reading
        raise UsageError(f"{path}: the secret key file vanished while it was made")
    return key


# -- the login rate limit --------------------------------------------------------------


class LoginLimiter:
    """At most ``attempts`` failed logins per key in any ``window_s`` seconds.

    Keys are the app's choice, e.g. ``f"{username}|{client_ip}"`` and
    ``f"ip|{client_ip}"``. Memory is bounded: only the last ``attempts`` failures of a
    key are kept, keys whose failures have all expired are dropped, a key longer than
    200 characters is stored as its SHA-256, and at most ``max_keys`` keys are held
    (beyond that, the key that failed longest ago is forgotten first). Safe to call from
    several threads.

    >>> now = [0.0]
    >>> limiter = LoginLimiter(attempts=2, window_s=60, clock=lambda: now[0])
    >>> limiter.failed("ann|10.0.0.1"); limiter.failed("ann|10.0.0.1")
    >>> limiter.allowed("ann|10.0.0.1"), limiter.retry_after("ann|10.0.0.1")
    (False, 60)
    >>> now[0] = 60.0
    >>> limiter.allowed("ann|10.0.0.1")
    True
    """

    def __init__(self, *, attempts: int = 5, window_s: float = 300.0,
                 clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        if attempts < 1 or not window_s > 0 or max_keys < 1:
            raise UsageError("LoginLimiter needs attempts >= 1, window_s > 0 and "
                             "max_keys >= 1")
        self.attempts = attempts
        self.window_s = float(window_s)
        self.max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        #: key -> its recent failure times; ordered by last failure, oldest first
        self._failures: dict[str, deque[float]] = {}

    def allowed(self, key: str) -> bool:
        """Whether ``key`` may try to log in now."""
        return self.retry_after(key) == 0

    def failed(self, key: str) -> None:
        """Record a failed login of ``key``."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            self._record(_short(key), now)

    def acquire(self, key: str) -> bool:
        """Check and count one attempt of ``key`` in one step: True (counted) when it
        may try now. Attempts running at the same moment cannot all pass the check
        before any is counted; a success then clears the count (:meth:`succeeded`)."""
        key = _short(key)
        with self._lock:
            now = self._clock()
            self._expire(now)
            if self._wait(key, now):
                return False
            self._record(key, now)
            return True

    def _record(self, key: str, now: float) -> None:
        times = self._failures.pop(key, None)
        if times is None:
            times = deque(maxlen=self.attempts)
            while len(self._failures) >= self.max_keys:
                del self._failures[next(iter(self._failures))]
        times.append(now)
        self._failures[key] = times  # (re)inserted last: the newest failure

    def succeeded(self, key: str) -> None:
        """Forget ``key``'s failures (a successful login)."""
        with self._lock:
            self._failures.pop(_short(key), None)

    def retry_after(self, key: str) -> int:
        """Whole seconds until ``key`` may try again; 0 when it may now."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            return self._wait(_short(key), now)

    def _wait(self, key: str, now: float) -> int:
        times = self._failures.get(key)
        if times is None:
            return 0
        recent = [t for t in times if t > now - self.window_s]
        if len(recent) < self.attempts:
            return 0
        return max(1, math.ceil(recent[0] + self.window_s - now))

    def __len__(self) -> int:
        """How many keys are held."""
        return len(self._failures)

    def _expire(self, now: float) -> None:
        """Drop the keys whose last failure left the window (they come first)."""
        horizon = now - self.window_s
        while self._failures:
            first = next(iter(self._failures))
            if self._failures[first][-1] > horizon:
                break
            del self._failures[first]


def _short(key: str) -> str:
    if len(key) <= 200:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()

