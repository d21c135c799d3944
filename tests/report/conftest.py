"""Fixtures for the report tests: each bundled scenario run once at a modest size, and its
reports written once per session (PDF, HTML, Excel) into a temporary folder. (The Qt set-up,
pytest-qt's QApplication for every report test, is in tests/conftest.py.)"""

from __future__ import annotations

import pytest

from reportcases import ITERATIONS, SCENARIOS, SEED
from simulator.sim.engine import run
from simulator.model.scenario import load


@pytest.fixture(scope="session")
def bundled_results():
    """{stem: Results} for every bundled scenario at ITERATIONS futures and seed SEED."""
    return {path.stem: run(load(path), ITERATIONS, SEED) for path in SCENARIOS}


@pytest.fixture(scope="session")
def bundled_reports(bundled_results, tmp_path_factory):
    """{stem: {"pdf": path, "html": path, "xlsx": path}} written once for the session."""
    from ui.report import write_report

    folder = tmp_path_factory.mktemp("reports")
    out = {}
    for path in SCENARIOS:
        files = {}
        for ext in ("pdf", "html", "xlsx"):
            target = folder / f"{path.stem}.{ext}"
            write_report(bundled_results[path.stem], target, source_file=path,
                         source_text=path.read_text(encoding="utf-8"))
            files[ext] = target
        out[path.stem] = files
    return out


@pytest.fixture(scope="session")
def bundled_pdf_text(bundled_reports):
    """{stem: [text of each page]}: the PDFs read back once (pypdf is slow)."""
    from reportcases import pdf_pages

    return {stem: pdf_pages(files["pdf"]) for stem, files in bundled_reports.items()}


@pytest.fixture(autouse=True)
def _figures_of_the_scenario(request):
    """A test of one bundled scenario's report reads the report's figures as the report writes
    them: in the scenario's locale (erp-vs-solar-eur is de_DE), inputs by their labels."""
    stem = getattr(request.node, "callspec", None) and request.node.callspec.params.get("stem")
    if not stem:
        yield
        return
    from simulator.analysis.formatting import use_scenario

    with use_scenario(request.getfixturevalue("bundled_results")[stem].scenario):
        yield
