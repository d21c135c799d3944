"""Writing a file so that it is either complete or not there at all.

Every export writes to a hidden temporary file beside the target and renames it over the
target only when it is complete (``os.replace`` is atomic on one file system), through the
app's one atomic-write helper, :mod:`simulator.atomic`. A failure at
any point removes the temporary file and leaves an existing target untouched. Failures come
out as :class:`OSError` whose message names the file and says why in plain words.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path
from typing import Iterator

from simulator import atomic
from simulator.atomic import temp_beside

_REASONS = {
    errno.EACCES: "permission denied (the folder or file is read-only, or belongs to someone else)",
    errno.EPERM: "permission denied (the folder or file is read-only, or belongs to someone else)",
    errno.EROFS: "the disk or folder is read-only",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "part of the folder path is a file, not a folder",
    errno.EISDIR: "there is a folder of that name",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.ENAMETOOLONG: "the file name is too long",
}


def reason(exc: BaseException) -> str:
    """A plain-words reason for an OS error."""
    if isinstance(exc, OSError) and exc.errno in _REASONS:
        return _REASONS[exc.errno]
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__


class WriteError(OSError):
    """A report or export could not be written. ``str()`` is one line naming the file."""

    def __init__(self, path: Path | str, why: str, errno_: int | None = None):
        self.path = str(path)
        self.why = why
        super().__init__(errno_ or errno.EIO, f"cannot write {self.path}: {why}")

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.why}"


def check_writable(path: Path | str) -> None:
    """Raise :class:`WriteError` now if ``path`` clearly cannot be written (missing or
    read-only folder, a folder of that name), before any long work is done."""
    with contextlib.suppress(OSError):
        os.unlink(_temp_beside(Path(path)))


def _temp_beside(target: Path) -> Path:
    """An empty temporary file beside ``target`` (raises WriteError when there cannot be one)."""
    if target.is_dir():
        raise WriteError(target, _REASONS[errno.EISDIR], errno.EISDIR)
    try:
        return temp_beside(target, suffix=".part")
    except OSError as exc:
        raise WriteError(target, reason(exc), exc.errno) from None


@contextlib.contextmanager
def atomic_path(path: Path | str, *, mode: int = 0o666) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on normal exit it replaces ``path``
    (:func:`simulator.atomic.atomic_path`, with a ``.part`` suffix and ``mode`` less the umask).

    The temporary file exists (empty) when the block starts, so writers that open by name
    (Qt's PDF writer) and writers that take a file object both work. Any exception inside
    the block removes it; OSError is re-raised as :class:`WriteError`.
    """
    target = Path(path)
    if target.is_dir():
        raise WriteError(target, _REASONS[errno.EISDIR], errno.EISDIR)
    umask = os.umask(0)
    os.umask(umask)
    try:
        # a report is an ordinary file: mkstemp's 0600 becomes 0666 less the umask
        with atomic.atomic_path(target, mode=mode & ~umask, suffix=".part") as tmp:
            try:
                yield tmp
            except OSError as exc:
                if isinstance(exc, WriteError):
                    raise
                raise WriteError(target, reason(exc), exc.errno) from None
    except WriteError:
        raise
    except OSError as exc:
        raise WriteError(target, reason(exc), exc.errno) from None
