"""The Portfolio tab as a user meets it: shown only for a [portfolio] scenario, the funded set
ticked, the budget and must-fund what-ifs re-optimised off the GUI thread."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from simulator.sim.engine import run
from simulator.analysis.portfolio import analyse
from simulator.model.scenario import load

from uihelpers import DEFAULT, SCENARIOS

PORTFOLIO = SCENARIOS / "portfolio-capital-budget.toml"


def _open(make_window, qtbot):
    window = make_window(None)
    view = window.portfolio_view
    with qtbot.waitSignal(view.updated, timeout=120_000):
        assert window.open_path(PORTFOLIO, ask=False)
    return window, view


def test_tab_only_for_portfolio_scenarios_and_it_shows_the_engine_answer(make_window, qtbot):
    window, view = _open(make_window, qtbot)
    assert window.tabs.indexOf(view) >= 0 and window.select_tab("portfolio")
    scenario = load(PORTFOLIO)
    expected = analyse(run(scenario), frontier=False, marginal=False)
    assert view.result.selected == expected.selected
    model = view.model
    ticks = [model.data(model.index(r, 0)) == "\u2714" for r in range(model.rowCount())]
    names = [model.data(model.index(r, 2)) for r in range(model.rowCount())]
    assert [n for n, t in zip(names, ticks) if t] == expected.selected
    assert "Fund 6 of 10" in view.status.text() or f"Fund {len(expected.selected)}" in view.status.text()
    # another scenario without a [portfolio] table: the tab goes away
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        assert window.open_path(DEFAULT, ask=False)
    assert window.tabs.indexOf(view) < 0


def test_budget_and_must_fund_what_ifs_reoptimise(make_window, qtbot):
    window, view = _open(make_window, qtbot)
    before = view.result
    with qtbot.waitSignal(view.updated, timeout=120_000):
        view.budget.setValue(before.spec.budget * 2)
    bigger = view.result
    assert bigger.spec.budget == before.spec.budget * 2
    assert bigger.choice.expected_npv >= before.choice.expected_npv
    assert window.doc.scenario.portfolio.budget == before.spec.budget   # a what-if: the file is unchanged
    with qtbot.waitSignal(view.updated, timeout=120_000):
        view.budget.setValue(before.spec.budget)
    # tick "must fund" on a project left out: its cost is the re-optimised difference
    row = next(i for i, m in enumerate(view.result.marginal) if not m.funded and m.reoptimised_change is not None)
    m = view.result.marginal[row]
    with qtbot.waitSignal(view.updated, timeout=120_000):
        view.model.setData(view.model.index(row, 1), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert m.name in view.result.selected
    assert np.isclose(view.result.choice.expected_npv - before.choice.expected_npv, m.reoptimised_change)
    assert m.name in view.cost.text() and "costs" in view.cost.text()


def test_without_a_portfolio_table_the_view_is_nowhere_on_screen(make_window, qtbot):
    # the view is the window's child until it becomes a tab: it must not sit over the menu bar
    window = make_window(None)
    window.show()
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        assert window.open_path(DEFAULT, ask=False)
    assert window.tabs.indexOf(window.portfolio_view) < 0
    assert not window.portfolio_view.isVisible()
    with qtbot.waitSignal(window.portfolio_view.updated, timeout=120_000):
        assert window.open_path(PORTFOLIO, ask=False)
    assert window.select_tab("portfolio") and window.portfolio_view.isVisible()
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        assert window.open_path(DEFAULT, ask=False)
    assert not window.portfolio_view.isVisible()
