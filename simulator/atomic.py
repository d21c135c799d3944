"""Writing a file so that it is either complete or not there at all: the one helper behind
scenario files and their backups, reports and exports, autosaved copies and the calibration
history.

The data goes to a hidden temporary file beside the target (same folder, so the same file
system), is flushed to disk, then moved over the target in one step (``os.replace`` is
atomic on one file system). Any failure removes the temporary file and leaves an existing
target untouched; errors come out as the :class:`OSError` that caused them.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
import tempfile
from typing import Iterator


def temp_beside(target: Path | str, *, suffix: str = ".tmp") -> Path:
    """A new, empty, hidden temporary file in ``target``'s folder (``.<name>.<random><suffix>``)."""
    target = Path(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=str(target.parent or "."))
    os.close(fd)
    return Path(name)


@contextlib.contextmanager
def atomic_path(path: Path | str, *, mode: int | None = None, overwrite: bool = True,
                suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (an empty file, so writers that open by name and
    writers that take a file object both work); on normal exit it is flushed to disk, given
    ``mode`` (exactly; None keeps mkstemp's 0600) and moved into place. ``overwrite=False``
    leaves an existing file at ``path`` alone (and then drops the new data)."""
    target = Path(path)
    tmp = temp_beside(target, suffix=suffix)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, target)
            return
        try:
            os.link(tmp, target)   # atomic, and fails rather than replace an existing file
        except FileExistsError:
            pass
        except OSError:            # no hard links on this file system
            if not target.exists():
                os.replace(tmp, target)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def write_bytes(path: Path | str, data: bytes, *, mode: int | None = None, overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path, mode=mode, overwrite=overwrite) as tmp:
        tmp.write_bytes(data)


def write_text(path: Path | str, text: str, *, mode: int | None = None) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_path`)."""
    write_bytes(path, text.encode("utf-8"), mode=mode)
