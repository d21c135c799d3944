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
from simulator.analysis import insights
from simulator.workshop import whatif
from simulator.sim.engine import run
from simulator.model.keys import InputKey, Target, get_amount, input_label, item_input, replace_amount, variable

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


# --- The tax side's inputs (issue 15) as keys: list entries, resale values, event counts --

TAXED = """
[[alternatives]]
name = "Plant"
[[alternatives.items]]
name = "Ramp-up"
kind = "benefit"
amount = [{ dist = "uniform", min = 0, max = 1000 }, 5, { dist = "uniform", min = 0, max = 1000 }]
start_year = 1
[[alternatives.items]]
name = "Press"
kind = "investment"
amount = 1000
residual_value = { dist = "uniform", min = 100, max = 200 }
[[alternatives.items]]
name = "Outages"
kind = "risk"
amount = 10
frequency = { dist = "uniform", min = 1, max = 3 }
start_year = 0
"""


def test_a_key_without_a_year_keeps_its_digest_and_a_year_makes_another():
    import hashlib
    import json

    key = item_input("ERP", "Licences")
    # the digest of a key without a year is the one the seeded regression values were made with
    h = hashlib.blake2b(json.dumps(["ERP", "Licences", "amount"]).encode("utf-8"), digest_size=16).digest()
    assert key.digest() == tuple(int.from_bytes(h[i:i + 4], "little") for i in range(0, 16, 4))
    assert InputKey("ERP", "Licences", "amount", None) == key
    years = [item_input("ERP", "Licences", year=t) for t in (0, 1, 2, 3)]
    assert len({k.digest() for k in [key, *years]}) == 5
    assert input_label(years[3]) == "ERP / Licences: year 3"
    assert input_label(years[3], own="ERP") == "Licences: year 3"
    for bad in (dict(field="growth", year=1), dict(year=True), dict(year="2")):
        with pytest.raises((TypeError, ValueError)):
            InputKey("ERP", "Licences", **bad)
    with pytest.raises(ValueError):
        InputKey(None, "units", year=1)          # a variable has no entries by year


def test_the_tax_fields_have_their_own_streams_and_words():
    fields = ("residual_value", "frequency", "events", "occurs", "amount")
    keys = [item_input("A", "B", f) for f in fields]
    assert len({k.digest() for k in keys}) == len(keys)
    assert input_label(keys[0]) == "A / B: residual value"
    assert input_label(keys[1]) == "A / B: frequency"


def test_the_engine_keys_list_entries_resale_values_and_event_counts():
    res = run(make(TAXED, rate=0.0, iterations=4000, horizon=3))
    first, third = item_input("Plant", "Ramp-up", year=1), item_input("Plant", "Ramp-up", year=3)
    resale, freq = item_input("Plant", "Press", "residual_value"), item_input("Plant", "Outages", "frequency")
    assert set(res.inputs) == {first, third, resale, freq}    # kept per future; the yearly counts are not
    # two entries with the same distribution, drawn from their own streams: independent
    a, b = res.inputs[first], res.inputs[third]
    assert 0 <= a.min() and a.max() <= 1000 and not np.array_equal(a, b)
    assert abs(stats.spearmanr(a, b).statistic) < 4 / np.sqrt(len(a) - 1)
    assert 100 <= res.inputs[resale].min() and res.inputs[resale].max() <= 200
    # each list entry is an input of its own in the sensitivity, and more of it is more NPV:
    # two equal, independent entries that outweigh the rest each correlate about 1/sqrt(2)
    bars = {bar.input: bar for bar in insights.tornado(res, Target("Plant")).bars}
    assert bars[first].rank_corr == pytest.approx(1 / np.sqrt(2), abs=0.1)
    assert bars[third].rank_corr == pytest.approx(1 / np.sqrt(2), abs=0.1)


def test_amounts_behind_the_new_keys_are_found_and_replaced():
    sc = make(TAXED, horizon=3)
    first = item_input("Plant", "Ramp-up", year=1)
    middle = item_input("Plant", "Ramp-up", year=2)
    resale = item_input("Plant", "Press", "residual_value")
    freq = item_input("Plant", "Outages", "frequency")
    assert get_amount(sc, middle) == 5
    assert get_amount(sc, item_input("Plant", "Ramp-up", year=4)) is None   # after the list's end
    assert get_amount(sc, item_input("Plant", "Press", year=1)) is None     # not a list
    changed = replace_amount(sc, middle, 7.0)
    assert get_amount(changed, middle) == 7.0 and get_amount(changed, first) == get_amount(sc, first)
    assert len(changed.alternatives[0].items[0].amount) == 3
    assert get_amount(replace_amount(sc, resale, 150.0), resale) == 150.0
    assert get_amount(replace_amount(sc, freq, 2.0), freq) == 2.0
    for missing in (item_input("Plant", "Ramp-up", year=0), item_input("Plant", "Outages", "events"),
                    item_input("Plant", "Outages", "occurs")):
        with pytest.raises(KeyError):
            replace_amount(sc, missing, 1.0)
    # the what-if slides resale values (money) and frequencies (a count), not a list's entries
    assert resale in whatif.inputs(sc) and freq in whatif.inputs(sc)
    assert whatif.unit_of(sc, resale) == "money" and whatif.unit_of(sc, freq) == "number"
    assert not any(k.year is not None for k in whatif.inputs(sc))
    assert whatif.get_amount(whatif.shift_input(sc, freq, 0.5), freq).max == pytest.approx(4.5)
