"""Templates for the guided set-up, and building a scenario from a person's answers. No Qt.

The guided set-up (File -> New from guide) asks business questions -- what decision, which
alternatives, which business drivers each serves, and for every cost and benefit "what is
the least it could be, the most, and how sure are you?" -- and writes an ordinary scenario
from the answers. This module is that logic; ``ui/wizard.py`` is only its face.

Templates are data, one TOML file per kind of alternative in ``assets/templates/``
(ERP, CRM, marketing campaign, ...). Each file documents its format at the top; in short::

    template_format = 1
    name = "ERP system"                  # shown in the list; default name of the alternative
    default_name = "..."                 # optional: a different default name
    category = "IT"                      # "IT", "non-IT" or "" (blank)
    description = "One line: what would be done."
    drivers = ["margins", "cost reduction"]   # from simulator.model.scenario.DRIVERS
    order = 10                           # position in the list, smaller first

    [[items]]
    name = "Licences and implementation"
    question = "Licences and implementation: what is the least it could cost, the most, ...?"
    kind = "investment"                  # investment | running_cost | benefit | risk
    scale = "revenue"                    # "revenue": low/high are fractions of yearly revenue
                                         # "fixed":   low/high are amounts in the currency
    low = 0.014                          # first guess of the least ...
    high = 0.028                         # ... and of the most
    confidence = 0.8                     # how sure that guess is: 0.5, 0.8, 0.9 or 0.95
    shape = "lognormal"                  # optional; "normal" (default) or "lognormal"
    note = "guided set-up, {date}: ..."  # optional; {date} {least} {most} {confidence} filled in
    year = 0                             # and any timing/effect key of a scenario item:
    life_years = 7                       # year, life_years, start_year, end_year, ramp_years,
                                         # growth, probability, vary, effect,
                                         # contribution_margin, driver (plain values only)

``probability`` and ``contribution_margin`` are first guesses the person may change in the
guide. The timing and effect keys are checked by the scenario reader itself, so a template
can only say what a scenario file may say.

How sure -> the 90% range of the file
-------------------------------------
A scenario file's ``{low, high}`` is a 90% interval. People are asked instead how sure they
are of *their* least and most (50%, 80%, 90% or 95%). Assuming a normal (bell) curve, an
interval at confidence ``c`` spans the centre +/- ``z_c`` standard deviations, with
``z_c = Phi^-1(0.5 + c/2)`` (1.2816 for 80%); a 90% interval spans +/- ``Z95 = 1.6449``. So the
90% range has the same centre and a half-width multiplied by ``Z95 / z_c``: an 80% interval
of 100 to 200 becomes the 90% range 85.8 to 214.2 (x 1.2835); a 50% interval is widened
x 2.4387; a 95% one narrowed x 0.8392; a 90% one is kept as given. For a lognormal item the
same is done on the logarithms (the range stays above zero and keeps its long right tail).
A bell curve that would give negative amounts more than once in a thousand futures gets
``floor = 0`` (amounts are positive: the kind gives the sign). A least equal to the most is
a plain number (the figure is known). The person's own words are kept in each item's note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime as _dt
import math
from pathlib import Path
import re
from statistics import NormalDist
import tomllib
from typing import Any, Iterable, Mapping, Sequence

from simulator.model.distributions import Z95, Distribution, DistributionError, range90
from simulator.model.errors import Problem, ScenarioError, did_you_mean
from simulator.analysis.formatting import currency_prefix
from simulator.model.scenario import (DRIVERS, KINDS, MAX_HORIZON, Alternative, Baseline, Item, Scenario, check, dumps,
                       from_data, to_data)
from simulator.model.scenario import DEFAULT_DISCOUNT_RATE, DEFAULT_HORIZON
from simulator.model.errors import type_name as _type_name  # one wording for "expected a number, found text" everywhere

TEMPLATE_FORMAT = 1

#: How sure a person can say they are, with the words the guide shows next to it.
CONFIDENCE_LEVELS: dict[float, str] = {
    0.5: "a coin flip",
    0.8: "fairly sure",
    0.9: "very sure",
    0.95: "nearly certain",
}
SCALES = ("revenue", "fixed")
SHAPES = ("normal", "lognormal")

DEFAULT_NOTE = "first estimate in the guided set-up, {date}: {confidence} sure it is between {least} and {most}"

#: A normal amount gets floor = 0 when more than this share of its draws would be negative.
NEGATIVE_SHARE_FOR_FLOOR = 0.001
_Z_FLOOR = NormalDist().inv_cdf(1 - NEGATIVE_SHARE_FOR_FLOOR)

_TOP_KEYS = ("template_format", "name", "default_name", "category", "description", "drivers", "order", "items",
             "count")
_GUIDE_KEYS = ("name", "question", "kind", "scale", "low", "high", "confidence", "shape", "note", "per_count")
_COUNT_KEYS = ("name", "question", "default")
#: Largest count the guide accepts (reps, users, sites...).
MAX_COUNT = 100_000
_MODEL_KEYS = ("year", "life_years", "start_year", "end_year", "ramp_years", "growth", "probability", "vary",
               "effect", "contribution_margin", "driver")
_NOTE_FIELDS = ("date", "least", "most", "confidence")


# ---------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TemplateItem:
    """One line of a template: the question to ask and everything needed to write the item.

    ``low``/``high`` are the first guesses of the least and the most, as fractions of yearly
    revenue (``scale="revenue"``) or as amounts (``scale="fixed"``), at ``confidence``.
    The timing and effect fields are None where the template leaves them out (the scenario
    defaults then apply); ``probability`` and ``contribution_margin`` are first guesses.
    """

    name: str
    question: str
    kind: str
    scale: str
    low: float
    high: float
    confidence: float = 0.9
    shape: str = "normal"
    note: str = DEFAULT_NOTE
    year: int | None = None
    life_years: int | None = None
    start_year: int | None = None
    end_year: int | None = None
    ramp_years: int | None = None
    growth: float | None = None
    probability: float | None = None
    vary: str | None = None
    effect: str | None = None
    contribution_margin: float | None = None
    driver: str | None = None
    #: The first guesses are for the template's default count and grow with the count asked.
    per_count: bool = False

    @property
    def first_year(self) -> int:
        """The first year the item touches: ``year`` for an investment, else ``start_year``."""
        if self.kind == "investment":
            return self.year or 0
        return self.start_year or 1

    @property
    def is_revenue(self) -> bool:
        return self.kind == "benefit" and self.effect == "revenue"

    def suggested(self, revenue: float, count_factor: float = 1.0) -> tuple[float, float]:
        """The first guesses of the least and the most for a company of ``revenue`` a year,
        rounded to two significant figures. ``count_factor`` (the count asked for over the
        template's default count) scales a ``per_count`` item: 2 reps where the guesses were
        made for 4 halve them."""
        factor = revenue if self.scale == "revenue" else 1.0
        if self.per_count:
            factor *= count_factor
        return round_sig(self.low * factor, 2), round_sig(self.high * factor, 2)


@dataclass(frozen=True)
class Count:
    """What a template counts (reps, users, sites): the guide asks for it and scales the first
    guesses of the ``per_count`` items from it. ``default`` is the count the template's
    guesses were made for."""

    name: str
    question: str
    default: int


@dataclass(frozen=True)
class Template:
    """One kind of alternative the guide offers (ERP, production line, blank...)."""

    key: str                     # file name without ".toml", e.g. "erp"
    name: str
    category: str
    description: str
    drivers: tuple[str, ...]
    items: tuple[TemplateItem, ...]
    order: int = 100
    default_name: str = ""
    path: Path | None = field(default=None, compare=False)
    count: Count | None = None

    @property
    def alternative_name(self) -> str:
        return self.default_name or self.name


class TemplateError(ValueError):
    """Templates that cannot be used, with every problem found: ``(file, Problem)`` pairs."""

    def __init__(self, problems: Iterable[tuple[str, Problem]]):
        self.problems: tuple[tuple[str, Problem], ...] = tuple(problems)
        super().__init__(self.describe())

    def describe(self) -> str:
        return "\n".join(p.line(file) for file, p in self.problems)


def templates_dir() -> Path:
    """The folder of template files (:func:`simulator.resources.folder`): inside the installed
    or packaged package (``simulator/_templates``), else ``assets/templates`` of the source tree."""
    from simulator.resources import folder

    return folder("templates")


class _TemplateReader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def keys(self, table: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
        for key in table:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                self.fail(where, f"unknown key '{key}'{did_you_mean(key, allowed)}")

    def text(self, table: Mapping[str, Any], key: str, path: str, *, required: bool = True,
             default: str = "") -> str:
        where = f"{path}.{key}" if path else key
        if key not in table:
            if required:
                self.fail(where, "missing (required)")
            return default
        value = table[key]
        if not isinstance(value, str):
            self.fail(where, f"expected text, found {_type_name(value)}")
            return default
        if required and not value.strip():
            self.fail(where, "must not be empty")
        return value

    def number(self, table: Mapping[str, Any], key: str, path: str, *, required: bool = True,
               default: float | None = None) -> float | None:
        where = f"{path}.{key}" if path else key
        if key not in table:
            if required:
                self.fail(where, "missing (required)")
            return default
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.fail(where, f"expected a number, found {_type_name(value)}")
            return default
        return float(value)

    def template(self, data: Mapping[str, Any], key: str, path: Path | None) -> Template | None:
        self.keys(data, _TOP_KEYS, "")
        fmt = data.get("template_format")
        if fmt is None:
            self.fail("template_format", f"missing: write template_format = {TEMPLATE_FORMAT} at the top")
        elif isinstance(fmt, bool) or not isinstance(fmt, int) or fmt < 1:
            self.fail("template_format", f"expected a whole number, found {fmt!r}")
        elif fmt > TEMPLATE_FORMAT:
            self.fail("template_format", f"written for a newer investsim (template format {fmt}); "
                                         f"this version reads {TEMPLATE_FORMAT}")
            return None
        name = self.text(data, "name", "")
        default_name = self.text(data, "default_name", "", required=False)
        category = self.text(data, "category", "", required=False)
        description = self.text(data, "description", "")
        order = self.number(data, "order", "", required=False, default=100.0)
        drivers = data.get("drivers", [])
        if not isinstance(drivers, list) or not all(isinstance(d, str) for d in drivers):
            self.fail("drivers", 'expected a list of text, e.g. ["margins", "cost reduction"]')
            drivers = []
        for d in drivers:
            if d not in DRIVERS:
                self.fail("drivers", f"'{d}' is not a business driver the guide knows{did_you_mean(d, DRIVERS)}; "
                                     f"use one of: {', '.join(DRIVERS)}")
        raw_items = data.get("items", [])
        if not isinstance(raw_items, list):
            self.fail("items", f"expected [[items]] tables, found {_type_name(raw_items)}")
            raw_items = []
        items = [it for i, raw in enumerate(raw_items) if (it := self.item(raw, f"items[{i}]")) is not None]
        seen: set[str] = set()
        for i, it in enumerate(items):
            if it.name in seen:
                self.fail(f"items[{i}].name", f"another item is already called '{it.name}'")
            seen.add(it.name)
        self._check_model_keys(raw_items)
        count = self.count(data.get("count"))
        if count is None and any(it.per_count for it in items):
            self.fail("count", "items say per_count = true, but the template has no [count] table "
                               '(e.g. [count] name = "reps", question = "How many reps?", default = 4)')
        if self.problems:
            return None
        return Template(key=key, name=name, category=category, description=description, drivers=tuple(drivers),
                        items=tuple(items), order=int(order or 0), default_name=default_name, path=path,
                        count=count)

    def count(self, raw: Any) -> Count | None:
        if raw is None:
            return None
        if not isinstance(raw, Mapping):
            self.fail("count", f"expected a [count] table, found {_type_name(raw)}")
            return None
        self.keys(raw, _COUNT_KEYS, "count")
        name = self.text(raw, "name", "count")
        question = self.text(raw, "question", "count")
        default = raw.get("default")
        if isinstance(default, bool) or not isinstance(default, int) or not 1 <= default <= MAX_COUNT:
            self.fail("count.default", f"expected a whole number from 1 to {MAX_COUNT:,}, found {default!r}")
            return None
        return Count(name, question, default) if name and question else None

    def item(self, raw: Any, path: str) -> TemplateItem | None:
        if not isinstance(raw, Mapping):
            self.fail(path, f"expected an [[items]] table, found {_type_name(raw)}")
            return None
        before = len(self.problems)
        self.keys(raw, _GUIDE_KEYS + _MODEL_KEYS, path)
        kw: dict[str, Any] = {}
        kw["name"] = self.text(raw, "name", path)
        kw["question"] = self.text(raw, "question", path)
        kind = self.text(raw, "kind", path)
        if kind and kind not in KINDS:
            self.fail(f"{path}.kind", f"must be one of {', '.join(KINDS)}; found '{kind}'{did_you_mean(kind, KINDS)}")
        kw["kind"] = kind
        scale = self.text(raw, "scale", path)
        if scale and scale not in SCALES:
            self.fail(f"{path}.scale", 'must be "revenue" (low/high are fractions of yearly revenue) or "fixed" '
                                       f"(amounts in the currency); found '{scale}'")
        kw["scale"] = scale
        low = self.number(raw, "low", path)
        high = self.number(raw, "high", path)
        if low is not None and high is not None:
            if low < 0:
                self.fail(f"{path}.low", f"must be 0 or more (amounts are positive), found {low:g}")
            if high < low:
                self.fail(f"{path}.high", f"the most ({high:g}) is below the least ({low:g})")
        kw["low"], kw["high"] = low, high
        confidence = self.number(raw, "confidence", path, required=False, default=0.9)
        if confidence not in CONFIDENCE_LEVELS:
            self.fail(f"{path}.confidence", "must be one of " + ", ".join(f"{c:g}" for c in CONFIDENCE_LEVELS)
                      + f"; found {confidence}")
        kw["confidence"] = confidence
        shape = self.text(raw, "shape", path, required=False, default="normal")
        if shape not in SHAPES:
            self.fail(f"{path}.shape", f'must be "normal" or "lognormal"; found \'{shape}\'')
        kw["shape"] = shape
        note = self.text(raw, "note", path, required=False, default=DEFAULT_NOTE)
        try:
            note.format(**{k: "" for k in _NOTE_FIELDS})
        except (KeyError, IndexError, ValueError) as exc:
            self.fail(f"{path}.note", f"a note may use only {{date}}, {{least}}, {{most}} and {{confidence}} "
                                      f"(problem: {exc})")
        kw["note"] = note
        per_count = raw.get("per_count", False)
        if not isinstance(per_count, bool):
            self.fail(f"{path}.per_count", f"expected true or false, found {per_count!r}")
        kw["per_count"] = bool(per_count)
        for key in _MODEL_KEYS:
            if key in raw:
                value = raw[key]
                if isinstance(value, (dict, list)) or (key in ("growth", "probability", "contribution_margin")
                                                       and isinstance(value, str)):
                    self.fail(f"{path}.{key}", "templates take a plain value here (the guide asks for the rest)")
                    continue
                kw[key] = float(value) if key in ("growth", "probability", "contribution_margin") \
                    and isinstance(value, (int, float)) and not isinstance(value, bool) else value
        if len(self.problems) > before:
            return None
        return TemplateItem(**kw)

    def _check_model_keys(self, raw_items: list[Any]) -> None:
        """Let the scenario reader judge the timing and effect keys: a template can say only
        what a scenario file may say, with the reader's own messages."""
        items = []
        for raw in raw_items:
            if not isinstance(raw, Mapping) or raw.get("kind") not in KINDS:
                items.append(None)
                continue
            item = {"name": str(raw.get("name", "?")), "kind": raw["kind"], "amount": 1.0}
            item.update({k: v for k, v in raw.items() if k in _MODEL_KEYS})
            items.append(item)
        data = {"format": 1, "title": "template", "horizon_years": MAX_HORIZON, "discount_rate": 0.1,
                "alternatives": [{"name": "template", "items": [it for it in items if it is not None]}]}
        index = [i for i, it in enumerate(items) if it is not None]
        try:
            from_data(data)
        except ScenarioError as exc:
            prefix = "alternatives[0].items["
            for p in exc.problems:
                if p.path.startswith(prefix):
                    j, rest = p.path[len(prefix):].split("]", 1)
                    self.fail(f"items[{index[int(j)]}]{rest}", p.message)
                elif "already has an item" not in p.message:
                    self.fail(p.path, p.message)


def read_template(path: str | Path) -> Template:
    """Read one template file. Raises TemplateError naming the file and each problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TemplateError([(path.name, Problem("", f"cannot be read: {exc.strerror or exc}"))]) from None
    except UnicodeDecodeError:
        raise TemplateError([(path.name, Problem("", "is not UTF-8 text"))]) from None
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError([(path.name, Problem("", f"not valid TOML: {exc}"))]) from None
    reader = _TemplateReader()
    template = reader.template(data, path.stem, path)
    if reader.problems or template is None:
        raise TemplateError([(path.name, p) for p in reader.problems]
                            or [(path.name, Problem("", "could not be read"))])
    return template


def read_templates(folder: str | Path | None = None) -> tuple[list[Template], list[tuple[str, Problem]]]:
    """Every usable template in ``folder`` (default :func:`templates_dir`), sorted by
    ``order`` then name, and the problems of those that cannot be used."""
    folder = Path(folder) if folder is not None else templates_dir()
    templates: list[Template] = []
    problems: list[tuple[str, Problem]] = []
    files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    if not files:
        problems.append((str(folder), Problem("", "no template files (*.toml) found")))
    for path in files:
        try:
            templates.append(read_template(path))
        except TemplateError as exc:
            problems.extend(exc.problems)
    templates.sort(key=lambda t: (t.order, t.name.casefold()))
    return templates, problems


def load_templates(folder: str | Path | None = None) -> list[Template]:
    """Every template, sorted by ``order``. Raises TemplateError listing every problem in
    every file when any template cannot be used."""
    templates, problems = read_templates(folder)
    if problems:
        raise TemplateError(problems)
    return templates


# ---------------------------------------------------------------------------------------
# Numbers in words, and the confidence conversion
# ---------------------------------------------------------------------------------------

def round_sig(x: float, digits: int) -> float:
    """``x`` rounded to ``digits`` significant figures (0 stays 0)."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def say_money(value: float, currency: str = "USD") -> str:
    """Money in words, up to three significant figures: ``$1.44M``, ``$350k``, ``$1,250``, ``$0``."""
    prefix = currency_prefix(currency)
    sign = "-" if value < 0 else ""
    x = abs(value)
    if 1e3 <= round_sig(x, 3) < 1e4:
        return f"{sign}{prefix}{round_sig(x, 3):,.0f}"
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if round_sig(x, 3) >= scale:
            text = f"{round_sig(x / scale, 3):.3g}"
            if "e" in text:
                text = f"{round_sig(x / scale, 3):,.0f}"
            return f"{sign}{prefix}{text}{suffix}"
    return f"{sign}{prefix}{round_sig(x, 3):.3g}"


def say_percent(p: float) -> str:
    return f"{p * 100:.3g}%"


def z_for(confidence: float) -> float:
    """Half-width, in standard deviations, of a central interval holding ``confidence``."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, found {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def widening(confidence: float) -> float:
    """How much wider the 90% range is than an interval at ``confidence``: Z95 / z_c."""
    return Z95 / z_for(confidence)


def to_range90(least: float, most: float, confidence: float, shape: str = "normal") -> tuple[float, float]:
    """The 90% range (low, high) of "we are ``confidence`` sure it is between ``least`` and
    ``most``", assuming a normal curve (on the logarithms for ``shape="lognormal"``, which
    needs ``least > 0``). Same centre, half-width x Z95 / z_c. Exact, not rounded."""
    if most < least:
        raise ValueError(f"the most ({most:g}) is below the least ({least:g})")
    k = widening(confidence)
    if shape == "lognormal":
        if least <= 0:
            raise ValueError("a lognormal range needs a least above zero")
        lo, hi = math.log(least), math.log(most)
        centre, half = (lo + hi) / 2, (hi - lo) / 2 * k
        return math.exp(centre - half), math.exp(centre + half)
    centre, half = (least + most) / 2, (most - least) / 2 * k
    return centre - half, centre + half


def _tidy(x: float, ref: float) -> float | int:
    """``x`` rounded to 4 significant figures of ``ref`` (the larger end), an int when whole."""
    if ref == 0 or not math.isfinite(x):
        return x
    step = 10.0 ** (int(math.floor(math.log10(abs(ref)))) - 3)
    y = round(x / step) * step
    y = float(f"{y:.12g}")
    return int(y) if y.is_integer() and abs(y) < 2**53 else y


def amount_for(least: float, most: float, confidence: float, shape: str = "normal") -> float | Distribution:
    """The scenario amount for an answer: a plain number when least == most, otherwise the
    90% range (see the module notes), tidied to four significant figures, with ``floor = 0``
    when a bell curve would often go negative. A lognormal answer with ``least == 0`` is
    treated as normal (a lognormal cannot reach zero)."""
    if least == most:
        return float(least)
    if shape == "lognormal" and least <= 0:
        shape = "normal"
    low, high = to_range90(least, most, confidence, shape)
    if shape == "normal" and low < 0 <= least:
        # Amounts are never negative (the kind gives the sign), so a 90% range reaching below
        # zero would be impossible: a least above zero keeps the range positive on the
        # logarithms (a long right tail), a least of zero starts the range at zero.
        if least > 0:
            shape = "lognormal"
            low, high = to_range90(least, most, confidence, shape)
        else:
            low = 0.0
    ref = max(abs(low), abs(high))
    raw_low = low
    low, high = _tidy(low, ref), _tidy(high, ref)
    if shape == "lognormal":
        if low <= 0:      # far below the high end: tidy it on its own scale (a lognormal stays above 0)
            low = float(f"{raw_low:.4g}")
        return range90(low, high, "lognormal")
    mean, sd = (low + high) / 2, (high - low) / (2 * Z95)
    floor = 0 if mean - _Z_FLOOR * sd < 0 else None
    return range90(low, high, floor=floor)


# ---------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------

@dataclass
class ItemAnswer:
    """A person's answer for one template item: "it is between ``least`` and ``most``, and we
    are ``confidence`` sure". ``include=False`` leaves the item out of the scenario."""

    template: TemplateItem
    least: float
    most: float
    confidence: float
    include: bool = True
    probability: float | None = None
    contribution_margin: float | None = None

    @property
    def name(self) -> str:
        return self.template.name


@dataclass
class AlternativeAnswer:
    template: Template
    name: str
    drivers: list[str]
    items: list[ItemAnswer]
    #: The answer to the template's count question (None: the template counts nothing).
    count: int | None = None

    @property
    def count_factor(self) -> float:
        """The count asked for over the count the template's guesses were made for."""
        c = self.template.count
        return 1.0 if c is None or self.count is None else self.count / c.default


@dataclass
class Answers:
    """Everything the guide asks. Money in ``currency`` units a year; rates as fractions."""

    title: str
    revenue: float
    operating_margin: float
    alternatives: list[AlternativeAnswer]
    horizon_years: int = DEFAULT_HORIZON
    discount_rate: float = DEFAULT_DISCOUNT_RATE
    currency: str = "USD"
    date: _dt.date | None = None
    #: Tax on the profit effect (0 = before tax) and yearly inflation when the amounts are in
    #: today's prices (0 = no inflation added).
    tax_rate: float = 0.0
    inflation: float = 0.0
    #: Add a "Do nothing" alternative (nothing spent, nothing gained) as the reference.
    do_nothing: bool = False


class AnswerError(ValueError):
    """Answers that cannot make a scenario, each problem with a path such as
    ``alternatives[1].items[0].most`` and a plain message."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(p.line() for p in self.problems))


def item_answer(item: TemplateItem, revenue: float, count_factor: float = 1.0) -> ItemAnswer:
    """The template's first guesses for a company of ``revenue`` a year."""
    least, most = item.suggested(revenue, count_factor)
    return ItemAnswer(item, least, most, item.confidence, probability=item.probability,
                      contribution_margin=item.contribution_margin if item.is_revenue else None)


def alternative_answer(template: Template, revenue: float, name: str | None = None) -> AlternativeAnswer:
    """An alternative prefilled from its template: its drivers and every item's first guesses."""
    return AlternativeAnswer(template, name if name is not None else template.alternative_name,
                             list(template.drivers), [item_answer(it, revenue) for it in template.items],
                             count=template.count.default if template.count else None)


def set_count(alt: AlternativeAnswer, count: int, revenue: float, keep: Iterable[ItemAnswer] = ()) -> None:
    """Answer the template's count question: the first guesses of the ``per_count`` items are
    sized to ``count`` again (those in ``keep``, which the person typed, are left alone)."""
    if alt.template.count is None:
        return
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise ValueError(f"a count is a whole number from 1 to {MAX_COUNT:,}, not {count!r}")
    alt.count = count
    kept = {id(it) for it in keep}
    for it in alt.items:
        if it.template.per_count and id(it) not in kept:
            it.least, it.most = it.template.suggested(revenue, alt.count_factor)


def range_problems(least: float | None, most: float | None) -> tuple[str | None, str | None]:
    """Messages for a least/most pair (for the least, for the most), None where fine."""
    least_msg = most_msg = None
    if least is not None and least < 0:
        least_msg = "Enter 0 or more (the line says whether money goes out or comes in)."
    if most is not None and most < 0:
        most_msg = "Enter 0 or more (the line says whether money goes out or comes in)."
    if least is not None and most is not None and least_msg is None and most_msg is None and least > most:
        most_msg = "Below the least: swap them or correct one."
    return least_msg, most_msg


_PER = {"investment": "", "running_cost": " a year", "benefit": " a year", "risk": " when it happens"}


def timing_words(t: TemplateItem) -> str:
    """Every timing value the template writes besides the amount, in words (empty when none):
    "Written off over 7 years." / "Reaches its full size over 2 years; grows 3% a year;
    a fresh figure each year." The guide shows it, so nothing lands in the file unseen."""
    parts = []
    if t.kind == "investment" and t.life_years is not None:
        parts.append(f"written off over {t.life_years} year{'s' if t.life_years != 1 else ''}")
    if t.ramp_years:
        parts.append(f"reaches its full size over {t.ramp_years} year{'s' if t.ramp_years != 1 else ''}")
    if t.growth:
        parts.append(f"{'grows' if t.growth > 0 else 'shrinks'} {say_percent(abs(t.growth))} a year")
    if t.vary == "yearly":
        parts.append("a fresh figure each year")
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def _when(t: TemplateItem) -> str:
    """When an item applies, in words, where it is not simply "from year 1 on"."""
    if t.kind == "investment":
        return f", paid in year {t.year}" if t.year else ""
    start = t.start_year or 1
    if t.end_year is not None:
        return f", in year {start}" if t.end_year == start else f", in years {start} to {t.end_year}"
    return f", from year {start}" if start > 1 else ""


def describe_answer(it: ItemAnswer, currency: str = "USD") -> str:
    """The answer in words, and what the file will hold: "We are 80% sure it is between $400k
    and $1.1M a year (in the file: 90% sure, $310k to $1.19M)." Raises nothing for an answer
    with least > most (it says so instead)."""
    t = it.template
    per = _PER[t.kind] + _when(t)
    if t.kind == "benefit" and it.probability is not None:
        per = " when the loss it avoids happens" + _when(t)
    least, most = say_money(it.least, currency), say_money(it.most, currency)
    if it.most < it.least:
        return "The most is less than the least."
    if it.least == it.most:
        text = f"A fixed figure: {least}{per}."
    else:
        text = f"We are {say_percent(it.confidence)} sure it is between {least} and {most}{per}"
        amount = amount_for(it.least, it.most, it.confidence, t.shape)
        if isinstance(amount, Distribution) and (it.confidence != 0.9 or amount.floor is not None):
            spec = amount.describe()
            text += (f" (in the file: 90% sure, {say_money(spec['low'], currency)} to "
                     f"{say_money(spec['high'], currency)}")
            text += f"; never below {say_money(0, currency)})" if amount.floor is not None else ")"
        text += "."
    timing = timing_words(t)
    if timing:
        text += " " + timing
    if it.probability is not None:
        text += f" Chance in any one year: {say_percent(it.probability)}."
    if t.is_revenue and it.contribution_margin is not None:
        text += f" Kept as profit: {say_percent(it.contribution_margin)} of it."
    return text


def fits_horizon(item: TemplateItem, horizon: int) -> bool:
    """False for an item that would start after the horizon (it is then left out)."""
    return item.first_year <= horizon


def check_answers(answers: Answers) -> list[Problem]:
    """Everything wrong with the answers, in plain words. Empty: a scenario can be built."""
    problems: list[Problem] = []

    def fail(path: str, message: str) -> None:
        problems.append(Problem(path, message))

    def finite(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)

    if not answers.title or not answers.title.strip():
        fail("title", "Say what you are deciding, e.g. \"ERP vs. new production line\".")
    if not finite(answers.revenue) or answers.revenue < 1:
        fail("revenue", "Enter the company's yearly revenue today (more than 0).")
    if not finite(answers.operating_margin) or not -1 < answers.operating_margin < 1:
        fail("operating_margin", "Enter the operating margin as a percentage between -100% and 100%.")
    if not isinstance(answers.horizon_years, int) or not 1 <= answers.horizon_years <= MAX_HORIZON:
        fail("horizon_years", f"Look between 1 and {MAX_HORIZON} years ahead.")
    if not finite(answers.discount_rate) or not -1 < answers.discount_rate <= 1:
        fail("discount_rate", "Enter the expected return as a percentage, e.g. 8%.")
    if not answers.currency or not answers.currency.strip():
        fail("currency", "Enter a currency, e.g. USD.")
    if not answers.alternatives:
        fail("alternatives", "Pick at least one alternative (two make a comparison).")
    seen: dict[str, int] = {}
    for i, alt in enumerate(answers.alternatives):
        path = f"alternatives[{i}]"
        name = (alt.name or "").strip()
        if not name:
            fail(f"{path}.name", "Give this alternative a name.")
        elif name.casefold() in seen:
            fail(f"{path}.name", f"Another alternative is already called '{name}'.")
        seen.setdefault(name.casefold(), i)
        for d in alt.drivers:
            if not isinstance(d, str) or not d.strip():
                fail(f"{path}.drivers", "A business driver must be some words, e.g. \"margins\".")
        for j, it in enumerate(alt.items):
            if not it.include:
                continue
            ipath = f"{path}.items[{j}]"
            ok = True
            for key in ("least", "most"):
                if not finite(getattr(it, key)):
                    fail(f"{ipath}.{key}", "Enter a number.")
                    ok = False
            if ok:
                least_msg, most_msg = range_problems(it.least, it.most)
                if least_msg:
                    fail(f"{ipath}.least", least_msg)
                if most_msg:
                    fail(f"{ipath}.most", most_msg)
            if it.confidence not in CONFIDENCE_LEVELS and not (finite(it.confidence) and 0 < it.confidence < 1):
                fail(f"{ipath}.confidence", "Say how sure you are: 50%, 80%, 90% or 95%.")
            if it.template.kind == "risk" and it.probability is None:
                fail(f"{ipath}.probability", "Say how likely it is in any one year.")
            if it.probability is not None and not (finite(it.probability) and 0 <= it.probability <= 1):
                fail(f"{ipath}.probability", "Enter a chance between 0% and 100%.")
            if it.template.is_revenue and it.contribution_margin is None:
                fail(f"{ipath}.contribution_margin", "Say how much of the extra sales is kept as profit.")
            if it.contribution_margin is not None and not (finite(it.contribution_margin)
                                                           and 0 <= it.contribution_margin <= 1):
                fail(f"{ipath}.contribution_margin", "Enter a share between 0% and 100%.")
    return problems


def _note(it: ItemAnswer, currency: str, date: _dt.date) -> str:
    return it.template.note.format(date=date.isoformat(), least=say_money(it.least, currency),
                                   most=say_money(it.most, currency), confidence=say_percent(it.confidence))


def build_item(it: ItemAnswer, alt: AlternativeAnswer, horizon: int, currency: str, date: _dt.date) -> Item:
    """The scenario item for one answer (timing from the template, end years capped at the
    horizon; a benefit whose template names no driver serves the alternative's first one)."""
    t = it.template
    kw: dict[str, Any] = {"name": t.name, "kind": t.kind, "note": _note(it, currency, date),
                          "amount": amount_for(it.least, it.most, it.confidence, t.shape)}
    if t.kind == "investment":
        for key in ("year", "life_years"):
            if getattr(t, key) is not None:
                kw[key] = getattr(t, key)
    else:
        for key in ("start_year", "ramp_years", "growth", "vary"):
            if getattr(t, key) is not None:
                kw[key] = getattr(t, key)
        if t.end_year is not None:
            kw["end_year"] = min(t.end_year, horizon)
        if it.probability is not None:
            kw["probability"] = float(it.probability)
    if t.kind == "benefit":
        if t.effect is not None:
            kw["effect"] = t.effect
        if t.is_revenue:
            kw["contribution_margin"] = float(it.contribution_margin)
        driver = t.driver or next((d.strip() for d in alt.drivers if d.strip()), None)
        if driver:
            kw["driver"] = driver
    return Item(**kw)


def left_out(answers: Answers) -> list[tuple[str, str]]:
    """(alternative, item) pairs that are included but start after the horizon, so are left out."""
    return [(alt.name, it.name) for alt in answers.alternatives for it in alt.items
            if it.include and not fits_horizon(it.template, answers.horizon_years)]


def build_scenario(answers: Answers) -> Scenario:
    """The scenario the answers describe. Raises AnswerError listing every problem.

    The result passes :func:`simulator.model.scenario.check`, reads back identically through
    ``loads(dumps(...))`` and carries the drivers of each alternative and a note on every item
    (the person's own least, most and confidence, and the date). Its file's text, with the
    explanation at the top that a later save keeps, is :func:`guided_text`.
    """
    problems = check_answers(answers)
    if problems:
        raise AnswerError(problems)
    date = answers.date or _dt.date.today()
    horizon = answers.horizon_years
    currency = answers.currency.strip()
    alternatives = []
    for alt in answers.alternatives:
        drivers: list[str] = []
        for d in alt.drivers:
            if d.strip() and d.strip() not in drivers:
                drivers.append(d.strip())
        items = tuple(build_item(it, alt, horizon, currency, date) for it in alt.items
                      if it.include and fits_horizon(it.template, horizon))
        alternatives.append(Alternative(name=alt.name.strip(), category=alt.template.category,
                                        description=alt.template.description, drivers=tuple(drivers), items=items))
    if answers.do_nothing and not any(a.name.casefold() == "do nothing" for a in alternatives):
        from simulator.workshop.edits import do_nothing

        alternatives.append(do_nothing())
    scenario = Scenario(
        title=answers.title.strip(),
        description=(f"Set up with the guided set-up on {date.isoformat()}. Every range is a first estimate: "
                     "replace it with quotes and figures as you get them, and say where each comes from in its note."),
        currency=currency,
        horizon_years=horizon,
        discount_rate=float(answers.discount_rate),
        baseline=Baseline(float(answers.revenue), float(answers.operating_margin)),
        alternatives=tuple(alternatives),
        tax_rate=float(answers.tax_rate),
        inflation=float(answers.inflation),
    )
    problems = check(scenario)
    try:
        from_data(to_data(scenario))  # everything the file reader insists on, too
    except ScenarioError as exc:
        problems.extend(exc.problems)
    except DistributionError as exc:  # pragma: no cover - amount_for builds valid ranges
        problems.append(Problem("", str(exc)))
    if problems:
        raise AnswerError(problems)
    return scenario


def guided_text(scenario: Scenario, date: _dt.date | None = None) -> str:
    """The text of a new file for a scenario made by the guided set-up on ``date`` (default:
    today): a commented header, then the scenario with readable numbers."""
    date = date or _dt.date.today()
    header = (f"# {scenario.title}\n"
              f"# Created with investsim's guided set-up on {date.isoformat()}.\n"
              "# Each range below is a 90% range: 5% chance below low, 5% above high. The guide\n"
              "# turned every answer (\"we are 80% sure it is between ...\") into such a range;\n"
              "# the answer itself is kept in the item's note. Replace the first estimates with\n"
              "# quotes and actuals as you get them.\n\n")
    return header + readable_numbers(dumps(scenario))


_TOML_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_LONG_INT = re.compile(r"(?<![\w.])(\d{5,})(?![\w.])")


def readable_numbers(text: str) -> str:
    """TOML text with long whole numbers grouped as people write them (``120_000_000``),
    outside quoted text only. The values do not change."""
    out = []
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("#"):
            out.append(line)
            continue
        pieces, last = [], 0
        for m in _TOML_STRING.finditer(line):
            pieces.append(_LONG_INT.sub(lambda n: f"{int(n.group(1)):_}", line[last:m.start()]))
            pieces.append(m.group(0))
            last = m.end()
        pieces.append(_LONG_INT.sub(lambda n: f"{int(n.group(1)):_}", line[last:]))
        out.append("".join(pieces))
    return "".join(out)
