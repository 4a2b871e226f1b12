"""Writing into an output folder that someone else may write into too.

A command (often run by root or cron) must never write through a symbolic link that
was planted in its output folder: every file is written as a new temporary sibling,
created exclusively and never through a link (``O_CREAT | O_EXCL | O_NOFOLLOW``), then
renamed onto its name (``os.replace``), which replaces a link there and leaves its
target untouched. Readers never see half a file.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from graphfraud.errors import UsageError

#: How a new file is opened: created here, never an existing file, never through a link.
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(
    os, "O_CLOEXEC", 0)


def _new_sibling(path: Path) -> tuple[int, Path]:
    """A new, empty temporary file beside ``path`` (a random hidden name) and its fd."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.partial")
        try:
            return os.open(tmp, _NEW, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"{path.parent}: no free temporary name for {path.name}")


@contextmanager
def _renamed_onto(tmp: Path, path: Path) -> Iterator[None]:
    """Rename ``tmp`` onto ``path`` when the block succeeds; remove it when it fails."""
    try:
        yield
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


@contextmanager
def new_file(path: Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """An open file whose content becomes ``path`` when the block ends without error
    (text: UTF-8, no newline translation)."""
    fd, tmp = _new_sibling(path)
    with _renamed_onto(tmp, path), (
            os.fdopen(fd, "wb") if binary
            else os.fdopen(fd, "w", encoding="utf-8", newline="")) as fh:
        yield fh


@contextmanager
def new_path(path: Path) -> Iterator[Path]:
    """For a writer that takes only a name: a temporary name just created, empty and
    exclusively, beside ``path``; what was written there becomes ``path``."""
    fd, tmp = _new_sibling(path)
    os.close(fd)
    with _renamed_onto(tmp, path):
        yield tmp


def write_new(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) as ``path``, by create-new-then-rename."""
    with new_file(path) as fh:
        fh.write(text)


def refuse_linked_folder(folder: Path, flag: str) -> None:
    """Refuse an output folder that is itself a symbolic link (writing through it would
    write wherever its owner points it), unless the user said so with ``flag``.

    Raises
    ------
    UsageError
        If ``folder`` is a symbolic link.
    """
    if folder.is_symlink():
        raise UsageError(f"{folder}: the output folder is a symbolic link (to "
                         f"{os.readlink(folder)}); not writing through it (pass {flag} "
                         "if that is intended)")
