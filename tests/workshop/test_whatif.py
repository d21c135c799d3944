"""What-if sliders: the pure shift (simulator.workshop.whatif) and the panel driven as a facilitator would
(pytest-qt, offscreen): drag a slider, see the results move deterministically, let go, undo,
reset. Also measures how many previews a second reach the screen while a slider is dragged."""

from __future__ import annotations

from dataclasses import replace
import os
from pathlib import Path
import subprocess
import sys

from hypothesis import given, settings, strategies as st
import pytest

from qtcheck import assert_qt_clean
from simulator.workshop import whatif as wi
from simulator.model.distributions import (Discrete, LogNormal, Pert, Range90, Triangular, bernoulli, discrete, lognormal,
                                     normal, pert, range90, triangular, uniform)
from simulator.sim.engine import run
from simulator.model.expressions import parse
from simulator.model.keys import item_input as I, variable as V
from simulator.model.scenario import load

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "erp-vs-production-line.toml"
LINE = "New production line"
ERP = "ERP system"


@pytest.fixture(scope="module")
def scenario():
    return load(DEFAULT)


# ---------------------------------------------------------------------------------------
# shift_amount: closed-form cases
# ---------------------------------------------------------------------------------------

def test_a_positive_range_is_multiplied_and_keeps_its_floor():
    shifted = wi.shift_amount(range90(15_000, 35_000, floor=0), 0.2)
    assert isinstance(shifted, Range90)
    assert (shifted.low, shifted.high, shifted.floor) == (18_000, 42_000, 0)
    assert shifted.describe() == {"low": 18_000, "high": 42_000, "floor": 0}   # saved as whole numbers


def test_a_pert_moves_min_mode_and_max_together():
    shifted = wi.shift_amount(pert(3_200_000, 3_550_000, 4_400_000), -0.1)
    assert isinstance(shifted, Pert)
    assert (shifted.min, shifted.mode, shifted.max) == (2_880_000, 3_195_000, 3_960_000)


def test_a_fixed_number_moves_itself_within_its_limits():
    assert wi.shift_amount(9, 0.2) == pytest.approx(10.8)
    assert wi.shift_amount(-100.0, 0.2) == -80           # a positive shift always moves up
    assert wi.shift_amount(0.9, 0.5, lo=0.0, hi=1.0) == 1.0   # a probability stays a probability


def test_an_input_that_reaches_below_zero_moves_by_a_share_of_its_median():
    growth = range90(-0.02, 0.05)                        # median 0.015
    shifted = wi.shift_amount(growth, 0.2)
    assert shifted.low == pytest.approx(-0.017) and shifted.high == pytest.approx(0.053)
    assert shifted.high - shifted.low == pytest.approx(growth.high - growth.low)   # spread kept
    centred = normal(0.0, 10.0)                          # median 0: half the 90% width instead
    assert wi.shift_amount(centred, 0.5).mean_ == pytest.approx(0.5 * 10.0 * 1.6448536269514722)


def test_lognormal_and_chance_inputs_are_scaled():
    assert wi.shift_amount(range90(80_000, 400_000, "lognormal"), 0.25).describe() == \
        {"dist": "lognormal", "low": 100_000, "high": 500_000}
    ln = wi.shift_amount(lognormal(100.0, 30.0), -0.5)
    assert isinstance(ln, LogNormal) and (ln.mean_, ln.sd_) == (50, 15)
    chance = wi.shift_amount(discrete([0, 300_000], [3, 1]), 0.2)
    assert isinstance(chance, Discrete) and chance.probabilities() == {0.0: 0.75, 360_000.0: 0.25}


def test_every_kind_moves_its_median_by_the_shift():
    kinds = [range90(15_000, 35_000), range90(-5, 10), normal(100, 15), uniform(0.15, 0.45),
             triangular(1.7e6, 2.0e6, 3.3e6), pert(0.0, 0.005, 0.012), lognormal(100, 30),
             range90(80_000, 400_000, "lognormal"), discrete([1, 2, 3], [0.5, 0.35, 0.15]), 120_000_000.0]
    for amount in kinds:
        for shift in (-0.5, -0.13, 0.2, 0.5):
            shifted = wi.shift_amount(amount, shift)
            assert type(shifted) is type(amount) or not hasattr(amount, "ppf")
            m0, m1 = wi.median(amount), wi.median(shifted)
            assert m1 - m0 == pytest.approx(shift * wi.reference(amount), rel=1e-4, abs=1e-9), (amount, shift)
            assert wi.implied_shift(amount, shifted) == pytest.approx(shift), (amount, shift)


def test_no_shift_is_the_same_amount_and_some_amounts_cannot_shift():
    amount = pert(1, 2, 4)
    assert wi.shift_amount(amount, 0.0) is amount
    with pytest.raises(wi.WhatIfError):
        wi.shift_amount(parse("a * b"), 0.1)
    with pytest.raises(wi.WhatIfError):
        wi.shift_amount(bernoulli(0.3), 0.1)
    with pytest.raises(wi.WhatIfError):
        wi.shift_amount(amount, -1.0)
    assert not wi.shiftable(0.0) and not wi.shiftable(True) and wi.shiftable(7)


def test_an_edit_that_is_not_a_shift_is_recognised():
    assert wi.implied_shift(range90(10, 20), range90(12, 30)) is None
    assert wi.implied_shift(range90(10, 20), pert(10, 15, 20)) is None
    assert wi.implied_shift(range90(10, 20), range90(10, 20)) == 0.0


@settings(max_examples=200, deadline=None)
@given(lo=st.floats(-1e6, 1e6), width=st.floats(1e-3, 1e6), mode_at=st.floats(0, 1),
       shift=st.floats(-0.5, 0.5), kind=st.sampled_from(["range", "pert", "triangular", "uniform"]))
def test_shifts_are_valid_and_recoverable(lo, width, mode_at, shift, kind):
    hi = lo + width
    amount = {"range": lambda: range90(lo, hi), "pert": lambda: pert(lo, lo + mode_at * width, hi),
              "triangular": lambda: triangular(lo, lo + mode_at * width, hi),
              "uniform": lambda: uniform(lo, hi)}[kind]()
    shifted = wi.shift_amount(amount, shift)          # constructing it validates it
    # Rounding moves a parameter by at most a millionth of the width (times 1 + shift).
    tolerance = 2e-6 * width + 1e-9 * max(abs(lo), abs(hi))
    assert wi.median(shifted) - wi.median(amount) == pytest.approx(shift * wi.reference(amount), rel=1e-6,
                                                                   abs=tolerance)
    if shift == 0 or abs(shift) * wi.reference(amount) > 1e-3 * width:
        assert wi.implied_shift(amount, shifted) == pytest.approx(shift, rel=1e-3, abs=1e-4)
    if wi.multiplied(amount):
        assert wi.spread90(shifted)[0] >= -1e-9 * max(1.0, abs(hi))   # positive stays positive


# ---------------------------------------------------------------------------------------
# Inputs of a scenario
# ---------------------------------------------------------------------------------------

def test_inputs_are_found_and_replaced_by_label(scenario):
    labels = wi.inputs(scenario)
    assert V("line_units") in labels and V("crew_size") in labels
    assert V("monthly_contribution") not in labels          # a formula
    assert I(ERP, "Disrupted go-live", "probability") in labels
    item = I(ERP, "Licences, implementation partner and data migration")
    assert isinstance(wi.get_amount(scenario, item), Triangular)
    for label in (item, V("line_units"), I(ERP, "Disrupted go-live", "probability")):
        new = wi.set_amount(scenario, label, 123.0)
        assert wi.get_amount(new, label) == 123.0
        assert new.correlations == scenario.correlations
    with pytest.raises(KeyError):
        wi.set_amount(scenario, V("no such input"), 1.0)
    assert wi.field_limits(scenario, I(ERP, "Disrupted go-live", "probability")) == (0.0, 1.0)


def test_shift_input_starts_from_the_files_value(scenario):
    once = wi.shift_input(scenario, V("line_units"), 0.2)
    twice = wi.shift_input(once, V("line_units"), 0.2, base=scenario)       # not compounded
    assert wi.get_amount(twice, V("line_units")) == wi.get_amount(once, V("line_units"))
    back = wi.shift_input(once, V("line_units"), 0.0, base=scenario)
    assert back == scenario


def test_the_slider_value_in_words(scenario):
    shifted = wi.shift_input(scenario, V("line_units"), 0.2)
    assert wi.describe_shift(shifted, V("line_units"), 0.2) == "Line units: +20% (90% between 18k and 42k)"
    assert wi.describe_shift(scenario, V("crew_size"), -0.1, 8.1) == "Crew size: −10% (now 8.1)"
    item = I(ERP, "Subscription and support")
    assert wi.describe_shift(scenario, item, 0.0) == f"{ERP} / Subscription and support: ±0% (90% between $240k and $300k)"
    assert wi.describe_shift(scenario, V("line_units"), None).startswith("Line units: changed in the editor")


def test_the_top_inputs_come_from_the_decisions_tornado(scenario):
    results = run(replace(scenario, iterations=5_000), 5_000)
    top = wi.top_inputs(results, 6)
    assert len(top) == 6 and top[0] == V("line_units")
    assert all(wi.shiftable(wi.get_amount(scenario, label)) for label in top)


def test_common_random_numbers_the_result_moves_because_of_the_input(scenario):
    base = run(scenario, 3_000)
    up = run(wi.shift_input(scenario, V("line_units"), 0.2), 3_000)
    again = run(wi.shift_input(scenario, V("line_units"), 0.2), 3_000)
    assert (up.alternative(LINE).npv == again.alternative(LINE).npv).all()          # deterministic
    assert up.alternative(LINE).npv.mean() > base.alternative(LINE).npv.mean()      # more volume, more value
    assert (up.alternative(ERP).npv == base.alternative(ERP).npv).all()            # untouched by it
    assert (up.inputs[V("unit_price")] == base.inputs[V("unit_price")]).all()             # the others keep their draws
    assert (up.input_quantiles[V("line_units")] == base.input_quantiles[V("line_units")]).all()


def test_the_shift_logic_imports_no_qt_and_no_matplotlib():
    code = ("import sys, simulator.workshop.whatif; "
            "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('PySide6', 'matplotlib'))}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


# ---------------------------------------------------------------------------------------
# The panel (pytest-qt)
# ---------------------------------------------------------------------------------------

@pytest.fixture
def clean_qt(qapp):
    """At the end no worker may be running and no timer active; every window is closed."""
    yield qapp
    assert_qt_clean()


@pytest.fixture
def workshop(qtbot, clean_qt):
    """A document, its simulation controller (wired as the main window wires it) and a what-if
    panel, with the first full results and the sliders on screen."""
    from PySide6.QtWidgets import QWidget

    from ui.document import Document
    from ui.runner import SimulationController
    from ui.workshop.whatif import WhatIfPanel

    scenario = load(DEFAULT)
    scenario = replace(scenario, iterations=5_000)       # a quicker full run; previews as many
    doc = Document(scenario, DEFAULT)
    host = QWidget()
    qtbot.addWidget(host)
    controller = SimulationController(host, debounce_ms=50)
    doc.changed.connect(lambda s, _key: controller.request(s))
    panel = WhatIfPanel(doc, controller)
    qtbot.addWidget(panel)
    panel.resize(420, 800)
    panel.show()
    with qtbot.waitSignal(panel.slidersChanged, timeout=60_000):
        controller.request(doc.scenario, immediate=True)
    yield doc, controller, panel
    panel.shutdown()
    controller.shutdown()
    qtbot.wait(20)


def drag_to(qtbot, panel, label: str, position: int):
    """Press (if not pressed), move the handle and wait for the preview of that position."""
    slider = panel.slider(label)
    if not slider.isSliderDown():
        slider.setSliderDown(True)
    with qtbot.waitSignal(panel.previewReady, timeout=30_000) as blocker:
        slider.setSliderPosition(position)
    results = blocker.args[0]
    while panel.runner.busy:            # a position may still be in flight: the last one counts
        with qtbot.waitSignal(panel.previewReady, timeout=30_000) as blocker:
            pass
        results = blocker.args[0]
    return results


def release(qtbot, panel, label: str) -> None:
    panel.slider(label).setSliderDown(False)


def npv(results, name: str) -> float:
    return float(results.alternative(name).npv.mean())


def test_the_next_position_waits_for_the_chart_to_show_the_last(workshop, qtbot, monkeypatch):
    """While a view is still making the picture of one preview, the next position is not
    simulated (it would only slow the picture); it runs once the view says it is done."""
    _doc, _controller, panel = workshop
    runner = panel.runner
    runner.jobs._hold_timer.setInterval(60_000)
    view = {"busy": False}
    runner.wait_for(lambda: view["busy"])
    slider = panel.slider(V("line_units"))
    slider.setSliderDown(True)
    shown = []
    panel.previewReady.connect(lambda r: (shown.append(r), view.__setitem__("busy", True)))
    with qtbot.waitSignal(panel.previewReady, timeout=30_000):
        slider.setSliderPosition(10)
    qtbot.waitUntil(lambda: not runner.jobs.busy, timeout=30_000)
    slider.setSliderPosition(40)                 # while the "view" is still busy
    qtbot.wait(200)
    assert len(shown) == 1 and runner.busy, "the next position ran while the view was busy"
    view["busy"] = False
    with qtbot.waitSignal(panel.previewReady, timeout=30_000):
        runner.view_done()
    assert len(shown) == 2
    assert wi.get_amount(shown[-1].scenario, V("line_units")) != wi.get_amount(shown[0].scenario, V("line_units"))
    view["busy"] = False
    slider.setSliderDown(False)


def test_sliders_for_the_inputs_that_matter_most(workshop):
    doc, _controller, panel = workshop
    labels = panel.labels()
    assert len(labels) == 6 and labels[0] == V("line_units")
    assert "Line units" in panel.rows[V("line_units")].text.text()
    assert "±0%" in panel.rows[V("line_units")].sentence
    assert panel.slider(V("line_units")).value() == 0


def test_moving_a_slider_changes_the_result_deterministically(workshop, qtbot):
    doc, _controller, panel = workshop
    before = doc.undo_stack.count()
    at_20 = drag_to(qtbot, panel, V("line_units"), 20)
    at_0 = drag_to(qtbot, panel, V("line_units"), 0)
    at_20_again = drag_to(qtbot, panel, V("line_units"), 20)
    # as many futures as the document's full run (5,000 here), with its seed
    assert at_20.iterations == doc.scenario.iterations == 5_000 and at_20.seed == doc.scenario.seed
    assert npv(at_20, LINE) == npv(at_20_again, LINE)           # same position, same answer
    assert npv(at_20, LINE) > npv(at_0, LINE)                   # more volume, more value for the line
    assert npv(at_20, ERP) == npv(at_0, ERP)                    # the ERP does not depend on it
    assert panel.rows[V("line_units")].sentence == "Line units: +20% (90% between 18k and 42k)"
    assert doc.undo_stack.count() == before                     # nothing is pushed while dragging
    release(qtbot, panel, V("line_units"))
    assert doc.undo_stack.count() == before + 1                 # one command on release
    assert doc.undo_stack.undoText() == "What-if: Line units +20%"
    assert wi.get_amount(doc.scenario, V("line_units")) == range90(15_000 * 1.2, 35_000 * 1.2, floor=0)


def test_undo_restores_and_redo_reapplies(workshop, qtbot):
    doc, _controller, panel = workshop
    original = doc.scenario
    drag_to(qtbot, panel, V("line_units"), 30)
    release(qtbot, panel, V("line_units"))
    shifted = doc.scenario
    assert shifted != original and panel.slider(V("line_units")).value() == 30
    doc.undo_stack.undo()
    assert doc.scenario == original
    assert panel.slider(V("line_units")).value() == 0 and "±0%" in panel.rows[V("line_units")].sentence
    doc.undo_stack.redo()
    assert doc.scenario == shifted and panel.slider(V("line_units")).value() == 30


def test_reset_restores_the_files_values_in_one_step(workshop, qtbot):
    doc, _controller, panel = workshop
    original = doc.scenario
    first, second = panel.labels()[:2]
    drag_to(qtbot, panel, first, -25)
    release(qtbot, panel, first)
    drag_to(qtbot, panel, second, 40)
    release(qtbot, panel, second)
    shifted = doc.scenario
    count = doc.undo_stack.count()
    assert panel.reset()
    assert doc.scenario == original                               # the file's values
    assert doc.undo_stack.count() == count + 1                    # one step...
    assert panel.slider(first).value() == 0 and panel.slider(second).value() == 0
    doc.undo_stack.undo()                                         # ...that can be undone
    assert doc.scenario == shifted
    assert (panel.slider(first).value(), panel.slider(second).value()) == (-25, 40)
    assert not panel.reset() or doc.scenario == original


def test_the_file_s_values_come_from_the_file_not_the_start_of_the_session(workshop, qtbot, tmp_path):
    doc, _controller, panel = workshop
    drag_to(qtbot, panel, V("line_units"), 10)
    release(qtbot, panel, V("line_units"))
    doc.save(tmp_path / "saved.toml")   # saved: these are the file's values now
    assert panel.slider(V("line_units")).value() == 0
    assert panel.base == load(tmp_path / "saved.toml")


def test_keyboard_steps_become_one_change(workshop, qtbot):
    from PySide6.QtCore import Qt

    doc, _controller, panel = workshop
    slider = panel.slider(V("line_units"))
    slider.setFocus()
    before = doc.undo_stack.count()
    for _ in range(3):
        qtbot.keyClick(slider, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: doc.undo_stack.count() == before + 1, timeout=5_000)
    assert doc.undo_stack.undoText() == "What-if: Line units +3%"
    qtbot.wait(50)
    assert doc.undo_stack.count() == before + 1


def test_pinning_another_input(workshop, qtbot):
    doc, _controller, panel = workshop
    box = panel.pin_box
    index = next((i for i in range(box.count()) if box.itemData(i) == V("crew_size")), -1)
    assert index > 0 and "Crew size" == box.itemText(index)
    box.activated.emit(index)
    assert panel.labels()[-1] == V("crew_size") and not panel.rows[V("crew_size")].unpin_button.isHidden()
    assert box.findData(V("crew_size")) == -1
    drag_to(qtbot, panel, V("crew_size"), -50)
    release(qtbot, panel, V("crew_size"))
    assert wi.get_amount(doc.scenario, V("crew_size")) == 4.5
    panel.unpin(V("crew_size"))
    assert V("crew_size") in panel.labels()          # still shifted: the slider stays until it is back
    doc.undo_stack.undo()
    panel.unpin(V("crew_size"))
    assert V("crew_size") not in panel.labels()


def test_the_unpin_button_removes_its_own_slider(workshop, qtbot):
    _doc, _controller, panel = workshop
    panel.pin(V("crew_size"))
    assert panel.labels()[-1] == V("crew_size")
    panel.rows[V("crew_size")].unpin_button.click()   # the signal carries the row's InputKey
    assert V("crew_size") not in panel.labels()


def test_a_new_document_starts_afresh(workshop, qtbot):
    doc, controller, panel = workshop
    drag_to(qtbot, panel, V("line_units"), 10)
    release(qtbot, panel, V("line_units"))
    other = replace(load(ROOT / "scenarios" / "crm-vs-sales-team.toml"), iterations=5_000)
    with qtbot.waitSignal(panel.slidersChanged, timeout=60_000, check_params_cb=lambda: bool(panel.rows)):
        doc.replace_all(other, None)
    qtbot.waitUntil(lambda: len(panel.labels()) == 6, timeout=60_000)
    assert V("line_units") not in panel.labels()
    assert all(wi.get_amount(doc.scenario, label) is not None for label in panel.labels())


@pytest.mark.skipif(not os.environ.get("INVESTSIM_MEASURE"),
                    reason="a speed measurement for make bench (INVESTSIM_MEASURE=1), not a test")
def test_slider_update_rate(workshop, qtbot):
    """Previews shown per second while a slider is dragged without pause (printed for the
    benchmark notes; no timing assertion: the machine may be busy)."""
    from ui.bench import Drag

    _doc, _controller, panel = workshop
    slider = panel.slider(V("line_units"))
    drag = Drag(slider)                 # a mouse drag: about 40 moves a second
    start = drag.start
    qtbot.wait(3_000)
    elapsed = drag.stop()
    slider.setSliderDown(False)
    rate = panel.updates_per_second(start)
    load1 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nwhat-if panel alone: {drag.moves / elapsed:.0f} slider moves/s -> {rate:.1f} previews shown/s "
          f"({panel.runner.iterations or wi.preview_size(panel.doc.scenario):,} futures each; load average {load1:.1f})")
    assert rate > 0


# ---------------------------------------------------------------------------------------
# Before and after, common random numbers, settings, hidden results (issue 18)
# ---------------------------------------------------------------------------------------

def test_the_preview_size_is_the_full_runs_up_to_a_cap(scenario):
    assert wi.preview_size(scenario) == scenario.iterations == 20_000
    assert wi.preview_size(replace(scenario, iterations=5_000)) == 5_000
    assert wi.preview_size(replace(scenario, iterations=200_000)) == wi.PREVIEW_FUTURES_MAX


def test_an_untouched_alternative_shows_the_same_figures_before_and_after(scenario):
    """Common random numbers: the preview of a shifted production line keeps every figure of
    the ERP (whose inputs did not move) exactly, and the full run agrees with the preview."""
    small = replace(scenario, iterations=4_000)
    n = wi.preview_size(small)
    before = run(small, n).summary
    after = run(wi.shift_input(small, V("line_units"), 0.3), n).summary
    changes = {c.name: c for c in wi.compare(before, after)}
    erp, line = changes[ERP], changes[LINE]
    assert not erp.moved and (erp.was, erp.was_loss, erp.was_p10) == (erp.now, erp.now_loss, erp.now_p10)
    assert line.moved and line.now > line.was
    assert wi.change_text(erp, "USD").endswith(", unchanged")
    # the words: the same money formatting as everywhere else
    from simulator.analysis.formatting import money
    assert wi.change_text(line, "USD") == f"{LINE}: was {money(line.was)} → now {money(line.now)}"
    assert "→" in wi.loss_text(line) or wi.loss_text(line).endswith("as before")


def test_before_after_words():
    c = wi.Change("ERP system", 482_000, 3_600_000, 0.32, 0.05, -1e5, 1e6, 1e6, 6e6)
    assert wi.change_text(c, "USD") == "ERP system: was $482k → now $3.6M"
    assert wi.loss_text(c) == "loses money in 32% → 5% of futures"
    same = wi.Change("Line", 1e5, 1e5, 0.2, 0.2, 0, 1, 0, 1)
    assert wi.change_text(same, "EUR") == "Line: €100k, unchanged" and not same.moved
    assert wi.discount_rate_text(0.1, 0.08) == "Discount rate: 10.0% a year (file: 8.0%)"
    assert wi.horizon_text(7, 7) == "Horizon: 7 years" and wi.horizon_text(1, 5) == "Horizon: 1 year (file: 5 years)"


def test_after_release_the_starting_result_stays_as_was_and_now(workshop, qtbot):
    doc, controller, panel = workshop
    assert panel.before is not None and panel.before.scenario == panel.base   # the full run stands in
    was = {a.name: a.npv.mean for a in panel.before.summary.alternatives}
    drag_to(qtbot, panel, V("line_units"), 40)
    release(qtbot, panel, V("line_units"))
    # the document's own full run of the new position arrives; the ghost stays
    qtbot.waitUntil(lambda: panel.after is not None and panel.after.scenario == doc.scenario
                    and not controller.running, timeout=60_000)
    qtbot.wait(50)
    from simulator.analysis.formatting import money
    text = panel.change_label.text()
    assert panel.change_label.isVisible() and panel.ghost.isVisible()
    line = next(c for c in panel.changes if c.name == LINE)
    assert f"was {money(was[LINE])} → now {money(line.now)}" in text
    assert line.now > line.was
    erp = next(c for c in panel.changes if c.name == ERP)
    assert not erp.moved and f"{money(was[ERP])}, unchanged" in text           # did not move at all
    # the picture: grey ghost and blue now, drawn in the render thread
    with qtbot.waitSignal(panel.ghost.rendered, timeout=10_000, raising=False):
        pass
    qtbot.waitUntil(lambda: not panel.ghost.busy, timeout=10_000)
    assert len(panel.ghost.figure.axes) == 1
    # undo: back at the file's values, nothing moved
    doc.undo_stack.undo()
    qtbot.waitUntil(lambda: panel.after is panel.before, timeout=10_000)
    assert all(not c.moved for c in panel.changes)


def test_inputs_are_named_in_words_not_code(workshop):
    _doc, _controller, panel = workshop
    for label, row in panel.rows.items():
        name = row.sentence.partition(": ")[0]
        assert "_" not in name, name
        assert name == wi.display_name(label)


def test_discount_rate_and_horizon_sliders(workshop, qtbot):
    doc, _controller, panel = workshop
    rate, horizon = panel.settings["discount_rate"], panel.settings["horizon_years"]
    assert rate.slider.value() == round(doc.scenario.discount_rate * 1000)
    assert horizon.slider.value() == doc.scenario.horizon_years
    assert rate.sentence == f"Discount rate: {100 * doc.scenario.discount_rate:.1f}% a year"
    rate.slider.setSliderDown(True)
    with qtbot.waitSignal(panel.previewReady, timeout=30_000) as blocker:
        rate.slider.setSliderPosition(150)
    qtbot.waitUntil(lambda: not panel.runner.busy, timeout=30_000)
    assert blocker.args[0].scenario.discount_rate == 0.15
    assert rate.sentence == "Discount rate: 15.0% a year (file: 9.0%)"
    before = doc.undo_stack.count()
    rate.slider.setSliderDown(False)
    assert doc.undo_stack.count() == before + 1 and doc.scenario.discount_rate == 0.15
    assert doc.undo_stack.undoText() == "What-if: discount rate 15.0%"
    # a shorter horizon: fewer years of benefits, lower value for both
    horizon.slider.setSliderDown(True)
    with qtbot.waitSignal(panel.previewReady, timeout=30_000):
        horizon.slider.setSliderPosition(3)
    qtbot.waitUntil(lambda: not panel.runner.busy, timeout=30_000)
    horizon.slider.setSliderDown(False)
    assert doc.scenario.horizon_years == 3 and horizon.sentence == "Horizon: 3 years (file: 7 years)"
    assert panel.reset()
    assert (doc.scenario.discount_rate, doc.scenario.horizon_years) == (panel.base.discount_rate,
                                                                        panel.base.horizon_years)
    assert rate.slider.value() == 90 and horizon.slider.value() == 7


def test_no_result_while_hidden(workshop, qtbot):
    """The gut call: with results hidden the panel shows only inputs and sliders: no verdict,
    no was/now, no picture, and no preview is passed on to the views."""
    from PySide6.QtWidgets import QLabel

    doc, controller, panel = workshop
    panel.set_results_hidden(True)
    shown = []
    panel.previewReady.connect(shown.append)
    slider = panel.slider(V("line_units"))
    slider.setSliderDown(True)
    slider.setSliderPosition(30)
    qtbot.waitUntil(lambda: panel.runner.delivered > 0 and not panel.runner.busy, timeout=30_000)
    slider.setSliderDown(False)
    qtbot.waitUntil(lambda: not controller.running, timeout=60_000)
    qtbot.wait(50)
    assert shown == []
    assert (panel.ghost is None or not panel.ghost.isVisible()) and not panel.change_label.isVisible()
    texts = " ".join(w.text() for w in panel.findChildren(QLabel) if w.isVisible())
    for word in ("expected value", "loses money", "→ now", "was $", LINE + " has", ERP + " has"):
        assert word not in texts, word
    assert "Line units" in texts                                   # the inputs stay
    panel.set_results_hidden(False)
    assert panel.change_label.isVisible() and "→ now" in panel.change_label.text()


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)])
def test_the_panel_fits_a_projector_beside_the_charts(workshop, qtbot, size):
    """In a dock of a third of a projector's width and its full height (less the title and
    status bars), no text of the panel is cut; it never asks for more than 360 px of width."""
    from text_fit import clipped_texts

    _doc, _controller, panel = workshop
    width, height = size
    assert panel.minimumSizeHint().width() <= 360
    panel.resize(max(panel.minimumSizeHint().width(), width // 3), height - 120)
    qtbot.wait(50)
    assert clipped_texts(panel) == []


# ---------------------------------------------------------------------------------------
# Re-simulating only what a change reaches (issue 17: the slider follows the hand)
# ---------------------------------------------------------------------------------------

def _same_results(a, b) -> None:
    import numpy as np

    assert a.names == b.names and a.iterations == b.iterations
    for x, y in zip(a.alternatives, b.alternatives):
        for name in ("npv", "pv_benefits", "pv_costs", "irr", "roi", "payback", "discounted_payback", "cash"):
            assert np.array_equal(getattr(x, name), getattr(y, name), equal_nan=True), (x.name, name)
        assert x.item_pv == y.item_pv
    assert list(a.inputs) == list(b.inputs)
    assert all(np.array_equal(a.inputs[k], b.inputs[k]) for k in a.inputs)
    assert a.summary.verdict == b.summary.verdict


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.stem)
def test_a_rerun_gives_the_figures_of_a_run_of_everything(path):
    """Brute force: for every bundled scenario and its first inputs moved by +30%, taking the
    unreached alternatives from the starting run gives exactly the numbers of a whole run."""
    scenario = replace(load(path), iterations=1_500)
    start = run(scenario, 1_500)
    for label in wi.inputs(scenario)[:5]:
        moved = wi.shift_input(scenario, label, 0.3)
        _same_results(wi.rerun(moved, 1_500, start), run(moved, 1_500))


def test_only_the_alternatives_a_change_reaches_are_simulated_again(scenario):
    small = replace(scenario, iterations=2_000)
    start = run(small, 2_000)
    moved = wi.shift_input(small, V("line_units"), 0.3)   # a volume only the production line uses
    assert wi.reached(small, moved) == {LINE}
    again = wi.rerun(moved, 2_000, start)
    assert again.alternative(ERP).npv is start.alternative(ERP).npv     # the ERP's own futures, kept
    assert npv(again, LINE) > npv(start, LINE)
    # a setting reaches every alternative; another number of futures or seed keeps nothing
    assert wi.reached(small, replace(small, discount_rate=small.discount_rate + 0.01)) is None
    assert wi.rerun(moved, 1_000, start).alternative(ERP).npv is not start.alternative(ERP).npv
    assert wi.reached(small, small) == frozenset()


def test_a_variable_worked_out_from_a_moved_one_is_followed(scenario):
    """A variable whose formula uses the moved one moves with it, and so does every
    alternative using either."""

    base = replace(scenario, iterations=1_000, variables=scenario.variables + (("twice_units", parse("2 * line_units")),))
    moved = wi.shift_input(base, V("line_units"), 0.2)
    assert wi.reached(base, moved) == {LINE}
    erp = base.alternatives[[a.name for a in base.alternatives].index(ERP)]
    item = replace(erp.items[0], amount=parse("1000 * twice_units"))
    uses = replace(base, alternatives=tuple(replace(a, items=(item,) + a.items[1:]) if a.name == ERP else a
                                           for a in base.alternatives))
    assert wi.reached(uses, wi.shift_input(uses, V("line_units"), 0.2)) == {LINE, ERP}
    _same_results(wi.rerun(wi.shift_input(uses, V("line_units"), 0.2), 1_000, run(uses, 1_000)),
                  run(wi.shift_input(uses, V("line_units"), 0.2), 1_000))
