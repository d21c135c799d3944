"""The amount editor on its own: every kind, live preview and words, validation, commit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from simulator.model.distributions import Discrete, Pert, Range90, Triangular, from_spec, range90
from simulator.model.expressions import parse
from simulator.model.scenario import load
from ui.amount_editor import AmountEditor, kind_of

from uihelpers import DEFAULT


@pytest.fixture
def editor(qtbot):
    e = AmountEditor("money")
    e.set_context(load(DEFAULT))
    qtbot.addWidget(e)
    e.show()
    return e


def confirm(qtbot, edit, text):
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


@pytest.mark.parametrize("amount, kind", [
    (1_500_000.0, "fixed"),
    (range90(400_000, 1_100_000), "range"),
    (from_spec({"low": 80_000, "high": 400_000, "dist": "lognormal"}), "range"),
    (from_spec({"dist": "triangular", "min": 1, "mode": 2, "max": 5}), "triangular"),
    (from_spec({"dist": "pert", "min": 1, "mode": 2, "max": 5}), "pert"),
    (from_spec({"dist": "normal", "mean": 10, "sd": 2}), "normal"),
    (from_spec({"dist": "lognormal", "mean": 10, "sd": 2}), "lognormal"),
    (from_spec({"dist": "uniform", "min": 1, "max": 3}), "uniform"),
    (from_spec({"dist": "discrete", "values": [0, 250_000], "weights": [0.8, 0.2]}), "chance"),
    (from_spec({"dist": "discrete", "values": [1, 2, 3], "weights": [0.5, 0.35, 0.15]}), "discrete"),
    (from_spec({"low": 15_000, "high": 35_000, "floor": 0}), "range"),
    (parse("line_units * unit_price"), "formula"),
])
def test_every_kind_shows_and_round_trips(editor, qtbot, amount, kind):
    committed = []
    editor.committed.connect(committed.append)
    editor.set_amount(amount)
    assert kind_of(amount) == kind and editor.current_kind() == kind
    assert editor.words.text() and editor.error.isHidden()
    editor._confirm()                       # confirming unchanged fields applies nothing
    assert committed == []
    assert editor.build() == amount


def test_typing_updates_preview_and_words_before_applying(editor, qtbot):
    committed = []
    editor.committed.connect(committed.append)
    editor.set_amount(range90(400_000, 1_100_000))
    high = editor.fields["range"]["high"].edit
    high.setFocus()
    high.selectAll()
    qtbot.keyClicks(high, "2M")
    assert committed == []                   # not yet applied
    assert editor.words.text().startswith("90% sure between $0.4M and $2.0M")
    assert editor.preview._sketch.p95 == pytest.approx(2_000_000)
    qtbot.keyClick(high, Qt.Key.Key_Return)
    assert committed == [range90(400_000, 2_000_000)]


def test_switching_kind_keeps_the_size(editor, qtbot):
    committed = []
    editor.committed.connect(committed.append)
    editor.set_amount(range90(400_000, 1_100_000))
    editor.kind.setCurrentIndex(editor.kind.findData("pert"))
    editor.kind.activated.emit(editor.kind.currentIndex())
    assert isinstance(committed[-1], Pert)
    assert committed[-1].min == 400_000 and committed[-1].max == 1_100_000 and committed[-1].mode == 750_000
    editor.set_amount(committed[-1])
    editor.kind.setCurrentIndex(editor.kind.findData("chance"))
    editor.kind.activated.emit(editor.kind.currentIndex())
    assert isinstance(committed[-1], Discrete)
    assert "chance of" in editor.words.text()


def test_skewed_range(editor, qtbot):
    committed = []
    editor.committed.connect(committed.append)
    editor.set_amount(range90(400_000, 1_100_000))
    editor.skewed.setChecked(True)
    assert committed[-1] == from_spec({"low": 400_000, "high": 1_100_000, "dist": "lognormal"})


def test_errors_are_next_to_the_field_and_nothing_is_applied(editor, qtbot):
    committed = []
    editor.committed.connect(committed.append)
    editor.set_amount(from_spec({"dist": "triangular", "min": 1, "mode": 2, "max": 5}))
    mode = editor.fields["triangular"]["mode"]
    confirm(qtbot, mode.edit, "9")
    assert committed == []
    assert mode.error.isVisible() and "most likely" in mode.error.text().lower()
    confirm(qtbot, mode.edit, "abc")
    assert "not a number" in mode.error.text()
    confirm(qtbot, mode.edit, "3")
    assert committed == [Triangular(1, 3, 5)] and mode.error.isHidden()


def test_limits(editor, qtbot):
    committed = []
    editor.committed.connect(committed.append)
    editor.set_amount(range90(-100, 100))
    confirm(qtbot, editor.floor.edit, "0")
    assert committed[-1] == range90(-100, 100, floor=0)
    confirm(qtbot, editor.cap.edit, "-5")
    assert editor.cap.error.isVisible() and "floor" in editor.cap.error.text()


def test_formula_unknown_names_are_marked_not_applied(editor, qtbot):
    committed = []
    editor.committed.connect(committed.append)
    editor.set_amount(parse("line_units * unit_price"))
    confirm(qtbot, editor.formula, "line_units * unit_prise")
    assert committed == []
    assert "did you mean 'unit_price'" in editor.error.text()
    confirm(qtbot, editor.formula, "line_units * unit_price * 1.1")
    assert committed == [parse("line_units * unit_price * 1.1")]
    assert editor.words.text().startswith("Worked out from line_units and unit_price: 90% sure between $")


def test_percent_editor_reads_percent(qtbot):
    e = AmountEditor("percent", optional=True, preview=False)
    qtbot.addWidget(e)
    committed = []
    e.committed.connect(committed.append)
    e.committed.connect(e.set_amount)      # the model applies it and shows it back
    e.set_amount(None)
    assert e.current_kind() == "none" and e.words.text() == "Not used."
    e.kind.setCurrentIndex(e.kind.findData("fixed"))
    e.kind.activated.emit(e.kind.currentIndex())
    confirm(qtbot, e.fields["fixed"]["value"].edit, "4%")
    assert committed[-1] == 0.04
    assert e.words.text() == "Exactly 4%."
    e.kind.setCurrentIndex(e.kind.findData("none"))
    e.kind.activated.emit(e.kind.currentIndex())
    assert committed[-1] is None


def test_range_values_are_not_rounded_away(editor):
    editor.set_amount(Range90(123_456.5, 234_567.25))
    assert editor.build() == Range90(123_456.5, 234_567.25)


def test_refresh_after_an_edit_keeps_the_next_fields_selection(editor, qtbot):
    editor.committed.connect(editor.set_amount)      # the model shows the new amount back
    editor.set_amount(range90(400_000, 1_100_000))
    low = editor.fields["range"]["low"].edit
    high = editor.fields["range"]["high"].edit
    low.setFocus()
    low.selectAll()
    qtbot.keyClicks(low, "500k")
    high.setFocus()                                  # leaving "low" applies it
    high.selectAll()
    editor._confirm()
    assert editor.amount() == range90(500_000, 1_100_000)
    assert high.selectedText() == high.text()       # still selected: typing replaces it
