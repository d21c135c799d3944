"""Scenario edits as pure functions: ``Scenario -> Scenario``. No Qt.

The editor's commands (:mod:`ui.document`) call these to build the next scenario; undo keeps
the previous one. Places in a scenario are named by *keys*, small tuples that survive a
rebuild of the outline:

======================  ==============================================
``("settings",)``       title, currency, horizon, discount rate, runs
``("baseline",)``       the business today
``("variables",)``      the list of shared inputs
``("variable", name)``  one shared input
``("alternatives",)``   the list of alternatives
``("alternative", i)``  alternative ``i``
``("item", i, j)``      item ``j`` of alternative ``i``
``("correlations",)``   the list of correlations
``("correlation", k)``  correlation ``k``
======================  ==============================================

Every function raises :class:`EditError` (a plain-words message) for an edit that cannot be
made; :func:`validate` checks a whole scenario exactly as loading its file would.
"""

from __future__ import annotations

from dataclasses import replace
import re
from typing import Any

from simulator.model.distributions import Distribution
from simulator.model.errors import Problem, ScenarioError
from simulator.model.expressions import Formula, is_identifier, parse as parse_formula
from simulator.model.keys import item_input, replace_amount, variable
from simulator.model.scenario import (DEFAULT_DISCOUNT_RATE, DEFAULT_HORIZON, Alternative, Baseline,
                                Correlation, Item, Scenario, YearlyAmounts, from_data, to_data)

Key = tuple


class EditError(ValueError):
    """An edit that cannot be made, in plain words."""


# ---------------------------------------------------------------------------------------
# Keys and field paths
# ---------------------------------------------------------------------------------------

def path_of(key: Key) -> str:
    """The field path prefix (as in :class:`~simulator.model.errors.Problem`) of a key."""
    kind = key[0]
    if kind == "variable":
        return f"variables.{key[1]}"
    if kind == "alternative":
        return f"alternatives[{key[1]}]"
    if kind == "item":
        return f"alternatives[{key[1]}].items[{key[2]}]"
    if kind == "correlation":
        return f"correlations[{key[1]}]"
    if kind == "baseline":
        return "baseline"
    if kind in ("variables", "alternatives", "correlations"):
        return kind
    return ""


def describe_path(scenario: Scenario, path: str) -> str:
    """A field path in words: ``alternatives[0].items[3].end_year`` -> "ERP system / Backfill"."""
    m = re.match(r"alternatives\[(\d+)\](?:\.items\[(\d+)\])?", path)
    if m:
        i = int(m.group(1))
        if i < len(scenario.alternatives):
            alt = scenario.alternatives[i]
            if m.group(2) is not None and int(m.group(2)) < len(alt.items):
                return f"{alt.name} / {alt.items[int(m.group(2))].name}"
            return alt.name
    m = re.match(r"variables\.(\w+)", path)
    if m:
        return f"shared input {m.group(1)}"
    if path.startswith("correlations"):
        return "correlations"
    if path.startswith("baseline"):
        return "the business today"
    return "settings" if path else "the scenario"


def key_exists(scenario: Scenario, key: Key | None) -> bool:
    if not key:
        return False
    kind = key[0]
    if kind == "variable":
        return key[1] in scenario.variable_map
    if kind == "alternative":
        return 0 <= key[1] < len(scenario.alternatives)
    if kind == "item":
        return 0 <= key[1] < len(scenario.alternatives) and 0 <= key[2] < len(scenario.alternatives[key[1]].items)
    if kind == "correlation":
        return 0 <= key[1] < len(scenario.correlations)
    return kind in ("settings", "baseline", "variables", "alternatives", "correlations")


def nearest_key(scenario: Scenario, key: Key | None) -> Key:
    """``key`` if it still exists, else the closest thing that does (a neighbour, a parent)."""
    if key_exists(scenario, key):
        return key
    if not key:
        return ("settings",)
    kind = key[0]
    if kind == "item":
        i = key[1]
        if 0 <= i < len(scenario.alternatives):
            n = len(scenario.alternatives[i].items)
            return ("item", i, n - 1) if n else ("alternative", i)
        return nearest_key(scenario, ("alternative", i))
    if kind == "alternative":
        n = len(scenario.alternatives)
        return ("alternative", n - 1) if n else ("alternatives",)
    if kind == "correlation":
        n = len(scenario.correlations)
        return ("correlation", n - 1) if n else ("correlations",)
    if kind == "variable":
        return ("variables",)
    return ("settings",)


# ---------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------

def validate(scenario: Scenario) -> list[Problem]:
    """Every problem loading this scenario's file would report (none: it can run).

    The scenario goes through the same reader and checks as a file, so an edit is held to
    exactly the rules of the file format.
    """
    try:
        from_data(to_data(scenario))
    except ScenarioError as exc:
        return list(exc.problems)
    return []


def problems_under(problems: list[Problem], prefix: str) -> list[Problem]:
    """Problems whose path is ``prefix`` or inside it."""
    if not prefix:
        return list(problems)
    return [p for p in problems if p.path == prefix or p.path.startswith(prefix + ".")
            or p.path.startswith(prefix + "[")]


# ---------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------

def unique_name(base: str, taken: set[str] | list[str] | tuple[str, ...]) -> str:
    taken = set(taken)
    if base not in taken:
        return base
    stem = re.sub(r" \(\d+\)$|_\d+$", "", base)
    ident = is_identifier(base)
    n = 2
    while True:
        name = f"{stem}_{n}" if ident else f"{stem} ({n})"
        if name not in taken:
            return name
        n += 1


def copy_name(base: str, taken) -> str:
    return unique_name(f"{base} (copy)", taken)


# ---------------------------------------------------------------------------------------
# Whole scenarios
# ---------------------------------------------------------------------------------------

def blank_scenario() -> Scenario:
    """A small scenario to start from: one investment to fill in, and doing nothing."""
    from simulator.model.distributions import range90, triangular

    alt = Alternative(
        name="New investment",
        category="IT",
        items=(
            Item("Purchase and set-up", "investment", triangular(800_000, 1_000_000, 1_400_000), year=0),
            Item("Running costs", "running_cost", range90(80_000, 120_000)),
            Item("Benefit", "benefit", range90(200_000, 450_000), ramp_years=1, driver="cost reduction"),
        ),
    )
    return Scenario(   # the other settings: the model's defaults
        title="Untitled scenario",
        horizon_years=DEFAULT_HORIZON,
        discount_rate=DEFAULT_DISCOUNT_RATE,
        alternatives=(alt, do_nothing()),
    )


def do_nothing(name: str = "Do nothing") -> Alternative:
    return Alternative(name=name, category="reference",
                       description="Keep things as they are: no spending, no change. The reference point.")


# ---------------------------------------------------------------------------------------
# Field edits
# ---------------------------------------------------------------------------------------

_SETTINGS_FIELDS = ("title", "description", "currency", "horizon_years", "discount_rate", "iterations", "seed",
                    "sampling", "tax_rate", "inflation", "locale")


def set_field(scenario: Scenario, key: Key, field: str, value: Any) -> Scenario:
    """Scenario with one field of the thing at ``key`` set to ``value``."""
    kind = key[0]
    if kind == "settings":
        if field not in _SETTINGS_FIELDS:
            raise EditError(f"unknown setting {field!r}")
        if field in ("tax_rate", "inflation") and value is None:
            value = 0.0   # a blank field: before tax, today's prices
        return replace(scenario, **{field: value})
    if kind == "baseline":
        return _set_baseline(scenario, field, value)
    if kind == "variable":
        if field == "name":
            return rename_variable(scenario, key[1], value)
        if field == "amount":
            return replace_amount(scenario, variable(key[1]), value)
        if field in ("label", "unit"):
            return set_variable_info(scenario, key[1], **{field: value})
        raise EditError(f"unknown variable field {field!r}")
    if kind == "alternative":
        i = key[1]
        alt = scenario.alternatives[i]
        if field in PILOT_EDIT_FIELDS:
            return set_pilot_field(scenario, i, field, value)
        if field == "drivers":
            value = tuple(value)
        new = replace(alt, **{field: value})
        scenario = _with_alternative(scenario, i, new)
        if field == "name" and value != alt.name:   # a pilot of the renamed alternative follows the name
            scenario = replace(scenario, alternatives=tuple(
                replace(a, stage_of=value) if a.stage_of == alt.name else a for a in scenario.alternatives))
        return scenario
    if kind == "item":
        i, j = key[1], key[2]
        alt = scenario.alternatives[i]
        item = alt.items[j]
        if field == "kind":
            new_item = change_kind(item, value)
        elif field == "effect":
            new_item = change_effect(item, value)
        elif field in ("amount", "growth", "probability", "contribution_margin", "residual_value", "frequency"):
            return replace_amount(scenario, item_input(alt.name, item.name, field), value, at=(i, j))
        else:
            new_item = replace(item, **{field: value})
        items = alt.items[:j] + (new_item,) + alt.items[j + 1:]
        return _with_alternative(scenario, i, replace(alt, items=items))
    if kind == "correlation":
        k = key[1]
        corr = scenario.correlations[k]
        if field == "between":
            value = tuple(value)
        new = replace(corr, **{field: value})
        return replace(scenario, correlations=scenario.correlations[:k] + (new,) + scenario.correlations[k + 1:])
    raise EditError(f"nothing to edit at {key!r}")


def _set_baseline(scenario: Scenario, field: str, value: Any) -> Scenario:
    if field == "enabled":
        if not value:
            return replace(scenario, baseline=None)
        if scenario.baseline is not None:
            return scenario
        return replace(scenario, baseline=Baseline(revenue=100_000_000, operating_margin=0.10))
    base = scenario.baseline or Baseline(revenue=100_000_000, operating_margin=0.10)
    return replace(scenario, baseline=replace(base, **{field: value}))


def _with_alternative(scenario: Scenario, i: int, alt: Alternative) -> Scenario:
    return replace(scenario, alternatives=scenario.alternatives[:i] + (alt,) + scenario.alternatives[i + 1:])


def change_kind(item: Item, kind: str) -> Item:
    """The item as another kind, dropping fields the new kind does not have and filling in
    the ones it needs (a risk needs a chance per year)."""
    if kind == item.kind:
        return item
    amount = item.amount
    if kind == "investment" and isinstance(amount, YearlyAmounts):   # an investment is paid once
        amount = amount.values[0] if amount.values else 0.0
    fresh: dict[str, Any] = {"name": item.name, "kind": kind, "amount": amount, "note": item.note,
                             "indexed": item.indexed}
    if kind == "investment":
        for f in ("year", "life_years", "depreciation", "residual_value"):
            if item.kind == "investment":
                fresh[f] = getattr(item, f)
    else:
        if item.is_yearly:
            for f in ("start_year", "end_year", "ramp_years", "growth", "vary"):
                fresh[f] = getattr(item, f)
        elif kind == "working_capital":
            fresh["start_year"] = 0   # tied up from today, unless said otherwise
        if item.is_annual and kind != "working_capital":
            fresh["probability"] = item.probability
            fresh["frequency"] = item.frequency
        if kind == "risk" and fresh.get("probability") is None and fresh.get("frequency") is None:
            fresh["probability"] = 0.1
    return Item(**fresh)


def change_effect(item: Item, effect: str) -> Item:
    if effect == item.effect:
        return item
    if effect == "revenue":
        return replace(item, effect="revenue",
                       contribution_margin=item.contribution_margin if item.contribution_margin is not None else 0.3)
    return replace(item, effect=effect, contribution_margin=None)


# ---------------------------------------------------------------------------------------
# Structure: add, duplicate, remove, move
# ---------------------------------------------------------------------------------------

_NEW_ITEMS = {
    "investment": lambda: Item("New investment", "investment", 500_000.0, year=0),
    "running_cost": lambda: Item("New running cost", "running_cost", 50_000.0),
    "benefit": lambda: Item("New benefit", "benefit", 100_000.0, driver="cost reduction"),
    "risk": lambda: Item("New risk", "risk", 200_000.0, probability=0.1),
    "working_capital": lambda: Item("New working capital", "working_capital", 100_000.0, start_year=0),
}


def add_alternative(scenario: Scenario, alt: Alternative | None = None) -> tuple[Scenario, Key]:
    taken = [a.name for a in scenario.alternatives]
    if alt is None:
        alt = Alternative(name=unique_name("New alternative", taken), items=(_NEW_ITEMS["investment"](),))
    else:
        alt = replace(alt, name=unique_name(alt.name, taken))
    new = replace(scenario, alternatives=scenario.alternatives + (alt,))
    return new, ("alternative", len(new.alternatives) - 1)


#: The inspector's fields of a staged alternative's pilot (``pilot_cost`` -> ``pilot.cost``).
PILOT_EDIT_FIELDS = ("pilot_cost", "pilot_error", "pilot_years", "pilot_reveals")


def set_pilot_field(scenario: Scenario, i: int, field: str, value: Any) -> Scenario:
    """Scenario with one field of alternative ``i``'s pilot set (``reveals`` from a list of
    names or text "a, b"; ``error`` None for a perfect reading)."""
    alt = scenario.alternatives[i]
    if alt.pilot is None:
        raise EditError(f"'{alt.name}' has no pilot")
    attr = field.removeprefix("pilot_")
    if attr == "reveals":
        names = value.replace(",", " ").split() if isinstance(value, str) else list(value)
        if not names:
            raise EditError("name at least one shared input the test measures")
        value = tuple(names)
    if attr == "years":
        value = int(value or 0)
    if attr == "cost" and value is None:
        value = 0.0
    return _with_alternative(scenario, i, replace(alt, pilot=replace(alt.pilot, **{attr: value})))


def add_pilot(scenario: Scenario, name: str, target: str) -> tuple[Scenario, Key]:
    """Add "test first, then decide on ``target``", a pilot measuring variable ``name``, with a
    cost of 0 and a reading error of a quarter of the variable's 90% half-width either way:
    placeholders the user fills in (the inspector selects the new alternative)."""
    from simulator.model.distributions import range90
    from simulator.model.scenario import Pilot

    amount = scenario.variable_map.get(name)
    if not isinstance(amount, Distribution):
        raise EditError(f"'{name}' is not an uncertain shared input: a test can only measure one with a range")
    if target not in [a.name for a in scenario.alternatives if not a.is_staged]:
        raise EditError(f"'{target}' is not an alternative a pilot can test")
    half = (amount.quantile(0.95) - amount.quantile(0.05)) / 2
    width = float(f"{half / 4:.2g}") if half > 0 else 0.0
    width = int(width) if width.is_integer() else width
    error = range90(-width, width) if width > 0 else None
    taken = [a.name for a in scenario.alternatives]
    src = scenario.alternative(target)
    alt = Alternative(name=unique_name(f"Find out {name.replace('_', ' ')} first", taken), category=src.category,
                      description=f"A pilot that measures {name.replace('_', ' ')}; then {target} goes ahead only if "
                                  "the test says it pays.",
                      drivers=src.drivers, stage_of=target, pilot=Pilot(0.0, (name,), error))
    new = replace(scenario, alternatives=scenario.alternatives + (alt,))
    return new, ("alternative", len(new.alternatives) - 1)


def add_do_nothing(scenario: Scenario) -> tuple[Scenario, Key]:
    return add_alternative(scenario, do_nothing())


def add_item(scenario: Scenario, i: int, kind: str) -> tuple[Scenario, Key]:
    alt = scenario.alternatives[i]
    item = _NEW_ITEMS[kind]()
    item = replace(item, name=unique_name(item.name, [it.name for it in alt.items]))
    new = _with_alternative(scenario, i, replace(alt, items=alt.items + (item,)))
    return new, ("item", i, len(alt.items))


def add_variable(scenario: Scenario, name: str = "new_input", amount: Any = None) -> tuple[Scenario, Key]:
    from simulator.model.distributions import range90

    name = unique_name(name, scenario.variable_map)
    amount = range90(80.0, 120.0) if amount is None else amount
    return replace(scenario, variables=scenario.variables + ((name, amount),)), ("variable", name)


def add_correlation(scenario: Scenario) -> tuple[Scenario, Key]:
    uncertain = [n for n, a in scenario.variables if isinstance(a, Distribution)]
    taken = {frozenset(c.between) for c in scenario.correlations}
    for a in uncertain:
        for b in uncertain:
            if a < b and frozenset((a, b)) not in taken:
                corr = Correlation((a, b), 0.5)
                new = replace(scenario, correlations=scenario.correlations + (corr,))
                return new, ("correlation", len(new.correlations) - 1)
    if len(uncertain) < 2:
        raise EditError("a correlation links two uncertain variables (with a range or distribution); "
                        "add them first")
    raise EditError("every pair of uncertain variables is already correlated")


def duplicate(scenario: Scenario, key: Key) -> tuple[Scenario, Key]:
    kind = key[0]
    if kind == "alternative":
        i = key[1]
        alt = scenario.alternatives[i]
        copy = replace(alt, name=copy_name(alt.name, [a.name for a in scenario.alternatives]))
        alts = scenario.alternatives[:i + 1] + (copy,) + scenario.alternatives[i + 1:]
        return replace(scenario, alternatives=alts), ("alternative", i + 1)
    if kind == "item":
        i, j = key[1], key[2]
        alt = scenario.alternatives[i]
        item = alt.items[j]
        copy = replace(item, name=copy_name(item.name, [it.name for it in alt.items]))
        items = alt.items[:j + 1] + (copy,) + alt.items[j + 1:]
        return _with_alternative(scenario, i, replace(alt, items=items)), ("item", i, j + 1)
    if kind == "variable":
        name = key[1]
        new_name = unique_name(name + "_copy", scenario.variable_map)
        out = []
        for n, a in scenario.variables:
            out.append((n, a))
            if n == name:
                out.append((new_name, a))
        copied = replace(scenario, variables=tuple(out))
        info = dict(scenario.variable_info).get(name)
        if info is not None:
            copied = _with_variable_info(copied, {new_name: info})
        return copied, ("variable", new_name)
    raise EditError("select an alternative, an item or a variable to duplicate")


def remove(scenario: Scenario, key: Key) -> tuple[Scenario, Key]:
    kind = key[0]
    if kind == "alternative":
        i = key[1]
        if len(scenario.alternatives) <= 1:
            raise EditError("a scenario needs at least one alternative")
        new = replace(scenario, alternatives=scenario.alternatives[:i] + scenario.alternatives[i + 1:])
        return new, nearest_key(new, ("alternative", i))
    if kind == "item":
        i, j = key[1], key[2]
        alt = scenario.alternatives[i]
        new = _with_alternative(scenario, i, replace(alt, items=alt.items[:j] + alt.items[j + 1:]))
        return new, nearest_key(new, ("item", i, j))
    if kind == "variable":
        return remove_variable(scenario, key[1]), ("variables",)
    if kind == "correlation":
        k = key[1]
        new = replace(scenario, correlations=scenario.correlations[:k] + scenario.correlations[k + 1:])
        return new, nearest_key(new, ("correlation", k))
    raise EditError("select an alternative, an item, a variable or a correlation to remove")


def _swapped(seq, i: int, delta: int) -> tuple[tuple, int]:
    """``seq`` with entry ``i`` moved by ``delta`` places (a swap with its neighbour), and where
    it went; EditError at either end."""
    k = i + delta
    if not 0 <= k < len(seq):
        raise EditError("it is already at the end")
    out = list(seq)
    out[i], out[k] = out[k], out[i]
    return tuple(out), k


def move(scenario: Scenario, key: Key, delta: int) -> tuple[Scenario, Key]:
    kind = key[0]
    if kind == "alternative":
        seq, k = _swapped(scenario.alternatives, key[1], delta)
        return replace(scenario, alternatives=seq), ("alternative", k)
    if kind == "item":
        i, alt = key[1], scenario.alternatives[key[1]]
        seq, k = _swapped(alt.items, key[2], delta)
        return _with_alternative(scenario, i, replace(alt, items=seq)), ("item", i, k)
    if kind == "variable":
        names = [n for n, _ in scenario.variables]
        seq, _ = _swapped(scenario.variables, names.index(key[1]), delta)
        return replace(scenario, variables=seq), key
    if kind == "correlation":
        seq, k = _swapped(scenario.correlations, key[1], delta)
        return replace(scenario, correlations=seq), ("correlation", k)
    raise EditError("select an alternative, an item, a variable or a correlation to move")


# ---------------------------------------------------------------------------------------
# Variables: renaming updates every formula that uses the name
# ---------------------------------------------------------------------------------------

def uses_of(scenario: Scenario, name: str) -> list[str]:
    """Where a variable is used, in words ("ERP system / Lower inventory carrying cost")."""
    out = []

    def uses(amount) -> bool:
        return isinstance(amount, Formula) and name in amount.names

    for n, a in scenario.variables:
        if n != name and uses(a):
            out.append(f"variable {n}")
    for alt in scenario.alternatives:
        for item in alt.items:
            if any(uses(getattr(item, f)) for f in ("amount", "growth", "probability", "contribution_margin")):
                out.append(f"{alt.name} / {item.name}")
    for c in scenario.correlations:
        if name in c.between:
            out.append(f"correlation {c.between[0]} ~ {c.between[1]}")
    return out


def _rename_in(amount, old: str, new: str):
    if not isinstance(amount, Formula) or old not in amount.names:
        return amount
    text = amount.text
    for name, start, end in sorted(amount.name_spans, key=lambda s: -s[1]):
        if name == old:
            text = text[:start] + new + text[end:]
    return parse_formula(text)


def set_variable_info(scenario: Scenario, name: str, **words: str | None) -> Scenario:
    """Scenario with the ``label`` and/or ``unit`` of variable ``name`` set (blank: none)."""
    from simulator.model.scenario import MAX_LABEL, VariableInfo

    if name not in scenario.variable_map:
        raise EditError(f"there is no variable called {name}")
    info = dict(scenario.variable_info).get(name, VariableInfo())
    for field, text in words.items():
        text = " ".join((text or "").split())
        if len(text) > MAX_LABEL:
            raise EditError(f"keep the {field} to at most {MAX_LABEL} characters")
        info = replace(info, **{field: text})
    return _with_variable_info(scenario, {name: info})


def _with_variable_info(scenario: Scenario, changed: dict[str, Any], order: list[str] | None = None) -> Scenario:
    """The scenario's variable_info in the order of its variables, with ``changed`` entries
    (name -> VariableInfo or None to drop) applied; blank entries dropped."""
    from simulator.model.scenario import VariableInfo

    info = dict(scenario.variable_info)
    info.update(changed)
    names = order if order is not None else [n for n, _ in scenario.variables]
    out = tuple((n, info[n]) for n in names if info.get(n) not in (None, VariableInfo()))
    return replace(scenario, variable_info=out)


def rename_variable(scenario: Scenario, old: str, new: str) -> Scenario:
    new = new.strip()
    if new == old:
        return scenario
    if not is_identifier(new):
        raise EditError("use letters, digits and _ only, starting with a letter (e.g. unit_price)")
    if new in scenario.variable_map:
        raise EditError(f"there is already a variable called {new}")
    from simulator.model.scenario import FUNCTION_NAMES

    if new in FUNCTION_NAMES:
        raise EditError(f"{new} is the name of a formula function; choose another name")
    variables = tuple((new if n == old else n, _rename_in(a, old, new)) for n, a in scenario.variables)
    alts = []
    for alt in scenario.alternatives:
        items = tuple(replace(it, **{f: _rename_in(getattr(it, f), old, new)
                                     for f in ("amount", "growth", "probability", "contribution_margin")})
                      for it in alt.items)
        alt = replace(alt, items=items)
        if alt.pilot is not None and old in alt.pilot.reveals:   # a pilot measures it: it follows the name
            alt = replace(alt, pilot=replace(alt.pilot, reveals=tuple(new if v == old else v
                                                                      for v in alt.pilot.reveals)))
        alts.append(alt)
    corrs = tuple(replace(c, between=tuple(new if b == old else b for b in c.between)) for c in scenario.correlations)
    info = tuple((new if n == old else n, i) for n, i in scenario.variable_info)
    return replace(scenario, variables=variables, alternatives=tuple(alts), correlations=corrs, variable_info=info)


def remove_variable(scenario: Scenario, name: str) -> Scenario:
    used = uses_of(scenario, name)
    if used:
        shown = ", ".join(used[:3]) + (f" and {len(used) - 3} more" if len(used) > 3 else "")
        raise EditError(f"{name} is still used by {shown}; change those first")
    return replace(scenario, variables=tuple((n, a) for n, a in scenario.variables if n != name),
                   variable_info=tuple((n, i) for n, i in scenario.variable_info if n != name))
