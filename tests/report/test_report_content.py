"""What the report says, in words: the recommendation in every situation a board can meet,
sources taken from the comments in the scenario file, timings of items, edge scenarios."""

from __future__ import annotations

import pytest

from simulator.analysis import formatting as fmt
from simulator.sim.engine import run
from simulator.model.scenario import key_comments, loads
from ui.report import facts as F
from ui.report.document import build, plain_text

HEAD = """
format = 1
title = "Words"
horizon_years = 5
discount_rate = 0.08
iterations = 3000
seed = 3
"""


def project(name: str, capex: float, gain_low: float, gain_high: float, category: str = "IT") -> str:
    return f"""
[[alternatives]]
name = "{name}"
category = "{category}"
[[alternatives.items]]
name = "Build"
kind = "investment"
amount = {capex}
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = {{ low = {gain_low}, high = {gain_high} }}
"""


def results_of(text: str, n: int = 3000):
    return run(loads(HEAD + text), n, 3)


def test_a_clear_winner_is_recommended_plainly():
    r = results_of(project("Strong", 1e6, 5e5, 7e5) + project("Weak", 1e6, 1e5, 2e5, "non-IT"))
    rec = F.recommendation(r)
    beats = r.summary.comparison.prob_beats["Strong"]["Weak"]
    assert beats >= 0.75
    assert rec.headline.startswith("Choose Strong: it beats Weak in ")
    assert fmt.percent(beats) in rec.headline and fmt.percent(r.summary.alternative("Strong").prob_loss) in rec.headline


def test_a_close_call_says_so():
    r = results_of(project("A", 1e6, 2e5, 5e5) + project("B", 1e6, 2.01e5, 5e5))
    rec = F.recommendation(r)
    assert rec.headline.startswith("A close call")


def test_when_nothing_pays_for_itself_the_report_says_so():
    r = results_of(project("Costly", 2e6, 1e5, 2e5) + project("Costlier", 3e6, 1e5, 2e5))
    rec = F.recommendation(r)
    assert "No alternative is expected to pay for itself" in rec.headline
    assert "Costly loses least" in rec.headline


def test_keep_the_money_when_doing_nothing_is_best():
    r = results_of(project("Costly", 2e6, 1e5, 2e5) + '\n[[alternatives]]\nname = "Do nothing"\nitems = []\n')
    rec = F.recommendation(r)
    assert rec.headline.startswith("Keep the money (Do nothing)")


def test_a_single_alternative_gets_a_go_or_no_go():
    r = results_of(project("Solo", 1e6, 4e5, 6e5))
    f = F.build(r)
    assert f.recommendation.headline.startswith("Go ahead with Solo")
    assert "Whether to go ahead with Solo (IT)" in f.decision
    text = plain_text(build(f, []))
    assert "Chance of being the best" not in text     # no comparison with one alternative
    assert "The value of Solo depends most on Solo / Gain" in f.drivers
    r = results_of(project("Solo", 5e6, 4e5, 6e5))
    assert F.recommendation(r).headline.startswith("Do not go ahead with Solo")


def test_fixed_numbers_only_do_not_break_the_summary():
    text = """
[[alternatives]]
name = "Fixed"
[[alternatives.items]]
name = "Build"
kind = "investment"
amount = 100
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = 50
"""
    f = F.build(results_of(text, 200))
    assert "fixed number" in f.drivers
    assert f.caveat.startswith("Key assumption")
    assert F.middle_80(f.results.summary.alternatives[0], "USD") == f"always {fmt.money(f.results.summary.alternatives[0].npv.mean)}"


def test_sources_come_from_the_comments_beside_the_inputs():
    text = """
[baseline]
revenue = 1_000_000   # finance: 2024 actuals
operating_margin = 0.1

[variables]
# --- Demand ------------------------------------------
# Units a year (sales forecast,
# Q3 2024).
units = { low = 10, high = 20 }
price = 5
# A note with a "#" inside a string is not cut short
label_like = 3   # inline wins: "quoted # hash" stays

[[alternatives]]
name = "X"
"""
    c = key_comments(text)   # the report's sources
    assert c["baseline"] == {"revenue": "finance: 2024 actuals"}
    assert c["variables"]["units"] == "Units a year (sales forecast, Q3 2024)."
    assert c["variables"]["price"] == "See the note on units."
    assert c["variables"]["label_like"] == 'inline wins: "quoted # hash" stays'


@pytest.mark.parametrize("body, words", [
    ('kind = "investment"\nyear = 0\nlife_years = 5\namount = 1', "Investment, paid today (year 0); depreciated over 5 years"),
    ('kind = "investment"\nyear = 2\namount = 1', "Investment, paid in year 2"),
    ('kind = "running_cost"\namount = 1\ngrowth = 0.04', "Running cost, years 1\u20135; grows 4% a year"),
    ('kind = "benefit"\neffect = "revenue"\ncontribution_margin = 0.3\nstart_year = 2\nramp_years = 2\namount = 1\n'
     'driver = "margins"', "Benefit: extra revenue, kept at a 30% contribution margin, years 2\u20135; builds up over "
                           "2 years; driver: margins"),
    ('kind = "risk"\nprobability = 0.25\nstart_year = 1\nend_year = 1\namount = 1', "Risk, year 1 only; a 25% chance each year"),
])
def test_item_timing_in_words(body, words):
    sc = loads(HEAD + f'[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "I"\n{body}\n')
    assert F.timing(sc.alternatives[0].items[0], sc.horizon_years) == words


def test_the_report_quotes_the_engines_own_sentences(bundled_results):
    from simulator.analysis import insights

    r = bundled_results["erp-vs-production-line"]
    f = F.build(r, "erp-vs-production-line.toml")
    comp = r.summary.comparison
    assert insights.dominance(r, comp.best, comp.runner_up).sentence in f.recommendation.details
    assert f.worth_knowing.startswith(insights.value_of_information(r).sentence)
    text = plain_text(build(f, []))
    for name, pm in f.precision:
        assert f"{name} \u00b1{fmt.money(pm)}" in text
    assert f.command == f"investsim run erp-vs-production-line.toml --iterations {r.iterations} --seed {r.seed} --json"


def test_unusual_inputs_are_listed_in_the_method_notes():
    """Cautions (simulator.model.scenario.cautions) are never silent: the method notes list each
    with its field path."""
    text = project("A", 1e6, 2e5, 5e5) + """
[[alternatives.items]]
name = "Outage"
kind = "risk"
probability = 0.7
amount = 1000
"""
    facts = F.build(run(loads(HEAD.replace("discount_rate = 0.08", "discount_rate = 0.4") + text), 500, 3))
    notes = dict(facts.method)
    assert "Unusual inputs" in notes
    assert "discount_rate: 40.0% a year is far above" in notes["Unusual inputs"]
    assert "alternatives[0].items[2].probability: a chance of 70% a year" in notes["Unusual inputs"]
    assert "Unusual inputs" in plain_text(build(facts, []))
    assert "Unusual inputs" not in dict(F.build(results_of(project("A", 1e6, 2e5, 5e5), 500)).method)


def test_key_rows_give_roi_with_its_period_and_irr_over_all_futures():
    r = results_of(project("A", 1e6, 2e5, 5e5))
    rows = {row.label: row.cells for row in F.build(r).key_rows}
    a = r.summary.alternatives[0]
    assert rows["Return on investment (ROI over 5 years)"] == \
        (f"{a.roi_of_expected:.0%} (median future {a.roi_p50:.0%})",)
    assert rows["Internal rate of return (IRR), median of all futures"][0].startswith(
        a.irr.median_text().removesuffix(" median"))
