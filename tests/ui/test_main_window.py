"""The main window as a user meets it: open, see results, edit, undo, save, drop, cancel."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from simulator.analysis import formatting as fmt
from simulator.sim.engine import run
from simulator.model.distributions import Range90
from simulator.model.expressions import Formula
from simulator.model.scenario import load

from uihelpers import DEFAULT, bundled_files


def npv_text(window, name: str) -> str:
    return window.overview.card(name).npv.text()


@pytest.mark.parametrize("path", bundled_files(), ids=lambda p: p.stem)
def test_each_bundled_scenario_opens_with_results(make_window, qtbot, path):
    window = make_window(path)
    scenario = load(path)
    assert window.doc.scenario == scenario
    assert not window.doc.modified
    results = window.overview.results
    assert results is not None and not window.overview.preview
    assert results.iterations == scenario.iterations
    assert list(window.overview.cards) == [a.name for a in scenario.alternatives]
    expected = run(scenario).summary
    scale = fmt.headline_scale(expected.alternatives)
    for a in expected.alternatives:
        assert npv_text(window, a.name) == fmt.money(a.npv.mean, scenario.currency, scale=scale)
    assert window.overview.verdict.text() == expected.verdict
    assert window.banner.isHidden()
    # the charts draw when their tab is shown
    for key in ("value", "head_to_head"):
        tab = window.chart_tabs[key]
        with qtbot.waitSignal(tab.drawn, timeout=30_000):
            window.select_tab(key)
        assert tab.drawn_results is results and tab.error is None and tab.finding


def _find(window, predicate) -> tuple[int, int]:
    """(alternative, item) of the first item matching ``predicate`` (tests do not depend on the
    order of the bundled file)."""
    for i, alt in enumerate(window.doc.scenario.alternatives):
        for j, item in enumerate(alt.items):
            if predicate(item):
                return i, j
    raise AssertionError("no such item in the scenario")


def _range_cost(item) -> bool:
    return item.kind == "running_cost" and isinstance(item.amount, Range90) and item.amount.shape == "normal"


def _select_item(window, alt: int, item: int):
    window.outline.select_key(("item", alt, item))
    page = window.inspector.page
    assert page.key == ("item", alt, item)
    return page


def test_changing_an_amount_moves_the_expected_npv_and_undo_restores_it(window, qtbot):
    original = window.doc.scenario
    # A yearly running cost given as a 90% range (ERP's subscription): make it about ten times as much.
    i, j = _find(window, _range_cost)
    erp = original.alternatives[i].name
    before_text = npv_text(window, erp)
    page = _select_item(window, i, j)
    assert page.amount.current_kind() == "range"
    low = page.amount.fields["range"]["low"].edit
    high = page.amount.fields["range"]["high"].edit
    high.setFocus()
    high.selectAll()
    qtbot.keyClicks(high, "3M")
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        low.selectAll()
        qtbot.keyClicks(low, "2.4M")
        qtbot.keyClick(low, Qt.Key.Key_Return)
    item = window.doc.scenario.alternatives[i].items[j]
    assert item.amount.describe() == {"low": 2_400_000.0, "high": 3_000_000.0}
    assert window.doc.modified and window.isWindowModified()
    summary = run(window.doc.scenario).summary
    expected = summary.alternative(erp).npv.mean
    after_text = npv_text(window, erp)
    assert after_text == fmt.money(expected, "USD", scale=fmt.headline_scale(summary.alternatives))
    assert expected < run(original).summary.alternative(erp).npv.mean - 10e6  # it really moved, a lot
    # the words next to the field say what the range means
    assert page.amount.words.text().startswith("90% sure between $2.4M and $3.0M")

    # Undo (Ctrl+Z) brings the old scenario and the old result back.
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        window.outline.tree.setFocus()
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.doc.scenario == original
    assert npv_text(window, erp) == before_text
    assert not window.doc.modified
    # ... and redo (Ctrl+Shift+Z) applies it again.
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert npv_text(window, erp) == after_text


def test_invalid_amount_is_shown_next_to_the_field_and_not_applied(window, qtbot):
    original = window.doc.scenario
    page = _select_item(window, *_find(window, _range_cost))
    high = page.amount.fields["range"]["high"]
    high.edit.setFocus()
    high.edit.selectAll()
    qtbot.keyClicks(high.edit, "1")      # below the low end
    qtbot.keyClick(high.edit, Qt.Key.Key_Return)
    assert high.error.isVisible()
    assert "above low" in high.error.text().lower()
    assert window.doc.scenario == original and not window.doc.modified
    high.edit.selectAll()
    qtbot.keyClicks(high.edit, "lots")
    assert "not a number" in high.error.text()
    assert window.doc.scenario == original


def test_cross_field_problem_is_shown_inline(window, qtbot):
    original = window.doc.scenario
    i, j = _find(window, lambda it: it.is_annual and it.end_year is not None and it.end_year < 5)
    end = original.alternatives[i].items[j].end_year
    page = _select_item(window, i, j)
    field = page.fields["start_year"]
    field.editor.setValue(end + 1)            # after its end year
    assert field.error.isVisible()
    assert "'Until year'" in field.error.text() and "Not applied" in field.error.text()
    assert "_year" not in field.error.text()
    assert window.doc.scenario == original


def test_formula_editor_marks_unknown_names(window, qtbot):
    original = window.doc.scenario
    i, j = _find(window, lambda it: isinstance(it.amount, Formula) and it.amount.text ==
                 "inventory_value * inventory_cut * carrying_rate")
    page = _select_item(window, i, j)
    editor = page.amount
    assert editor.current_kind() == "formula"
    assert editor.words.text().startswith("Worked out from inventory_value, inventory_cut and carrying_rate: "
                                           "90% sure between")
    formula = editor.formula
    formula.setFocus()
    formula.selectAll()
    qtbot.keyClicks(formula, "inventory_value * inventory_cutt * carrying_rate")
    qtbot.keyClick(formula, Qt.Key.Key_Return)
    assert formula.unknown == ["inventory_cutt"]
    assert editor.error.isVisible()
    assert "did you mean 'inventory_cut'" in editor.error.text()
    assert window.doc.scenario == original
    # a syntax error names the place
    formula.selectAll()
    qtbot.keyClicks(formula, "inventory_value * (inventory_cut")
    assert "character" in editor.error.text() or "parenthes" in editor.error.text()
    assert window.doc.scenario == original


def test_broken_file_leaves_the_scenario_untouched(window, tmp_path, qtbot):
    original = window.doc.scenario
    title = window.windowTitle()
    bad = tmp_path / "broken.toml"
    bad.write_text(DEFAULT.read_text(encoding="utf-8").replace("discount_rate = 0.09", "discount_rate = 'nine'"),
                   encoding="utf-8")
    assert not window.open_path(bad)
    assert window.doc.scenario is original
    assert window.doc.path is None or window.doc.path.name != "broken.toml"
    assert window.windowTitle() == title
    assert window.banner.isVisible()
    text = window.banner.text()
    assert "Could not open broken.toml" in text
    assert "discount_rate" in text and "expected a number" in text
    # not TOML at all
    worse = tmp_path / "worse.toml"
    worse.write_bytes(b"\x00\x01 this is not = = toml")
    assert not window.open_path(worse)
    assert window.doc.scenario is original and "worse.toml" in window.banner.text()
    # a missing file
    assert not window.open_path(tmp_path / "missing.toml")
    assert "no such file" in window.banner.text()
    assert window.doc.scenario is original


def test_engine_error_shows_in_a_banner(make_window, tmp_path, qtbot):
    path = tmp_path / "divide.toml"
    path.write_text("""
format = 1
title = "Divides by zero"
horizon_years = 3
discount_rate = 0.1
iterations = 1000
[variables]
zero = 0
[[alternatives]]
name = "A"
[[alternatives.items]]
name = "Broken"
kind = "benefit"
amount = "1 / zero"
""", encoding="utf-8")
    window = make_window(None)
    with qtbot.waitSignal(window.runFailed, timeout=30_000):
        window.open_path(path, ask=False)
    assert window.banner.isVisible()
    assert "cannot be simulated" in window.banner.text()
    assert "A / Broken: the amount is not a finite number" in window.banner.text()


def test_cancel_a_long_run(window, qtbot):
    shown = window.overview.results
    with qtbot.waitSignal(window.controller.progressed, timeout=60_000):
        window.iterations.setValue(2_000_000)
    assert window.doc.scenario.iterations == 2_000_000
    assert window.cancel_button.isEnabled()
    with qtbot.waitSignal(window.controller.cancelled, timeout=30_000):
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.progress.isVisible(), timeout=30_000)
    assert "Stopped" in window.run_label.text()
    assert not window.cancel_button.isEnabled()
    assert window.overview.results is not None
    assert window.overview.results.iterations != 2_000_000
    assert shown is not None


def test_unsaved_changes_prompt_on_close(window, qtbot, answers):
    window.new_seed()
    assert window.doc.modified
    answers.warning = QMessageBox.StandardButton.Cancel
    assert not window.close()
    assert window.isVisible() and window.doc.modified
    assert answers.asked[-1][0] == "warning" and "not saved" in answers.asked[-1][1]
    answers.warning = QMessageBox.StandardButton.Discard
    assert window.close()
    assert not window.isVisible()


def test_unsaved_changes_prompt_on_open_and_save(make_window, qtbot, answers, tmp_path):
    path = tmp_path / "erp.toml"
    shutil.copy(DEFAULT, path)
    window = make_window(path)
    window.new_seed()
    other = bundled_files()[0]
    before = window.doc.scenario
    answers.warning = QMessageBox.StandardButton.Cancel
    assert not window.open_path(other)
    assert window.doc.scenario is before and window.doc.path == path
    answers.warning = QMessageBox.StandardButton.Save
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        assert window.open_path(other)
    assert window.doc.path == other
    saved = load(path)
    assert saved.seed == before.seed
    text = path.read_text(encoding="utf-8")
    assert "# ERP vs. new production line: the default investsim scenario." in text  # comments kept
    assert f"seed = {before.seed}" in text


def test_save_as_and_revert(window, qtbot, answers, tmp_path):
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        window.new_from_bundled(DEFAULT)      # an untitled copy of the example
    target = tmp_path / "mine"
    answers.save_file = str(target)
    window.new_seed()
    assert window.save()                      # untitled: asks for a name
    saved = tmp_path / "mine.toml"
    assert window.doc.path == saved and not window.doc.modified
    assert load(saved) == window.doc.scenario
    assert "mine.toml" in window.windowTitle()
    seed = window.doc.scenario.seed
    window.new_seed()
    assert window.doc.modified
    answers.question = QMessageBox.StandardButton.Yes
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        window.revert()
    assert window.doc.scenario.seed == seed and not window.doc.modified


def test_drop_a_file_opens_it(window, qtbot):
    target = bundled_files()[0]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(target))])
    enter = QDragEnterEvent(QPoint(200, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        QApplication.sendEvent(window, drop)
    assert window.doc.path == target
    assert window.doc.scenario == load(target)
    # something that is not a scenario file is refused
    mime2 = QMimeData()
    mime2.setUrls([QUrl.fromLocalFile("/tmp/picture.png")])
    enter2 = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime2, Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter2)
    assert not enter2.isAccepted()


def test_new_seed_and_iterations_are_undoable_edits(window, qtbot):
    seed = window.doc.scenario.seed
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        qtbot.mouseClick(window.new_seed_button, Qt.MouseButton.LeftButton)
    assert window.doc.scenario.seed != seed
    assert window.seed.text() == str(window.doc.scenario.seed)
    assert window.overview.results.seed == window.doc.scenario.seed
    window.act_undo.trigger()
    assert window.doc.scenario.seed == seed and window.seed.text() == str(seed)


def test_new_blank_and_from_example(window, qtbot):
    from ui.main_window import bundled_scenarios

    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        window.new_blank()
    assert window.doc.path is None and window.doc.scenario.title == "Untitled scenario"
    assert "Untitled" in window.windowTitle()
    title, path = bundled_scenarios()[-1]
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        window.new_from_bundled(path)
    assert window.doc.path is None and window.doc.scenario.title == title
    assert "not saved yet" in window.windowTitle()


def test_recent_files_are_remembered(make_window, qtbot, _isolated_settings):
    from ui.settings import recent_files

    window = make_window(DEFAULT)
    assert recent_files()[0] == str(window.doc.path.resolve())
    assert _isolated_settings.exists()
    window.recent_menu.aboutToShow.emit()
    assert any(DEFAULT.name in a.text() for a in window.recent_menu.actions())


def test_tabs_by_key_or_title(window):
    for name in ("overview", "value", "Risk profile", "cash", "margin", "head_to_head", "Head to head"):
        assert window.select_tab(name), name
    assert not window.select_tab("nonsense")


def test_saving_never_writes_over_a_bundled_example(make_window, answers, tmp_path):
    window = make_window(DEFAULT, copy=False)
    before = DEFAULT.read_bytes()
    window.new_seed()
    answers.save_file = ""                   # the user cancels the Save As dialog
    assert not window.save()
    assert ("save", "") in answers.asked
    assert DEFAULT.read_bytes() == before


def test_a_file_dropped_on_a_text_field_opens_rather_than_pastes(window, qtbot):
    target = bundled_files()[0]
    window.outline.select_key(("settings",))
    field = window.inspector.page.fields["title"].editor
    before = field.text()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(target))])
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(field, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        QApplication.sendEvent(field, drop)
    assert window.doc.path == target
    assert target.as_posix() not in before


def test_keyboard_shortcuts(window):
    from PySide6.QtGui import QKeySequence

    def keys(action):
        return {s.toString() for s in action.shortcuts()}

    assert "Ctrl+N" in keys(window.act_new) and "Ctrl+O" in keys(window.act_open)
    assert "Ctrl+S" in keys(window.act_save) and "Ctrl+Shift+S" in keys(window.act_save_as)
    assert "Ctrl+Z" in keys(window.act_undo) and "Ctrl+Shift+Z" in keys(window.act_redo)
    assert "Ctrl+R" in keys(window.act_rerun) and "Shift+F5" in keys(window.act_cancel) and "F6" in keys(window.act_new_seed)
    assert "Ctrl+D" in keys(window.actions_.duplicate) and "Del" in keys(window.actions_.remove)
    assert QKeySequence("Ctrl+1") in [a.shortcut() for a in window._view_actions]
    for action in (window.act_new, window.act_open, window.act_save, window.act_rerun, window.act_new_seed,
                   window.actions_.add_do_nothing, *window.actions_.add_items.values()):
        assert action.toolTip() and action.toolTip() != action.text().replace("&", "")


def test_the_editor_can_be_hidden_for_a_projector(window, qtbot):
    width = window.tabs.width()
    window.act_editor.trigger()
    assert not window.left_splitter.isVisible()
    qtbot.waitUntil(lambda: window.tabs.width() > width + 200)
    window.act_editor.trigger()
    assert window.left_splitter.isVisible()
