"""The app's side of issue 15: a yearly list edited as a small table (pasted from a
spreadsheet), the tax and inflation settings, working capital as a kind, depreciation typed as
percentages."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from simulator.model.expressions import parse
from simulator.model.scenario import Item, YearlyAmounts, load
from simulator.workshop import edits
from ui.amount_editor import AmountEditor, parse_row
from ui.fields import DepreciationField
from ui.numbers import NumberError

from uihelpers import DEFAULT


@pytest.fixture
def editor(qtbot):
    e = AmountEditor("money", allow_list=True)
    e.set_context(load(DEFAULT))
    qtbot.addWidget(e)
    e.show()
    return e


def test_a_yearly_list_shows_as_a_row_and_round_trips(editor):
    amount = YearlyAmounts((523.0, 12_887.0, parse("32_610 * 1.0")))
    committed = []
    editor.committed.connect(committed.append)
    editor.set_first_year(2)
    editor.set_amount(amount)
    assert editor.current_kind() == "yearly"
    table = editor.table
    assert [table.horizontalHeaderItem(c).text() for c in range(3)] == ["Year 2", "Year 3", "Year 4"]
    assert table.texts() == ["523", "12,887", "32_610 * 1.0"]
    assert editor.build() == amount
    editor._confirm()
    assert committed == []                                # nothing changed, nothing applied
    assert "Year by year" in editor.words.text()


def test_pasting_a_spreadsheet_row_fills_the_years_and_applies_once(editor, qtbot):
    editor.set_amount(YearlyAmounts((1.0, 2.0)))
    committed = []
    editor.committed.connect(committed.append)
    editor.table.setCurrentCell(0, 1)
    QGuiApplication.clipboard().setText("250k\t1.2M\t300,000\t\n")
    editor.table.setFocus()
    qtbot.keyClick(editor.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert committed == [YearlyAmounts((1.0, 250_000.0, 1_200_000.0, 300_000.0))]
    assert editor.table.columnCount() == 4


def test_a_bad_cell_is_named_and_not_applied(editor):
    editor.set_amount(YearlyAmounts((1.0, 2.0)))
    committed = []
    editor.committed.connect(committed.append)
    editor.table.paste("10\tnot a number (")
    assert committed == []
    assert "Year 2" in editor.error.text()


@pytest.mark.parametrize("text, cells", [
    ("1\t2\t3", ["1", "2", "3"]),
    ("1\n2\n3\n", ["1", "2", "3"]),
    ("1; 2; 3", ["1", "2", "3"]),
    ("1, 2, 3", ["1", "2", "3"]),
    ("12,887", ["12,887"]),
])
def test_rows_are_read_as_people_paste_them(text, cells):
    assert parse_row(text) == cells


def test_depreciation_is_typed_as_percentages_that_add_up_to_100():
    field = DepreciationField()
    assert field.parse("straight line") == "straight_line"
    assert field.parse("33.33%, 44.45%, 14.81%, 7.41%") == pytest.approx((0.3333, 0.4445, 0.1481, 0.0741))
    with pytest.raises(NumberError, match="add up to 90%"):
        field.parse("50%, 40%")
    assert DepreciationField.text_of((0.2, 0.8)) == "20%, 80%"


def test_settings_take_the_tax_rate_and_inflation_and_a_blank_means_zero():
    sc = load(DEFAULT)
    taxed = edits.set_field(sc, ("settings",), "tax_rate", 0.25)
    assert taxed.tax_rate == 0.25 and not edits.validate(taxed)
    assert edits.set_field(taxed, ("settings",), "tax_rate", None).tax_rate == 0.0
    assert edits.validate(edits.set_field(sc, ("settings",), "tax_rate", 25.0))   # refused: a percentage


def test_an_item_turned_into_working_capital_is_tied_up_from_today():
    item = Item("Stock", "running_cost", 100.0, start_year=2, probability=0.5)
    wc = edits.change_kind(item, "working_capital")
    assert wc.kind == "working_capital" and wc.probability is None and wc.start_year == 2
    fresh = edits.change_kind(Item("Machine", "investment", 900.0), "working_capital")
    assert fresh.start_year == 0
    back = edits.change_kind(replace(wc, amount=YearlyAmounts((5.0, 6.0))), "investment")
    assert back.amount == 5.0
