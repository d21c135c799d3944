"""The business-case report: PDF, HTML and Excel, plus the simulated data as CSV.

For the app (run these in a worker thread; they do not touch widgets)::

    from ui.report import write_report, export_samples_csv
    pages = write_report(results, "case.pdf", source_file=path, source_text=text, progress=cb, cancel=is_cancelled)
    export_samples_csv(results, "futures.csv", progress=cb, cancel=is_cancelled)
    note = samples_note(results)   # "" or a sentence to show beside the CSV export

* The format comes from the extension: ``.pdf``, ``.html``/``.htm`` or ``.xlsx``.
* ``progress(done, total)`` is called as the work goes on; ``cancel()`` is checked between
  steps and stops the export with :class:`simulator.model.errors.Cancelled`.
* A failed write raises :class:`OSError` (a :class:`WriteError`) whose ``str()`` is one line
  naming the file and the reason ("cannot write /x/case.pdf: the disk is full"). Nothing is
  ever left half-written: the file is written beside the target and renamed into place only
  when complete, so an existing file survives a failed or cancelled export untouched.

Command line: ``investsim report FILE --out case.pdf`` (see :mod:`cli.report`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from simulator.model.errors import Cancelled

from ._files import WriteError, atomic_path, check_writable

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

__all__ = ["CHART_FORMATS", "FORMATS", "WriteError", "check_writable", "export_chart", "export_samples_csv",
           "report_format", "samples_note", "write_report"]

#: File extensions and the format each one writes.
FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".xlsx": "xlsx"}
#: File extensions a single chart can be exported to.
CHART_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

Progress = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


def report_format(path: str | os.PathLike) -> str:
    """``"pdf"``, ``"html"`` or ``"xlsx"`` from the file's extension (ValueError otherwise)."""
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise ValueError(f"a report file must end in .pdf, .html or .xlsx, not '{Path(path).name}'")
    return FORMATS[ext]


class _Steps:
    """Counts steps for ``progress`` and checks ``cancel`` at each one."""

    def __init__(self, total: int, progress: Progress | None, cancel: CancelCheck | None):
        self.done, self.total = 0, max(total, 1)
        self.progress, self.cancel = progress, cancel
        self.check()

    def check(self) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled()

    def __call__(self) -> None:
        self.done = min(self.done + 1, self.total)
        if self.progress is not None:
            self.progress(self.done, self.total)
        self.check()

    def extend(self, more: int) -> None:
        """Add ``more`` steps to the total once they are known (the pages of a PDF)."""
        self.total += max(more, 0)

    def finish(self) -> None:
        if self.progress is not None and self.done < self.total:
            self.progress(self.total, self.total)


def write_report(results: "Results", path: str | os.PathLike, *, source_file: str | os.PathLike | None = None,
                 source_text: str | None = None, progress: Progress | None = None, cancel: CancelCheck | None = None,
                 paper: str = "auto") -> int:
    """Write the business-case report for ``results`` to ``path`` (format from the extension).

    ``source_file`` is the scenario file's path, named in the footer so anyone can reproduce
    the figures; ``source_text`` its text, whose comments beside the inputs are their sources
    (:class:`simulator.model.scenario.ScenarioFile` carries both). ``paper`` is ``"auto"`` (A4, or Letter in US locales), ``"a4"`` or
    ``"letter"`` (PDF only). Returns the number of pages (PDF) or 1.

    Figures are written in the scenario's ``locale`` and inputs by their labels.
    """
    from simulator.analysis.formatting import use_scenario

    with use_scenario(results.scenario):
        return _write_report(results, path, source_file=source_file, source_text=source_text, progress=progress,
                             cancel=cancel, paper=paper)


def _write_report(results: "Results", path: str | os.PathLike, *, source_file, source_text, progress, cancel,
                  paper: str) -> int:
    kind = report_format(path)
    from . import facts as facts_mod

    target = Path(path)
    if kind == "xlsx":
        from . import excel

        steps = _Steps(3, progress, cancel)
        f = facts_mod.build(results, source_file, source_text)
        steps()
        with atomic_path(target) as tmp:
            excel.write(f, tmp, step=steps, source_text=source_text)
            steps.check()
        steps.finish()
        return 1

    from . import charts as charts_mod
    from .document import build

    if kind == "pdf":
        from ._qt import ensure_app

        ensure_app()
    n_charts = _chart_count()
    steps = _Steps(2 + n_charts, progress, cancel)  # facts, charts, layout (+ pages, once known)
    f = facts_mod.build(results, source_file, source_text)
    steps()
    images = charts_mod.render(results, step=steps)
    if f.board is not None:
        images.append(charts_mod.render_sensitivity(f.board, results.names, f.currency,
                                                    results.scenario.discount_rate))
    doc = build(f, images, charts_mod.render_portfolio(f.portfolio) if f.portfolio is not None else None)
    with atomic_path(target) as tmp:
        if kind == "pdf":
            from . import pdf

            pages = pdf.write(doc, str(tmp), paper=paper, step=steps, pages_known=steps.extend)
        else:
            from . import html

            html.write(doc, tmp)
            pages = 1
            steps()
        steps.check()
    steps.finish()
    return pages


def _chart_count() -> int:
    from ui.charts import ANALYTICS_CHARTS, CHARTS

    return len(CHARTS) + len(ANALYTICS_CHARTS)


def export_chart(figure, path: str | os.PathLike, *, dpi: float = 200) -> None:
    """Save one chart as it is on screen: PNG (at ``dpi``), SVG or PDF from the extension.

    ``figure`` is the tab's live matplotlib Figure; it is not changed (call this on the GUI
    thread, which owns it). Raises ValueError for another extension and OSError (a
    :class:`WriteError`) when the file cannot be written; nothing half-written is left.
    """
    target = Path(path)
    fmt = CHART_FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise ValueError(f"a chart can be saved as .png, .svg or .pdf, not '{target.name}'")
    import matplotlib

    from ui.charts import chart_rc

    with atomic_path(target) as tmp:
        with chart_rc(), matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "investsim-chart"}):
            figure.savefig(str(tmp), format=fmt, dpi=dpi, facecolor="white", metadata=_chart_metadata(fmt))


def _chart_metadata(fmt: str) -> dict:
    from simulator import __version__

    creator = f"investsim {__version__}"
    if fmt == "png":
        return {"Software": creator}
    if fmt == "svg":
        return {"Creator": creator, "Date": None}
    return {"Creator": creator}


def export_samples_csv(results: "Results", path: str | os.PathLike, *, progress: Progress | None = None,
                       cancel: CancelCheck | None = None) -> int:
    """Write every simulated future as a CSV row: its number, then per alternative the NPV
    and the net cash of each year (year 0 = today). Returns the number of rows written (every
    future). A run too big to keep every year of every future has yearly cash for its first
    futures only; the later rows leave those cells empty and :func:`samples_note` says so."""
    from . import samples

    with atomic_path(Path(path)) as tmp:
        return samples.write_csv(results, tmp, progress=progress, cancel=cancel)


def samples_note(results: "Results") -> str:
    """"" when :func:`export_samples_csv` writes the yearly cash of every future; else one
    plain sentence saying for which futures it does ("Yearly cash is filled in for the first
    32,768 of the 1,000,000 futures (...)"), for the app to show with the export."""
    from . import samples

    return samples.note(results)
