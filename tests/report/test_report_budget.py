"""Exports of a run too big to keep every year of every future (the engine's yearly budget).

The budget is forced down to its floor (one block of futures keeps its yearly paths), so a run
of a block and a half takes that path in seconds, as in tests/test_big_runs.py. The CSV still
has every future's row and NPV; its yearly cash cells are filled for the kept futures only,
and the app says so. The report says which figures come from the kept futures.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import re
from types import SimpleNamespace

import numpy as np
import pytest

from reportcases import DEFAULT, pdf_pages, squash
from simulator.sim.engine import BLOCK, run
from simulator.model.scenario import load
from ui.report import export_samples_csv, samples_note, write_report
from ui.report import samples

N = BLOCK + 20_500   # kept: the first BLOCK; a CSV chunk (20,000 rows) straddles the last kept row
SEED = 5


@pytest.fixture(scope="module")
def big() -> "object":
    """The default scenario with N futures, yearly paths kept for the first BLOCK only."""
    results = run(load(DEFAULT), N, SEED, yearly_budget=1)
    assert results.yearly_futures == BLOCK < results.iterations
    return results


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_the_csv_has_every_future_and_yearly_cash_for_the_kept_ones(big, tmp_path):
    target = tmp_path / "futures.csv"
    assert export_samples_csv(big, target) == N
    rows = read_csv(target)
    header, body = rows[0], rows[1:]
    horizon = big.scenario.horizon_years
    assert header == samples.columns(big)                      # the same layout as a full run's
    assert len(body) == N and all(len(r) == len(header) for r in body)
    assert [int(r[0]) for r in body] == list(range(1, N + 1))
    for a in big.alternatives:
        i = header.index(f"{a.name}: NPV")
        npv = np.array([float(r[i]) for r in body])
        assert np.allclose(npv, a.npv, rtol=0, atol=0.006)      # every future's NPV, cents rounded
        cash_cells = [r[i + 1:i + horizon + 2] for r in body]
        kept, rest = cash_cells[:BLOCK], cash_cells[BLOCK:]
        assert all(all(c != "" for c in r) for r in kept)       # yearly cash exactly for the kept futures
        assert all(all(c == "" for c in r) for r in rest)
        assert np.allclose(np.array(kept, dtype=float), a.cash, rtol=0, atol=0.006)


def test_the_csv_note_says_which_futures_have_yearly_cash(big):
    note = samples_note(big)
    assert f"Yearly cash is filled in for the first {BLOCK:,} of the {N:,} futures" in note
    assert "too big to keep every year of every future" in note and "NPV for all of them" in note
    assert samples_note(run(load(DEFAULT), 500, SEED)) == ""


def test_a_missing_npv_past_the_kept_futures_stays_an_empty_cell(big, tmp_path):
    first = big.alternatives[0]
    npv = first.npv.copy()
    npv[[BLOCK + 3, N - 1]] = np.nan
    bad = dataclasses.replace(big, alternatives=(dataclasses.replace(first, npv=npv), *big.alternatives[1:]))
    target = tmp_path / "futures.csv"
    export_samples_csv(bad, target)
    rows = read_csv(target)
    header = rows[0]
    second = header.index(f"{big.alternatives[1].name}: NPV")
    for future in (BLOCK + 4, N):
        row = rows[future]
        assert len(row) == len(header) and row[1] == "" and set(row[2:second]) == {""}
        assert float(row[second]) == pytest.approx(big.alternatives[1].npv[future - 1], abs=0.006)


def visible_text(raw: str) -> str:
    raw = re.sub(r"<svg\b.*?</svg>", " ", raw, flags=re.S)
    raw = re.sub(r"<style\b.*?</style>", " ", raw, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


def test_the_report_says_what_comes_from_the_kept_futures_in_every_format(big, tmp_path):
    from openpyxl import load_workbook

    kept = f"the first {BLOCK:,} of the {N:,} futures"
    table = f"The P10, median and P90 of each year come from {kept}"
    files = {ext: tmp_path / f"case.{ext}" for ext in ("html", "xlsx", "pdf")}
    for path in files.values():
        write_report(big, path)

    text = visible_text(files["html"].read_text(encoding="utf-8"))
    assert table in text
    assert f"Lines and shading come from {kept}" in text                     # Cash over time caption
    assert f"The shading comes from {kept}" in text                          # Margin impact caption

    pdf = squash(" ".join(pdf_pages(files["pdf"])))
    assert squash(table) in pdf and squash(f"Lines and shading come from {kept}") in pdf

    cells = [c for row in load_workbook(files["xlsx"])["Cash flows"].iter_rows(values_only=True) for c in row]
    assert any(isinstance(c, str) and table in c for c in cells)
    means = [r for r in load_workbook(files["xlsx"])["Cash flows"].iter_rows(min_row=2, values_only=True)
             if r[0] == big.alternatives[0].name]
    assert np.allclose([r[2] for r in means], big.alternatives[0].cash_mean)  # averages: every future


def test_the_app_shows_the_note_with_the_csv_export(big, qtbot, monkeypatch, tmp_path):
    """Export simulated data from the window's menu action: the banner carries the note."""
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QFileDialog, QMainWindow

    from ui import extras
    from ui.banner import Banner
    from ui.worker import LatestWins

    window = QMainWindow()
    qtbot.addWidget(window)
    window.banner = Banner(window)
    window.exports = LatestWins(window, result_after_cancel=True)   # as MainWindow composes it
    window.controller = SimpleNamespace(latest=big, latest_is_preview=False)
    window.doc = SimpleNamespace(path=tmp_path / "case.toml", scenario=big.scenario)
    target = tmp_path / "futures.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    extras.export_samples(window)
    qtbot.waitUntil(lambda: window.banner.isVisibleTo(window) and
                    QThreadPool.globalInstance().activeThreadCount() == 0, timeout=60_000)
    assert target.exists() and len(read_csv(target)) == N + 1
    assert window.banner.level == "info"
    assert str(target) in window.banner.text() and samples_note(big) in window.banner.text()
