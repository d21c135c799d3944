"""From an edit (or a what-if drag) to the picture on screen, as a user sees it (issue 17):
the quick preview's picture is of the edited scenario, the full run's replaces it, and after
a drag is let go the chart shows the kept position in full. No timing here (make bench)."""

from __future__ import annotations

import numpy as np

from simulator.model.distributions import Distribution
from simulator.model.keys import variable as V
from simulator.sim.engine import run
from simulator.workshop import whatif as wi
from simulator.workshop.edits import set_field

ERP = "ERP system"
LINE = "New production line"


def _first_amount(scenario):
    for i, alt in enumerate(scenario.alternatives):
        for j, item in enumerate(alt.items):
            if isinstance(item.amount, Distribution):
                return ("item", i, j), item.amount
    raise AssertionError("no uncertain amount")


def test_the_preview_picture_is_of_the_edit_and_the_full_runs_replaces_it(window, qtbot):
    assert window.select_tab("value")
    chart = window.current_chart()
    qtbot.waitUntil(lambda: chart.drawn_results is not None and not chart.busy, timeout=60_000)
    key, amount = _first_amount(window.doc.scenario)
    edited = set_field(window.doc.scenario, key, "amount", wi.shift_amount(amount, 0.5))
    pictures = []
    chart.drawn.connect(lambda _finding: pictures.append(chart.drawn_results))
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        assert window.doc.propose(edited, "test") == []
    qtbot.waitUntil(lambda: not chart.busy and pictures and pictures[-1].iterations == edited.iterations,
                    timeout=60_000)
    ours = [r for r in pictures if r.scenario == edited]
    assert ours and ours[0].iterations < edited.iterations, "no quick preview picture of the edit first"
    assert pictures[-1].scenario == edited == window.doc.scenario       # the full run's, of the edit
    # an edit of one alternative gives the figures of a run of everything (the other keeps its futures)
    whole = run(edited, edited.iterations)
    for shown, expected in zip(pictures[-1].alternatives, whole.alternatives):
        assert np.array_equal(shown.npv, expected.npv), shown.name


def test_after_a_drag_the_chart_shows_the_kept_position_in_full(window, qtbot):
    """While a what-if slider is dragged the Value chart follows; let go, and the chart shows
    the document's full run of the kept position (no older preview left on screen). The
    alternative the slider does not reach keeps exactly its figures throughout."""
    assert window.select_tab("value")
    window.whatif_dock.show()
    chart = window.current_chart()
    panel = window.whatif
    qtbot.waitUntil(lambda: V("line_units") in panel.labels() and not chart.busy, timeout=60_000)
    erp_before = window.controller.latest.alternative(ERP).npv
    slider = panel.slider(V("line_units"))
    slider.setSliderDown(True)
    seen = []
    panel.previewReady.connect(lambda r: seen.append(r))
    for position in (10, 25, 40):
        with qtbot.waitSignal(panel.previewReady, timeout=30_000):
            slider.setSliderPosition(position)
    qtbot.waitUntil(lambda: not panel.runner.busy, timeout=30_000)
    assert all(np.array_equal(r.alternative(ERP).npv, erp_before) for r in seen)
    assert seen[-1].alternative(LINE).npv.mean() > seen[0].alternative(LINE).npv.mean()
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        slider.setSliderDown(False)
    qtbot.waitUntil(lambda: not chart.busy and not panel.runner.busy, timeout=60_000)
    qtbot.wait(100)                      # a late preview would arrive now
    assert not chart.busy
    shown = chart.drawn_results
    assert shown.scenario == window.doc.scenario and shown.iterations == window.doc.scenario.iterations
    assert np.array_equal(shown.alternative(ERP).npv, erp_before)
