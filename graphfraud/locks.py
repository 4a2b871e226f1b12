"""One process at a time: an exclusive lock file that names its holder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(path: Path, refused: Callable[[str], Exception]) -> Iterator[None]:
    """Hold an ``flock`` on ``path`` (created with its parents) for the block.

    The holder writes ``pid N since T`` into the file; a second process fails at once
    with ``refused(that text)`` instead of waiting. The file is opened without following
    a link (a link planted at ``path`` is refused, its target untouched) and removed
    when the block ends, and so are the folders created for it when they are left empty.

    Raises
    ------
    UsageError
        If ``path`` is a symbolic link or not a regular file.
    """
    import fcntl
    import os
    from datetime import UTC, datetime

    created = _make_parents(path.parent)
    try:
        fd = _open_locked(path, refused)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()} since "
                     f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}".encode())
            try:
                yield
            finally:
                path.unlink(missing_ok=True)  # while held: the next holder makes a new one
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
    finally:
        for folder in created:  # deepest first; only those left empty
            try:
                folder.rmdir()
            except OSError:
                break


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; those created, deepest first."""
    missing = []
    while not folder.exists() and not folder.is_symlink() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for f in reversed(missing):
        f.mkdir(exist_ok=True)
    return missing


def _open_locked(path: Path, refused: Callable[[str], Exception]) -> int:
    """The fd of ``path``, opened without following a link and flocked; retried when the
    name was removed or replaced between opening and locking (a holder leaving)."""
    import fcntl
    import os
    import stat

    from graphfraud.errors import UsageError

    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(
        os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    while True:
        try:
            fd = os.open(path, flags, 0o666)
        except OSError as e:
            if path.is_symlink():
                raise UsageError(f"{path}: the lock file is a symbolic link; not opening "
                                 "it (remove it and run again)") from None
            raise UsageError(f"{path}: cannot open the lock file ({e.strerror})") from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise UsageError(f"{path}: the lock file is not a regular file; not "
                                 "using it (remove it and run again)")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise refused(os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                              or "unknown") from None
            try:
                same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
        except BaseException:
            os.close(fd)
            raise
        if same:
            return fd
        os.close(fd)  # its holder removed it as we opened it: take the new one
