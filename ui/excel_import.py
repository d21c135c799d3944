"""File → Import from Excel…: a workbook read in as a new, unsaved scenario.

The workbook is read in a worker (:class:`~ui.worker.LatestWins`): a big workbook never
freezes the window, and a newer import wins over an older one still reading. Only when the
read succeeded does the window ask about unsaved changes (Save / Discard / Cancel, as
New does); the imported case then opens untitled and not saved, so Save asks where. A
workbook that cannot be read leaves the open scenario exactly as it was, and the banner
names the file, the sheet, the cell and what is wrong (:mod:`ui.report.excel_import`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool
from PySide6.QtWidgets import QFileDialog

from simulator.model.errors import ScenarioError
from simulator.model.scenario import ScenarioFile

from .worker import LatestWins

if TYPE_CHECKING:  # pragma: no cover
    from ui.report.excel_import import ImportedCase

    from .main_window import MainWindow

log = logging.getLogger(__name__)

EXCEL_FILTER = "Excel workbooks (*.xlsx *.xlsm);;All files (*)"


class ExcelImporter(QObject):
    """The window's Excel import: a dialog, a read in the background, the result shown."""

    def __init__(self, window: "MainWindow", pool: QThreadPool | None = None):
        super().__init__(window)
        self.window = window
        self.jobs = LatestWins(self, pool=pool, name="excelImport")
        self.jobs.result.connect(self._imported)
        self.jobs.error.connect(self._failed)
        self.path: Path | None = None      # the workbook being read (for the messages)

    def dialog(self) -> None:
        window = self.window
        start = str(window.doc.path.parent) if window.doc.path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(window, "Import from Excel", start, EXCEL_FILTER)
        if path:
            self.start(path)

    def start(self, path: str | Path) -> None:
        """Read ``path`` in the background; the window shows the case when it is read."""
        from ui.report.excel_import import import_workbook

        self.path = Path(path)
        self.window.statusBar().showMessage(f"Reading {self.path.name}…")
        self.jobs.request(lambda worker, p=self.path: import_workbook(p))

    def shutdown(self) -> None:
        self.jobs.shutdown()

    @property
    def busy(self) -> bool:
        return self.jobs.busy

    def _imported(self, case: "ImportedCase") -> None:
        window = self.window
        name = self.path.name if self.path else "the workbook"
        if not window.maybe_save(f"import {name}"):
            window.statusBar().showMessage(f"Import of {name} cancelled; nothing changed.", 6000)
            return
        window.set_document(case.scenario, ScenarioFile(text=case.text), origin=case.scenario.title, unsaved=True)
        lines = [w.line() for w in case.warnings]
        if lines:
            window.banner.show_message(f"Imported {name}: not saved yet. Some cells were unusual:", lines, "info")
        window.statusBar().showMessage(f"Imported “{case.scenario.title}” from {name} ({case.layout}); not saved "
                                       "yet: Save asks where.", 8000)

    def _failed(self, exc, details: str) -> None:
        window = self.window
        name = self.path.name if self.path else "the workbook"
        if isinstance(exc, ScenarioError):
            window.show_load_error(f"Could not import {name}. The scenario on screen is unchanged.", exc)
        else:
            log.error("Could not import %s: %s\n%s", self.path, exc, details)
            window.show_load_error(f"Could not import {name}. The scenario on screen is unchanged.",
                                   _plain(exc, self.path))
        window.statusBar().showMessage(f"Could not import {name}", 8000)


def _plain(exc: BaseException, path: Path | None) -> ScenarioError:
    """An unexpected failure as one plain line (the details go to the log)."""
    from simulator.model.errors import Problem

    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else f"{type(exc).__name__}: {exc}"
    return ScenarioError([Problem("", f"the workbook could not be read ({why}); the details are in the log")],
                         str(path) if path else None)
