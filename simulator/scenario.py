"""The scenario: data model, validation with field paths, and TOML load/save.

A :class:`Scenario` is immutable. Editors produce a new one with :func:`dataclasses.replace`
(or the helpers below) and keep the old one for undo; the engine reads a snapshot that cannot
change under it.

The file is TOML (see the README for the reference). Loading collects *every* problem it
finds, each with a field path such as ``alternatives[1].items[0].amount.max``; a key the
program does not know is an error with a "did you mean" hint, never silently ignored.
Saving keeps the comments, order and layout of the file a person wrote wherever the content
did not change.

File formats: every file carries ``format = N``. A file in an older format is brought up to
:data:`FORMAT_VERSION` in memory when it is read, by the ordered :data:`MIGRATIONS`; the
scenario then says so in ``migrated_from`` (see :func:`migration_message`), and the first
save over a file in an older format keeps that file as ``NAME.format-N.bak`` beside it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields, replace
import math
import os
from pathlib import Path
import re
import tempfile
import tomllib
from typing import Any, Callable, Iterable, Mapping, Union

from .distributions import Distribution, DistributionError, from_spec
from .errors import Problem, ScenarioError, did_you_mean
from .expressions import Formula, FormulaError, parse as parse_formula

FORMAT_VERSION = 1

#: The ordered migrations between file formats: ``MIGRATIONS[n]`` (``migrate_n_to_n+1``) takes
#: the plain data of a format-``n`` file (as read by tomllib) and returns it in format
#: ``n + 1``. A file in format ``n`` goes through ``n, n + 1, ..., FORMAT_VERSION - 1`` in turn.
#: Empty today: the file layout has not changed since format 1, the first one ever written
#: (every bundled and saved file is format 1), so there is nothing older to migrate yet. A
#: change to the layout raises FORMAT_VERSION and adds its migration here.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
MAX_HORIZON = 50
MAX_ITERATIONS = 10_000_000
MIN_ITERATIONS = 10

KINDS = ("investment", "running_cost", "benefit", "risk")
ANNUAL_KINDS = ("running_cost", "benefit", "risk")
EFFECTS = ("cost_saving", "revenue")
VARY = ("once", "yearly")
SAMPLING = ("lhs", "random")
DRIVERS = (
    "speed to market",
    "repeat sales",
    "market share",
    "revenue growth",
    "margins",
    "cost reduction",
    "risk reduction",
)
FUNCTION_NAMES = frozenset({"min", "max", "abs", "exp", "log", "sqrt", "clip", "where"})
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: An amount: a plain number, an uncertain distribution, or a formula over variables.
Amount = Union[float, Distribution, Formula]


@dataclass(frozen=True)
class Baseline:
    """The business today, for the margin view. ``revenue`` per year in currency units;
    ``operating_margin`` and ``revenue_growth`` as fractions (0.11 = 11%)."""

    revenue: float
    operating_margin: float
    revenue_growth: float = 0.0


@dataclass(frozen=True)
class Item:
    """One line of an alternative. ``amount`` is always a positive magnitude: the kind gives
    the sign (investments, running costs and risks take money out; benefits bring it in)."""

    name: str
    kind: str
    amount: Amount
    year: int = 0
    life_years: int | None = None
    start_year: int = 1
    end_year: int | None = None
    ramp_years: int = 0
    growth: Amount | None = None
    probability: Amount | None = None
    vary: str = "once"
    effect: str = "cost_saving"
    contribution_margin: Amount | None = None
    driver: str | None = None
    note: str = ""

    @property
    def is_annual(self) -> bool:
        return self.kind in ANNUAL_KINDS

    @property
    def is_cost(self) -> bool:
        return self.kind != "benefit"


@dataclass(frozen=True)
class Alternative:
    name: str
    category: str = ""
    description: str = ""
    drivers: tuple[str, ...] = ()
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Correlation:
    """Spearman rank correlation ``rank`` to induce between two variables."""

    between: tuple[str, str]
    rank: float


@dataclass(frozen=True)
class Scenario:
    title: str
    horizon_years: int
    discount_rate: float
    format: int = FORMAT_VERSION
    description: str = ""
    currency: str = "USD"
    iterations: int = 10_000
    seed: int = 1
    sampling: str = "lhs"
    baseline: Baseline | None = None
    variables: tuple[tuple[str, Amount], ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    correlations: tuple[Correlation, ...] = ()
    #: The [portfolio] table (simulator.portfolio_spec.PortfolioSpec): None for a plain comparison.
    portfolio: Any = None
    #: The text this scenario was loaded from, so saving can keep the author's layout.
    source_text: str | None = field(default=None, compare=False, repr=False)
    #: The older format the file was written in, when reading it migrated it to
    #: FORMAT_VERSION; None when it was current (and after the scenario has been saved).
    migrated_from: int | None = field(default=None, compare=False, repr=False)

    @property
    def variable_map(self) -> dict[str, Amount]:
        return dict(self.variables)

    def alternative(self, name: str) -> Alternative:
        for alt in self.alternatives:
            if alt.name == name:
                return alt
        raise KeyError(name)


# ---------------------------------------------------------------------------------------
# Reading: plain TOML data -> Scenario, collecting every problem with its path
# ---------------------------------------------------------------------------------------

_TOP_KEYS = (
    "format", "title", "description", "currency", "horizon_years", "discount_rate",
    "iterations", "seed", "sampling", "baseline", "variables", "alternatives", "correlations",
    "portfolio",
)
_BASELINE_KEYS = ("revenue", "operating_margin", "revenue_growth")
_ALT_KEYS = ("name", "category", "description", "drivers", "items")
_ITEM_KEYS = tuple(f.name for f in fields(Item))
_CORR_KEYS = ("between", "rank")
_ITEM_ONLY_FOR = {
    "year": ("investment",),
    "life_years": ("investment",),
    "start_year": ANNUAL_KINDS,
    "end_year": ANNUAL_KINDS,
    "ramp_years": ANNUAL_KINDS,
    "growth": ANNUAL_KINDS,
    "probability": ANNUAL_KINDS,
    "vary": ANNUAL_KINDS,
    "effect": ("benefit",),
    "contribution_margin": ("benefit",),
    "driver": ("benefit",),
}


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


class _Reader:
    """Turns plain data (as from ``tomllib``) into a Scenario, collecting problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def check_keys(self, table: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
        allowed = tuple(allowed)
        for key in table:
            if key not in allowed:
                self.fail(_join(path, key), f"unknown key '{key}'{did_you_mean(key, allowed)}")

    # -- scalars ---------------------------------------------------------------------
    def number(self, value: Any, path: str, *, lo: float | None = None, hi: float | None = None,
               lo_open: bool = False, hi_open: bool = False) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"expected a number, found {_type_name(value)}")
            return None
        value = float(value)
        if not math.isfinite(value):
            self.fail(path, "must be a finite number (not nan or inf)")
            return None
        if lo is not None and (value < lo or (lo_open and value == lo)):
            self.fail(path, f"must be {'above' if lo_open else 'at least'} {lo:g}, found {value:g}")
            return None
        if hi is not None and (value > hi or (hi_open and value == hi)):
            self.fail(path, f"must be {'below' if hi_open else 'at most'} {hi:g}, found {value:g}")
            return None
        return value

    def integer(self, value: Any, path: str, *, lo: int | None = None, hi: int | None = None) -> int | None:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected a whole number, found {_type_name(value)}")
            return None
        if lo is not None and value < lo:
            self.fail(path, f"must be at least {lo}, found {value}")
            return None
        if hi is not None and value > hi:
            self.fail(path, f"must be at most {hi}, found {value}")
            return None
        return value

    def text(self, value: Any, path: str, *, required: bool = False) -> str | None:
        if not isinstance(value, str):
            self.fail(path, f"expected text, found {_type_name(value)}")
            return None
        if required and not value.strip():
            self.fail(path, "must not be empty")
            return None
        return value

    def choice(self, value: Any, path: str, choices: tuple[str, ...]) -> str | None:
        if not isinstance(value, str) or value not in choices:
            shown = f"'{value}'" if isinstance(value, str) else _type_name(value)
            hint = did_you_mean(value, choices) if isinstance(value, str) else ""
            self.fail(path, f"must be one of {', '.join(repr(c) for c in choices)}; found {shown}{hint}")
            return None
        return value

    def amount(self, value: Any, path: str) -> Amount | None:
        if isinstance(value, bool):
            self.fail(path, "expected an amount (a number, a range, a distribution or a formula), found true/false")
            return None
        if isinstance(value, (int, float)):
            return self.number(value, path)
        if isinstance(value, str):
            try:
                return parse_formula(value)
            except FormulaError as exc:
                self.fail(path, f"formula {value[:60]!r}: {exc}")
                return None
        if isinstance(value, Mapping):
            try:
                return from_spec(value)
            except DistributionError as exc:
                self.fail(_join(path, exc.field) if exc.field else path, exc.message)
                return None
        self.fail(path, "expected an amount: a number, a range such as { low = 1, high = 2 }, "
                        f"a distribution or a formula; found {_type_name(value)}")
        return None

    # -- tables ----------------------------------------------------------------------
    def scenario(self, data: Mapping[str, Any]) -> Scenario | None:
        fmt = data.get("format")
        if fmt is None:
            self.fail("format", f"missing: write format = {FORMAT_VERSION} at the top of the file")
        else:
            fmt = self.integer(fmt, "format")
            if fmt is not None and fmt > FORMAT_VERSION:
                self.fail("format", f"this file was written by a newer version of investsim (format {fmt}); "
                                    f"this version reads format {FORMAT_VERSION} and older")
                return None
            if fmt is not None and fmt < FORMAT_VERSION:  # older than any format with a migration
                oldest = _oldest_format()
                readable = f"formats {oldest} to {FORMAT_VERSION}" if oldest < FORMAT_VERSION else \
                    f"format {FORMAT_VERSION}"
                self.fail("format", f"format {fmt} is not a format investsim has written; this version reads "
                                    f"{readable}")
                return None
        self.check_keys(data, _TOP_KEYS, "")  # in a format it reads (another format's keys would only be noise)
        kw: dict[str, Any] = {}
        for key in ("title", "horizon_years", "discount_rate"):
            if key not in data:
                self.fail(key, "missing (required)")
        if "title" in data:
            kw["title"] = self.text(data["title"], "title", required=True)
        if "horizon_years" in data:
            kw["horizon_years"] = self.integer(data["horizon_years"], "horizon_years", lo=1, hi=MAX_HORIZON)
        if "discount_rate" in data:
            kw["discount_rate"] = self.number(data["discount_rate"], "discount_rate", lo=-1, hi=1, lo_open=True)
        if "description" in data:
            kw["description"] = self.text(data["description"], "description")
        if "currency" in data:
            kw["currency"] = self.text(data["currency"], "currency", required=True)
        if "iterations" in data:
            kw["iterations"] = self.integer(data["iterations"], "iterations", lo=MIN_ITERATIONS, hi=MAX_ITERATIONS)
        if "seed" in data:
            kw["seed"] = self.integer(data["seed"], "seed", lo=0, hi=2**63 - 1)
        if "sampling" in data:
            kw["sampling"] = self.choice(data["sampling"], "sampling", SAMPLING)
        if "baseline" in data:
            kw["baseline"] = self.baseline(data["baseline"], "baseline")
        variables = data.get("variables", {})
        if not isinstance(variables, Mapping):
            self.fail("variables", f"expected a table [variables], found {_type_name(variables)}")
            variables = {}
        kw["variables"] = tuple(self.variables(variables))
        alternatives = data.get("alternatives")
        if alternatives is None:
            self.fail("alternatives", "missing: add at least one [[alternatives]] table")
            alternatives = []
        elif not isinstance(alternatives, list):
            self.fail("alternatives", f"expected a list of [[alternatives]] tables, found {_type_name(alternatives)}")
            alternatives = []
        elif not alternatives:
            self.fail("alternatives", "add at least one alternative")
        horizon = kw.get("horizon_years") or MAX_HORIZON
        kw["alternatives"] = tuple(
            a for i, raw in enumerate(alternatives)
            if (a := self.alternative(raw, f"alternatives[{i}]", horizon)) is not None
        )
        correlations = data.get("correlations", [])
        if not isinstance(correlations, list):
            self.fail("correlations", f"expected a list of [[correlations]] tables, found {_type_name(correlations)}")
            correlations = []
        kw["correlations"] = tuple(
            c for i, raw in enumerate(correlations)
            if (c := self.correlation(raw, f"correlations[{i}]")) is not None
        )
        if "portfolio" in data:
            from . import portfolio_spec

            if (spec := portfolio_spec.read(data["portfolio"], self.fail)) is not None:
                kw["portfolio"] = spec
        if self.problems or any(v is None for k, v in kw.items() if k != "baseline"):
            return None
        return Scenario(**{k: v for k, v in kw.items()})

    def baseline(self, raw: Any, path: str) -> Baseline | None:
        if not isinstance(raw, Mapping):
            self.fail(path, f"expected a table [baseline], found {_type_name(raw)}")
            return None
        self.check_keys(raw, _BASELINE_KEYS, path)
        for key in ("revenue", "operating_margin"):
            if key not in raw:
                self.fail(_join(path, key), "missing (required in [baseline])")
        revenue = self.number(raw.get("revenue", 1.0), _join(path, "revenue"), lo=1)
        margin = self.number(raw.get("operating_margin", 0.0), _join(path, "operating_margin"), lo=-1, hi=1,
                             lo_open=True, hi_open=True)
        growth = self.number(raw.get("revenue_growth", 0.0), _join(path, "revenue_growth"), lo=-1, hi=10,
                             lo_open=True)
        if None in (revenue, margin, growth):
            return None
        return Baseline(revenue, margin, growth)

    def variables(self, raw: Mapping[str, Any]) -> Iterable[tuple[str, Amount]]:
        for name, value in raw.items():
            path = _join("variables", name)
            if not _IDENT.match(name):
                self.fail(path, f"'{name}' is not a usable name: use letters, digits and _ and start with a letter")
                continue
            if name in FUNCTION_NAMES:
                self.fail(path, f"'{name}' is the name of a formula function; choose another name")
                continue
            amount = self.amount(value, path)
            if amount is not None:
                yield name, amount

    def alternative(self, raw: Any, path: str, horizon: int) -> Alternative | None:
        if not isinstance(raw, Mapping):
            self.fail(path, f"expected an [[alternatives]] table, found {_type_name(raw)}")
            return None
        self.check_keys(raw, _ALT_KEYS, path)
        if "name" not in raw:
            self.fail(_join(path, "name"), "missing (every alternative needs a name)")
        name = self.text(raw.get("name", "?"), _join(path, "name"), required=True)
        kw: dict[str, Any] = {"name": name}
        for key in ("category", "description"):
            if key in raw:
                kw[key] = self.text(raw[key], _join(path, key))
        if "drivers" in raw:
            drivers = raw["drivers"]
            if not isinstance(drivers, list) or not all(isinstance(d, str) for d in drivers):
                self.fail(_join(path, "drivers"), 'expected a list of text, e.g. ["speed to market", "margins"]')
            else:
                kw["drivers"] = tuple(drivers)
        items = raw.get("items", [])
        if not isinstance(items, list):
            self.fail(_join(path, "items"), f"expected a list of [[alternatives.items]] tables, found {_type_name(items)}")
            items = []
        kw["items"] = tuple(
            it for j, rit in enumerate(items)
            if (it := self.item(rit, f"{path}.items[{j}]", horizon)) is not None
        )
        if any(v is None for v in kw.values()):
            return None
        return Alternative(**kw)

    def item(self, raw: Any, path: str, horizon: int) -> Item | None:
        if not isinstance(raw, Mapping):
            self.fail(path, f"expected an item table, found {_type_name(raw)}")
            return None
        self.check_keys(raw, _ITEM_KEYS, path)
        ok = True
        for key in ("name", "kind", "amount"):
            if key not in raw:
                self.fail(_join(path, key), "missing (every item needs a name, a kind and an amount)")
                ok = False
        if not ok:
            return None
        kw: dict[str, Any] = {}
        kw["name"] = self.text(raw["name"], _join(path, "name"), required=True)
        kind = kw["kind"] = self.choice(raw["kind"], _join(path, "kind"), KINDS)
        if kind is None:
            return None
        for key, kinds in _ITEM_ONLY_FOR.items():
            if key in raw and kind not in kinds:
                allowed = " and ".join(k.replace("_", " ") + "s" for k in kinds)
                self.fail(_join(path, key), f"'{key}' applies only to {allowed}, not to a {kind.replace('_', ' ')}")
                ok = False
        kw["amount"] = self.amount(raw["amount"], _join(path, "amount"))
        p = lambda k: _join(path, k)  # noqa: E731
        if "year" in raw:
            kw["year"] = self.integer(raw["year"], p("year"), lo=0, hi=horizon)
        if "life_years" in raw:
            kw["life_years"] = self.integer(raw["life_years"], p("life_years"), lo=1, hi=100)
        if "start_year" in raw:
            kw["start_year"] = self.integer(raw["start_year"], p("start_year"), lo=1, hi=horizon)
        if "end_year" in raw:
            kw["end_year"] = self.integer(raw["end_year"], p("end_year"), lo=1, hi=horizon)
        if kw.get("start_year") is not None and kw.get("end_year") is not None and kw["end_year"] < kw["start_year"]:
            self.fail(p("end_year"), f"end_year ({kw['end_year']}) is before start_year ({kw['start_year']})")
            ok = False
        if "ramp_years" in raw:
            kw["ramp_years"] = self.integer(raw["ramp_years"], p("ramp_years"), lo=0, hi=100)
        if "growth" in raw:
            kw["growth"] = self.fraction_amount(raw["growth"], p("growth"), lo=-1, hi=10)
        if "probability" in raw:
            kw["probability"] = self.fraction_amount(raw["probability"], p("probability"), lo=0, hi=1)
        elif kind == "risk":
            self.fail(p("probability"), "missing: a risk needs the chance per year that it happens, e.g. probability = 0.1")
            ok = False
        if "vary" in raw:
            kw["vary"] = self.choice(raw["vary"], p("vary"), VARY)
        if "effect" in raw:
            kw["effect"] = self.choice(raw["effect"], p("effect"), EFFECTS)
        if "contribution_margin" in raw:
            if raw.get("effect") != "revenue":
                self.fail(p("contribution_margin"), 'contribution_margin applies only to benefits with effect = "revenue"')
                ok = False
            kw["contribution_margin"] = self.fraction_amount(raw["contribution_margin"], p("contribution_margin"),
                                                             lo=0, hi=1)
        elif kind == "benefit" and raw.get("effect") == "revenue":
            self.fail(p("contribution_margin"), "missing: a revenue benefit needs the share of that revenue kept as "
                                                "profit, e.g. contribution_margin = 0.35")
            ok = False
        if "driver" in raw:
            kw["driver"] = self.text(raw["driver"], p("driver"), required=True)
        if "note" in raw:
            kw["note"] = self.text(raw["note"], p("note"))
        if not ok or any(v is None for v in kw.values()):
            return None
        return Item(**kw)

    def fraction_amount(self, value: Any, path: str, *, lo: float, hi: float) -> Amount | None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self.number(value, path, lo=lo, hi=hi)
        return self.amount(value, path)

    def correlation(self, raw: Any, path: str) -> Correlation | None:
        if not isinstance(raw, Mapping):
            self.fail(path, f"expected a [[correlations]] table, found {_type_name(raw)}")
            return None
        self.check_keys(raw, _CORR_KEYS, path)
        between = raw.get("between")
        if (not isinstance(between, list) or len(between) != 2
                or not all(isinstance(b, str) for b in between)):
            self.fail(_join(path, "between"), 'expected two variable names, e.g. between = ["units", "price"]')
            return None
        if between[0] == between[1]:
            self.fail(_join(path, "between"), "a variable cannot be correlated with itself")
            return None
        if "rank" not in raw:
            self.fail(_join(path, "rank"), "missing: the rank correlation, between -1 and 1, e.g. rank = 0.5")
            return None
        rank = self.number(raw["rank"], _join(path, "rank"), lo=-1, hi=1, lo_open=True, hi_open=True)
        if rank is None:
            return None
        return Correlation((between[0], between[1]), rank)


# ---------------------------------------------------------------------------------------
# Checks that need the whole scenario (names, cycles, correlations)
# ---------------------------------------------------------------------------------------

def _amount_names(amount: Amount | None) -> frozenset[str]:
    return amount.names if isinstance(amount, Formula) else frozenset()


def variable_order(scenario: Scenario) -> list[str]:
    """Variables in an order where each comes after the variables its formula uses.

    Raises ScenarioError naming the cycle when variables refer to each other in a circle.
    """
    deps = {name: _amount_names(amount) for name, amount in scenario.variables}
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = trail[trail.index(name):] + [name]
            raise ScenarioError([Problem(f"variables.{name}",
                                         "variables refer to each other in a circle: " + " -> ".join(cycle))])
        state[name] = 1
        for dep in sorted(deps[name]):
            if dep in deps:
                visit(dep, trail + [name])
        state[name] = 2
        order.append(name)

    for name in deps:
        visit(name, [])
    return order


def check(scenario: Scenario) -> list[Problem]:
    """Problems that involve more than one field. An empty list means the scenario can run."""
    problems: list[Problem] = []
    known = {name for name, _ in scenario.variables}

    def names_ok(amount: Amount | None, path: str) -> None:
        for name in sorted(_amount_names(amount) - known):
            hint = did_you_mean(name, known)
            problems.append(Problem(path, f"the formula uses '{name}', which is not a variable{hint}"))

    for name, amount in scenario.variables:
        names_ok(amount, f"variables.{name}")
    try:
        variable_order(scenario)
    except ScenarioError as exc:
        problems.extend(exc.problems)

    if not scenario.alternatives:
        problems.append(Problem("alternatives", "add at least one alternative"))
    seen_alts: set[str] = set()
    horizon = scenario.horizon_years
    for i, alt in enumerate(scenario.alternatives):
        path = f"alternatives[{i}]"
        if alt.name in seen_alts:
            problems.append(Problem(f"{path}.name", f"another alternative is already called '{alt.name}'"))
        seen_alts.add(alt.name)
        seen_items: set[str] = set()
        for j, item in enumerate(alt.items):
            ipath = f"{path}.items[{j}]"
            if item.name in seen_items:
                problems.append(Problem(f"{ipath}.name", f"'{alt.name}' already has an item called '{item.name}'"))
            seen_items.add(item.name)
            for attr in ("amount", "growth", "probability", "contribution_margin"):
                names_ok(getattr(item, attr), f"{ipath}.{attr}")
            if item.kind == "investment" and item.year > horizon:
                problems.append(Problem(f"{ipath}.year", f"year {item.year} is after the horizon ({horizon} years)"))
            if item.is_annual:
                if item.start_year > horizon:
                    problems.append(Problem(f"{ipath}.start_year",
                                            f"start_year {item.start_year} is after the horizon ({horizon} years)"))
                if item.end_year is not None and item.end_year > horizon:
                    problems.append(Problem(f"{ipath}.end_year",
                                            f"end_year {item.end_year} is after the horizon ({horizon} years)"))
                if item.end_year is not None and item.end_year < item.start_year:
                    problems.append(Problem(f"{ipath}.end_year", f"end_year ({item.end_year}) is before start_year "
                                                                 f"({item.start_year})"))
            if item.kind == "risk" and item.probability is None:
                problems.append(Problem(f"{ipath}.probability", "a risk needs the chance per year that it happens"))
            if item.kind == "benefit" and item.effect == "revenue" and item.contribution_margin is None:
                problems.append(Problem(f"{ipath}.contribution_margin",
                                        "a revenue benefit needs its contribution margin"))

    variables = scenario.variable_map
    seen_pairs: set[frozenset[str]] = set()
    for k, corr in enumerate(scenario.correlations):
        path = f"correlations[{k}].between"
        for name in corr.between:
            if name not in variables:
                problems.append(Problem(path, f"'{name}' is not a variable{did_you_mean(name, variables)}"))
            elif not isinstance(variables[name], Distribution):
                problems.append(Problem(path, f"'{name}' is not uncertain (a number or a formula); only variables "
                                              "with a range or distribution can be correlated"))
        pair = frozenset(corr.between)
        if pair in seen_pairs:
            problems.append(Problem(path, f"the pair {' and '.join(corr.between)} is correlated twice"))
        seen_pairs.add(pair)
    if not problems and scenario.correlations:
        from .sampling import CorrelationError, correlation_matrix

        names = sorted({n for c in scenario.correlations for n in c.between})
        index = {n: i for i, n in enumerate(names)}
        try:
            correlation_matrix(len(names), [(index[c.between[0]], index[c.between[1]], c.rank)
                                            for c in scenario.correlations], names=names)
        except CorrelationError as exc:
            problems.append(Problem("correlations", str(exc)))
    if scenario.portfolio is not None:
        from . import portfolio_spec

        problems.extend(portfolio_spec.problems(scenario.portfolio, [a.name for a in scenario.alternatives], horizon))
    return problems


def _oldest_format() -> int:
    """The oldest format that migrates, step by step, up to FORMAT_VERSION."""
    oldest = FORMAT_VERSION
    while oldest - 1 in MIGRATIONS:
        oldest -= 1
    return oldest


def _format_of(data: Mapping[str, Any]) -> int | None:
    """The whole-number ``format`` of plain data, or None when it has none."""
    fmt = data.get("format")
    if isinstance(fmt, float) and fmt.is_integer():
        fmt = int(fmt)
    return fmt if isinstance(fmt, int) and not isinstance(fmt, bool) else None


def migrate(data: Mapping[str, Any], *, file: str | None = None) -> tuple[Mapping[str, Any], int | None]:
    """Plain data brought up to FORMAT_VERSION through :data:`MIGRATIONS`, and the format it
    was in when that was older (None when there was nothing to do). Data in a format that
    cannot be migrated is returned as it is, for the reader to report. The input is never
    changed. Raises ScenarioError when a migration cannot make sense of the data."""
    fmt = _format_of(data)
    if fmt is None or fmt >= FORMAT_VERSION or fmt < _oldest_format():
        return data, None
    out = copy.deepcopy(dict(data))
    for version in range(fmt, FORMAT_VERSION):
        try:
            out = MIGRATIONS[version](out)
        except ScenarioError as exc:
            raise ScenarioError(exc.problems, file) from None
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise ScenarioError([Problem("format", (
                f"this file is in format {fmt} and could not be brought up to format {FORMAT_VERSION} "
                f"(step {version} to {version + 1}: {exc!r}); check it against the format-{fmt} layout"))],
                file) from None
        out["format"] = version + 1
    return out, fmt


def from_data(data: Mapping[str, Any], *, source_text: str | None = None, file: str | None = None) -> Scenario:
    """Build and check a Scenario from plain data, migrating an older format first (the
    scenario's ``migrated_from`` says so); raises ScenarioError listing every problem."""
    data, migrated_from = migrate(data, file=file)
    reader = _Reader()
    scenario = reader.scenario(data)
    if reader.problems or scenario is None:
        raise ScenarioError(reader.problems or [Problem("", "the scenario could not be read")], file)
    problems = check(scenario)
    if problems:
        raise ScenarioError(problems, file)
    return replace(scenario, source_text=source_text, migrated_from=migrated_from)


def backup_path(path: str | Path, fmt: int) -> Path:
    """Where the original of a format-``fmt`` file is kept when it is first saved in the
    current format: ``NAME.format-N.bak`` beside it."""
    path = Path(path)
    return path.with_name(f"{path.name}.format-{fmt}.bak")


def migration_message(scenario: Scenario, path: str | Path) -> str | None:
    """What to tell the person who opened ``path``, when reading it migrated an older format;
    None when the file was current."""
    if scenario.migrated_from is None:
        return None
    fmt = scenario.migrated_from
    return (f"This file was written in format {fmt}; it will be saved in format {FORMAT_VERSION}. "
            f"The original is kept as {backup_path(path, fmt).name}")


def loads(text: str, *, file: str | None = None) -> Scenario:
    """Parse scenario TOML text. Raises ScenarioError (never a TOML or Python error)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Problem("", f"not valid TOML: {exc}")], file) from None
    return from_data(data, source_text=text, file=file)


def load(path: str | Path) -> Scenario:
    """Read a scenario file. Raises ScenarioError naming the file for any problem, including
    a file that is missing, unreadable or not text."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Problem("", "no such file")], str(path)) from None
    except IsADirectoryError:
        raise ScenarioError([Problem("", "this is a folder, not a scenario file")], str(path)) from None
    except OSError as exc:
        raise ScenarioError([Problem("", f"cannot be read: {exc.strerror or exc}")], str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem("", f"is not UTF-8 text (byte {exc.start}); is this a scenario file?")],
                            str(path)) from None
    return loads(text, file=str(path))


# ---------------------------------------------------------------------------------------
# Writing: Scenario -> plain data -> TOML, merged into the author's document
# ---------------------------------------------------------------------------------------

def amount_to_data(amount: Amount) -> Any:
    if isinstance(amount, Formula):
        return amount.text
    if isinstance(amount, Distribution):
        return dict(amount.describe())
    value = float(amount)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _item_to_data(item: Item) -> dict[str, Any]:
    defaults = {f.name: f.default for f in fields(Item)}
    out: dict[str, Any] = {"name": item.name, "kind": item.kind, "amount": amount_to_data(item.amount)}
    for f in fields(Item):
        if f.name in out:
            continue
        value = getattr(item, f.name)
        if value == defaults[f.name] or value is None:
            continue
        if f.name in ("growth", "probability", "contribution_margin"):
            value = amount_to_data(value)
        out[f.name] = value
    return out


def to_data(scenario: Scenario) -> dict[str, Any]:
    """Plain data for a scenario, leaving out fields at their defaults."""
    out: dict[str, Any] = {"format": FORMAT_VERSION, "title": scenario.title}
    if scenario.description:
        out["description"] = scenario.description
    out["currency"] = scenario.currency
    out["horizon_years"] = scenario.horizon_years
    out["discount_rate"] = scenario.discount_rate
    out["iterations"] = scenario.iterations
    out["seed"] = scenario.seed
    if scenario.sampling != "lhs":
        out["sampling"] = scenario.sampling
    if scenario.baseline is not None:
        b = scenario.baseline
        out["baseline"] = {"revenue": amount_to_data(b.revenue), "operating_margin": b.operating_margin}
        if b.revenue_growth:
            out["baseline"]["revenue_growth"] = b.revenue_growth
    if scenario.variables:
        out["variables"] = {name: amount_to_data(a) for name, a in scenario.variables}
    alts = []
    for alt in scenario.alternatives:
        a: dict[str, Any] = {"name": alt.name}
        if alt.category:
            a["category"] = alt.category
        if alt.description:
            a["description"] = alt.description
        if alt.drivers:
            a["drivers"] = list(alt.drivers)
        a["items"] = [_item_to_data(it) for it in alt.items]
        alts.append(a)
    out["alternatives"] = alts
    if scenario.correlations:
        out["correlations"] = [{"between": list(c.between), "rank": c.rank} for c in scenario.correlations]
    if scenario.portfolio is not None:
        from . import portfolio_spec

        out["portfolio"] = portfolio_spec.to_data(scenario.portfolio)
    return out


def dumps(scenario: Scenario) -> str:
    """TOML text for a scenario. When it was loaded from text, the author's comments, order
    and layout are kept wherever the content did not change."""
    import tomlkit

    data = to_data(scenario)
    if scenario.source_text is not None:
        try:
            doc = tomlkit.parse(scenario.source_text)
        except Exception:  # the source was valid for tomllib; tomlkit disagreeing is not the user's fault
            doc = None
        if doc is not None:
            _merge_table(doc, data)
            return tomlkit.dumps(doc)
    return _fresh_document(data)


def save(scenario: Scenario, path: str | Path) -> Scenario:
    """Write a scenario to ``path`` atomically (temporary file beside it, then replace).

    When ``path`` holds a scenario in an older format, it is first kept as
    :func:`backup_path` (once: an existing backup is never overwritten). Returns the scenario
    with ``source_text`` set to what was written (and ``migrated_from`` cleared). Raises
    OSError with the reason when the file or the backup cannot be written; the old file is
    then left as it was.
    """
    path = Path(path)
    text = dumps(scenario)
    try:  # keep the old file's permissions; a new file gets the usual ones (umask)
        mode = path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    _keep_older_format(path, mode)
    _write_atomic(path, text.encode("utf-8"), mode)
    return replace(scenario, source_text=text, migrated_from=None)


def _keep_older_format(path: Path, mode: int) -> None:
    """Copy the file at ``path`` to its backup name when it is a scenario in an older format."""
    try:
        raw = path.read_bytes()
    except OSError:  # nothing there (or unreadable: then there is nothing we could keep)
        return
    try:
        fmt = _format_of(tomllib.loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return
    if fmt is not None and fmt < FORMAT_VERSION:
        _write_atomic(backup_path(path, fmt), raw, mode, overwrite=False)


def _write_atomic(path: Path, data: bytes, mode: int, *, overwrite: bool = True) -> None:
    """Write ``data`` to a temporary file beside ``path`` (flushed to disk), then move it into
    place in one step. With ``overwrite=False`` an existing file at ``path`` is left alone."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent or "."))
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)  # atomic, and fails rather than replace an existing file
        except FileExistsError:
            pass
        except OSError:  # no hard links on this file system
            if not path.exists():
                os.replace(tmp, path)
                return
        os.unlink(tmp)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


#: Values a key takes when it is left out (the author may still write them out).
_DEFAULTS: dict[str, Any] = {
    "description": "", "currency": "USD", "iterations": 10_000, "seed": 1, "sampling": "lhs",
    "revenue_growth": 0.0, "category": "", "drivers": [], "items": [],
    "year": 0, "start_year": 1, "ramp_years": 0, "vary": "once", "effect": "cost_saving", "note": "",
}


def _plain(value: Any) -> Any:
    """tomlkit items -> plain Python values, for comparison."""
    if hasattr(value, "unwrap"):
        return value.unwrap()
    return value


def _same(a: Any, b: Any) -> bool:
    a, b = _plain(a), _plain(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _merge_table(container: Any, new: Mapping[str, Any]) -> None:
    """Update a tomlkit table in place so its content equals ``new``, touching only what changed."""
    import tomlkit

    for key in list(container.keys()):
        # Keys left out of ``new`` are at their defaults: keep one the author wrote out
        # explicitly if it still says the default, drop it otherwise.
        if key not in new and not (key in _DEFAULTS and _same(container[key], _DEFAULTS[key])):
            del container[key]
    for key, value in new.items():
        if key in container and _same(container[key], value):
            continue
        if key not in container and key in _DEFAULTS and _same(value, _DEFAULTS[key]):
            continue  # the author left it out and it is still the default
        old = container.get(key)
        if isinstance(value, dict) and old is not None and hasattr(old, "keys") and not isinstance(value, list):
            if isinstance(old, tomlkit.items.InlineTable):
                container[key] = _inline(value)
            else:
                _merge_table(old, value)
        elif (key in ("alternatives", "items", "correlations") and isinstance(value, list)
              and isinstance(old, tomlkit.items.AoT)):
            _merge_aot(old, value)
        elif key in ("alternatives", "items", "correlations") and isinstance(value, list) and value:
            container[key] = _aot(value)
        elif isinstance(value, dict):
            container[key] = _inline(value) if key not in ("baseline", "variables") else _table(value)
        else:
            container[key] = value


def _merge_aot(aot: Any, new: list[dict[str, Any]]) -> None:
    for i, value in enumerate(new):
        if i < len(aot):
            _merge_table(aot[i], value)
        else:
            aot.append(_table(value))
    while len(aot) > len(new):
        del aot[len(new)]


def _inline(value: Mapping[str, Any]) -> Any:
    import tomlkit

    table = tomlkit.inline_table()
    for k, v in value.items():
        table[k] = v
    return table


def _table(value: Mapping[str, Any]) -> Any:
    import tomlkit

    table = tomlkit.table()
    for k, v in value.items():
        if isinstance(v, dict):
            table[k] = _inline(v)
        elif k in ("items",) and isinstance(v, list):
            table[k] = _aot(v) if v else v
        else:
            table[k] = v
    return table


def _aot(values: list[dict[str, Any]]) -> Any:
    import tomlkit

    aot = tomlkit.aot()
    for v in values:
        aot.append(_table(v))
    return aot


def _fresh_document(data: Mapping[str, Any]) -> str:
    import tomlkit

    doc = tomlkit.document()
    for key, value in data.items():
        if key in ("alternatives", "correlations"):
            if value:
                doc[key] = _aot(value)
        elif key in ("baseline", "variables"):
            doc.add(tomlkit.nl())
            doc[key] = _table(value)
        else:
            doc[key] = value
    return tomlkit.dumps(doc)
