"""Inputs have identities that cannot collide (issue 13, points 1 and 2).

Two traps from the hostile-files review: names that contain the old separator " / " (an
alternative "X / Y" with an item "Z", and an alternative "X" with an item "Y / Z", were one
input), and names whose CRC32 is equal (``demand_878929`` and ``demand_8604406``: the random
streams were keyed by CRC32, so two independent variables were drawn identically).
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from scipy import stats

from helpers import make
from simulator import insights, whatif
from simulator.engine import run
from simulator.keys import InputKey, Target, get_amount, input_label, item_input, replace_amount, variable

SLASHES = """
[[alternatives]]
name = "X / Y"
[[alternatives.items]]
name = "Z"
kind = "benefit"
amount = { dist = "uniform", min = 1, max = 2 }
end_year = 1

[[alternatives]]
name = "X"
[[alternatives.items]]
name = "Y / Z"
kind = "benefit"
amount = { dist = "uniform", min = 1000, max = 2000 }
end_year = 1
"""

CRC = """
[variables]
demand_878929 = { dist = "uniform", min = 0, max = 1 }
demand_8604406 = { dist = "uniform", min = 0, max = 1 }

[[alternatives]]
name = "A"
[[alternatives.items]]
name = "Sales"
kind = "benefit"
amount = "1000 * demand_878929"
end_year = 1

[[alternatives]]
name = "B"
[[alternatives.items]]
name = "Sales"
kind = "benefit"
amount = "1000 * demand_8604406"
end_year = 1
"""


def test_names_with_the_old_separator_are_two_inputs_with_their_own_numbers():
    res = run(make(SLASHES, rate=0.0, iterations=4000))
    small, big = InputKey("X / Y", "Z"), InputKey("X", "Y / Z")
    assert small != big and set(res.inputs) == {small, big}
    assert 1 <= res.inputs[small].min() and res.inputs[small].max() <= 2
    assert 1000 <= res.inputs[big].min() and res.inputs[big].max() <= 2000
    # NPV = the benefit (one year, no discounting): $1.50 and $1,500 on average, not swapped
    assert res.alternative("X / Y").npv.mean() == pytest.approx(1.5, rel=0.01)
    assert res.alternative("X").npv.mean() == pytest.approx(1500, rel=0.01)
    # each alternative's drivers name its own item only
    own = insights.tornado(res, Target("X / Y"), own_only=True)
    assert [b.input for b in own.bars] == [small]
    # the one amount replacement finds the right item
    fixed = replace_amount(res.scenario, big, 7.0)
    assert get_amount(fixed, big) == 7.0 and get_amount(fixed, small) == get_amount(res.scenario, small)
    assert whatif.get_amount(whatif.shift_input(res.scenario, small, 0.5), big) == get_amount(res.scenario, big)
    again = run(insights.fix_input(res.scenario, small, 1.5), 4000)
    assert set(again.inputs) == {big} and np.array_equal(again.inputs[big], res.inputs[big])


def test_labels_are_words_only_and_distinct():
    assert input_label(InputKey("X / Y", "Z")) == "X / Y / Z" == input_label(InputKey("X", "Y / Z"))
    # ... which is why nothing parses them: the keys differ, and so do their random streams
    assert InputKey("X / Y", "Z").digest() != InputKey("X", "Y / Z").digest()
    assert input_label(variable("line_units")) == "line units"
    assert input_label(item_input("ERP", "Licences", "contribution_margin")) == "ERP / Licences: contribution margin"
    assert input_label(item_input("ERP", "Licences", "growth"), own="ERP") == "Licences: growth"
    with pytest.raises(ValueError):
        InputKey("ERP", "Licences", "colour")


def test_names_with_the_same_crc32_are_drawn_independently():
    assert zlib.crc32(b"demand_878929") == zlib.crc32(b"demand_8604406")   # the trap is real
    res = run(make(CRC, rate=0.0, iterations=5000))
    a, b = res.inputs[variable("demand_878929")], res.inputs[variable("demand_8604406")]
    assert not np.array_equal(a, b)
    # independent uniforms: Spearman's rho within 4 standard errors (1/sqrt(n-1)) of zero
    assert abs(stats.spearmanr(a, b).statistic) < 4 / np.sqrt(len(a) - 1)
    beats = res.summary.comparison.prob_beats["A"]["B"]
    assert beats == pytest.approx(0.5, abs=0.04)


def test_every_item_field_has_its_own_stream():
    keys = [item_input("A", "B", f) for f in ("amount", "growth", "probability", "contribution_margin", "occurs")]
    keys += [variable("A"), variable("B"), item_input("B", "A"), InputKey("A", "B / amount")]
    assert len({k.digest() for k in keys}) == len(keys)
