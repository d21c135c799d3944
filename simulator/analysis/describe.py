"""Amounts in words: "90% sure between $0.4M and $1.1M; most likely around $0.7M".

Used by the desktop app's amount editor and reusable by reports. No Qt, no matplotlib.

Units
-----
Every function takes ``unit``:

* ``"money"``   amounts in the scenario's currency (``$1.2M``, ``€350k``);
* ``"percent"`` fractions shown as percentages (0.08 -> ``8%``);
* ``"number"``  plain counts and factors (``9``, ``15k``, ``1.5``);
* ``"auto"``    for variables, whose unit the file does not say: percent when every
  plausible value lies within [-1, 1], otherwise a plain number.

The numbers of one sentence share one scale (``$0.4M and $1.1M``, not ``$400k and $1.1M``)
so they can be compared at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

import numpy as np

from simulator.model.distributions import (Bernoulli, Discrete, Distribution, LogNormal, Normal, Pert, Range90, Triangular,
                            Uniform)
from simulator.model.expressions import Formula, FormulaError
from simulator.model.scenario import YearlyAmounts
from simulator.analysis.formatting import currency_affixes, localize, style

if TYPE_CHECKING:  # pragma: no cover
    from simulator.model.scenario import Scenario

__all__ = [
    "Sketch",
    "chance_of",
    "describe_amount",
    "format_values",
    "most_likely",
    "sample_amount",
    "sketch",
    "resolve_unit",
]

UNITS = ("money", "percent", "number", "auto")


# ---------------------------------------------------------------------------------------
# Numbers on a common scale
# ---------------------------------------------------------------------------------------

def resolve_unit(unit: str, values: Iterable[float]) -> str:
    """``"auto"`` -> ``"percent"`` or ``"number"`` from the values; other units unchanged."""
    if unit != "auto":
        return unit
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    if finite and max(finite) <= 1.0 and any(0 < v < 1 for v in finite):
        return "percent"
    return "number"


def _scale(biggest: float) -> tuple[float, str]:
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if biggest >= scale * 0.95:
            return scale, suffix
    return 1.0, ""


def format_values(values: Sequence[float], unit: str = "money", currency: str = "USD") -> list[str]:
    """Format several numbers on one scale, with just enough digits to tell them apart.

    >>> format_values([4e5, 1.1e6, 7e5])
    ['$0.4M', '$1.1M', '$0.7M']
    """
    vals = [float(v) for v in values]
    unit = resolve_unit(unit, vals)
    finite = [v for v in vals if math.isfinite(v)]
    if unit == "percent":
        scaled = [v * 100 for v in vals]
        span = max((abs(v) for v in scaled if math.isfinite(v)), default=0.0)
        prefix, suffix, factor, after = "", "%", 1.0, ""
        integral = all(abs(v - round(v)) < 1e-6 for v in scaled if math.isfinite(v))
        digits = 0 if span >= 10 or integral else 1
    else:
        biggest = max((abs(v) for v in finite), default=0.0)
        factor, suffix = _scale(biggest)
        if unit == "money" and suffix == "k" and biggest < 10_000:
            factor, suffix = 1.0, ""
        scaled = [v / factor for v in vals]
        prefix, after = currency_affixes(currency) if unit == "money" else ("", "")
        span = max((abs(v) for v in scaled if math.isfinite(v)), default=0.0)
        if all(abs(v - round(v)) < 1e-6 for v in scaled if math.isfinite(v)):
            digits = 0
        elif suffix:
            digits = 0 if span >= 100 else 1
        else:
            digits = 0 if span >= 100 or all(float(v).is_integer() for v in finite) else (1 if span >= 10 else 2)

    # the locale's words and signs: "1,2 Mio. €", "23 %"
    shown = style().compact[("k", "M", "B").index(suffix)] if suffix in ("k", "M", "B") else \
        (("\u00a0%" if style().percent_space else "%") if suffix == "%" else suffix)

    def render(d: int) -> tuple[list[str], bool]:
        """Texts at ``d`` decimals, and whether they are good enough: no non-zero value
        shown as zero and no two different values shown the same."""
        out, ok = [], True
        for v in scaled:
            if not math.isfinite(v):
                out.append("n/a" if math.isnan(v) else ("unbounded" if v > 0 else "-unbounded"))
                continue
            text = f"{abs(v):,.{d}f}"
            zero = text.strip("0.,") == ""
            ok = ok and (v == 0 or not zero)
            out.append(f"{'-' if v < 0 and not zero else ''}{prefix}{localize(text)}{shown}{after}")
        tol = 0.005 * max((abs(v) for v in scaled if math.isfinite(v)), default=0.0)
        for i, (v1, t1) in enumerate(zip(scaled, out)):
            for v2, t2 in zip(scaled[i + 1:], out[i + 1:]):
                if t1 == t2 and math.isfinite(v1) and math.isfinite(v2) and abs(v1 - v2) > tol:
                    ok = False
        return out, ok

    for d in range(digits, 4):
        texts, ok = render(d)
        if ok:
            return texts
    return render(3)[0]


def _one(value: float, unit: str, currency: str) -> str:
    return format_values([value], unit, currency)[0]


def _join_words(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


# ---------------------------------------------------------------------------------------
# Looking inside amounts
# ---------------------------------------------------------------------------------------

def chance_of(amount: object) -> tuple[float, float] | None:
    """``(p, x)`` when the amount is "x with chance p, otherwise nothing", else None.

    That is a ``discrete`` distribution over ``[0, x]`` (in either order) or a
    ``bernoulli`` (x = 1).
    """
    if isinstance(amount, Bernoulli) and amount.floor is None and amount.cap is None:
        return amount.p, 1.0
    if isinstance(amount, Discrete) and amount.floor is None and amount.cap is None:
        probs = amount.probabilities()
        if len(probs) == 2 and 0.0 in probs:
            (x,) = [v for v in probs if v != 0.0]
            return probs[x], x
    return None


def most_likely(dist: Distribution) -> float | None:
    """The mode where it is meaningful (before floor/cap), or None (uniform, discrete...)."""
    if isinstance(dist, (Triangular, Pert)):
        return float(dist.mode)
    if isinstance(dist, Normal):
        return float(dist.mean_)
    if isinstance(dist, Range90):
        value = math.exp(dist.mu - dist.sigma ** 2) if dist.shape == "lognormal" else dist.mu
        return float(dist.clip(np.array([value]))[0])
    if isinstance(dist, LogNormal):
        return float(dist.clip(np.array([math.exp(dist.mu - dist.sigma ** 2)]))[0])
    return None


def _variable_samples(scenario: "Scenario", n: int, seed: int) -> dict[str, np.ndarray | float]:
    """Independent draws of every variable (correlations ignored), in dependency order."""
    from simulator.model.scenario import variable_order

    variables = scenario.variable_map
    env: dict[str, np.ndarray | float] = {}
    rng = np.random.default_rng(seed)
    for name in variable_order(scenario):
        value = variables[name]
        if isinstance(value, Distribution):
            env[name] = value.ppf(_stratified(rng, n))
        elif isinstance(value, Formula):
            env[name] = value.evaluate(env)
        else:
            env[name] = float(value)
    return env


def _stratified(rng: np.random.Generator, n: int) -> np.ndarray:
    u = (rng.permutation(n) + rng.random(n)) / n
    return np.clip(u, 1e-12, 1 - 1e-12)


def sample_amount(amount: object, scenario: "Scenario | None" = None, n: int = 4000,
                  seed: int = 12345) -> np.ndarray | None:
    """Up to ``n`` draws of an amount, for previews (sorted, finite values only).

    A formula is evaluated over independent draws of the scenario's variables (its rank
    correlations are ignored: a preview, not the simulation). Returns None when the amount
    cannot be evaluated (a formula without a scenario, unknown names, a cycle).
    """
    if amount is None:
        return None
    if isinstance(amount, (int, float)) and not isinstance(amount, bool):
        return np.full(1, float(amount))
    rng = np.random.default_rng(seed)
    if isinstance(amount, Distribution):
        x = amount.ppf(_stratified(rng, n))
    elif isinstance(amount, Formula):
        if scenario is None:
            return None
        try:
            env = _variable_samples(scenario, n, seed)
            x = amount.evaluate(env)
        except (FormulaError, ValueError):
            return None
        x = np.broadcast_to(np.asarray(x, dtype=float), (n,)) if np.ndim(x) == 0 else np.asarray(x, dtype=float)
    else:
        return None
    x = np.sort(x[np.isfinite(x)])
    return x if x.size else None


@dataclass(frozen=True)
class Sketch:
    """What a preview shows: percentiles, mean, most likely value and the draws behind them."""

    p5: float
    p50: float
    p95: float
    mean: float
    mode: float | None
    draws: np.ndarray   # sorted
    constant: bool


def sketch(amount: object, scenario: "Scenario | None" = None, n: int = 4000) -> Sketch | None:
    """Percentiles of an amount for a preview, or None when it cannot be evaluated."""
    if isinstance(amount, Distribution):
        x = sample_amount(amount, n=n)
        if x is None:
            return None
        p5, p50, p95 = (amount.quantile(q) for q in (0.05, 0.5, 0.95))
        mode = most_likely(amount)
        mean = float(np.mean(x)) if (amount.floor is not None or amount.cap is not None) else amount.mean()
        return Sketch(p5, p50, p95, float(mean), mode, x, bool(x[0] == x[-1]))
    x = sample_amount(amount, scenario, n=n)
    if x is None:
        return None
    p5, p50, p95 = (float(v) for v in np.percentile(x, [5, 50, 95]))
    return Sketch(p5, p50, p95, float(np.mean(x)), None, x, bool(x[0] == x[-1]))


# ---------------------------------------------------------------------------------------
# Sentences
# ---------------------------------------------------------------------------------------

def describe_amount(amount: object, *, unit: str = "money", currency: str = "USD",
                    scenario: "Scenario | None" = None) -> str:
    """One or two plain sentences saying what an amount means.

    * ``1_200_000`` -> "Exactly $1.2M."
    * a 90% range -> "90% sure between $0.4M and $1.1M; most likely around $0.7M."
    * triangular/PERT/normal/lognormal -> the same, plus "on average" when it differs
    * uniform -> "Anywhere between $1.0M and $2.0M, every value equally likely."
    * chance -> "A 25% chance of $300k; otherwise nothing."
    * discrete -> "One of 1 (50%), 2 (35%) or 3 (15%)."
    * a formula (with ``scenario``) -> "Worked out from a, b and c: 90% sure between ..."
    """
    if amount is None:
        return "Not set."
    if isinstance(amount, bool):
        return "Not an amount."
    if isinstance(amount, (int, float)):
        value = float(amount)
        return f"Exactly {_one(value, resolve_unit(unit, [value]), currency)}."
    if isinstance(amount, Formula):
        return _describe_formula(amount, unit, currency, scenario)
    if isinstance(amount, YearlyAmounts):
        return _describe_list(amount, unit, currency)
    if not isinstance(amount, Distribution):
        return "Not an amount."
    chance = chance_of(amount)
    if chance is not None:
        p, x = chance
        if isinstance(amount, Bernoulli):
            return f"Either 1 (a {_one(p, 'percent', currency)} chance) or 0."
        return f"A {_one(p, 'percent', currency)} chance of {_one(x, resolve_unit(unit, [x]), currency)}; " \
               "otherwise nothing."
    if isinstance(amount, Discrete):
        probs = amount.probabilities()
        u = resolve_unit(unit, list(probs))
        texts = format_values(list(probs), u, currency)
        parts = [f"{t} ({_one(p, 'percent', currency)})" for t, p in zip(texts, probs.values())]
        if len(parts) == 1:
            return f"Always {texts[0]}."
        return "One of " + ", ".join(parts[:-1]) + " or " + parts[-1] + "."
    sk = sketch(amount)
    if sk is None:
        return "Cannot be worked out."
    if sk.constant:
        return f"Always {_one(sk.p50, resolve_unit(unit, [sk.p50]), currency)}."
    u = resolve_unit(unit, [sk.p5, sk.p95])
    if isinstance(amount, Uniform) and amount.floor is None and amount.cap is None:
        lo, hi = format_values([amount.min, amount.max], u, currency)
        return f"Anywhere between {lo} and {hi}, every value equally likely."
    centre, word = (sk.mode, "most likely around") if sk.mode is not None else (sk.p50, "typically around")
    if abs(sk.mean - centre) > 0.05 * max(abs(sk.p95 - sk.p5), 1e-12):
        lo, hi, mid, mean = format_values([sk.p5, sk.p95, centre, sk.mean], u, currency)
        return f"90% sure between {lo} and {hi}; {word} {mid}; on average {mean}."
    lo, hi, mid = format_values([sk.p5, sk.p95, centre], u, currency)
    return f"90% sure between {lo} and {hi}; {word} {mid}."


def _describe_list(amounts: YearlyAmounts, unit: str, currency: str) -> str:
    """"Year by year: $523, $12.9k, $32.6k (an uncertain amount in year 3)."."""
    numbers = [float(a) for a in amounts.values if isinstance(a, (int, float)) and not isinstance(a, bool)]
    shown = format_values(numbers, resolve_unit(unit, numbers or [1.0]), currency) if numbers else []
    words, k = [], 0
    for a in amounts.values:
        if isinstance(a, (int, float)) and not isinstance(a, bool):
            words.append(shown[k])
            k += 1
        elif isinstance(a, Formula):
            words.append("a formula")
        else:
            words.append("an uncertain amount")
    return f"Year by year: {', '.join(words)}."


def _describe_formula(formula: Formula, unit: str, currency: str, scenario: "Scenario | None") -> str:
    names = [name for name, _, _ in formula.name_spans]
    seen: list[str] = []
    for name in names:
        if name not in seen:
            seen.append(name)
    source = f"Worked out from {_join_words(seen)}" if seen else "Worked out by a formula"
    if scenario is None:
        return source + "."
    known = scenario.variable_map
    unknown = [n for n in seen if n not in known]
    if unknown:
        return f"{source}, but {_join_words(unknown)} {'is' if len(unknown) == 1 else 'are'} not " \
               f"{'a variable' if len(unknown) == 1 else 'variables'}."
    sk = sketch(formula, scenario)
    if sk is None:
        return source + "; it cannot be worked out as written."
    if sk.constant:
        return f"{source}: always {_one(sk.p50, resolve_unit(unit, [sk.p50]), currency)}."
    u = resolve_unit(unit, [sk.p5, sk.p95])
    lo, hi, mid = format_values([sk.p5, sk.p95, sk.p50], u, currency)
    return f"{source}: 90% sure between {lo} and {hi}; typically around {mid}."


def describe_variables(scenario: "Scenario", currency: str | None = None) -> Mapping[str, str]:
    """A sentence for every variable of a scenario (unit guessed), by name."""
    cur = currency or scenario.currency
    return {name: describe_amount(amount, unit="auto", currency=cur, scenario=scenario)
            for name, amount in scenario.variables}
