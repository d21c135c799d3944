"""Editing without TOML: outline, inspector pages, structure actions, undo."""

from __future__ import annotations

from PySide6.QtCore import Qt

from simulator.model.expressions import Formula
from simulator.workshop.edits import blank_scenario



def confirm(qtbot, edit, text):
    edit.setFocus()
    edit.clear()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_every_part_of_the_outline_has_an_inspector_page(window, qtbot):
    scenario = window.doc.scenario
    keys = [("settings",), ("baseline",), ("variables",), ("alternatives",), ("correlations",)]
    keys += [("variable", n) for n, _ in scenario.variables]
    keys += [("alternative", i) for i in range(len(scenario.alternatives))]
    keys += [("item", i, j) for i, a in enumerate(scenario.alternatives) for j in range(len(a.items))]
    keys += [("correlation", k) for k in range(len(scenario.correlations))]
    for key in keys:
        window.outline.select_key(key)
        assert window.inspector.key == key
        assert window.inspector.page.isVisible()
    assert window.doc.scenario == scenario and not window.doc.modified


def test_do_nothing_is_one_click_and_undoable(window, qtbot):
    n = len(window.doc.scenario.alternatives)
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        window.actions_.add_do_nothing.trigger()
    names = [a.name for a in window.doc.scenario.alternatives]
    assert len(names) == n + 1 and names[-1] == "Do nothing"
    assert window.outline.current_key() == ("alternative", n)
    assert list(window.overview.cards)[-1] == "Do nothing"
    assert window.overview.card("Do nothing").npv.text() == "$0"
    window.act_undo.trigger()
    assert len(window.doc.scenario.alternatives) == n


def test_add_duplicate_move_remove_items_from_the_outline(window, qtbot):
    start = window.doc.scenario
    window.outline.select_key(("alternative", 0))
    n = len(start.alternatives[0].items)
    window.actions_.add_items["benefit"].trigger()
    assert len(window.doc.scenario.alternatives[0].items) == n + 1
    assert window.outline.current_key() == ("item", 0, n)
    assert window.inspector.page.key == ("item", 0, n)
    window.actions_.duplicate.trigger()
    assert window.doc.scenario.alternatives[0].items[n + 1].name == "New benefit (copy)"
    window.actions_.move_up.trigger()
    assert window.outline.current_key() == ("item", 0, n)
    assert window.doc.scenario.alternatives[0].items[n].name == "New benefit (copy)"
    # Delete works from the outline
    window.outline.tree.setFocus()
    qtbot.keyClick(window.outline.tree, Qt.Key.Key_Delete)
    assert len(window.doc.scenario.alternatives[0].items) == n + 1
    for _ in range(4):                       # remove, move, duplicate, add
        window.act_undo.trigger()
    assert window.doc.scenario == start
    assert not window.doc.modified


def test_remove_the_last_alternative_is_refused_with_a_message(make_window, qtbot):
    window = make_window(None)
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        window.new_blank()
    window.outline.select_key(("alternative", 1))
    window.actions_.remove.trigger()
    window.outline.select_key(("alternative", 0))
    window.actions_.remove.trigger()
    assert len(window.doc.scenario.alternatives) == 1
    assert "at least one alternative" in window.statusBar().currentMessage()


def test_rename_item_and_alternative(window, qtbot):
    window.outline.select_key(("alternative", 0))
    page = window.inspector.page
    confirm(qtbot, page.fields["name"].editor, "New ERP")
    assert window.doc.scenario.alternatives[0].name == "New ERP"
    assert "New ERP" in window.outline._items[("alternative", 0)].text()
    # an empty name is refused inline
    page = window.inspector.page
    confirm(qtbot, page.fields["name"].editor, "")
    assert page.fields["name"].error.isVisible()
    assert window.doc.scenario.alternatives[0].name == "New ERP"
    # a duplicate name is refused inline, naming the problem
    other = window.doc.scenario.alternatives[1].name
    confirm(qtbot, page.fields["name"].editor, other)
    assert "already called" in page.fields["name"].error.text()


def test_rename_a_variable_updates_its_formulas(window, qtbot):
    name = next(n for n, _ in window.doc.scenario.variables
                if any(isinstance(it.amount, Formula) and n in it.amount.names
                       for a in window.doc.scenario.alternatives for it in a.items))
    window.outline.select_key(("variable", name))
    page = window.inspector.page
    confirm(qtbot, page.fields["name"].editor, "renamed_input")
    assert "renamed_input" in window.doc.scenario.variable_map
    assert window.outline.current_key() == ("variable", "renamed_input")
    uses = [it for a in window.doc.scenario.alternatives for it in a.items
            if isinstance(it.amount, Formula) and "renamed_input" in it.amount.names]
    assert uses
    confirm(qtbot, window.inspector.page.fields["name"].editor, "bad name")
    assert "letters, digits" in window.inspector.page.fields["name"].error.text()


def test_settings_fields(window, qtbot):
    window.outline.select_key(("settings",))
    page = window.inspector.page
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        confirm(qtbot, page.fields["discount_rate"].editor, "12%")
    assert window.doc.scenario.discount_rate == 0.12
    assert "12.0%" in window.overview.heading.text()
    confirm(qtbot, page.fields["discount_rate"].editor, "250%")
    assert page.fields["discount_rate"].error.isVisible()
    assert window.doc.scenario.discount_rate == 0.12
    confirm(qtbot, page.fields["title"].editor, "Board pack, March")
    assert window.windowTitle().startswith("Board pack, March")
    # two steps of the horizon arrows are one undo step
    spin = page.fields["horizon_years"].editor
    h = window.doc.scenario.horizon_years
    spin.stepUp()
    spin.stepUp()
    assert window.doc.scenario.horizon_years == h + 2
    window.act_undo.trigger()
    assert window.doc.scenario.horizon_years == h


def test_baseline_can_be_switched_off_and_on(window, qtbot):
    window.outline.select_key(("baseline",))
    page = window.inspector.page
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        page.fields["enabled"].editor.setChecked(False)
    assert window.doc.scenario.baseline is None
    name = window.doc.scenario.alternatives[0].name
    assert "Baseline" in window.overview.card(name).values["margin"].text()
    window.inspector.page.fields["enabled"].editor.setChecked(True)
    assert window.doc.scenario.baseline is not None


def test_item_kind_change_shows_the_right_fields(make_window, qtbot):
    window = make_window(None)
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        window.new_blank()
    assert window.doc.scenario == blank_scenario()
    window.outline.select_key(("item", 0, 2))      # a benefit
    page = window.inspector.page
    assert page.form.isRowVisible(page.fields["effect"]) and not page.form.isRowVisible(page.fields["year"])
    combo = page.fields["kind"].editor
    combo.setCurrentIndex(combo.findData("risk"))
    combo.activated.emit(combo.currentIndex())
    item = window.doc.scenario.alternatives[0].items[2]
    assert item.kind == "risk" and item.probability == 0.1
    page = window.inspector.page
    assert not page.form.isRowVisible(page.fields["effect"])
    assert page.form.isRowVisible(page.fields["probability"])
    combo = page.fields["kind"].editor
    combo.setCurrentIndex(combo.findData("investment"))
    combo.activated.emit(combo.currentIndex())
    page = window.inspector.page
    assert page.form.isRowVisible(page.fields["year"]) and not page.form.isRowVisible(page.fields["probability"])


def test_add_variable_and_correlation(window, qtbot):
    n = len(window.doc.scenario.correlations)
    window.actions_.add_variable.trigger()
    assert window.outline.current_key() == ("variable", "new_input")
    window.actions_.add_correlation.trigger()
    assert len(window.doc.scenario.correlations) == n + 1
    key = window.outline.current_key()
    assert key == ("correlation", n)
    page = window.inspector.page
    confirm(qtbot, page.fields["rank"].editor, "1.5")
    assert page.fields["rank"].error.isVisible()
    confirm(qtbot, page.fields["rank"].editor, "-0.3")
    assert window.doc.scenario.correlations[n].rank == -0.3


def test_each_alternative_keeps_one_colour(window):
    from ui.charts import colors_for as chart_colors
    from ui.palette import colors_for

    names = [a.name for a in window.doc.scenario.alternatives]
    assert colors_for(names) == chart_colors(names)
    card = window.overview.card(names[1])
    assert colors_for(names)[names[1]] in card.styleSheet()


def test_clicking_elsewhere_applies_the_field_and_follows_the_click(window, qtbot):
    window.outline.select_key(("settings",))
    title = window.inspector.page.fields["title"].editor
    title.setFocus()
    title.clear()
    qtbot.keyClicks(title, "Typed, not confirmed")
    target = window.outline._items[("baseline",)].index()
    rect = window.outline.tree.visualRect(target)
    qtbot.mouseClick(window.outline.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.doc.scenario.title == "Typed, not confirmed"
    assert window.outline.current_key() == ("baseline",)
    assert window.inspector.key == ("baseline",)


def test_moving_an_item_and_saving_keeps_its_comments_on_it(window, qtbot):
    # the author's reasoning inside the first ERP item must travel with it, not stay in place
    reason = "# ERP projects overrun far more often than they come in under, so the"
    first = window.doc.scenario.alternatives[0].items[0].name
    window.outline.select_key(("item", 0, 0))
    window.actions_.move_down.trigger()
    assert window.doc.scenario.alternatives[0].items[1].name == first
    assert window.save()
    text = window.doc.path.read_text(encoding="utf-8")
    item = text[text.index(f'name = "{first}"'):]
    item = item[:item.index("[[alternatives.items]]")]
    assert reason in item
    assert text.index(f'name = "{first}"') > text.index('name = "Phase 2: warehouse module and supplier portal"')
