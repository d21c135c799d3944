"""Amounts in words (simulator.analysis.describe; Qt-free, tested here beside its first user)."""

from __future__ import annotations

import pytest

from simulator.analysis.describe import describe_amount, format_values, sketch
from simulator.model.distributions import (bernoulli, discrete, lognormal, normal, pert, range90, triangular,
                                     uniform)
from simulator.model.expressions import parse
from simulator.model.scenario import load

from uihelpers import DEFAULT


def test_the_example_from_the_issue():
    assert describe_amount(range90(400_000, 1_100_000)) == \
        "90% sure between $0.4M and $1.1M; most likely around $0.8M."


@pytest.mark.parametrize("values, unit, expected", [
    ([4e5, 1.1e6, 7e5], "money", ["$0.4M", "$1.1M", "$0.7M"]),
    ([1_234_567, 1_250_000], "money", ["$1.23M", "$1.25M"]),
    ([0.03, 0.18, 0.10], "auto", ["3%", "18%", "10%"]),
    ([15_000, 35_000], "auto", ["15k", "35k"]),
    ([190, 230], "money", ["$190", "$230"]),
    ([-2e6, 3e6], "money", ["-$2M", "$3M"]),
    ([9], "number", ["9"]),
])
def test_format_values_share_one_scale(values, unit, expected):
    assert format_values(values, unit) == expected


@pytest.mark.parametrize("amount, unit, expected", [
    (2_200_000, "money", "Exactly $2.2M."),
    (0.32, "percent", "Exactly 32%."),
    (uniform(0.15, 0.45), "percent", "Anywhere between 15% and 45%, every value equally likely."),
    (discrete([1, 2, 3], [0.5, 0.35, 0.15]), "auto", "One of 1 (50%), 2 (35%) or 3 (15%)."),
    (discrete([0, 300_000], [0.75, 0.25]), "money", "A 25% chance of $300k; otherwise nothing."),
    (bernoulli(0.2), "number", "Either 1 (a 20% chance) or 0."),
    (pert(0.03, 0.10, 0.18), "auto", "90% sure between 6% and 15%; most likely around 10%."),
])
def test_sentences(amount, unit, expected):
    assert describe_amount(amount, unit=unit) == expected


def test_skewed_amounts_mention_the_average():
    text = describe_amount(triangular(1.7e6, 2.0e6, 3.3e6))
    assert text == "90% sure between $1.9M and $3.0M; most likely around $2.0M; on average $2.3M."
    assert "on average" in describe_amount(lognormal(100, 60), unit="number")
    assert "on average" not in describe_amount(normal(100, 10), unit="number")


def test_formula_is_described_from_the_scenario():
    scenario = load(DEFAULT)
    formula = parse("inventory_value * inventory_cut * carrying_rate")
    text = describe_amount(formula, scenario=scenario)
    assert text.startswith("Worked out from inventory_value, inventory_cut and carrying_rate: 90% sure between $")
    assert describe_amount(formula) == "Worked out from inventory_value, inventory_cut and carrying_rate."
    assert "is not a variable" in describe_amount(parse("nope * 2"), scenario=scenario)


def test_sketch_percentiles_match_the_distribution():
    d = range90(100, 200)
    sk = sketch(d)
    assert sk.p5 == pytest.approx(100) and sk.p95 == pytest.approx(200) and sk.p50 == pytest.approx(150)
    assert sk.draws.size == 4000 and not sk.constant
    assert sketch(5.0).constant
