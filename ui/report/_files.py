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
import stat
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


#: Folders of the operating system's own, where no ordinary file can be created.
_SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")


def reason(exc: BaseException, target: Path | None = None) -> str:
    """A plain-words reason for an OS error (``target``: the file being written, when known)."""
    if target is not None and isinstance(exc, OSError) and exc.errno in (errno.ENOENT, errno.EACCES, errno.EPERM,
                                                                        errno.EINVAL, errno.EROFS):
        real = os.path.realpath(target.parent)
        system = next((f for f in _SYSTEM_FOLDERS if real == f or real.startswith(f + "/")), None)
        if system is not None:
            return f"{system} is a system folder where files cannot be created; choose a folder of your own"
        if exc.errno == errno.ENOENT and target.parent.is_dir():
            return "files cannot be created in this folder"
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
    read-only folder, a folder of that name, a name too long), before any long work is done.
    (Only the removal of the probe file may fail quietly; the probe itself must not.)"""
    probe = _temp_beside(_real_target(Path(path)))
    with contextlib.suppress(OSError):
        os.unlink(probe)


def _real_target(target: Path) -> Path:
    """The file a write to ``target`` must replace: the file a symbolic link points to (the
    link stays a link), else ``target`` itself."""
    try:
        return Path(os.path.realpath(target)) if target.is_symlink() else target
    except OSError:  # a name too long, say: the write itself will say why
        return target


def _temp_beside(target: Path) -> Path:
    """An empty temporary file beside ``target`` (raises WriteError when there cannot be one)."""
    try:
        if target.is_dir():
            raise WriteError(target, _REASONS[errno.EISDIR], errno.EISDIR)
        return temp_beside(target, suffix=".part")
    except WriteError:
        raise
    except OSError as exc:
        raise WriteError(target, reason(exc, target), exc.errno) from None


def _mode_for(target: Path, mode: int) -> int:
    """Permissions for the file that replaces ``target``: the existing file's own (overwriting
    never widens or narrows them), else ``mode`` less the umask, as for any new file."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return mode & ~umask


@contextlib.contextmanager
def atomic_path(path: Path | str, *, mode: int = 0o666) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on normal exit it replaces ``path``
    (:func:`simulator.atomic.atomic_path`, with a ``.part`` suffix; an existing file keeps its
    permissions, a new one gets ``mode`` less the umask). Through a symbolic link the file it
    points to is replaced (the link stays a link).

    The temporary file exists (empty) when the block starts, so writers that open by name
    (Qt's PDF writer) and writers that take a file object both work. Any exception inside
    the block removes it; OSError is re-raised as :class:`WriteError`.
    """
    target = _real_target(Path(path))
    try:
        if target.is_dir():
            raise WriteError(target, _REASONS[errno.EISDIR], errno.EISDIR)
        # a report is an ordinary file: mkstemp's 0600 becomes the file's own permissions when
        # it replaces one, else ``mode`` less the umask
        with atomic.atomic_path(target, mode=_mode_for(target, mode), suffix=".part") as tmp:
            try:
                yield tmp
            except OSError as exc:
                if isinstance(exc, WriteError):
                    raise
                raise WriteError(target, reason(exc, target), exc.errno) from None
    except WriteError:
        raise
    except OSError as exc:
        raise WriteError(target, reason(exc, target), exc.errno) from None
