"""The app names inputs by their labels and writes figures in the file's locale; the
inspector edits a variable's label and unit, undoably."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from simulator.model.locales import NBSP

EUR_CASE = Path(__file__).resolve().parents[2] / "scenarios" / "erp-vs-solar-eur.toml"


def confirm(qtbot, edit, text):
    edit.setFocus()
    edit.clear()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_a_german_file_shows_german_figures_and_plain_word_inputs(make_window):
    window = make_window(EUR_CASE)
    card = window.overview.card("Cloud ERP")
    npv = card.npv.text()
    assert npv.endswith(f"{NBSP}€") and ("Tsd." in npv or "Mio." in npv), npv
    text = " ".join(label.text() for label in window.overview.findChildren(type(card.npv)))
    assert "share of office time freed" in text       # the label, not time_freed
    assert "time_freed" not in text


def test_label_and_unit_are_edited_in_the_inspector_and_undone(window, qtbot):
    name = window.doc.scenario.variables[0][0]
    window.outline.select_key(("variable", name))
    page = window.inspector.page
    confirm(qtbot, page.fields["label"].editor, "yearly revenue today")
    confirm(qtbot, window.inspector.page.fields["unit"].editor, "USD a year")
    assert window.doc.scenario.labels[name] == "yearly revenue today"
    assert window.doc.scenario.unit_of(name) == "USD a year"
    window.act_undo.trigger()
    window.act_undo.trigger()
    assert name not in window.doc.scenario.labels and window.doc.scenario.unit_of(name) == ""


def test_the_number_style_setting_is_undoable(window, qtbot):
    window.outline.select_key(("settings",))
    field = window.inspector.page.fields["locale"]
    field.editor.setCurrentIndex(field.editor.findData("fr_FR"))
    field.editor.activated.emit(field.editor.currentIndex())
    assert window.doc.scenario.locale == "fr_FR"
    window.act_undo.trigger()
    assert window.doc.scenario.locale == ""
