"""File → Import from Excel… as a user meets it: the case opens as a new, unsaved scenario;
a workbook that cannot be read leaves the open one untouched and says why."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QMessageBox

from excelcases import bad_book, set_cell, workbook
from simulator.model.scenario import dumps, loads


def _idle(qtbot, window):
    qtbot.waitUntil(lambda: not window.excel_importer.busy, timeout=30_000)


def test_import_opens_the_case_as_a_new_unsaved_scenario(window, qtbot, answers, tmp_path):
    book = workbook(tmp_path / "case.xlsx")
    before = window.doc.path
    answers.open_file = str(book)
    assert window.act_import_excel.text().replace("&", "") == "Import from Excel…"
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        window.act_import_excel.trigger()
    s = window.doc.scenario
    assert s.title == "CRM or sales team"
    assert [a.name for a in s.alternatives] == ["CRM", "Sales team"]
    assert window.doc.path is None and before is not None      # untitled: Save asks where
    assert window.doc.modified
    assert "CRM or sales team" in window.statusBar().currentMessage()
    # Save asks for a name and writes the imported case there
    target = tmp_path / "imported.toml"
    answers.save_file = str(target)
    assert window.save()
    assert loads(target.read_text(encoding="utf-8")).alternatives == s.alternatives
    assert not window.doc.modified


def test_a_bad_workbook_leaves_the_open_scenario_as_it_was(window, qtbot, answers, tmp_path):
    original, path, title = window.doc.scenario, window.doc.path, window.windowTitle()
    bad = bad_book(tmp_path, set_cell(3, 2, "Investmant"))
    window.excel_importer.start(bad)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=30_000)
    _idle(qtbot, window)
    text = window.banner.text()
    assert "Could not import bad.xlsx. The scenario on screen is unchanged." in text
    assert "sheet 'Case', cell C9" in text and "unknown kind 'Investmant'" in text
    assert window.doc.scenario is original and window.doc.path == path and window.windowTitle() == title
    assert not any(kind == "warning" for kind, _ in answers.asked)    # nothing to ask: nothing changed


def test_unsaved_changes_are_asked_about_and_cancel_keeps_them(window, qtbot, answers, tmp_path):
    doc = window.doc
    alts = list(doc.scenario.alternatives)
    alts[0] = dataclasses.replace(alts[0], name="Renamed")
    changed = dataclasses.replace(doc.scenario, alternatives=tuple(alts))
    assert doc.propose(changed, dumps(changed)) == []
    assert doc.modified
    answers.warning = QMessageBox.StandardButton.Cancel
    window.excel_importer.start(workbook(tmp_path / "case.xlsx"))
    qtbot.waitUntil(lambda: any(kind == "warning" for kind, _ in answers.asked), timeout=30_000)
    _idle(qtbot, window)
    assert doc.scenario.alternatives[0].name == "Renamed" and doc.modified     # nothing of it lost
    assert "cancelled" in window.statusBar().currentMessage()
