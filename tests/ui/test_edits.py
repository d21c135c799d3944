"""Scenario edits as pure functions (no Qt): structure, renames, validation."""

from __future__ import annotations

import pytest

from simulator.model.expressions import Formula
from simulator.model.scenario import cautions, load
from simulator.workshop import edits
from simulator.workshop.edits import EditError

from uihelpers import DEFAULT, bundled_files


@pytest.fixture
def erp():
    return load(DEFAULT)


def test_bundled_scenarios_validate_as_they_are():
    for path in bundled_files():
        assert edits.validate(load(path)) == []


def test_blank_scenario_is_valid_and_has_do_nothing():
    blank = edits.blank_scenario()
    assert edits.validate(blank) == []
    assert blank.alternatives[-1].name == "Do nothing" and blank.alternatives[-1].items == ()


def test_rename_variable_updates_every_formula(erp):
    new = edits.rename_variable(erp, "line_capex", "line_price")
    assert "line_capex" not in new.variable_map and "line_price" in new.variable_map
    before = [it.amount.text for alt in erp.alternatives for it in alt.items if isinstance(it.amount, Formula)]
    after = [it.amount.text for alt in new.alternatives for it in alt.items if isinstance(it.amount, Formula)]
    assert any("line_capex" in t for t in before)
    assert after == [t.replace("line_capex", "line_price") for t in before]
    assert edits.validate(new) == []
    # correlations follow the name too
    renamed = edits.rename_variable(erp, "unit_price", "price")
    assert renamed.correlations[0].between == ("line_units", "price")


@pytest.mark.parametrize("name, words", [("2x", "letters"), ("fte_cost", "already"), ("max", "function")])
def test_rename_refuses_bad_names(erp, name, words):
    with pytest.raises(EditError, match=words):
        edits.rename_variable(erp, "line_capex", name)


def test_remove_variable_in_use_is_refused(erp):
    with pytest.raises(EditError, match="still used by"):
        edits.remove_variable(erp, "line_capex")
    scenario, _ = edits.add_variable(erp)
    assert "new_input" in scenario.variable_map
    assert "new_input" not in edits.remove_variable(scenario, "new_input").variable_map


def test_add_duplicate_move_remove(erp):
    s, key = edits.add_do_nothing(erp)
    assert key == ("alternative", 2) and s.alternatives[2].name == "Do nothing"
    s, key = edits.add_item(s, 0, "risk")
    assert key == ("item", 0, len(erp.alternatives[0].items))
    assert s.alternatives[0].items[-1].probability == 0.1
    s, key = edits.duplicate(s, ("alternative", 0))
    assert key == ("alternative", 1) and s.alternatives[1].name == "ERP system (copy)"
    s, key = edits.move(s, ("alternative", 1), 1)
    assert key == ("alternative", 2) and s.alternatives[2].name == "ERP system (copy)"
    s, key = edits.remove(s, ("alternative", 2))
    assert [a.name for a in s.alternatives] == ["ERP system", "New production line", "Do nothing"]
    assert edits.validate(s) == []
    with pytest.raises(EditError):
        edits.move(s, ("alternative", 0), -1)


def test_last_alternative_cannot_be_removed(erp):
    s = erp
    s, _ = edits.remove(s, ("alternative", 1))
    with pytest.raises(EditError, match="at least one"):
        edits.remove(s, ("alternative", 0))


def test_changing_kind_keeps_what_fits(erp):
    benefit = erp.alternatives[0].items[4]          # legacy system retired, start_year 2
    as_cost = edits.change_kind(benefit, "running_cost")
    assert as_cost.kind == "running_cost" and as_cost.start_year == 2 and as_cost.driver is None
    as_risk = edits.change_kind(benefit, "risk")
    assert as_risk.probability == 0.1
    as_investment = edits.change_kind(benefit, "investment")
    assert as_investment.year == 0 and as_investment.start_year == 1
    for kind in ("investment", "running_cost", "benefit", "risk"):
        s = edits.set_field(erp, ("item", 0, 4), "kind", kind)
        assert edits.validate(s) == [], kind


def test_revenue_effect_needs_a_contribution_margin(erp):
    s = edits.set_field(erp, ("item", 0, 4), "effect", "revenue")
    assert s.alternatives[0].items[4].contribution_margin == 0.3
    assert edits.validate(s) == []
    back = edits.set_field(s, ("item", 0, 4), "effect", "cost_saving")
    assert back.alternatives[0].items[4].contribution_margin is None


def test_validate_reports_paths(erp):
    s, key = edits.add_item(erp, 1, "benefit")
    s = edits.set_field(s, key, "start_year", 6)
    assert edits.validate(s) == []
    # Shortening the horizon past an item's start is allowed (the item is not counted) and said
    # out loud: a caution with the item's path, not a refusal that blocks the edit.
    s = edits.set_field(s, ("settings",), "horizon_years", 3)      # the new item starts after year 3
    assert edits.validate(s) == []
    assert [c.path for c in cautions(s)] == [edits.path_of(key) + ".start_year"]
    s = edits.set_field(erp, ("settings",), "discount_rate", 5.0)
    assert [p.path for p in edits.validate(s)] == ["discount_rate"]


def test_nearest_key(erp):
    assert edits.nearest_key(erp, ("item", 0, 99)) == ("item", 0, len(erp.alternatives[0].items) - 1)
    assert edits.nearest_key(erp, ("alternative", 9)) == ("alternative", 1)
    assert edits.nearest_key(erp, ("variable", "nope")) == ("variables",)
    assert edits.nearest_key(erp, None) == ("settings",)
