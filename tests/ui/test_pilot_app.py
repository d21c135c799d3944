"""Pilots in the app: "Worth finding out" offers a pilot for its leading input; choosing it adds
the staged alternative (undoable), the inspector edits the test's cost, and the results show it."""

from __future__ import annotations

from simulator.model.scenario import load

from uihelpers import DEFAULT


def test_worth_finding_out_offers_a_pilot_that_adds_the_staged_alternative(make_window, qtbot):
    window = make_window(DEFAULT)
    before = window.doc.scenario
    window.sync_chart_tabs()     # the analytics tabs come with the chart code (imported after the first results)
    tab = window.chart_tabs["worth_finding_out"]
    with qtbot.waitSignal(tab.drawn, timeout=60_000):
        window.select_tab("worth_finding_out")
    assert tab.offer_button is not None and tab.offer_button.isVisible()
    actions = tab.offer_button.menu().actions()
    texts = [a.text() for a in actions]
    # the bundled ERP case: line units is the leading unknown, and it is the line that depends on it
    assert texts[0] == "Add a pilot to find out line units (before deciding on New production line)"
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        actions[0].trigger()
    scenario = window.doc.scenario
    staged = scenario.alternatives[-1]
    assert staged.stage_of == "New production line" and staged.pilot.reveals == ("line_units",)
    assert staged.pilot.cost == 0.0 and staged.pilot.error is not None    # placeholders to fill in
    assert window.doc.modified
    # the staged alternative is a full alternative on the Overview
    assert staged.name in window.overview.cards
    assert "Value of the pilot" in window.overview.insight.text()
    # the inspector shows it, with the pilot's fields; a cost typed there is applied
    page = window.inspector.page
    assert page is not None and page.key == ("alternative", len(scenario.alternatives) - 1)
    assert page.fields["pilot_cost"].isVisibleTo(page)
    assert page.apply("pilot_cost", 120_000.0, page.fields["pilot_cost"])
    assert window.doc.scenario.alternatives[-1].pilot.cost == 120_000.0
    # and it is undone like any edit: twice (the cost, then the pilot) is the file as opened
    window.doc.undo_stack.undo()
    window.doc.undo_stack.undo()
    assert window.doc.scenario == before == load(DEFAULT)


def test_the_inspector_hides_pilot_fields_on_an_ordinary_alternative(make_window):
    window = make_window(DEFAULT)
    window.outline.select_key(("alternative", 0))
    page = window.inspector.page
    assert page.key == ("alternative", 0)
    assert not page.fields["pilot_cost"].isVisibleTo(page)
