"""Teams side by side and gut calls, engine level (simulator.workshop.teams): no Qt.

The constructed case: two teams argue about an ERP (fixed investment, an uncertain saving)
against a production line (fixed investment, uncertain volume times a fixed price), over 3
years at a 0% discount rate, so every expected value has a closed form. The teams differ in
three assumptions; only the volume is decisive.
"""

from __future__ import annotations

from dataclasses import replace
import os
from pathlib import Path
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from simulator.sim.engine import run
from simulator.model.keys import variable as V
from simulator.model.errors import Cancelled
from simulator.model.scenario import load, loads
from simulator.workshop.teams import (
    GutCall, compare_teams, differences, judge_calls, load_teams, nice_ceiling, possessive, swap,
    team_label, team_name_from_path, too_close_to_call,
)

ROOT = Path(__file__).resolve().parents[1]
TEAM_FILES = ROOT / "scenarios" / "teams"

SALES = """
format = 1
title = "ERP or line (Sales)"
horizon_years = 3
discount_rate = 0.0
iterations = 2000
seed = 7

[variables]
volume = { low = 800, high = 1200 }
price = 100
saving = { low = 40_000, high = 60_000 }

[[alternatives]]
name = "ERP"
[[alternatives.items]]
name = "Licence"
kind = "investment"
amount = 100_000
[[alternatives.items]]
name = "Saving"
kind = "benefit"
amount = "saving"

[[alternatives]]
name = "Line"
[[alternatives.items]]
name = "Machine"
kind = "investment"
amount = 150_000
[[alternatives.items]]
name = "Extra sales"
kind = "benefit"
amount = "volume * price"
"""

#: Finance: a far lower volume (decisive), a slightly higher saving and a 2% discount rate (minor).
FINANCE = (SALES.replace("(Sales)", "(Finance)")
           .replace("volume = { low = 800, high = 1200 }", "volume = { low = 300, high = 700 }")
           .replace("saving = { low = 40_000, high = 60_000 }", "saving = { low = 42_000, high = 62_000 }")
           .replace("discount_rate = 0.0", "discount_rate = 0.02"))


@pytest.fixture(scope="module")
def teams():
    return [("Sales", loads(SALES)), ("Finance", loads(FINANCE))]


@pytest.fixture(scope="module")
def comparison(teams):
    return compare_teams(teams, 4000, 11)


def test_the_differences_are_exactly_the_assumptions_the_teams_changed(comparison):
    keys = [d.key for d in comparison.differences]
    assert sorted(keys) == sorted([("setting", "discount_rate"), ("variable", "volume"), ("variable", "saving")])
    volume = next(d for d in comparison.differences if d.key == ("variable", "volume"))
    assert volume.label == "volume"
    sales, finance = (v.text for v in volume.values)
    assert sales == "90% sure between 0.8k and 1.2k; most likely around 1.0k"
    assert finance == "90% sure between 300 and 700; most likely around 500"
    rate = next(d for d in comparison.differences if d.key == ("setting", "discount_rate"))
    assert [v.text for v in rate.values] == ["0%", "2%"]


def test_identical_files_do_not_differ(teams):
    assert differences([teams[0], ("Copy", loads(SALES))]) == ()


def test_the_decisive_disagreement_is_ranked_first_with_its_closed_form_shift(comparison):
    top, *rest = comparison.impacts
    assert top.difference.key == ("variable", "volume")
    assert top.changes_choice and not any(i.changes_choice for i in rest)
    # Common random numbers: Finance's volume is Sales' minus 500 in every future, so the
    # line loses exactly 500 * $100 * 3 years of value (0% discount rate).
    assert top.shift == pytest.approx(-150_000, abs=1e-6)
    saving = comparison.impact_of(("variable", "saving"))
    assert saving.shift == pytest.approx(-3 * 2_000, abs=1e-6)     # the ERP gains $2k a year
    assert abs(comparison.impact_of(("setting", "discount_rate")).shift) < 10_000
    assert comparison.pair == ("Line", "ERP")
    finance_trial = top.trial("Finance")
    assert finance_trial.standing.best == "ERP"
    assert top.trial("Sales").shift == 0 and top.trial("Sales").standing.best == "Line"


def test_the_verdict_under_each_teams_assumptions(comparison):
    sales, finance = comparison.teams
    assert sales.best == "Line" and finance.best == "ERP"
    # Closed form: Line 3 * 1000 * $100 - $150k = $150k; ERP 3 * $50k - $100k = $50k.
    line = sales.results.summary.alternative("Line").npv.mean
    assert line == pytest.approx(150_000, rel=0.01)
    assert sales.verdict.startswith("Line has the higher expected value")
    assert finance.verdict.startswith("ERP has the higher expected value")
    assert comparison.verdicts == {"Sales": sales.verdict, "Finance": finance.verdict}
    assert not comparison.teams_agree


def test_which_disagreement_matters_in_words(comparison):
    s = comparison.sentence
    assert s.startswith("The disagreement that matters is volume: with Sales' figure for volume, Line comes out ahead")
    assert "with Finance's figure for volume, ERP comes out ahead" in s
    assert s.endswith("the other differences move the result by less than $10k.")


def test_teams_share_random_numbers_where_inputs_share_names(teams):
    """Same seed: an input with the same name is drawn from the same uniforms in every team's
    run, so Finance's volume is Sales' minus 500 in every future (the same range, shifted)."""
    sales, finance = (t.results for t in compare_teams(teams, 3000, 5, ranking_iterations=500).teams)
    np.testing.assert_allclose(sales.inputs[V("volume")] - 500, finance.inputs[V("volume")], rtol=0, atol=1e-9)
    np.testing.assert_allclose(finance.inputs[V("saving")] - sales.inputs[V("saving")], 2000)


def test_the_ranking_runs_are_reproducible(teams):
    a = compare_teams(teams, 2000, 3, ranking_iterations=1000)
    b = compare_teams(teams, 2000, 3, ranking_iterations=1000)
    assert [i.shift for i in a.impacts] == [i.shift for i in b.impacts]
    assert a.sentence == b.sentence


def test_a_third_team_and_another_baseline(teams):
    it = loads(SALES.replace("(Sales)", "(IT)").replace("saving = { low = 40_000, high = 60_000 }",
                                                        "saving = { low = 45_000, high = 65_000 }"))
    comp = compare_teams(teams + [("IT", it)], 2000, 3, baseline="Finance")
    assert comp.baseline == "Finance" and comp.pair == ("ERP", "Line")
    assert comp.impacts[0].difference.key == ("variable", "volume")
    assert {t.team: t.standing.best for t in comp.impacts[0].trials} == {"Sales": "Line", "Finance": "ERP",
                                                                         "IT": "Line"}
    assert "with Sales' and IT's figures for volume, Line comes out ahead" in comp.sentence


def test_items_and_alternatives_only_some_teams_have():
    extra = (SALES.replace("(Sales)", "(Ops)") + textwrap.dedent("""
        [[alternatives.items]]
        name = "Service contract"
        kind = "running_cost"
        amount = "service_fee"

        [[alternatives]]
        name = "Do nothing"
        """)).replace('[variables]', '[variables]\nservice_fee = 5_000')
    comp = compare_teams([("Sales", loads(SALES)), ("Ops", loads(extra))], 2000, 3)
    keys = {d.key for d in comp.differences}
    assert keys == {("variable", "service_fee"), ("item", "Line", "Service contract"), ("alternative", "Do nothing")}
    do_nothing = next(d for d in comp.differences if d.key == ("alternative", "Do nothing"))
    assert not do_nothing.triable and do_nothing.values[0].text == "not in this file"
    assert comp.impact_of(("alternative", "Do nothing")) is None
    # The item swapped in alone brings the variable its formula reads: 3 * $5k less for the line.
    contract = comp.impact_of(("item", "Line", "Service contract"))
    assert contract.tried and contract.shift == pytest.approx(-15_000, abs=1e-6)
    # Removing the variable alone from Ops' file is not possible (a formula uses it).
    ops_base = compare_teams([("Ops", loads(extra)), ("Sales", loads(SALES))], 1000, 3)
    fee = ops_base.impact_of(("variable", "service_fee"))
    assert not fee.tried and "cannot be tried on its own" in fee.trials[1].problem


def test_swap_keeps_correlations_valid():
    text = SALES.replace("volume = { low = 800, high = 1200 }", "volume = { low = 800, high = 1200 }\n"
                         "demand = { low = 1, high = 2 }") + '\n[[correlations]]\nbetween = ["volume", "demand"]\nrank = 0.5\n'
    scenario = loads(text)
    fixed = swap(scenario, ("variable", "volume"), 900.0, scenario)
    assert fixed.variable_map["volume"] == 900.0 and fixed.correlations == ()
    assert swap(scenario, ("correlation", "demand", "volume"), None, scenario).correlations == ()


def test_progress_and_cancel(teams):
    seen = []
    compare_teams(teams, 1000, 1, progress=lambda d, t, w: seen.append((d, t, w)))
    assert seen[-1][0] == seen[-1][1] == len(seen)
    assert seen[0][2] == "Sales' file"
    with pytest.raises(Cancelled):
        compare_teams(teams, 1000, 1, cancel=lambda: True)


def test_team_names_from_files(tmp_path):
    assert team_name_from_path("x/sales.toml") == "Sales"
    assert team_name_from_path("it.toml") == "IT"
    assert team_name_from_path("finance-team.toml") == "Finance team"
    assert possessive("Sales") == "Sales'" and possessive("Finance") == "Finance's"
    assert team_label("Finance") == "Team Finance" and team_label("Red team") == "Red team"
    assert nice_ceiling(43_000) == 50_000 and nice_ceiling(2_000) == 2_000 and nice_ceiling(2_100) == 2_500
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "sales.toml").write_text(SALES)
    assert [n for n, _ in load_teams([tmp_path / "a" / "sales.toml", tmp_path / "b" / "sales.toml"])] == \
        ["Sales", "Sales 2"]


def test_the_example_team_files_disagree_about_volume():
    """The bundled workshop files: Sales' and Finance's line volumes decide it."""
    paths = [TEAM_FILES / "sales.toml", TEAM_FILES / "finance.toml", TEAM_FILES / "it.toml"]
    teams = load_teams(paths)
    assert [n for n, _ in teams] == ["Sales", "Finance", "IT"]
    comp = compare_teams(teams, 4000, 42)
    assert comp.impacts[0].difference.key == ("variable", "line_units")
    assert comp.impacts[0].changes_choice
    assert comp.team("Sales").best == "New production line" and comp.team("Finance").best == "ERP system"
    assert comp.sentence.startswith("The disagreement that matters is line units")
    assert not any(p.parent == TEAM_FILES for p in (ROOT / "scenarios").glob("*.toml"))


# --- Gut calls ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def close_results():
    """A close call, but not a coin toss: the line is best in about 3 futures in 5."""
    text = SALES.replace("volume = { low = 800, high = 1200 }", "volume = { low = 300, high = 1200 }")
    return run(loads(text), 4000, 3)


def test_gut_calls_beside_the_simulation(close_results):
    comp = close_results.summary.comparison
    p_line, p_erp = comp.prob_best["Line"], comp.prob_best["ERP"]
    assert comp.best == "Line" and 0.5 < p_line < 0.8
    reveal = judge_calls([GutCall("Finance", "ERP", 0.8), GutCall("Sales", "Line", 0.6),
                          GutCall("IT", "Line", 0.99)], close_results)
    finance, sales, it = reveal.outcomes
    assert finance.sentence == (f"Team Finance chose ERP at 80% confidence; the simulation gives ERP the edge in "
                                f"{p_erp:.0%} of futures, and Line in {p_line:.0%}.")
    assert not finance.right and finance.calibration == "wrong and very sure"
    assert finance.note.startswith("Very sure and wrong: Team Finance was 80% sure of ERP")
    assert sales.right and sales.calibration == "well judged" and sales.chance == p_line
    assert it.right and it.calibration == "overconfident"
    assert reveal.answer == "Line" and str(round(p_line * 100)) in reveal.headline


def test_a_coin_toss_is_too_close_to_call_and_no_team_is_called_wrong():
    """Issue #18: a split inside 45-55% must not call one team wrong on a coin toss."""
    text = SALES.replace("volume = { low = 800, high = 1200 }", "volume = { low = 100, high = 1200 }")
    results = run(loads(text), 4000, 3)
    comp = results.summary.comparison
    p_erp, p_line = comp.prob_best["ERP"], comp.prob_best["Line"]
    assert 0.45 <= min(p_erp, p_line) <= max(p_erp, p_line) <= 0.55 and p_erp + p_line == pytest.approx(1.0)
    assert too_close_to_call(results) == (comp.best, comp.runner_up)
    reveal = judge_calls([GutCall("Finance", "ERP", 0.8), GutCall("Sales", "Line", 0.95)], results)
    assert reveal.too_close and set(reveal.close_pair) == {"ERP", "Line"}
    assert reveal.headline.startswith("Too close to call:") and "Neither call is wrong" in reveal.headline
    for o in reveal.outcomes:
        assert o.right and o.calibration == "too close to call"
        assert o.sentence.endswith("too close to call, so not wrong.")
    assert reveal.outcomes[1].note.startswith("95% sure of a coin toss")


def test_the_band_edges_and_a_third_alternative():
    """Just outside the band (the fixture's 62/38) is called; a call on an alternative outside
    the close pair is still wrong."""
    results = run(load(ROOT / "scenarios" / "marketing-vs-disaster-recovery.toml"), 4000, 42)
    p = results.summary.comparison.prob_best
    assert max(p.values()) <= 0.55 and sorted(p.values())[-2] < 0.45      # leader under 55%, runner-up under 45%
    assert too_close_to_call(results) == ()
    clear = run(loads(SALES.replace("volume = { low = 800, high = 1200 }", "volume = { low = 300, high = 1200 }")),
                4000, 3)
    assert clear.summary.comparison.prob_best["Line"] > 0.55 and too_close_to_call(clear) == ()


def test_gut_call_confidence_is_between_a_coin_toss_and_certainty():
    with pytest.raises(ValueError, match="between 50% and 100%"):
        GutCall("Sales", "Line", 0.3)
    with pytest.raises(ValueError):
        GutCall(" ", "Line", 0.7)
    assert replace(GutCall("Sales", "Line", 1), confidence=0.5).confidence == 0.5


def test_teams_logic_never_imports_qt_or_matplotlib():
    code = textwrap.dedent("""
        import sys
        from simulator.workshop.teams import compare_teams, judge_calls, GutCall
        from simulator.model.scenario import load
        s = load(sys.argv[1])
        c = compare_teams([("A", s), ("B", s)], 200, 1)
        judge_calls([GutCall("A", s.alternatives[0].name, 0.7)], c.teams[0].results)
        bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'matplotlib', 'PyQt5', 'PyQt6')]
        assert not bad, bad
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, str(TEAM_FILES / "sales.toml")], capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=120)
    assert out.returncode == 0, out.stderr


def test_no_single_disagreement_decides_but_together_they_do():
    ops = (SALES.replace("(Sales)", "(Ops)")
           .replace("saving = { low = 40_000, high = 60_000 }", "saving = { low = 60_000, high = 80_000 }")
           .replace("amount = 150_000", "amount = 200_000"))
    comp = compare_teams([("Sales", loads(SALES)), ("Ops", loads(ops))], 2000, 3)
    assert not any(i.changes_choice for i in comp.impacts)
    assert comp.team("Ops").best == "ERP"
    assert [i.difference.key for i in comp.impacts] == [("variable", "saving"), ("item", "Line", "Machine", "amount")]
    assert comp.impacts[0].shift == pytest.approx(-60_000, abs=1e-6)
    assert comp.sentence == ("No single disagreement changes the choice on its own, but together they do: with Ops' "
                             "whole file ERP comes out ahead. The biggest single one is saving, which moves the "
                             "expected gap between Line and ERP by $60k towards ERP.")
