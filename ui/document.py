"""The open scenario: the model every view reads, edited only through undoable commands.

:class:`Document` owns the current :class:`~simulator.model.scenario.Scenario` (immutable), its
:class:`~simulator.model.scenario.ScenarioFile` (path, the text last read or written, the migration)
and a :class:`QUndoStack`. Views never hold their own copy of the data: they read
``document.scenario`` when :attr:`Document.changed` fires. "Unsaved changes" is the undo
stack's clean state; :attr:`Document.saved_scenario` is what the file holds.
"""

from __future__ import annotations

from pathlib import Path
import zlib

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from simulator.model.errors import Problem
from simulator.model.scenario import Scenario, ScenarioFile, save

from simulator.workshop import edits
from simulator.workshop.edits import Key


class ScenarioCommand(QUndoCommand):
    """Replace the scenario by ``new``; undo puts ``old`` back.

    Commands with the same ``merge_key`` pushed one after another merge into one step (typing
    in one field, clicking a spin box's arrows), and a merged command that lands back on the
    old scenario removes itself from the stack.
    """

    def __init__(self, doc: "Document", old: Scenario, new: Scenario, text: str, *,
                 select_before: Key | None = None, select_after: Key | None = None,
                 merge_key: str | None = None):
        super().__init__(text)
        self.doc = doc
        self.old = old
        self.new = new
        self.select_before = select_before
        self.select_after = select_after
        self.merge_key = merge_key
        self._id = (zlib.crc32(merge_key.encode()) & 0x3FFFFFFF) if merge_key else -1

    def id(self) -> int:
        return self._id

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, ScenarioCommand) or other.merge_key != self.merge_key:
            return False
        self.new = other.new
        self.select_after = other.select_after
        if self.new == self.old:
            self.setObsolete(True)
        return True

    def redo(self) -> None:
        self.doc._set(self.new, self.select_after)

    def undo(self) -> None:
        self.doc._set(self.old, self.select_before or self.select_after)


class Document(QObject):
    """The scenario being edited, its file and its undo history."""

    #: The scenario changed (edit, undo, redo or a new file). Carries the scenario and the
    #: key of the thing to select (or None to keep the selection).
    changed = Signal(object, object)
    #: A different file (or a new scenario) replaced the whole document.
    reset = Signal(object)
    #: The file name or the unsaved-changes state changed (for the window title).
    titleChanged = Signal()
    #: The scenario was written to its file (:attr:`saved_scenario` is what it holds now).
    saved = Signal()

    def __init__(self, scenario: Scenario | None = None, file: ScenarioFile | str | Path | None = None,
                 parent=None):
        super().__init__(parent)
        self._scenario = scenario or edits.blank_scenario()
        self._file = _as_file(file)
        self._saved_scenario = self._scenario
        self._origin = ""
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)

    def _clean_changed(self, _clean: bool) -> None:
        self.titleChanged.emit()

    # -- reading ---------------------------------------------------------------------
    @property
    def scenario(self) -> Scenario:
        return self._scenario

    @property
    def file(self) -> ScenarioFile:
        """The scenario's file: its path (None: untitled), the text last read from or written
        to it (saving merges into it, keeping the author's comments and layout), the migration."""
        return self._file

    @property
    def path(self) -> Path | None:
        return self._file.path

    @property
    def saved_scenario(self) -> Scenario:
        """The scenario as its file has it: as opened, or as last saved (for an untitled one,
        as it was started)."""
        return self._saved_scenario

    @property
    def origin(self) -> str:
        """For an untitled copy of a bundled scenario: the bundled file's title."""
        return self._origin

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def display_name(self) -> str:
        if self.path is not None:
            return self.path.name
        return "Untitled"

    # -- editing ---------------------------------------------------------------------
    def propose(self, new: Scenario, text: str, *, select: Key | None = None, select_before: Key | None = None,
                merge_key: str | None = None) -> list[Problem]:
        """Apply ``new`` as one undoable step if it is a valid scenario.

        Returns the problems that stopped it (each with its field path); an empty list means
        it was applied (or there was nothing to change). Nothing changes on a problem.
        """
        if new == self._scenario:
            return []
        problems = edits.validate(new)
        if problems:
            return problems
        self.undo_stack.push(ScenarioCommand(self, self._scenario, new, text, select_before=select_before,
                                             select_after=select, merge_key=merge_key))
        return []

    def _set(self, scenario: Scenario, select: Key | None) -> None:
        self._scenario = scenario
        self.changed.emit(scenario, select)

    # -- files -----------------------------------------------------------------------
    def replace_all(self, scenario: Scenario, file: ScenarioFile | str | Path | None, *, origin: str = "",
                    unsaved: bool = False) -> None:
        """A different scenario (opened, new, reverted) and its file (or just a path, or None
        for untitled): a fresh, clean history. ``unsaved`` (a restored autosave) starts it as
        not saved, until it is saved."""
        self.undo_stack.clear()
        self._scenario = scenario
        self._saved_scenario = scenario
        self._file = _as_file(file)
        self._origin = origin
        self.undo_stack.setClean()
        if unsaved:
            self.undo_stack.resetClean()
        self.reset.emit(scenario)
        self.changed.emit(scenario, None)
        self.titleChanged.emit()

    def save(self, path: str | Path) -> None:
        """Write the scenario to ``path``, merged into the file's text (the author's comments
        and layout stay); it is then this document's file, saved. Raises OSError with the
        reason, and then nothing changes (the file on disk neither)."""
        written = save(self._scenario, path, self._file.text)
        self._file = written
        self._saved_scenario = self._scenario
        self._origin = ""
        self.undo_stack.setClean()
        self.titleChanged.emit()
        self.saved.emit()


def _as_file(file: ScenarioFile | str | Path | None) -> ScenarioFile:
    """A document's file from a file, a bare path (no text: saving writes a fresh file) or None."""
    if isinstance(file, ScenarioFile):
        return file
    return ScenarioFile(Path(file) if file else None)
