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
file's :class:`ScenarioFile` then says so in ``migrated_from`` (see :func:`migration_message`),
and the first save over a file in an older format keeps that file as ``NAME.format-N.bak``
beside it.

The model knows nothing of its file: :class:`ScenarioFile` (the path, the text last read or
written, the migration) travels beside it; the app's document owns it. Reading gives both
(:func:`read`, :func:`read_text`); saving merges the scenario into the file's text and returns
the new :class:`ScenarioFile`. Comments are read through tomlkit only: the writer keeps them,
and :func:`key_comments` gives the report the notes beside ``[variables]`` and ``[baseline]``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields
import errno
import math
import os
from pathlib import Path
import re
import tomllib
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from simulator.model.distributions import Distribution, DistributionError, from_spec
from simulator.model.errors import Caution, Problem, ScenarioError, did_you_mean, type_name
from simulator.model.expressions import FUNCTIONS, Formula, FormulaError, is_identifier, parse as parse_formula

FORMAT_VERSION = 1

#: The ordered migrations between file formats: ``MIGRATIONS[n]`` (``migrate_n_to_n+1``) takes
#: the plain data of a format-``n`` file (as read by tomllib) and returns it in format
#: ``n + 1``. A file in format ``n`` goes through ``n, n + 1, ..., FORMAT_VERSION - 1`` in turn.
#: Empty today: the file layout has not changed since format 1, the first one ever written
#: (every bundled and saved file is format 1), so there is nothing older to migrate yet. A
#: change to the layout raises FORMAT_VERSION and adds its migration here.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
MAX_HORIZON = 50
#: The longest label or unit of a variable (it has to fit a chart's row and a table's cell).
MAX_LABEL = 80
_VARIABLE_INFO_KEYS = ("label", "unit")
MAX_ITERATIONS = 10_000_000
MIN_ITERATIONS = 10

KINDS = ("investment", "running_cost", "benefit", "risk", "working_capital")
ANNUAL_KINDS = ("running_cost", "benefit", "risk")
#: Kinds whose amount runs over a span of years (start_year..end_year).
YEARLY_KINDS = ANNUAL_KINDS + ("working_capital",)
#: Depreciation of an investment when the file does not say (over ``life_years``).
STRAIGHT_LINE = "straight_line"
#: How far a depreciation list may stray from summing to 1 (rounding in published tables).
DEPRECIATION_TOLERANCE = 0.0005
#: Highest expected number of events per year a ``frequency`` may give.
MAX_FREQUENCY = 1000.0
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
#: Names a variable cannot take: the formula functions (their one list is expressions.FUNCTIONS).
FUNCTION_NAMES = frozenset(FUNCTIONS)
#: A new scenario's horizon and discount rate (the blank scenario, the guided set-up); the
#: other settings' defaults are the fields' own (see :class:`Scenario`).
DEFAULT_HORIZON = 5
DEFAULT_DISCOUNT_RATE = 0.08

#: An amount: a plain number, an uncertain distribution, or a formula over variables.
Amount = float | Distribution | Formula


@dataclass(frozen=True)
class YearlyAmounts:
    """An item's amount written as a list, one entry per year from its ``start_year``:
    ``amount = [523, 12_887, 32_610]``. Each entry is an amount (number, range, distribution
    or formula). The item ends with its list."""

    values: tuple[Amount, ...]

    def __len__(self) -> int:
        return len(self.values)


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
    #: Investment: "straight_line" (over ``life_years``) or fractions of the price, one per
    #: year from the year after payment (summing to 1).
    depreciation: str | tuple[float, ...] = STRAIGHT_LINE
    #: Investment: cash received in the horizon year (resale, scrap, salvage).
    residual_value: Amount | None = None
    #: False: the amounts are as written, not raised by the scenario's inflation.
    indexed: bool = True
    #: Expected number of events per year (Poisson), instead of ``probability``.
    frequency: Amount | None = None

    @property
    def is_annual(self) -> bool:
        return self.kind in ANNUAL_KINDS

    @property
    def is_yearly(self) -> bool:
        """Runs over a span of years (annual kinds and working capital)."""
        return self.kind in YEARLY_KINDS

    @property
    def is_list(self) -> bool:
        return isinstance(self.amount, YearlyAmounts)

    def last_year(self, horizon: int) -> int:
        """The last year of a yearly item: its list's end, its ``end_year``, or the default
        (the horizon; the year before it for working capital)."""
        if isinstance(self.amount, YearlyAmounts):
            return self.start_year + len(self.amount) - 1
        if self.end_year is not None:
            return self.end_year
        return horizon - 1 if self.kind == "working_capital" else horizon

    @property
    def is_cost(self) -> bool:
        return self.kind != "benefit"


@dataclass(frozen=True)
class Pilot:
    """A test run before deciding on another alternative (see :class:`Alternative` ``stage_of``).

    ``cost`` is paid in year 0 in every future (a number or a distribution, in currency);
    ``reveals`` names the variables the test measures; ``error`` is what the test's reading
    of each revealed variable is off by (None: a perfect reading), in the variable's own
    units; ``years`` is how long the test takes: the project, if it goes ahead, starts that
    many years later (its cash flows shifted, keeping their full length)."""

    cost: Amount
    reveals: tuple[str, ...]
    error: Amount | None = None
    years: int = 0


@dataclass(frozen=True)
class Alternative:
    name: str
    category: str = ""
    description: str = ""
    drivers: tuple[str, ...] = ()
    items: tuple[Item, ...] = ()
    #: Growth of the cash after the horizon (a perpetuity); None = nothing beyond the horizon.
    terminal_growth: float | None = None
    #: "Test first, then decide on NAME": the alternative this one stages (with ``pilot``).
    #: A staged alternative has no items of its own; simulator.sim.staging computes it.
    stage_of: str | None = None
    pilot: Pilot | None = None

    @property
    def is_staged(self) -> bool:
        return self.stage_of is not None and self.pilot is not None


@dataclass(frozen=True)
class Correlation:
    """Spearman rank correlation ``rank`` to induce between two variables."""

    between: tuple[str, str]
    rank: float


@dataclass(frozen=True)
class VariableInfo:
    """What a person reads about a shared variable besides its amount: ``label``, its name in
    plain words ("Line units a year"; shown wherever the name would appear), and ``unit``
    ("units a year", "$ a licence"). Both optional; empty when the file gives none."""

    label: str = ""
    unit: str = ""


@dataclass(frozen=True)
class Appetite:
    """The optional ``[appetite]`` table: the most risk the board accepts. The report
    recommends the highest expected NPV among the alternatives within it.

    ``max_loss_probability``: the chance of losing money (NPV below zero) may be at most this
    fraction. ``max_downside``: the average NPV of the worst 5 % of futures may be a loss of at
    most this much money (a positive amount in the scenario's currency). None = no limit."""

    max_loss_probability: float | None = None
    max_downside: float | None = None


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
    #: Tax on the profit effect of each year (fraction); 0 = pre-tax.
    tax_rate: float = 0.0
    #: Yearly inflation (fraction): amounts are in today's prices and discount_rate is nominal.
    inflation: float = 0.0
    #: The [portfolio] table (simulator.model.portfolio_spec.PortfolioSpec): None for a plain comparison.
    portfolio: Any = None
    #: The label and unit of each variable that has one (``[variables]`` ``label``/``unit`` keys).
    variable_info: tuple[tuple[str, VariableInfo], ...] = ()
    #: The reader's locale (``locale = "de_DE"``): separators and the currency symbol's place in
    #: every figure; "" = the app's own (the system's) or en_US for files and reports.
    locale: str = ""
    #: The [appetite] table: how much risk the board accepts (the report's recommendation rule).
    appetite: "Appetite | None" = None

    @property
    def variable_map(self) -> dict[str, Amount]:
        return dict(self.variables)

    @property
    def labels(self) -> dict[str, str]:
        """The plain-words label of each variable that has one."""
        return {name: info.label for name, info in self.variable_info if info.label}

    def unit_of(self, variable: str) -> str:
        """The unit of a variable ("" when the file gives none)."""
        return next((info.unit for name, info in self.variable_info if name == variable), "")

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
    "tax_rate", "inflation", "portfolio", "locale", "appetite",
)
_APPETITE_KEYS = ("max_loss_probability", "max_downside")
_BASELINE_KEYS = ("revenue", "operating_margin", "revenue_growth")
_ALT_KEYS = ("name", "category", "description", "drivers", "items", "terminal_growth", "stage_of", "pilot")
_PILOT_KEYS = ("cost", "reveals", "error", "years")
_ITEM_KEYS = tuple(f.name for f in fields(Item))
_CORR_KEYS = ("between", "rank")
_ITEM_ONLY_FOR = {
    "year": ("investment",),
    "life_years": ("investment",),
    "start_year": YEARLY_KINDS,
    "end_year": YEARLY_KINDS,
    "ramp_years": YEARLY_KINDS,
    "growth": YEARLY_KINDS,
    "probability": ANNUAL_KINDS,
    "vary": YEARLY_KINDS,
    "effect": ("benefit",),
    "contribution_margin": ("benefit",),
    "driver": ("benefit",),
    "depreciation": ("investment",),
    "residual_value": ("investment",),
    "frequency": ANNUAL_KINDS,
}


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


_type_name = type_name   # one wording everywhere (simulator.model.errors)


def _percent_hint(value: float, lo: float, hi: float, meaning: str = "",
                  spread: tuple[float, float] | None = None) -> str:
    """What to write instead of a fraction that was written in percent (5 meant as 5 %)."""
    what = meaning or "it"
    if spread:
        a, b = spread
        return (f"{what} is written as a fraction between {lo:g} and {hi:g}; this range (90% of it between "
                f"{a:g} and {b:g}) looks like percent: write {a:g} % as {a / 100:g} and {b:g} % as {b / 100:g}")
    return (f"{what} is written as a fraction between {lo:g} and {hi:g}; found {value:g}, which looks like a "
            f"percent: write {value:g} % as {value / 100:g}")


def _negative_amount(amount: Amount, kind: str | None) -> str | None:
    """Why an item's amount cannot be meant (a fixed negative number, a distribution whose 90 %
    range lies at or below zero, a formula that is a negative constant), or None."""
    if isinstance(amount, Formula):
        if amount.names:
            return None
        try:
            value = float(np.asarray(amount.evaluate({})))
        except (FormulaError, ValueError, TypeError, ArithmeticError):
            return None
        found = f"the formula gives {value:g}"
    elif isinstance(amount, Distribution):
        p5, p95 = amount.quantile(0.05), amount.quantile(0.95)
        if not (p95 <= 0 and p5 < 0):
            return None
        value = -1.0
        found = f"this distribution lies below zero (90% of it between {p5:g} and {p95:g})"
    else:
        value = float(amount)
        found = f"found {value:g}"
    if not value < 0:
        return None
    other = ("money that comes in is a 'benefit'" if kind != "benefit"
             else "money that goes out is a 'running_cost' or an 'investment'")
    fix = f"write {abs(value):g}" if not isinstance(amount, Distribution) else "write it with positive numbers"
    return (f"must not be negative: amounts are written as positive numbers and the kind ('{kind}') says "
            f"whether money goes out or comes in; {found}: {fix} ({other})")


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

    def fraction(self, value: Any, path: str, *, lo: float, hi: float, lo_open: bool = False,
                 hi_open: bool = False, meaning: str = "") -> float | None:
        """A number written as a fraction (0.08 = 8 %). A value outside ``lo``..``hi`` that is
        almost surely a percent (beyond -1..1) is refused with the fix in words."""
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
                and abs(value) > 1 and not (lo <= value <= hi):
            self.fail(path, _percent_hint(value, lo, hi, meaning))
            return None
        return self.number(value, path, lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open)

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
            kw["discount_rate"] = self.fraction(data["discount_rate"], "discount_rate", lo=-1, hi=1, lo_open=True,
                                                meaning="a yearly rate")
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
        if "tax_rate" in data:
            kw["tax_rate"] = self.rate_fraction(data["tax_rate"], "tax_rate", "a tax rate of 25% is tax_rate = 0.25")
        if "inflation" in data:
            kw["inflation"] = self.number(data["inflation"], "inflation", lo=-0.5, hi=1)
        variables = data.get("variables", {})
        if not isinstance(variables, Mapping):
            self.fail("variables", f"expected a table [variables], found {_type_name(variables)}")
            variables = {}
        info: list[tuple[str, VariableInfo]] = []
        kw["variables"] = tuple(self.variables(variables, info))
        kw["variable_info"] = tuple(info)
        if "locale" in data:
            kw["locale"] = self.locale(data["locale"], "locale")
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
            from simulator.model import portfolio_spec

            if (spec := portfolio_spec.read(data["portfolio"], self.fail)) is not None:
                kw["portfolio"] = spec
        if "appetite" in data:
            kw["appetite"] = self.appetite(data["appetite"])
        if self.problems or any(v is None for k, v in kw.items() if k != "baseline"):
            return None
        return Scenario(**{k: v for k, v in kw.items()})

    def appetite(self, raw: Any, path: str = "appetite") -> "Appetite | None":
        """The optional [appetite] table: the most risk the board accepts."""
        if not isinstance(raw, Mapping):
            self.fail(path, f"expected a table [appetite], found {_type_name(raw)}")
            return None
        self.check_keys(raw, _APPETITE_KEYS, path)
        loss = downside = None
        if "max_loss_probability" in raw:
            loss = self.fraction(raw["max_loss_probability"], f"{path}.max_loss_probability", lo=0, hi=1,
                                 hi_open=True, meaning="a chance (at most 20% is 0.2)")
        if "max_downside" in raw:
            downside = self.number(raw["max_downside"], f"{path}.max_downside", lo=0)
            if downside is None:
                self.problems[-1] = Problem(f"{path}.max_downside", self.problems[-1].message + " (the largest "
                                            "average loss accepted in the worst 5% of futures, in the "
                                            "currency, e.g. max_downside = 2_000_000)")
        return Appetite(loss, downside)

    def baseline(self, raw: Any, path: str) -> Baseline | None:
        if not isinstance(raw, Mapping):
            self.fail(path, f"expected a table [baseline], found {_type_name(raw)}")
            return None
        self.check_keys(raw, _BASELINE_KEYS, path)
        for key in ("revenue", "operating_margin"):
            if key not in raw:
                self.fail(_join(path, key), "missing (required in [baseline])")
        revenue = self.number(raw.get("revenue", 1.0), _join(path, "revenue"), lo=1)
        margin = self.fraction(raw.get("operating_margin", 0.0), _join(path, "operating_margin"), lo=-1, hi=1,
                               lo_open=True, hi_open=True, meaning="a share of revenue")
        growth = self.fraction(raw.get("revenue_growth", 0.0), _join(path, "revenue_growth"), lo=-1, hi=1,
                               lo_open=True, meaning="growth a year")
        if None in (revenue, margin, growth):
            return None
        return Baseline(revenue, margin, growth)

    def variables(self, raw: Mapping[str, Any], info: list[tuple[str, VariableInfo]]) -> Iterable[tuple[str, Amount]]:
        for name, value in raw.items():
            path = _join("variables", name)
            if not is_identifier(name):
                self.fail(path, f"'{name}' is not a usable name: use letters, digits and _ and start with a letter")
                continue
            if name in FUNCTION_NAMES:
                self.fail(path, f"'{name}' is the name of a formula function; choose another name")
                continue
            if isinstance(value, Mapping) and any(k in value for k in _VARIABLE_INFO_KEYS):
                value, meta = self.variable_info(value, path)
                if meta is not None:
                    info.append((name, meta))
                if value is None:
                    continue
            amount = self.amount(value, path)
            if amount is not None:
                yield name, amount

    def variable_info(self, raw: Mapping[str, Any], path: str) -> tuple[Any, VariableInfo | None]:
        """Split a variable's table into its amount and its :class:`VariableInfo`:
        ``{ low = 1, high = 2, label = "…", unit = "…" }``; a fixed number or a formula with a
        label is written ``{ value = 210, label = "…" }`` or ``{ formula = "a * b", label = "…" }``."""
        words = {}
        for key in ("label", "unit"):
            if key in raw:
                text = self.text(raw[key], _join(path, key))
                if text is not None and ("\n" in text or len(text) > MAX_LABEL):
                    self.fail(_join(path, key), f"keep the {key} to one line of at most {MAX_LABEL} characters")
                    text = None
                words[key] = (text or "").strip()
        rest = {k: v for k, v in raw.items() if k not in ("label", "unit")}
        if "value" in rest or "formula" in rest:
            key = "value" if "value" in rest else "formula"
            others = [k for k in rest if k != key]
            if others:
                self.fail(_join(path, others[0]), f"a variable with {key} = … takes only label and unit beside it; "
                                                  f"remove {others[0]!r} (or write a range or a distribution instead "
                                                  f"of {key})")
                return None, None
            value = rest[key]
            if key == "value" and (isinstance(value, bool) or not isinstance(value, (int, float))):
                self.fail(_join(path, "value"), f"expected a number, found {_type_name(value)}")
                return None, None
            if key == "formula" and not isinstance(value, str):
                self.fail(_join(path, "formula"), f"expected a formula as text, found {_type_name(value)}")
                return None, None
            amount: Any = value
        elif not rest:
            self.fail(path, "a label or unit needs an amount beside it: add value = …, formula = \"…\", "
                            "or low/high")
            return None, None
        else:
            amount = rest
        meta = VariableInfo(**words)
        return amount, (meta if meta != VariableInfo() else None)

    def locale(self, value: Any, path: str) -> str | None:
        from simulator.model.locales import LOCALES

        text = self.text(value, path)
        if text is None:
            return None
        code = text.strip().replace("-", "_")
        if code not in LOCALES:
            near = did_you_mean(code, LOCALES)
            self.fail(path, f"unknown locale {text!r}{near}; investsim knows " + ", ".join(sorted(LOCALES)))
            return None
        return code

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
        if "terminal_growth" in raw:
            kw["terminal_growth"] = self.number(raw["terminal_growth"], _join(path, "terminal_growth"), lo=-1, hi=1,
                                                lo_open=True, hi_open=True)
        if "stage_of" in raw or "pilot" in raw:
            self.staging(raw, path, kw)
        if any(v is None for v in kw.values()):
            return None
        return Alternative(**kw)

    def staging(self, raw: Mapping[str, Any], path: str, kw: dict[str, Any]) -> None:
        """``stage_of`` and ``pilot`` of a "test first, then decide" alternative, into ``kw``."""
        if "stage_of" not in raw:
            self.fail(_join(path, "stage_of"), "missing: a pilot tests another alternative before deciding on it; "
                                               'name it, e.g. stage_of = "ERP system"')
            kw["stage_of"] = None
            return
        kw["stage_of"] = self.text(raw["stage_of"], _join(path, "stage_of"), required=True)
        if "pilot" not in raw:
            self.fail(_join(path, "pilot"), "missing: a staged alternative needs its test, e.g. pilot = { cost = "
                                            '50_000, reveals = ["units"] }')
            kw["pilot"] = None
            return
        if raw.get("items"):
            self.fail(_join(path, "items"), f"a staged alternative takes its items from '{raw['stage_of']}' (the "
                                            "alternative it tests first); remove its items")
        kw["pilot"] = self.pilot(raw["pilot"], _join(path, "pilot"))

    def pilot(self, raw: Any, path: str) -> Pilot | None:
        if not isinstance(raw, Mapping):
            self.fail(path, f"expected a table, e.g. pilot = {{ cost = 50_000, reveals = [\"units\"] }}; "
                            f"found {_type_name(raw)}")
            return None
        self.check_keys(raw, _PILOT_KEYS, path)
        ok = True
        for key in ("cost", "reveals"):
            if key not in raw:
                self.fail(_join(path, key), "missing: a pilot needs its cost (paid in year 0) and the variables it "
                                            'measures, e.g. cost = 50_000 and reveals = ["units"]')
                ok = False
        if not ok:
            return None
        cost = self.pilot_amount(raw["cost"], _join(path, "cost"))
        if isinstance(cost, Distribution) and cost.quantile(0.05) < 0:
            self.fail(_join(path, "cost"), f"the cost would be negative in some futures (5% of it below "
                                           f"{cost.quantile(0.05):g}); write a range of positive amounts")
            cost = None
        elif isinstance(cost, float) and cost < 0:
            self.fail(_join(path, "cost"), f"must not be negative: a cost is written as a positive number; found "
                                           f"{cost:g}: write {abs(cost):g}")
            cost = None
        reveals = raw["reveals"]
        if isinstance(reveals, str):
            reveals = [reveals]
        if not isinstance(reveals, list) or not reveals or not all(isinstance(r, str) for r in reveals):
            self.fail(_join(path, "reveals"), 'expected a list of variable names the test measures, e.g. '
                                              'reveals = ["units"]')
            reveals = None
        elif len(set(reveals)) != len(reveals):
            self.fail(_join(path, "reveals"), "names a variable twice; name each measured variable once")
            reveals = None
        error = self.pilot_amount(raw["error"], _join(path, "error")) if "error" in raw else None
        years = self.integer(raw.get("years", 0), _join(path, "years"), lo=0, hi=MAX_HORIZON)
        if cost is None or reveals is None or years is None or ("error" in raw and error is None):
            return None
        return Pilot(cost, tuple(reveals), error, years)

    def pilot_amount(self, value: Any, path: str) -> Amount | None:
        """A pilot's cost or error: a number, a range or a distribution (not a formula)."""
        if isinstance(value, str):
            self.fail(path, "write a number or a range such as { low = -30_000, high = 30_000 }; a formula is not "
                            "available here")
            return None
        return self.amount(value, path)

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
        p = lambda k: _join(path, k)
        if isinstance(raw["amount"], list):
            kw["amount"] = self.yearly_amounts(raw, kind, path)
            entries = list(enumerate(kw["amount"].values)) if kw["amount"] is not None else []
        else:
            kw["amount"] = self.amount(raw["amount"], _join(path, "amount"))
            entries = [(None, kw["amount"])] if kw["amount"] is not None else []
        for k, entry in entries:
            negative = _negative_amount(entry, kind)
            if negative:
                self.fail(_join(path, "amount") + ("" if k is None else f"[{k}]"), negative)
                ok = False
        # Years past the horizon are allowed (shortening the horizon must not break the file);
        # an item that never falls inside it is warned about (see cautions()).
        if "year" in raw:
            kw["year"] = self.integer(raw["year"], p("year"), lo=0, hi=MAX_HORIZON)
        if "life_years" in raw:
            kw["life_years"] = self.integer(raw["life_years"], p("life_years"), lo=1, hi=100)
        # Yearly kinds may start today (year 0): spent or received now and expensed, not capitalised.
        if "start_year" in raw:
            kw["start_year"] = self.integer(raw["start_year"], p("start_year"), lo=0, hi=MAX_HORIZON)
        elif kind == "working_capital":
            kw["start_year"] = 0
        if "end_year" in raw:
            kw["end_year"] = self.integer(raw["end_year"], p("end_year"), lo=0, hi=MAX_HORIZON)
        if kw.get("start_year") is not None and kw.get("end_year") is not None and kw["end_year"] < kw["start_year"]:
            self.fail(p("end_year"), f"end_year ({kw['end_year']}) is before start_year ({kw['start_year']})")
            ok = False
        if "ramp_years" in raw:
            kw["ramp_years"] = self.integer(raw["ramp_years"], p("ramp_years"), lo=0, hi=100)
        if "growth" in raw:
            kw["growth"] = self.fraction_amount(raw["growth"], p("growth"), lo=-1, hi=1, meaning="growth a year")
        if "probability" in raw and "frequency" in raw:
            self.fail(p("frequency"), "give either probability (the chance per year) or frequency (the expected "
                                      "number of events per year), not both")
            ok = False
        if "probability" in raw:
            kw["probability"] = self.fraction_amount(raw["probability"], p("probability"), lo=0, hi=1,
                                                     meaning="a chance per year")
        elif "frequency" in raw:
            kw["frequency"] = self.fraction_amount(raw["frequency"], p("frequency"), lo=0, hi=MAX_FREQUENCY,
                                                   meaning="events per year")
        elif kind == "risk":
            self.fail(p("probability"), "missing: a risk needs the chance per year that it happens, e.g. probability = 0.1"
                                        " (or the expected number of events per year, e.g. frequency = 2.5)")
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
                                                             lo=0, hi=1, meaning="a share of revenue")
        elif kind == "benefit" and raw.get("effect") == "revenue":
            self.fail(p("contribution_margin"), "missing: a revenue benefit needs the share of that revenue kept as "
                                                "profit, e.g. contribution_margin = 0.35")
            ok = False
        if "driver" in raw:
            kw["driver"] = self.text(raw["driver"], p("driver"), required=True)
        if "note" in raw:
            kw["note"] = self.text(raw["note"], p("note"))
        if "depreciation" in raw:
            kw["depreciation"] = self.depreciation(raw["depreciation"], p("depreciation"))
        if "residual_value" in raw:
            kw["residual_value"] = self.amount(raw["residual_value"], p("residual_value"))
        if "indexed" in raw:
            if not isinstance(raw["indexed"], bool):
                self.fail(p("indexed"), f"expected true or false, found {_type_name(raw['indexed'])}")
                ok = False
            else:
                kw["indexed"] = raw["indexed"]
        if not ok or any(v is None for v in kw.values()):
            return None
        return Item(**kw)

    def rate_fraction(self, value: Any, path: str, example: str) -> float | None:
        """A fraction 0 <= x < 1, refusing a percentage written as a whole number."""
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value <= 100:
            self.fail(path, f"must be a fraction below 1, found {value:g}: write it as a fraction ({example})")
            return None
        return self.number(value, path, lo=0, hi=1, hi_open=True)

    def yearly_amounts(self, raw: Mapping[str, Any], kind: str, path: str) -> YearlyAmounts | None:
        """``amount = [a, b, c]``: one amount per year from start_year, for yearly kinds."""
        values = raw["amount"]
        apath = _join(path, "amount")
        ok = True
        if kind not in YEARLY_KINDS:
            self.fail(apath, "a list of yearly amounts applies to running costs, benefits, risks and working "
                             "capital; an investment is paid once (write one amount, and a year)")
            return None
        if not values:
            self.fail(apath, "the list is empty: give one amount per year, e.g. amount = [500, 800, 1200]")
            return None
        for key, why in (("growth", "the list already gives each year's amount"),
                         ("ramp_years", "the list already gives each year's amount"),
                         ("end_year", "the item ends with its list"),
                         ("vary", "each entry of the list is its own amount")):
            if key in raw:
                self.fail(_join(path, key), f"'{key}' does not combine with a list of yearly amounts: {why}; "
                                            f"remove '{key}' or write one amount instead of the list")
                ok = False
        out = []
        for k, value in enumerate(values):
            if isinstance(value, list):
                self.fail(f"{apath}[{k}]", "expected an amount, found a list inside the list")
                ok = False
                continue
            amount = self.amount(value, f"{apath}[{k}]")
            if amount is None:
                ok = False
            out.append(amount)
        return YearlyAmounts(tuple(out)) if ok else None

    def depreciation(self, value: Any, path: str) -> str | tuple[float, ...] | None:
        if isinstance(value, str):
            if value != STRAIGHT_LINE:
                self.fail(path, f'must be "{STRAIGHT_LINE}" or a list of fractions of the price, one per year from '
                                f"the year after payment; found '{value}'")
                return None
            return value
        if not isinstance(value, list) or not value:
            self.fail(path, f'expected "{STRAIGHT_LINE}" or a list of fractions, e.g. [0.3333, 0.4445, 0.1481, '
                            f"0.0741]; found {_type_name(value)}")
            return None
        fractions = []
        for k, x in enumerate(value):
            f = self.number(x, f"{path}[{k}]", lo=0, hi=1)
            if f is None:
                return None
            fractions.append(f)
        total = math.fsum(fractions)
        if abs(total - 1.0) > DEPRECIATION_TOLERANCE:
            hint = " (percentages? write 0.2 for 20%)" if total > 1.5 else ""
            self.fail(path, f"the fractions must sum to 1 (the whole price), found {total:.6g}{hint}")
            return None
        return tuple(fractions)

    def fraction_amount(self, value: Any, path: str, *, lo: float, hi: float, meaning: str = "") -> Amount | None:
        """A fraction, or an amount when it is uncertain. A distribution whose 90 % range lies
        entirely outside ``lo``..``hi`` and beyond -1..1 is almost surely written in percent."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self.fraction(value, path, lo=lo, hi=hi, meaning=meaning)
        amount = self.amount(value, path)
        if isinstance(amount, Distribution):
            p5, p95 = amount.quantile(0.05), amount.quantile(0.95)
            if (p5 > max(hi, 1)) or (p95 < min(lo, -1)):
                self.fail(path, _percent_hint(p5, lo, hi, meaning, spread=(p5, p95)))
                return None
        return amount

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

def _amount_names(amount: Amount | YearlyAmounts | None) -> frozenset[str]:
    if isinstance(amount, YearlyAmounts):
        return frozenset().union(*(_amount_names(a) for a in amount.values))
    return amount.names if isinstance(amount, Formula) else frozenset()


#: The name an item's amount formula may use for the year number (0 = today), unless a
#: variable has that name (then the variable is meant, as it was before).
YEAR_NAME = "year"


def variable_order(scenario: Scenario) -> list[str]:
    """Variables in an order where each comes after the variables its formula uses.

    Raises ScenarioError naming the cycle when variables refer to each other in a circle.
    """
    deps = {name: _amount_names(amount) for name, amount in scenario.variables}
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done
    # Depth-first, with an explicit stack (a chain of thousands of variables is valid and must
    # not exhaust Python's recursion): each entry is a variable and its dependencies still to visit.
    for root in deps:
        if state.get(root) == 2:
            continue
        trail = [root]
        stack = [iter(sorted(d for d in deps[root] if d in deps))]
        state[root] = 1
        while stack:
            dep = next(stack[-1], None)
            if dep is None:
                stack.pop()
                done = trail.pop()
                state[done] = 2
                order.append(done)
                continue
            if state.get(dep) == 2:
                continue
            if state.get(dep) == 1:
                cycle = trail[trail.index(dep):] + [dep]
                raise ScenarioError([Problem(f"variables.{dep}",
                                             "variables refer to each other in a circle: " + " -> ".join(cycle))])
            state[dep] = 1
            trail.append(dep)
            stack.append(iter(sorted(d for d in deps[dep] if d in deps)))
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
            for attr in ("growth", "probability", "contribution_margin", "residual_value", "frequency"):
                names_ok(getattr(item, attr), f"{ipath}.{attr}")
            for name in sorted(_amount_names(item.amount) - known - {YEAR_NAME}):
                problems.append(Problem(f"{ipath}.amount", f"the formula uses '{name}', which is not a variable"
                                                           f"{did_you_mean(name, known | {YEAR_NAME})}"))
            if item.is_list and item.last_year(horizon) > horizon:
                problems.append(Problem(f"{ipath}.amount", (
                    f"the list has {len(item.amount)} yearly amounts from year {item.start_year}, which runs to year "
                    f"{item.last_year(horizon)}, after the horizon ({horizon} years); shorten the list or "
                    "lengthen the horizon")))
            if item.kind == "working_capital" and not item.is_list and item.end_year is None \
                    and item.start_year > horizon - 1:
                problems.append(Problem(f"{ipath}.start_year", (
                    f"working capital tied up from year {item.start_year} would be released after the horizon "
                    f"({horizon} years); give an end_year or start it earlier")))
            if item.kind == "working_capital" and item.start_year > horizon:
                problems.append(Problem(f"{ipath}.start_year",
                                        f"start_year {item.start_year} is after the horizon ({horizon} years)"))
            if item.is_annual:
                if item.end_year is not None and item.end_year < item.start_year:
                    problems.append(Problem(f"{ipath}.end_year", f"end_year ({item.end_year}) is before start_year "
                                                                 f"({item.start_year})"))
            if item.kind == "risk" and item.probability is None and item.frequency is None:
                problems.append(Problem(f"{ipath}.probability", "a risk needs the chance per year that it happens"))
            if item.kind == "benefit" and item.effect == "revenue" and item.contribution_margin is None:
                problems.append(Problem(f"{ipath}.contribution_margin",
                                        "a revenue benefit needs its contribution margin"))
        if alt.is_staged:
            problems.extend(_staging_problems(scenario, i, alt))
        g = alt.terminal_growth
        if g is not None and g >= scenario.discount_rate:
            problems.append(Problem(f"{path}.terminal_growth", (
                f"a growth beyond the horizon of {g:g} is not below the discount rate ({scenario.discount_rate:g}): "
                "the value of the years after the horizon would be infinite; use a growth below the discount rate "
                "(long-run inflation plus a little, say) or leave terminal_growth out")))

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
        from simulator.sim.sampling import CorrelationError, correlation_matrix

        names = sorted({n for c in scenario.correlations for n in c.between})
        index = {n: i for i, n in enumerate(names)}
        try:
            correlation_matrix(len(names), [(index[c.between[0]], index[c.between[1]], c.rank)
                                            for c in scenario.correlations], names=names)
        except CorrelationError as exc:
            problems.append(Problem("correlations", str(exc)))
    if scenario.portfolio is not None:
        from simulator.model import portfolio_spec

        problems.extend(portfolio_spec.problems(scenario.portfolio, [a.name for a in scenario.alternatives], horizon))
    return problems


def _staging_problems(scenario: Scenario, i: int, alt: Alternative) -> list[Problem]:
    """What is wrong with a staged alternative's ``stage_of`` and ``pilot.reveals``."""
    path = f"alternatives[{i}]"
    out: list[Problem] = []
    names = [a.name for a in scenario.alternatives]
    target = next((a for a in scenario.alternatives if a.name == alt.stage_of), None)
    if alt.stage_of == alt.name:
        out.append(Problem(f"{path}.stage_of", "a pilot cannot test the alternative it belongs to; name the "
                                               "alternative it tests first"))
    elif target is None:
        out.append(Problem(f"{path}.stage_of", f"'{alt.stage_of}' is not an alternative of this scenario"
                                               f"{did_you_mean(alt.stage_of or '', names)}"))
    elif target.is_staged:
        out.append(Problem(f"{path}.stage_of", f"'{alt.stage_of}' is itself a staged alternative (a test before "
                                               f"'{target.stage_of}'); a pilot tests an alternative with items of "
                                               f"its own: write stage_of = \"{target.stage_of}\""))
    if alt.items:
        out.append(Problem(f"{path}.items", "a staged alternative takes its items from the alternative it tests; "
                                            "remove its items"))
    variables = scenario.variable_map
    for k, name in enumerate(alt.pilot.reveals):
        rpath = f"{path}.pilot.reveals[{k}]"
        if name not in variables:
            out.append(Problem(rpath, f"'{name}' is not a variable{did_you_mean(name, variables)}; a pilot measures "
                                      "variables of [variables]"))
        elif not isinstance(variables[name], Distribution):
            what = "a formula" if isinstance(variables[name], Formula) else "a fixed number"
            out.append(Problem(rpath, f"'{name}' is {what}, not uncertain: a test can only tell something about a "
                                      "variable with a range or distribution"))
    return out


#: Thresholds beyond which an input is unusual enough to be said out loud (cautions()).
CAUTION_DISCOUNT_RATE = 0.30
CAUTION_HORIZON = 30
CAUTION_RISK_PROBABILITY = 0.5


def _fixed_or_mean(amount: Amount | None) -> float | None:
    """A fixed number, or a distribution's mean; None for a formula (its value is not known here)."""
    if isinstance(amount, Distribution):
        return float(amount.mean())
    if isinstance(amount, (int, float)):
        return float(amount)
    return None


def cautions(scenario: Scenario) -> tuple[Caution, ...]:
    """What is allowed but unusual in a valid scenario, each with its field path: a discount
    rate below 0 or above 30 %, a horizon past 30 years, an item that never falls inside the
    horizon, a build-up longer than the years an item runs within the horizon, a risk that
    happens in most years (a chance above 0.5 a year). The run goes ahead; the command line
    prints these on stderr, the app shows them in its banner and the report in its method
    notes. Empty for an ordinary scenario."""
    out: list[Caution] = []
    rate = scenario.discount_rate
    horizon = scenario.horizon_years
    if rate < 0:
        out.append(Caution("discount_rate", f"a negative discount rate ({rate:.1%} a year) makes money later worth "
                                            "more than money today; check that it is meant"))
    elif rate > CAUTION_DISCOUNT_RATE:
        out.append(Caution("discount_rate", f"{rate:.1%} a year is far above a usual cost of capital (about 5% to "
                                            "15%); check that it is meant (8 % is written 0.08)"))
    if horizon > CAUTION_HORIZON:
        out.append(Caution("horizon_years", f"{horizon} years is longer than boards usually look ahead (5 to 10 "
                                            f"years; {CAUTION_HORIZON} at most for buildings and infrastructure); "
                                            "figures that far out are guesses"))
    for i, alt in enumerate(scenario.alternatives):
        for j, item in enumerate(alt.items):
            ipath = f"alternatives[{i}].items[{j}]"
            if item.kind == "investment":
                if item.year > horizon:
                    out.append(Caution(f"{ipath}.year", f"paid in year {item.year}, after the horizon ({horizon} "
                                                        "years): it is not counted"))
                continue
            if item.start_year > horizon:
                out.append(Caution(f"{ipath}.start_year", f"starts in year {item.start_year}, after the horizon "
                                                          f"({horizon} years): it is not counted"))
                continue
            end = horizon if item.end_year is None else min(item.end_year, horizon)
            runs = end - item.start_year + 1
            if item.ramp_years > runs:
                when = f"year {end}" if runs == 1 else f"years {item.start_year} to {end}"
                out.append(Caution(f"{ipath}.ramp_years", f"builds up over {item.ramp_years} years but runs only "
                                                          f"{runs} within the horizon ({when}): it never reaches "
                                                          "its full size"))
            chance = _fixed_or_mean(item.probability)
            if item.kind == "risk" and chance is not None and chance > CAUTION_RISK_PROBABILITY:
                out.append(Caution(f"{ipath}.probability", f"a chance of {chance:.0%} a year means it happens in "
                                                           "most years; if it is a regular cost, make it a running "
                                                           "cost"))
    return tuple(out)


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


def from_data(data: Mapping[str, Any], *, file: str | None = None) -> Scenario:
    """Build and check a Scenario from plain data, migrating an older format first; raises
    ScenarioError listing every problem."""
    return _from_data(data, file)[0]


def _from_data(data: Mapping[str, Any], file: str | None) -> tuple[Scenario, int | None]:
    """The scenario, and the older format the data was migrated from (None when current)."""
    data, migrated_from = migrate(data, file=file)
    reader = _Reader()
    scenario = reader.scenario(data)
    if reader.problems or scenario is None:
        raise ScenarioError(reader.problems or [Problem("", "the scenario could not be read")], file)
    problems = check(scenario)
    if problems:
        raise ScenarioError(problems, file)
    return scenario, migrated_from


@dataclass(frozen=True)
class ScenarioFile:
    """A scenario's file, apart from the model: where it is (None: not saved yet), the text
    last read from or written to it (saving merges into it, so the author's comments and
    layout stay; None: written from scratch), and the older format reading migrated it from
    (None when it was current, and after a save)."""

    path: Path | None = None
    text: str | None = None
    migrated_from: int | None = None


def backup_path(path: str | Path, fmt: int) -> Path:
    """Where the original of a format-``fmt`` file is kept when it is first saved in the
    current format: ``NAME.format-N.bak`` beside it."""
    path = Path(path)
    return path.with_name(f"{path.name}.format-{fmt}.bak")


def migration_message(file: ScenarioFile) -> str | None:
    """What to tell the person who opened ``file``, when reading it migrated an older format;
    None when the file was current."""
    if file.migrated_from is None or file.path is None:
        return None
    fmt = file.migrated_from
    return (f"This file was written in format {fmt}; it will be saved in format {FORMAT_VERSION}. "
            f"The original is kept as {backup_path(file.path, fmt).name}")


#: Arrays and inline tables nested deeper than this are refused before parsing (a real
#: scenario nests three or four levels; the TOML readers recurse per level).
MAX_NESTING = 40


_BASIC_END = re.compile(r'(?:[^"\\\n]|\\.)*"')            # the rest of a "basic string"
_BASIC_ML_END = re.compile(r'(?:[^\\]|\\.)*?"""', re.S)   # the rest of a """multi-line string"""


def nesting_problem(text: str, limit: int = MAX_NESTING) -> Problem | None:
    """A problem when brackets or braces outside strings and comments nest deeper than
    ``limit`` (None otherwise). One pass, no recursion: a hostile file nested thousands deep is
    refused with a message instead of exhausting the TOML reader's recursion."""
    depth = 0
    i, n = 0, len(text)
    special = re.compile(r"[\[\]{}\"'#]")
    while True:
        m = special.search(text, i)
        if m is None:
            return None
        i = m.start()
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            end = (_BASIC_ML_END if len(quote) == 3 else _BASIC_END) if c == '"' else None
            if end is not None:
                m2 = end.match(text, i + len(quote))
                j = m2.end() if m2 else n
            else:
                j = text.find(quote, i + len(quote))
                j = n if j < 0 else j + len(quote)
            if len(quote) == 1:   # a one-line string ends at the line's end at the latest
                eol = text.find("\n", i + 1)
                if 0 <= eol < j:
                    j = eol
            i = j
        elif c in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, i) + 1
                return Problem("", f"brackets nested more than {limit} deep (line {line}); a scenario needs a few "
                                   "levels at most: is this the right file?")
            i += 1
        else:
            depth = max(0, depth - 1)
            i += 1


def loads(text: str, *, file: str | None = None) -> Scenario:
    """Parse scenario TOML text. Raises ScenarioError (never a TOML or Python error). A
    UTF-8 byte-order mark at the start (as Windows Notepad writes) is ignored."""
    return read_text(text, file=file)[0]


def read_text(text: str, *, file: str | None = None, path: str | Path | None = None) -> tuple[Scenario, ScenarioFile]:
    """Parse scenario TOML text: the scenario and its :class:`ScenarioFile` (``path``, this
    text, the migration). ``file`` names the text in messages (default: ``path``). Raises
    ScenarioError (never a TOML or Python error). A UTF-8 byte-order mark at the start (as
    Windows Notepad writes) is ignored (the file's text is kept without it); brackets nested
    deeper than :data:`MAX_NESTING` are refused before the TOML reader sees them."""
    file = file if file is not None else (str(path) if path is not None else None)
    if text.startswith("\ufeff"):
        text = text[1:]
    problem = nesting_problem(text)
    if problem is not None:
        raise ScenarioError([problem], file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Problem("", f"not valid TOML: {exc}")], file) from None
    except RecursionError:  # pragma: no cover - the nesting check above comes first
        raise ScenarioError([Problem("", "nested too deeply to read")], file) from None
    scenario, migrated_from = _from_data(data, file)
    return scenario, ScenarioFile(Path(path) if path is not None else None, text, migrated_from)


def load(path: str | Path) -> Scenario:
    """Read a scenario file. Raises ScenarioError naming the file for any problem, including
    a file that is missing, unreadable or not text."""
    return read(path)[0]


def read(path: str | Path) -> tuple[Scenario, ScenarioFile]:
    """Read a scenario file: the scenario and its :class:`ScenarioFile`. Raises ScenarioError
    naming the file for any problem, including a file that is missing, unreadable or not text."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Problem("", "no such file")], str(path)) from None
    except IsADirectoryError:
        raise ScenarioError([Problem("", "this is a folder, not a scenario file")], str(path)) from None
    except OSError as exc:
        why = "the file name is too long" if exc.errno == errno.ENAMETOOLONG else (exc.strerror or str(exc))
        raise ScenarioError([Problem("", f"cannot be read: {why}")], str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem("", f"is not UTF-8 text (byte {exc.start}); is this a scenario file?")],
                            str(path)) from None
    return read_text(text, path=path)


#: A separator comment ("# ---- Demand ----", "# =====") says nothing about a key.
_RULE = re.compile(r"^[\s\-=_*#~.]*$|^[\s\-=_*#~]{3,}.*[\-=_*#~]{3,}\s*$")


def key_comments(text: str | None) -> dict[str, dict[str, str]]:
    """The comment a person wrote beside each key of ``[variables]`` and ``[baseline]``: the
    comment at the end of its line, else the block of comment lines just above it (separator
    lines left out); a key right under a commented one, with none of its own, refers to it.

    Returns ``{"variables": {name: text}, "baseline": {key: text}}`` (empty for no text or
    text that is not TOML). Read through tomlkit, like the writer that keeps the comments.
    """
    out: dict[str, dict[str, str]] = {"variables": {}, "baseline": {}}
    if not text:
        return out
    import tomlkit
    from tomlkit.items import Comment, Table, Whitespace

    try:
        doc = tomlkit.parse(text)
    except Exception:  # valid for tomllib but not for tomlkit: no comments rather than no report
        return out
    for name, found in out.items():
        table = doc.get(name)
        if not isinstance(table, Table):
            continue
        above: list[str] = []
        group = ""   # the key whose comment block above also covers the keys right under it
        for key, item in table.value.body:
            if isinstance(item, Comment):
                body = item.as_string().strip().lstrip("#").strip()
                if body and not _RULE.match(body):
                    above.append(body)
                group = ""
                continue
            if isinstance(item, Whitespace):
                if "\n" in item.as_string():
                    above, group = [], ""
                continue
            if key is None:
                continue
            inline = item.trivia.comment.strip()[1:].strip() if item.trivia.comment.strip() else ""
            if inline:
                found[key.key] = re.sub(r"\s+", " ", inline).strip()
            elif above:
                found[key.key] = re.sub(r"\s+", " ", " ".join(above)).strip()
                group = key.key
            elif group:
                found[key.key] = f"See the note on {group}."
            above = []
    return out


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
    if item.kind == "working_capital":
        defaults["start_year"] = 0  # working capital is tied up from today unless the file says otherwise
    amount = [amount_to_data(a) for a in item.amount.values] if isinstance(item.amount, YearlyAmounts) \
        else amount_to_data(item.amount)
    out: dict[str, Any] = {"name": item.name, "kind": item.kind, "amount": amount}
    for f in fields(Item):
        if f.name in out:
            continue
        value = getattr(item, f.name)
        if value == defaults[f.name] or value is None:
            continue
        if f.name in ("growth", "probability", "contribution_margin", "residual_value", "frequency"):
            value = amount_to_data(value)
        if f.name == "depreciation" and isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def _variable_to_data(amount: Amount, meta: VariableInfo | None) -> Any:
    data = amount_to_data(amount)
    if meta is None:
        return data
    if not isinstance(data, dict):
        data = {"formula" if isinstance(amount, Formula) else "value": data}
    if meta.label:
        data["label"] = meta.label
    if meta.unit:
        data["unit"] = meta.unit
    return data


def pilot_to_data(pilot: Pilot) -> dict[str, Any]:
    """A pilot's table (``years`` left out at 0, ``error`` when the reading is perfect)."""
    out: dict[str, Any] = {"cost": amount_to_data(pilot.cost), "reveals": list(pilot.reveals)}
    if pilot.error is not None:
        out["error"] = amount_to_data(pilot.error)
    if pilot.years:
        out["years"] = pilot.years
    return out


def to_data(scenario: Scenario) -> dict[str, Any]:
    """Plain data for a scenario, leaving out fields at their defaults."""
    info = dict(scenario.variable_info)
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
    if scenario.tax_rate:
        out["tax_rate"] = scenario.tax_rate
    if scenario.inflation:
        out["inflation"] = scenario.inflation
    if scenario.baseline is not None:
        b = scenario.baseline
        out["baseline"] = {"revenue": amount_to_data(b.revenue), "operating_margin": b.operating_margin}
        if b.revenue_growth:
            out["baseline"]["revenue_growth"] = b.revenue_growth
    if scenario.locale:
        out["locale"] = scenario.locale
    if scenario.variables:
        out["variables"] = {name: _variable_to_data(a, info.get(name)) for name, a in scenario.variables}
    alts = []
    for alt in scenario.alternatives:
        a: dict[str, Any] = {"name": alt.name}
        if alt.category:
            a["category"] = alt.category
        if alt.description:
            a["description"] = alt.description
        if alt.drivers:
            a["drivers"] = list(alt.drivers)
        if alt.terminal_growth is not None:
            a["terminal_growth"] = alt.terminal_growth
        if alt.stage_of is not None:
            a["stage_of"] = alt.stage_of
        if alt.pilot is not None:
            a["pilot"] = pilot_to_data(alt.pilot)
        a["items"] = [_item_to_data(it) for it in alt.items]
        alts.append(a)
    out["alternatives"] = alts
    if scenario.correlations:
        out["correlations"] = [{"between": list(c.between), "rank": c.rank} for c in scenario.correlations]
    if scenario.portfolio is not None:
        from simulator.model import portfolio_spec

        out["portfolio"] = portfolio_spec.to_data(scenario.portfolio)
    if scenario.appetite is not None:
        out["appetite"] = {k: v for k, v in (("max_loss_probability", scenario.appetite.max_loss_probability),
                                             ("max_downside", scenario.appetite.max_downside)) if v is not None}
    return out


def dumps(scenario: Scenario, source: str | None = None) -> str:
    """TOML text for a scenario. Merged into ``source`` (the text of its file) when given: the
    author's comments, order and layout are kept wherever the content did not change."""
    import tomlkit

    data = to_data(scenario)
    if source is not None:
        try:
            doc = tomlkit.parse(source)
        except Exception:  # the source was valid for tomllib; tomlkit disagreeing is not the user's fault
            doc = None
        if doc is not None:
            trailer = _take_trailer(doc)
            followed = _attach_leading_comments(doc.body)
            _merge_table(doc, data)
            _separate_moved_tables(doc.body, followed)
            _last_body(doc).extend((None, c) for c in trailer)
            text = tomlkit.dumps(doc)
            # the file ends as the author's did (a table moved away from the end keeps no extra blank line)
            return text.rstrip("\n") + "\n" * (len(source) - len(source.rstrip("\n")))
    return _fresh_document(data)


def save(scenario: Scenario, path: str | Path, source: str | None = None) -> ScenarioFile:
    """Write a scenario to ``path`` atomically (temporary file beside it, then replace),
    merged into ``source`` (the text it was read from, see :func:`dumps`).

    When ``path`` holds a scenario in an older format, it is first kept as
    :func:`backup_path` (once: an existing backup is never overwritten). Returns the
    :class:`ScenarioFile` now on disk (this path, the text written, no migration). Raises
    OSError with the reason when the file or the backup cannot be written; the old file is
    then left as it was. Saving through a symbolic link writes the file it points to (the
    link stays a link, and the returned file keeps the link's path).
    """
    path = Path(path)
    target = path
    try:
        if path.is_symlink():  # write the file the link points to; the link stays a link
            target = Path(os.path.realpath(path))
    except OSError:  # a name too long, say: the write itself will say why
        pass
    text = dumps(scenario, source)
    try:  # keep the old file's permissions; a new file gets the usual ones (umask)
        mode = target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    _keep_older_format(target, mode)
    _write_atomic(target, text.encode("utf-8"), mode)
    return ScenarioFile(path, text)


def _keep_older_format(path: Path, mode: int) -> None:
    """Copy the file at ``path`` to its backup name when it is a scenario in an older format."""
    try:
        raw = path.read_bytes()
    except OSError:  # nothing there (or unreadable: then there is nothing we could keep)
        return
    try:
        text = raw.decode("utf-8-sig")
        if nesting_problem(text) is not None:
            return
        fmt = _format_of(tomllib.loads(text))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return
    if fmt is not None and fmt < FORMAT_VERSION:
        _write_atomic(backup_path(path, fmt), raw, mode, overwrite=False)


def _write_atomic(path: Path, data: bytes, mode: int, *, overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` in one step (:func:`simulator.atomic.write_bytes`). With
    ``overwrite=False`` an existing file at ``path`` is left alone."""
    from simulator.atomic import write_bytes

    write_bytes(path, data, mode=mode, overwrite=overwrite)


#: Values a key takes when it is left out (the author may still write them out).
#: (The values are the model's field defaults: one home.)
_DEFAULTS: dict[str, Any] = {
    f.name: list(f.default) if isinstance(f.default, tuple) else f.default
    for cls, names in ((Scenario, ("description", "currency", "iterations", "seed", "sampling", "tax_rate",
                                   "inflation")),
                       (Baseline, ("revenue_growth",)), (Alternative, ("category", "drivers", "items")),
                       (Item, ("year", "start_year", "ramp_years", "vary", "effect", "note", "depreciation",
                               "indexed")))
    for f in fields(cls) if f.name in names
}


def _is_default(table: Mapping[str, Any], key: str, value: Any) -> bool:
    """Whether ``value`` is what ``key`` means when left out of ``table`` (working capital is
    tied up from year 0, other yearly items start in year 1)."""
    if key == "start_year" and _plain(table.get("kind")) == "working_capital":
        return _same(value, 0)
    return key in _DEFAULTS and _same(value, _DEFAULTS[key])


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
        if key not in new and not _is_default(new, key, container[key]):
            del container[key]
    for key, value in new.items():
        if key in container and _same(container[key], value):
            continue
        if key not in container and _is_default(new, key, value):
            continue  # the author left it out and it is still the default
        old = container.get(key)
        if isinstance(value, dict) and old is not None and hasattr(old, "keys") and not isinstance(value, list):
            if isinstance(old, tomlkit.items.InlineTable):
                container[key] = _inline(value)
            else:
                _merge_table(old, value)
        elif (key in ("alternatives", "items", "correlations") and isinstance(value, list)
              and isinstance(old, tomlkit.items.AoT)):
            _merge_aot(key, old, value)
        elif key in ("alternatives", "items", "correlations") and isinstance(value, list) and value:
            container[key] = _aot(value)
        elif isinstance(value, dict):
            container[key] = _inline(value) if key not in ("baseline", "variables") else _table(value)
        else:
            container[key] = value


def _merge_aot(key: str, aot: Any, new: list[dict[str, Any]]) -> None:
    """Update an array of tables so it holds ``new``, matching its tables to the new entries
    by identity (:func:`_pair`), never by position: a moved, inserted or removed entry takes
    its own comments (and only its own) with it."""
    tables = list(aot.body)
    partner = _pair(key, [_plain(t) for t in tables], new)
    merged = []
    for value, i in zip(new, partner):
        if i is None:
            merged.append(_table(value))
        else:
            _merge_table(tables[i], value)
            merged.append(tables[i])
    del aot[:]
    for table in merged:
        aot.append(table)


def _identity(key: str, entry: Mapping[str, Any]) -> Any:
    """What names one entry of an array of tables: a correlation its pair of variables, an
    alternative or an item its name."""
    if key == "correlations":
        between = entry.get("between")
        return frozenset(map(str, between)) if isinstance(between, list) else None
    return entry.get("name")


def _pair(key: str, old: list[Mapping[str, Any]], new: list[Mapping[str, Any]]) -> list[int | None]:
    """For each entry of ``new``, the index of the entry of ``old`` it continues, or None.

    The same identity pairs first; with duplicate names the k-th entry of a name continues
    the k-th old one. Then an entry renamed in place continues its old self: when as many
    unpaired entries follow the same paired entry (or open the list) before as after, they
    pair up in order (a rename, or a rename and an edit, in one save). Anything else is new,
    or gone with its comments.
    """
    partner: list[int | None] = [None] * len(new)
    queues: dict[Any, list[int]] = {}
    for i, entry in enumerate(old):
        queues.setdefault(_identity(key, entry), []).append(i)
    for j, entry in enumerate(new):
        queue = queues.get(_identity(key, entry))
        if queue:
            partner[j] = queue.pop(0)
    paired = {i for i in partner if i is not None}
    old_gaps: dict[int, list[int]] = {}
    anchor = -1
    for i in range(len(old)):
        if i in paired:
            anchor = i
        else:
            old_gaps.setdefault(anchor, []).append(i)
    new_gaps: dict[int, list[int]] = {}
    anchor = -1
    for j, i in enumerate(partner):
        if i is not None:
            anchor = i
        else:
            new_gaps.setdefault(anchor, []).append(j)
    for anchor, js in new_gaps.items():
        olds = old_gaps.get(anchor, [])
        if len(olds) == len(js):
            for j, i in zip(js, olds):
                partner[j] = i
    return partner


# Comments above a table header belong to that table, but tomlkit keeps them at the end of
# whatever was rendered before the header (the previous table, or the parent above an array).
# Before merging, each such block moves into the indent of the table it precedes (which is
# printed just before the header), so it travels with its table; the text is unchanged.

def _comment_run(body: list, end: int | None = None) -> list[int]:
    """Indices of the comment lines that end ``body[:end]`` (a tomlkit container's entries),
    with no blank line between them."""
    from tomlkit.items import Comment

    stop = len(body) if end is None else end
    k = stop
    while k > 0 and body[k - 1][0] is None and isinstance(body[k - 1][1], Comment):
        k -= 1
    return list(range(k, stop))


def _last_body(item: Any) -> list:
    """The entries rendered last inside a document, table or array of tables."""
    from tomlkit.items import AoT, Table

    if isinstance(item, AoT):
        item = item.body[-1]
    body = item.value.body if isinstance(item, Table) else item.body
    if body and body[-1][0] is not None and (
            isinstance(body[-1][1], Table) or (isinstance(body[-1][1], AoT) and body[-1][1].body)):
        return _last_body(body[-1][1])
    return body


def _take(body: list, indices: list[int]) -> list:
    """Remove the entries at ``indices`` from ``body`` and return them. Each leaves an empty
    whitespace entry behind, so the positions of the keys after it stay valid."""
    import tomlkit

    taken = [body[k][1] for k in indices]
    for k in indices:
        body[k] = (None, tomlkit.ws(""))
    return taken


def _take_trailer(doc: Any) -> list:
    """The comments at the very end of the document (they stay at the end)."""
    body = _last_body(doc)
    return _take(body, _comment_run(body))


def _headers(body: list) -> Iterable[tuple[Any, list, int | None]]:
    """Each table of the arrays of alternatives, items and correlations under ``body``, in
    file order, with the entries rendered just before its header: ``(table, holder, end)``,
    where those entries end ``holder[:end]``."""
    from tomlkit.items import AoT, Table

    for p, (key, value) in enumerate(body):
        if key is None or not isinstance(value, AoT) or key.key not in ("alternatives", "items", "correlations"):
            continue
        for i, table in enumerate(value.body):
            if i > 0:  # after the table before (or its last nested table)
                yield table, _last_body(value.body[i - 1]), None
            elif p > 0 and body[p - 1][0] is None:  # after comments in this container, above the array
                yield table, body, p
            elif p > 0 and isinstance(body[p - 1][1], (Table, AoT)):  # after the table above the array
                yield table, _last_body(body[p - 1][1]), None
            yield from _headers(table.value.body)


def _attach_leading_comments(body: list) -> set[int]:
    """Move the comment block just above each header of the arrays of alternatives, items
    and correlations under ``body`` into that table's indent. Returns the ids of the entry
    lists that were followed by a header (see :func:`_separate_moved_tables`)."""
    followed = set()
    for table, holder, end in list(_headers(body)):
        taken = _take(holder, _comment_run(holder, end))
        table.trivia.indent = "".join(c.as_string() for c in taken) + table.trivia.indent
        followed.add(id(holder))
    return followed


def _separate_moved_tables(body: list, followed: set[int]) -> None:
    """A table that was last (or is new) and is now followed by another header gets a blank
    line after it, as tables written by a person have."""
    import tomlkit

    for table, holder, end in list(_headers(body)):
        if end is not None or id(holder) in followed or table.trivia.indent.startswith("\n"):
            continue
        text = "".join(v.as_string() if k is None else "x" + v.trivia.trail for k, v in holder)
        if text and not re.search(r"\n[ \t]*\n\Z", text):
            holder.append((None, tomlkit.ws("\n")))


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
