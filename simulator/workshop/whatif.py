"""What-if shifts: move an input's whole range up or down, as pure ``Scenario -> Scenario`` functions.

The workshop's what-if sliders (``ui.workshop.whatif``) are a thin view over this module. No
Qt, no matplotlib.

Inputs are addressed by their :class:`~simulator.model.keys.InputKey`, as in
:attr:`simulator.sim.engine.Results.inputs` and :func:`simulator.analysis.insights.tornado`: a shared
variable, an item's amount, or an item's growth, probability, contribution margin, resale
value or event frequency. One entry of a list of yearly amounts is not slid (the list is
edited as a whole).

The shift
---------
A shift is a fraction of the input's **median** (its typical value): ``shift = 0.2`` ("+20%")
moves the median up by 20% of itself, ``-0.5`` moves it down by half. The whole range moves
with it, in one of two ways:

* **Positive inputs are multiplied** by ``1 + shift``: a fixed number ``x >= 0``, and every
  distribution whose 5th percentile is at least zero (volumes, prices, costs, shares,
  anything lognormal, "x with a chance, otherwise nothing"). Every value becomes 20% higher:
  ``min``/``mode``/``max`` of a PERT or triangular, ``low``/``high`` of a range, the values of
  a discrete input, ``mean`` and ``sd`` of a normal or lognormal. The input never turns
  negative, "nothing" stays nothing, and the uncertainty stays the same *relative* to the
  value (a range of 15,000 to 35,000 at +20% is 18,000 to 42,000).
* **Inputs that reach below zero are moved** by ``d = shift * |median|`` (every parameter
  that is a position moves by ``d``; spreads stay): a positive shift always moves an input
  *up*, also one whose typical value is negative or that straddles zero. An input whose median
  is exactly zero moves by ``shift`` times half its 90% width instead.

``floor`` and ``cap`` are limits of the world (a count is never below zero, a share never above
100%), so they stay where they are. Formulas are worked out from variables and are not shifted
themselves (shift the variables they use); a bernoulli (0 or 1) and a fixed zero are not
shifted either.

Shifted parameters are rounded to a millionth of the input's 90% width (whole numbers stay
whole), so a saved file reads ``low = 18000`` rather than ``low = 18000.000000000004``. A shift of 0 gives back the
very same amount.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
import math
from typing import TYPE_CHECKING, Iterator, Sequence

from simulator.analysis.describe import format_values
from simulator.analysis.formatting import money, percent
from simulator.model.distributions import (Bernoulli, Discrete, Distribution, LogNormal, Normal, Pert, Range90, Triangular,
                            Uniform)
from simulator.model.errors import ScenarioError
from simulator.model.expressions import Formula
from simulator.model.keys import PILOT, InputKey, Target, get_amount as _get_amount, input_label, item_input, replace_amount
from simulator.model.scenario import MAX_FREQUENCY, Amount, Scenario

if TYPE_CHECKING:  # pragma: no cover
    from simulator.analysis.summary import Summary
    from simulator.sim.engine import Results

__all__ = [
    "SHIFT_LIMIT",
    "PREVIEW_FUTURES_MAX",
    "DISCOUNT_RATE_RANGE",
    "HORIZON_RANGE",
    "Change",
    "compare",
    "change_text",
    "loss_text",
    "preview_size",
    "with_settings",
    "discount_rate_text",
    "horizon_text",
    "WhatIfError",
    "describe_shift",
    "display_name",
    "field_limits",
    "get_amount",
    "implied_shift",
    "inputs",
    "median",
    "multiplied",
    "reference",
    "same_amount",
    "scales",
    "set_amount",
    "shift_amount",
    "shift_input",
    "shift_text",
    "shiftable",
    "spread90",
    "top_inputs",
    "unit_of",
]

#: The sliders go from ``-SHIFT_LIMIT`` to ``+SHIFT_LIMIT`` (-50% .. +50% of the median).
SHIFT_LIMIT = 0.5

#: Item fields other than the amount that can be uncertain.
_ITEM_FIELDS = ("growth", "probability", "contribution_margin", "residual_value", "frequency")

#: Allowed values of fixed numbers in item fields (as the file reader checks them).
_FIELD_LIMITS = {"pilot_cost": (0.0, None), "growth": (-1.0, 10.0), "probability": (0.0, 1.0), "contribution_margin": (0.0, 1.0),
                 "frequency": (0.0, MAX_FREQUENCY)}


class WhatIfError(ValueError):
    """An input that cannot be shifted (a formula, a bernoulli, an unknown label), in plain words."""


# ---------------------------------------------------------------------------------------
# Looking at one amount
# ---------------------------------------------------------------------------------------

def shiftable(amount: object) -> bool:
    """True for amounts :func:`shift_amount` can move: non-zero numbers and distributions other
    than a bernoulli. Formulas are not (they are worked out from variables)."""
    if isinstance(amount, bool):
        return False
    if isinstance(amount, (int, float)):
        return math.isfinite(float(amount)) and float(amount) != 0.0
    return isinstance(amount, Distribution) and not isinstance(amount, Bernoulli)


def median(amount: Amount) -> float:
    """The typical value: the number itself, or the distribution's median (after floor/cap)."""
    if isinstance(amount, Distribution):
        return amount.quantile(0.5)
    if isinstance(amount, (int, float)) and not isinstance(amount, bool):
        return float(amount)
    raise WhatIfError("a formula has no median of its own; shift the variables it uses")


def spread90(amount: Amount) -> tuple[float, float]:
    """The 5th and 95th percentiles (both the number itself for a fixed number)."""
    if isinstance(amount, Range90):          # exactly its low and high, by definition
        lo, hi = amount.clip([amount.low, amount.high])
        return float(lo), float(hi)
    if isinstance(amount, Distribution):
        return amount.quantile(0.05), amount.quantile(0.95)
    x = median(amount)
    return x, x


def reference(amount: Amount) -> float:
    """What a shift of 1.0 (+100%) moves a *moved* input by: ``|median|``, or half the 90%
    width when the median is zero (0.0 when both are)."""
    m = abs(median(amount))
    if m > 0:
        return m
    lo, hi = spread90(amount)
    return 0.5 * (hi - lo)


def multiplied(amount: Amount) -> bool:
    """True when a shift multiplies ``amount`` (a positive input), False when it moves it
    (an input that reaches below zero). See the module doc."""
    if isinstance(amount, (LogNormal,)) or (isinstance(amount, Range90) and amount.shape == "lognormal"):
        return True
    if isinstance(amount, Distribution):
        return spread90(amount)[0] >= 0.0
    return float(amount) >= 0.0


def _quantum(amount: Amount) -> float:
    """The rounding step for shifted parameters: a millionth of the 90% width (of the value
    itself for a fixed number), as a power of ten."""
    lo, hi = spread90(amount)
    size = (hi - lo) or abs(median(amount)) or 1.0
    return 10.0 ** (math.floor(math.log10(size)) - 6)


def _tidy(x: float, q: float) -> int | float:
    """``x`` rounded to the step ``q`` (no visible change to the input); a whole number as an
    int, so a saved file reads ``low = 18000`` rather than ``18000.000000000004``."""
    x = float(x)
    if q > 0 and math.isfinite(x) and abs(x) / q < 1e15:
        x = float(f"{round(x / q) * q:.15g}")
    if x == 0:
        return 0
    if x.is_integer() and abs(x) < 1e15:
        return int(x)
    return x


def _clamp(x: float, lo: float | None, hi: float | None) -> float:
    if lo is not None:
        x = max(x, lo)
    if hi is not None:
        x = min(x, hi)
    return x


def _ordered(values: tuple[float, ...], q: float) -> tuple[float, ...]:
    """Tidied values, unless tidying would break their order (then the exact ones)."""
    tidy = tuple(_tidy(v, q) for v in values)
    ok = all(a <= b for a, b in zip(tidy, tidy[1:])) and all(
        (a < b) == (x < y) for a, b, x, y in zip(tidy, tidy[1:], values, values[1:]))
    return tidy if ok else tuple(values)


def shift_amount(amount: Amount, shift: float, *, lo: float | None = None, hi: float | None = None,
                 scale: bool = False) -> Amount:
    """``amount`` shifted up (``shift > 0``) or down so that its median moves by ``shift``
    times itself: positive inputs are multiplied by ``1 + shift``, inputs that reach below
    zero are moved by ``shift * |median|`` (see the module doc).

    ``shift`` is a fraction (0.2 = +20%) above -1. ``lo``/``hi`` bound a fixed number (a
    probability stays within [0, 1], see :func:`field_limits`). Returns a new amount of the
    same kind with the same floor and cap; ``shift == 0`` returns ``amount`` itself. Raises
    :class:`WhatIfError` for a formula, a bernoulli, a fixed zero or a shift of -100% or less.
    """
    if not shiftable(amount):
        if isinstance(amount, Formula):
            raise WhatIfError("a formula is worked out from variables; shift the variables it uses")
        if isinstance(amount, Bernoulli):
            raise WhatIfError("a yes/no (bernoulli) input cannot be shifted; change its chance instead")
        raise WhatIfError(f"cannot shift {amount!r}")
    shift = float(shift)
    if not math.isfinite(shift) or shift <= -1.0:
        raise WhatIfError(f"a shift must be a finite fraction above -100%, not {shift!r}")
    if shift == 0:
        return amount
    q = _quantum(amount)
    if not isinstance(amount, Distribution):
        x = float(amount)
        return _tidy(_clamp(x * (1.0 + shift) if scale else x + shift * abs(x), lo, hi), q)
    kw = {"floor": amount.floor, "cap": amount.cap}
    if multiplied(amount) or scale:   # scale: widen or narrow around zero (a pilot's reading error)
        k = 1.0 + shift
        q *= k
        if isinstance(amount, (Normal, LogNormal)):
            return type(amount)(_tidy(amount.mean_ * k, q), _tidy(amount.sd_ * k, q), **kw)
        if isinstance(amount, Range90):
            return Range90(*_ordered((amount.low * k, amount.high * k), q), amount.shape, **kw)
        if isinstance(amount, Uniform):
            return Uniform(*_ordered((amount.min * k, amount.max * k), q), **kw)
        if isinstance(amount, (Triangular, Pert)):
            return type(amount)(*_ordered((amount.min * k, amount.mode * k, amount.max * k), q), **kw)
        if isinstance(amount, Discrete):
            return Discrete(tuple(_tidy(v * k, q) for v in amount.values), amount.weights, **kw)
    else:
        d = shift * reference(amount)
        if isinstance(amount, Range90):   # only a normal range can reach below zero
            return Range90(*_ordered((amount.low + d, amount.high + d), q), amount.shape, **kw)
        if isinstance(amount, Normal):
            return Normal(_tidy(amount.mean_ + d, q), amount.sd_, **kw)
        if isinstance(amount, Uniform):
            return Uniform(*_ordered((amount.min + d, amount.max + d), q), **kw)
        if isinstance(amount, (Triangular, Pert)):
            return type(amount)(*_ordered((amount.min + d, amount.mode + d, amount.max + d), q), **kw)
        if isinstance(amount, Discrete):
            return Discrete(tuple(_tidy(v + d, q) for v in amount.values), amount.weights, **kw)
    raise WhatIfError(f"cannot shift a {amount.kind} distribution")  # pragma: no cover (every kind above)


def _params(amount: Amount) -> tuple[type, tuple, tuple[float, ...]]:
    """(kind, non-numeric settings, numbers) of an amount, for comparing two of them."""
    if not isinstance(amount, Distribution):
        return float, (), (float(amount),)
    words, nums = [], []
    for key, value in amount.describe().items():
        if key in ("floor", "cap"):          # limits of the world: never shifted
            words.append((key, float(value)))
        elif isinstance(value, (list, tuple)):
            nums += [float(v) for v in value]
            words.append((key, len(value)))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            nums.append(float(value))
            words.append(key)
        else:
            words.append((key, value))
    return type(amount), tuple(words), tuple(nums)


def same_amount(a: Amount, b: Amount, rel: float = 1e-6) -> bool:
    """Equal kinds and settings, and numbers equal within ``rel`` of the largest of them."""
    ka, wa, na = _params(a)
    kb, wb, nb = _params(b)
    if ka is not kb or wa != wb or len(na) != len(nb):
        return False
    scale = max([abs(v) for v in na + nb] + [1e-300])
    return all(abs(x - y) <= rel * scale for x, y in zip(na, nb))


def implied_shift(base: Amount, amount: Amount, *, lo: float | None = None, hi: float | None = None,
                  scale: bool = False) -> float | None:
    """The shift that turns ``base`` into ``amount`` (0.0 when they are equal), or None when
    ``amount`` is not a shift of ``base`` (it was edited some other way)."""
    if amount == base:
        return 0.0
    if not (shiftable(base) and shiftable(amount)):
        return None
    if isinstance(base, Distribution) and type(base) is not type(amount):
        return None
    try:
        _, _, n0 = _params(base)
        _, _, n1 = _params(amount)
        if len(n0) != len(n1):
            return None
        if multiplied(base) or scale:
            i = max(range(len(n0)), key=lambda k: abs(n0[k]))   # the largest number scales exactly
            s = n1[i] / n0[i] - 1.0
        else:
            ref = reference(base)
            s = (n1[0] - n0[0]) / ref if ref else float("nan")
        if not math.isfinite(s) or s <= -1.0:
            return None
        s = round(s, 6)
        return s if same_amount(shift_amount(base, s, lo=lo, hi=hi, scale=scale), amount, rel=1e-4) else None
    except (WhatIfError, ValueError, TypeError, ZeroDivisionError):
        return None


# ---------------------------------------------------------------------------------------
# Inputs of a scenario, by label
# ---------------------------------------------------------------------------------------

def _item_slots(scenario: Scenario) -> Iterator[InputKey]:
    """The key of every amount-like slot of every item (amounts, and the other fields set)."""
    for alt in scenario.alternatives:
        for item in alt.items:
            yield item_input(alt.name, item.name)
            for field in _ITEM_FIELDS:
                if getattr(item, field) is not None:
                    yield item_input(alt.name, item.name, field)
        if alt.pilot is not None:   # a staged alternative's pilot: its cost and its reading error
            yield item_input(alt.name, PILOT, "pilot_cost")
            if alt.pilot.error is not None:
                yield item_input(alt.name, PILOT, "pilot_error")


def scales(label: InputKey) -> bool:
    """True for an input a shift widens or narrows around zero instead of moving (a pilot's
    reading error: +50% is a test half again as imprecise, never a biased one)."""
    return label.field == "pilot_error"


def get_amount(scenario: Scenario, label: InputKey) -> Amount | None:
    """The amount behind ``label``, or None when the scenario has no such input."""
    return _get_amount(scenario, label)


def set_amount(scenario: Scenario, label: InputKey, amount: Amount) -> Scenario:
    """The scenario with the amount behind ``label`` replaced (KeyError for an unknown input).
    Everything else, correlations included, stays as it is: :func:`simulator.model.keys.replace_amount`."""
    return replace_amount(scenario, label, amount)


def field_limits(scenario: Scenario, label: InputKey) -> tuple[float | None, float | None]:
    """Bounds a fixed number behind ``label`` must respect (a probability within [0, 1])."""
    if label.is_variable:
        return None, None
    return _FIELD_LIMITS.get(label.field, (None, None))


def inputs(scenario: Scenario) -> list[InputKey]:
    """Every input that can be shifted, in file order: variables, then items' amounts and fields."""
    out = [InputKey(None, name) for name, amount in scenario.variables if shiftable(amount)]
    for label in _item_slots(scenario):
        if shiftable(get_amount(scenario, label)):
            out.append(label)
    return out


def shift_input(scenario: Scenario, label: InputKey, shift: float, base: Scenario | None = None) -> Scenario:
    """The scenario with input ``label`` set to its amount *in* ``base`` (the file as opened;
    default ``scenario``) shifted by ``shift``. ``shift == 0`` restores the base amount.

    When ``base`` lacks the input, or has it as something that cannot be shifted (a formula
    the user has since replaced by a range), the current amount is the starting point.
    """
    current = get_amount(scenario, label)
    if current is None:
        raise KeyError(label)
    start = get_amount(base, label) if base is not None else None
    if start is None or not shiftable(start):
        start = current
    lo, hi = field_limits(scenario, label)
    return set_amount(scenario, label, shift_amount(start, shift, lo=lo, hi=hi, scale=scales(label)))


# ---------------------------------------------------------------------------------------
# Which inputs matter, and words for a shifted input
# ---------------------------------------------------------------------------------------

def top_inputs(results: "Results", n: int = 6) -> list[InputKey]:
    """The ``n`` shiftable inputs that move the decision most: the tornado (largest swing
    first) of the two alternatives with the highest expected NPV, or of the only one."""
    from simulator.analysis.insights import tornado

    comp = results.summary.comparison
    target = Target(comp.best, comp.runner_up) if comp.runner_up else Target(comp.best)
    scenario = results.scenario
    out = []
    for bar in tornado(results, target).bars:
        if bar.input.year is not None:   # one entry of a list of yearly amounts: the list is edited as a whole
            continue
        if bar.swing > 0 and shiftable(get_amount(scenario, bar.input)):
            out.append(bar.input)
        if len(out) >= n:
            break
    return out


def display_name(label: InputKey) -> str:
    """An input in words, capitalised: ``line_units`` -> "Line units"."""
    text = input_label(label)
    return text[:1].upper() + text[1:]


def unit_of(scenario: Scenario, label: InputKey) -> str:
    """The unit of the input for :func:`simulator.analysis.describe.format_values`: money for item
    amounts and resale values, a number for event frequencies, percent for growth, chances
    and margins, "auto" for variables."""
    if label.is_variable:
        return "auto"
    if label.field in ("amount", "residual_value", "pilot_cost"):
        return "money"
    if label.field == "pilot_error":
        return "auto"   # in the revealed variable's own units
    if label.field == "frequency":
        return "number"
    return "percent"


def shift_text(shift: float) -> str:
    """``+20%``, ``−5%``, ``±0%`` (whole percents; a typographic minus)."""
    pct = round(shift * 100)
    if pct == 0:
        return "±0%"
    return f"{'+' if pct > 0 else '−'}{abs(pct)}%"


def describe_shift(scenario: Scenario, label: InputKey, shift: float | None, amount: Amount | None = None) -> str:
    """The slider's value in words: "Line units: +20% (90% between 20,000 and 40,000)".

    ``amount`` is the amount now (default: the scenario's); ``shift`` None means it was
    changed some other way than by a shift ("changed in the editor").
    """
    amount = get_amount(scenario, label) if amount is None else amount
    name = display_name(label)
    how = shift_text(shift) if shift is not None else "changed in the editor"
    if amount is None:
        return f"{name}: not in the scenario any more"
    if isinstance(amount, Formula):
        return f"{name}: worked out by a formula"
    unit = unit_of(scenario, label)
    if isinstance(amount, Distribution):
        lo, hi = spread90(amount)
        if lo == hi:
            (text,) = format_values([lo], unit, scenario.currency)
            return f"{name}: {how} (always {text})"
        lo_t, hi_t = format_values([lo, hi], unit, scenario.currency)
        return f"{name}: {how} (90% between {lo_t} and {hi_t})"
    x = float(amount)
    (text,) = format_values([x], unit, scenario.currency)
    if unit == "auto" and abs(x) < 1000 and text.replace(".", "").replace("-", "").isdigit():
        text = f"{x:.4g}"          # a plain count or factor: "8.1", not "8.10"
    return f"{name}: {how} (now {text})"


# ---------------------------------------------------------------------------------------
# Before and after: the starting result beside the shifted one
# ---------------------------------------------------------------------------------------

#: Most futures in a what-if preview. Up to this size a preview has exactly as many futures
#: as the scenario's own run: with the same seed every input keeps its random numbers, so
#: the preview of the file's values *is* the full result, and an alternative whose inputs did
#: not move shows exactly the same figures before and after (common random numbers).
PREVIEW_FUTURES_MAX = 20_000

#: The discount-rate slider's range (fractions) and the horizon slider's (years).
DISCOUNT_RATE_RANGE = (0.0, 0.30)
HORIZON_RANGE = (1, 30)


def preview_size(scenario: Scenario) -> int:
    """Futures in a what-if preview of ``scenario``: its own number, at most
    :data:`PREVIEW_FUTURES_MAX` (before and after are always simulated at this same size and
    with the scenario's seed, so they share their random numbers)."""
    return max(1, min(int(scenario.iterations), PREVIEW_FUTURES_MAX))


def with_settings(scenario: Scenario, *, discount_rate: float | None = None,
                  horizon_years: int | None = None) -> Scenario:
    """The scenario with another discount rate (a fraction) or horizon (whole years); the
    caller validates it (:func:`simulator.workshop.edits.validate`) before using it."""
    changes = {}
    if discount_rate is not None:
        changes["discount_rate"] = round(float(discount_rate), 6)
    if horizon_years is not None:
        changes["horizon_years"] = int(horizon_years)
    return replace(scenario, **changes) if changes else scenario


def discount_rate_text(rate: float, start: float | None = None) -> str:
    """"Discount rate: 10.0% (file: 8.0%)" (the file's value only when it differs)."""
    text = f"Discount rate: {100 * rate:.1f}% a year"
    if start is not None and abs(start - rate) > 1e-12:
        text += f" (file: {100 * start:.1f}%)"
    return text


def horizon_text(years: int, start: int | None = None) -> str:
    """"Horizon: 7 years (file: 5 years)"."""
    def y(n: int) -> str:
        return f"{n} year{'s' if n != 1 else ''}"
    text = f"Horizon: {y(years)}"
    if start is not None and start != years:
        text += f" (file: {y(start)})"
    return text


@dataclass(frozen=True)
class Change:
    """One alternative before and after the what-if (both simulated with the same futures).

    Money in the scenario's currency, chances as fractions; NaN where the alternative did not
    exist before (or does not any more)."""

    name: str
    was: float          # expected NPV before
    now: float          # expected NPV now
    was_loss: float     # chance of losing money before
    now_loss: float
    was_p10: float
    was_p90: float
    now_p10: float
    now_p90: float

    @property
    def moved(self) -> bool:
        """False when every figure is exactly the same (its inputs did not change)."""
        return (self.was, self.was_loss, self.was_p10, self.was_p90) != (
            self.now, self.now_loss, self.now_p10, self.now_p90)


def compare(before: "Summary", after: "Summary") -> list[Change]:
    """A :class:`Change` per alternative of ``after`` (in its order), matched by name."""
    old = {a.name: a for a in before.alternatives}
    nan = float("nan")
    out = []
    for a in after.alternatives:
        b = old.get(a.name)
        out.append(Change(
            a.name,
            float(b.npv.mean) if b else nan, float(a.npv.mean),
            float(b.prob_loss) if b else nan, float(a.prob_loss),
            float(b.npv.p10) if b else nan, float(b.npv.p90) if b else nan,
            float(a.npv.p10), float(a.npv.p90)))
    return out


def change_text(change: Change, currency: str) -> str:
    """"ERP system: was $482k → now $3.6M" (expected value), or "ERP system: $429k, unchanged"."""
    if math.isnan(change.was):
        return f"{change.name}: new, {money(change.now, currency)}"
    was, now = money(change.was, currency), money(change.now, currency)
    if not change.moved or was == now:
        return f"{change.name}: {now}, unchanged" if not change.moved else f"{change.name}: {now}, about the same"
    return f"{change.name}: was {was} → now {now}"


def loss_text(change: Change) -> str:
    """"loses money in 32% → 5% of futures" (or "in 32% of futures, as before")."""
    if math.isnan(change.was_loss):
        return f"loses money in {percent(change.now_loss)} of futures"
    was, now = percent(change.was_loss), percent(change.now_loss)
    if was == now:
        return f"loses money in {now} of futures, as before"
    return f"loses money in {was} → {now} of futures"


def changes_moved(changes: Sequence[Change]) -> list[str]:
    """Names of the alternatives whose figures moved."""
    return [c.name for c in changes if c.moved]


# ---------------------------------------------------------------------------------------
# Previews that re-simulate only what a change reaches
# ---------------------------------------------------------------------------------------

def _names_in(value: object) -> frozenset[str]:
    """Every variable name ``value`` (an amount, an item, a pilot, an alternative) refers to:
    the names its formulas use and the variables a pilot reveals."""
    from dataclasses import fields, is_dataclass

    from simulator.model.scenario import Pilot, YearlyAmounts

    if isinstance(value, Formula):
        return frozenset(value.names)
    if isinstance(value, YearlyAmounts):
        return frozenset().union(*(_names_in(v) for v in value.values))
    if isinstance(value, (tuple, list)):
        return frozenset().union(*(_names_in(v) for v in value))
    if is_dataclass(value) and not isinstance(value, (type, Distribution)):
        out = frozenset().union(*(_names_in(getattr(value, f.name)) for f in fields(value)))
        if isinstance(value, Pilot):
            out |= frozenset(value.reveals)
        return out
    return frozenset()


def reached(before: Scenario, after: Scenario) -> frozenset[str] | None:
    """The alternatives (names) whose futures can differ between ``before`` and ``after``,
    simulated with the same seed and number of futures; None when every one can (a setting,
    the correlations or the alternatives themselves changed).

    Every input draws from its own random stream (common random numbers), so an alternative
    whose items are equal and whose variables (followed through formulas, a pilot's revealed
    variables and the alternative it stages) are equal gets exactly the same futures."""
    if replace(before, alternatives=(), variables=()) != replace(after, alternatives=(), variables=()):
        return None
    if [a.name for a in before.alternatives] != [a.name for a in after.alternatives]:
        return None
    old, new = before.variable_map, after.variable_map
    if list(old) != list(new):
        return None
    changed = {name for name in new if old[name] != new[name]}
    deps = {name: _names_in(amount) for name, amount in after.variables}
    grew = True
    while grew:                     # a variable worked out from a changed one changes too
        grew = False
        for name, uses in deps.items():
            if name not in changed and uses & changed:
                changed.add(name)
                grew = True
    out = {alt.name for a_old, alt in zip(before.alternatives, after.alternatives)
           if a_old != alt or _names_in(alt) & changed}
    stages = {alt.name: alt.stage_of for alt in after.alternatives if alt.stage_of}
    grew = True
    while grew:                     # a staged alternative follows the one it stages
        grew = False
        for name, of in stages.items():
            if of in out and name not in out:
                out.add(name)
                grew = True
    return frozenset(out)


def _same_futures(results: "Results", scenario: Scenario, iterations: int) -> bool:
    return (results.iterations == iterations and results.seed == scenario.seed
            and results.sampling == scenario.sampling)


def rerun(scenario: Scenario, iterations: int, reference: "Results | None" = None, *,
          cancel=None, progress=None, workers: int | None = None) -> "Results":
    """``scenario`` simulated with ``iterations`` futures and its own seed, as
    ``simulator.sim.engine.run`` would, re-simulating only what it must: the alternatives
    that ``reference`` (Results of another scenario, the same futures) does not already hold
    unchanged (:func:`reached`) are simulated; the others' results are taken from it as they
    are. The figures are the same as a run of the whole scenario (common random numbers:
    every input has its own random stream); only the time differs. ``progress(done, total)``
    and ``workers`` as for ``run``."""
    from simulator.sim.engine import Results, run, yearly_futures

    subset = None
    if reference is not None and _same_futures(reference, scenario, iterations):
        subset = reached(reference.scenario, scenario)
    whole = partial(run, scenario, iterations, None, workers=workers, cancel=cancel, progress=progress)
    if not subset or len(subset) == len(scenario.alternatives):
        return whole()     # (nothing reached: the same scenario run again, as asked)
    needed = set(subset)
    for alt in scenario.alternatives:         # a staged alternative is built from the one it stages
        if alt.name in subset and alt.stage_of:
            needed.add(alt.stage_of)
    kept = partial(yearly_futures, iterations, horizon=scenario.horizon_years, margins=scenario.baseline is not None)
    if kept(len(needed)) != kept(len(scenario.alternatives)):
        return whole()     # (a big run: fewer alternatives would keep other yearly paths)
    try:
        part = run(replace(scenario, alternatives=tuple(a for a in scenario.alternatives if a.name in needed)),
                   iterations, None, workers=workers, cancel=cancel, progress=progress)
    except ScenarioError:                     # (e.g. a table naming a left-out alternative)
        return whole()
    alts = []
    for alt in scenario.alternatives:
        source = part if alt.name in subset else reference
        alts.append(source.alternative(alt.name))
    shapes = {(a.cash.shape, a.cash_mean is None, a.margin_pp is None) for a in alts}
    if len(shapes) != 1:                      # kept another number of yearly paths: run it all
        return whole()

    def merged(part_map, ref_map):
        out = {k: v for k, v in part_map.items() if k.alternative is None}
        for alt in scenario.alternatives:
            source = part_map if alt.name in subset else ref_map
            out.update((k, v) for k, v in source.items() if k.alternative == alt.name)
        return out

    staging = {}
    for alt in scenario.alternatives:
        source = part if alt.name in subset else reference
        if alt.name in source.staging:
            staging[alt.name] = source.staging[alt.name]
    warnings = tuple(dict.fromkeys(part.warnings + reference.warnings))
    return Results(scenario=scenario, iterations=iterations, seed=part.seed, sampling=part.sampling,
                   alternatives=tuple(alts), inputs=merged(part.inputs, reference.inputs),
                   input_quantiles=merged(part.input_quantiles, reference.input_quantiles),
                   elapsed_seconds=part.elapsed_seconds, warnings=warnings, staging=staging)
