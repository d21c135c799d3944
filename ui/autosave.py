"""Autosave and crash recovery.

While a document has unsaved changes, its :class:`Autosaver` writes it every minute into
``autosave/`` in the user's data folder (QStandardPaths.AppDataLocation): a complete scenario
file, written with the same atomic writer as File > Save, and beside it a small JSON note with
the original file (or none for an untitled scenario), the title, when it was written and the
process id. Each window of each process has its own pair of files
(``autosave-<pid>-<n>.toml`` / ``.json``), so windows never overwrite each other's copies.
Saving, discarding on close or closing normally deletes them.

At the next start :func:`orphans` finds the copies whose process is no longer running and
:func:`ask` offers each: Restore, Discard or Later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
import itertools
import json
import logging
import os
from pathlib import Path
import stat
import sys

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from simulator.atomic import write_text
from simulator.model.scenario import save

from .logs import data_folder

#: How often a document with unsaved changes is written, in milliseconds.
INTERVAL_MS = 60_000
FOLDER = "autosave"
RESTORE, DISCARD, LATER = "restore", "discard", "later"

log = logging.getLogger("investsim.autosave")
_serial = itertools.count(1)   # one pair of files per window in this process


def autosave_folder() -> Path | None:
    """Where autosaved copies go, or None when the platform offers no data folder."""
    folder = data_folder()
    return folder / FOLDER if folder else None


@dataclass(frozen=True)
class Autosave:
    """One autosaved copy on disk: the scenario file and what its note says about it."""

    file: Path
    title: str
    original: Path | None
    written: datetime   # aware, UTC
    pid: int

    @property
    def note(self) -> Path:
        return note_of(self.file)

    def discard(self) -> None:
        _delete(self.file, self.note)

    def describe(self, now: datetime | None = None) -> str:
        """What the restore offer says: which scenario, which file and when, in plain words."""
        local = self.written.astimezone()
        where = f"Its file: {self.original}" if self.original else "It was not saved to a file yet."
        then = " Save then asks before it writes over that file." if self.original else ""
        return (f"investsim stopped before your changes to “{self.title}” were saved.\n\n"
                f"{where}\n"
                f"Autosaved at {local:%H:%M} on {local:%d %B %Y} ({ago(self.written, now)}).\n\n"
                f"Restore opens it with those changes, not saved yet.{then} Discard deletes the "
                "autosaved copy. Later keeps it and asks again next time.")


def note_of(file: Path) -> Path:
    """The note beside an autosaved scenario file."""
    return file.with_suffix(".json")


def ago(when: datetime, now: datetime | None = None) -> str:
    """``when`` in words relative to ``now``: "3 minutes ago", "5 hours ago", "4 days ago"."""
    minutes = int(((now or datetime.now(timezone.utc)) - when).total_seconds() // 60)
    if minutes < 1:
        return "less than a minute ago"
    if minutes < 120:
        n, unit = minutes, "minute"
    elif minutes < 48 * 60:
        n, unit = minutes // 60, "hour"
    else:
        n, unit = minutes // (24 * 60), "day"
    return f"{n} {unit}{'' if n == 1 else 's'} ago"


#: A note is a few hundred bytes; anything bigger is not one of ours.
NOTE_LIMIT = 64 * 1024
#: Process ids are positive and below 2**31 on every system investsim runs on.
PID_LIMIT = 2**31
_TEXT_LIMIT = 4096


class BadNote(ValueError):
    """An autosave note that is not one investsim wrote (damaged, or not a note at all)."""


def _regular(path: Path) -> os.stat_result:
    """``path``'s own status when it is a regular file (not a link, FIFO or device)."""
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise BadNote("not a regular file")
    return st


def read_note(note: Path) -> "Autosave":
    """The autosave a note describes, read defensively: a regular file of at most
    :data:`NOTE_LIMIT` bytes, opened without blocking (a FIFO cannot stall start-up) and
    without following links, holding a JSON object whose every field is checked. Raises
    :class:`BadNote` or OSError for anything else."""
    _regular(note)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(note, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise BadNote("not a regular file")
        if st.st_size > NOTE_LIMIT:
            raise BadNote(f"{st.st_size:,} bytes, more than a note's {NOTE_LIMIT:,}")
        raw = os.read(fd, NOTE_LIMIT + 1)
    finally:
        os.close(fd)
    if len(raw) > NOTE_LIMIT:
        raise BadNote("longer than a note")
    try:
        meta = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise BadNote("nested too deeply") from None
    if not isinstance(meta, dict):
        raise BadNote("not a JSON object")

    def text(key: str, *, optional: bool = False) -> str | None:
        value = meta.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value or len(value) > _TEXT_LIMIT or "\x00" in value:
            raise BadNote(f"'{key}' is not a short text")
        return value

    title = text("title")
    original = text("original", optional=True)
    try:
        written = datetime.fromisoformat(text("written"))
    except ValueError:
        raise BadNote("'written' is not a date and time") from None
    if written.tzinfo is None or written.utcoffset() is None:
        raise BadNote("'written' has no time zone")
    pid = meta.get("pid")
    if isinstance(pid, bool) or not isinstance(pid, int) or not 0 < pid < PID_LIMIT:
        raise BadNote("'pid' is not a process id")
    entry = Autosave(note.with_suffix(".toml"), title, Path(original) if original else None,
                     written.astimezone(timezone.utc), pid)
    _regular(entry.file)
    return entry


def find(folder: Path | None) -> list[Autosave]:
    """Every autosaved copy in ``folder`` that has a valid note, newest first. A note that is
    not valid (see :func:`read_note`) is logged and skipped, never fatal."""
    found = []
    try:
        notes = sorted(folder.glob("autosave-*.json")) if folder and folder.is_dir() else []
    except OSError as exc:
        log.warning("Could not look for autosaved copies in %s: %s", folder, exc)
        return []
    for note in notes:
        try:
            found.append(read_note(note))
        except FileNotFoundError:
            continue   # the note without its scenario (or gone meanwhile): nothing to offer
        except Exception as exc:  # a bad note must never stop start-up
            log.warning("Skipped the autosave note %s: %s", note, exc)
    return sorted(found, key=lambda e: e.written, reverse=True)


def orphans(folder: Path | None) -> list[Autosave]:
    """The autosaved copies whose process has ended (crashed or was killed), newest first."""
    return [entry for entry in find(folder) if not process_running(entry.pid)]


def process_running(pid: int) -> bool:
    """Whether process ``pid`` is still running (this process counts as running)."""
    if pid == os.getpid():
        return True
    if not 0 < pid < PID_LIMIT:
        return False
    if sys.platform == "win32":
        import ctypes

        kernel = ctypes.windll.kernel32
        handle = kernel.OpenProcess(0x1000, False, pid)   # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel.GetLastError() == 5   # access denied: it exists, under another user
        code = ctypes.c_ulong()
        ok = kernel.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel.CloseHandle(handle)
        return bool(ok) and code.value == 259   # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # it exists, under another user
        return True
    except (OSError, OverflowError):
        return False
    return True


def offer_box(parent, entry: Autosave, now: datetime | None = None) -> QMessageBox:
    """The restore offer for ``entry``: Restore (default), Discard, Later (Esc)."""
    box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved changes?", entry.describe(now),
                      QMessageBox.StandardButton.NoButton, parent)
    buttons = {}
    for choice, label, role, tip in (
            (RESTORE, "Restore", QMessageBox.ButtonRole.AcceptRole,
             "Open the autosaved scenario with its unsaved changes."),
            (DISCARD, "Discard", QMessageBox.ButtonRole.DestructiveRole,
             "Delete the autosaved copy; the changes in it are lost."),
            (LATER, "Later", QMessageBox.ButtonRole.RejectRole,
             "Keep the autosaved copy and ask again the next time investsim starts.")):
        buttons[choice] = box.addButton(label, role)
        buttons[choice].setToolTip(tip)
        buttons[choice].setProperty("choice", choice)
    box.setDefaultButton(buttons[RESTORE])
    box.setEscapeButton(buttons[LATER])
    return box


def ask(parent, entry: Autosave) -> str:
    """Show the restore offer and wait: :data:`RESTORE`, :data:`DISCARD` or :data:`LATER`."""
    box = offer_box(parent, entry)
    box.exec()
    clicked = box.clickedButton()
    choice = clicked.property("choice") if clicked is not None else None
    box.deleteLater()
    return choice or LATER


class Autosaver(QObject):
    """Writes ``doc`` to its own autosave file every ``interval_ms`` while it has unsaved
    changes, and deletes the file once the document is saved or discarded.

    With ``folder=None`` it does nothing (screenshots, demos). :meth:`shutdown` (called when the
    window closes) stops the timer for good and deletes the file.
    """

    #: Autosaving failed, with a plain sentence saying why (shown in the status bar).
    failed = Signal(str)

    def __init__(self, doc, folder: Path | None, interval_ms: int = INTERVAL_MS, parent=None):
        super().__init__(parent)
        self.doc = doc
        self.folder = folder
        name = f"autosave-{os.getpid()}-{next(_serial)}"
        self.file = folder / f"{name}.toml" if folder else None
        self._written = None    # the scenario the file holds now
        self._failing = False
        self.timer = QTimer(self)
        self.timer.setObjectName("autosaveTimer")
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.write_now)
        if folder is not None:
            doc.titleChanged.connect(self._follow)   # fires when the saved/unsaved state changes

    def _follow(self) -> None:
        if self.doc.modified and self.file is not None:
            if not self.timer.isActive():
                self.timer.start()
        else:
            self.stop()

    def write_now(self) -> bool:
        """Write the document now if it has unsaved changes the file does not hold yet. True
        when the file holds the document's current state."""
        if self.file is None or not self.doc.modified:
            return False
        scenario = self.doc.scenario
        if scenario == self._written:
            return True
        note = {"title": scenario.title, "original": str(self.doc.path) if self.doc.path else None,
                "written": datetime.now(timezone.utc).isoformat(timespec="seconds"), "pid": os.getpid()}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            save(scenario, self.file, self.doc.file.text)   # the file's comments kept in the copy
            _write_atomically(note_of(self.file), json.dumps(note, indent=1))
        except OSError as exc:
            if not self._failing:
                log.warning("Could not autosave to %s: %s", self.file, exc)
                self.failed.emit(f"Could not autosave to {self.folder}: {exc.strerror or exc}. "
                                 "Save your work with File > Save.")
            self._failing = True
            return False
        self._failing = False
        self._written = scenario
        return True

    def stop(self) -> None:
        """Stop autosaving and delete this window's autosaved copy."""
        self.timer.stop()
        if self.file is not None:
            _delete(self.file, note_of(self.file))
        self._written = None

    def shutdown(self) -> None:
        """The window closes: stop for good and delete the autosaved copy."""
        self.stop()
        self.file = None


def _delete(*paths: Path) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("Could not delete the autosaved copy %s: %s", path, exc)


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` in one step (:func:`simulator.atomic.write_text`); OSError
    naming the file on failure."""
    try:
        write_text(path, text)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write {path}: {exc.strerror or exc}") from None
