"""What a pilot is worth: "test first, then decide" in numbers and words.

From a run with staged alternatives (see :mod:`simulator.sim.staging`), for each one:

- the chance the project goes ahead after the test;
- the value of the pilot: the staged alternative's expected NPV minus the best expected NPV
  without a pilot (the best other alternative, or doing nothing at 0 when every one loses
  money on average), with its Monte Carlo standard error (from the futures' paired
  differences: both sides are computed on the same futures);
- the most the pilot is worth paying (break-even cost): the value plus the pilot's expected
  cost, since the cost does not change which futures go ahead;
- the go / no-go threshold in the revealed variable's own units, from the fitted rule
  (where the expected NPV given the reading crosses zero), with the two halves' thresholds
  (the cross-fitting) as a measure of its precision. With several revealed variables the
  rule depends on the readings together: each threshold holds the other readings at their
  average, and the words say so.

Everything here reads the run; nothing is simulated again. Words go through
:mod:`simulator.analysis.formatting`.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from simulator.analysis import formatting as fmt

if TYPE_CHECKING:
    from simulator.sim.engine import Results

#: Readings between these quantiles are searched for the go / no-go threshold.
_GRID = (0.005, 0.995)


@dataclass(frozen=True)
class Threshold:
    """Where the go / no-go rule switches for one revealed variable (other readings at their
    average). ``direction``: "above" (go when the reading is above ``value``), "below",
    "always" (go whatever the reading), "never", or "mixed" (more than one switch: ``value``
    is the first). ``halves``: the threshold of each half's fit (None where it has none)."""

    variable: str
    direction: str
    value: float | None
    halves: tuple[float | None, float | None]


@dataclass(frozen=True)
class PilotFacts:
    """The numbers of one staged alternative (money in the scenario's currency)."""

    name: str
    target: str
    reveals: tuple[str, ...]
    years: int
    cost: float                    # expected cost of the pilot
    chance_go: float               # share of futures in which the target goes ahead
    expected_npv: float            # of the staged alternative
    best_without: str | None       # the best alternative without a pilot; None = doing nothing
    best_without_npv: float        # its expected NPV (0 for doing nothing)
    value: float                   # expected_npv - best_without_npv
    value_se: float                # standard error of ``value``
    break_even_cost: float         # the most the pilot is worth paying (0 if nothing)
    thresholds: tuple[Threshold, ...]
    fit_method: str
    fit_rmse: float


def _crossings(grid: np.ndarray, pred: np.ndarray) -> tuple[str, list[float]]:
    pos = pred > 0
    if pos.all():
        return "always", []
    if not pos.any():
        return "never", []
    change = np.nonzero(pos[1:] != pos[:-1])[0]
    points = []
    for i in change:   # linear interpolation of the zero between two grid points
        x0, x1, y0, y1 = grid[i], grid[i + 1], pred[i], pred[i + 1]
        points.append(float(x0 - y0 * (x1 - x0) / (y1 - y0)) if y1 != y0 else float(x0))
    if len(points) > 1:
        return "mixed", points
    return ("above" if pos[-1] else "below"), points


def _threshold(info, j: int) -> Threshold:
    x = info.readings
    grid = np.linspace(*np.quantile(x[:, j], _GRID), 801)
    probe = np.tile(x.mean(axis=0), (len(grid), 1))
    probe[:, j] = grid
    preds = [rule.predict(probe) for rule in info.rules]
    direction, points = _crossings(grid, np.mean(preds, axis=0))
    halves = []
    for p in preds:
        d, pts = _crossings(grid, p)
        halves.append(pts[0] if pts else None)
    return Threshold(info.reveals[j], direction, points[0] if points else None, (halves[0], halves[1]))


def pilot_facts(results: "Results") -> list[PilotFacts]:
    """The facts of every staged alternative of the run, in the scenario's order."""
    out = []
    staging = getattr(results, "staging", {}) or {}
    plain = [a for a in results.scenario.alternatives if not a.is_staged]
    for alt in results.scenario.alternatives:
        info = staging.get(alt.name)
        if info is None:
            continue
        npv = np.asarray(results.alternative(alt.name).npv, dtype=float)
        means = {a.name: float(np.mean(results.alternative(a.name).npv)) for a in plain}
        best = max(means, key=means.get) if means else None
        if best is None or means[best] <= 0:
            best, best_npv, other = None, 0.0, np.zeros_like(npv)
        else:
            best_npv, other = means[best], np.asarray(results.alternative(best).npv, dtype=float)
        diff = npv - other
        value = float(diff.mean())
        cost = float(info.cost.mean())
        out.append(PilotFacts(
            name=alt.name, target=info.target, reveals=info.reveals, years=info.years, cost=cost,
            chance_go=float(info.go.mean()), expected_npv=float(npv.mean()), best_without=best,
            best_without_npv=best_npv, value=value,
            value_se=float(diff.std(ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else float("nan"),
            break_even_cost=max(0.0, value + cost),
            thresholds=tuple(_threshold(info, j) for j in range(len(info.reveals))),
            fit_method=info.method, fit_rmse=info.fit_rmse))
    return out


def _number(x: float) -> str:
    """A reading in its own units: 27,400 / 0.034 / 1.25."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    digits = 3 - int(math.floor(math.log10(abs(x)))) - 1
    rounded = round(x, digits)
    if abs(rounded) >= 1000:
        return f"{rounded:,.0f}"
    return f"{rounded:,.{max(0, digits)}f}"


def _var(name: str) -> str:
    return name.replace("_", " ")


def threshold_text(f: PilotFacts) -> str:
    """The go / no-go rule in the revealed variables' own units, as honestly as it can be said."""
    several = len(f.thresholds) > 1
    parts = []
    for t in f.thresholds:
        v = _var(t.variable)
        if t.direction in ("above", "below"):
            parts.append(f"go ahead if the test reads {v} {t.direction} {_number(t.value)}")
        elif t.direction == "always":
            parts.append(f"the test's reading of {v} never stops it" + ("" if several else
                                                                        " (it goes ahead whatever the test shows)"))
        elif t.direction == "never":
            parts.append(f"no reading of {v} alone makes it worth going ahead")
        else:
            parts.append(f"the rule for {v} switches more than once (first at {_number(t.value)})")
    text = "; ".join(parts)
    if several:
        text += (" (each holding the other readings at their average: the decision weighs the readings "
                 "together)")
    return text[0].upper() + text[1:]


def pilot_lines(results: "Results") -> list[str]:
    """The pilot's findings as lines of text for ``investsim run``."""
    cur = results.scenario.currency
    lines = []
    for f in pilot_facts(results):
        m = lambda x: fmt.money(x, cur)
        against = f"{f.best_without} at {m(f.best_without_npv)}" if f.best_without else "doing nothing at 0"
        lines.append(f"{f.name}: a pilot of {f.target} ({m(f.cost)}, measuring "
                     f"{', '.join(_var(v) for v in f.reveals)}"
                     + (f", {f.years} year{'s' if f.years != 1 else ''}" if f.years else "") + ")")
        lines.append(f"  Goes ahead in {fmt.percent(f.chance_go)} of futures. {threshold_text(f)}.")
        lines.append(f"  Value of the pilot: {m(f.value)} (± {m(f.value_se)} standard error) against the best "
                     f"without it ({against}).")
        lines.append(f"  Worth paying up to {m(f.break_even_cost)} for it (break-even cost; it costs {m(f.cost)}).")
    return lines


def pilot_json(results: "Results") -> dict[str, Any]:
    """``{"pilots": [...]}`` for ``run --json`` (empty dict without staged alternatives)."""
    facts = pilot_facts(results)
    if not facts:
        return {}
    return {"pilots": [{
        "alternative": f.name,
        "tests": f.target,
        "reveals": list(f.reveals),
        "years": f.years,
        "cost": f.cost,
        "chance_go_ahead": f.chance_go,
        "expected_npv": f.expected_npv,
        "best_without_pilot": {"alternative": f.best_without, "expected_npv": f.best_without_npv},
        "value_of_pilot": f.value,
        "value_of_pilot_se": f.value_se,
        "break_even_cost": f.break_even_cost,
        "threshold": [{"variable": t.variable, "direction": t.direction, "value": t.value,
                       "halves": list(t.halves)} for t in f.thresholds],
        "threshold_text": threshold_text(f),
        "decision_fit": {"method": f.fit_method, "cross_fitted_rmse": f.fit_rmse},
    } for f in facts]}


def pilot_paragraph(facts: Sequence[PilotFacts], currency: str) -> str | None:
    """The report's paragraph: test first or decide now, and why. None without a pilot."""
    if not facts:
        return None
    m = lambda x: fmt.money(x, currency)
    out = []
    for f in facts:
        now = f"{f.best_without} ({m(f.best_without_npv)})" if f.best_without else "doing nothing"
        measures = ", ".join(_var(v) for v in f.reveals)
        if f.value > 2 * f.value_se and f.value > 0:
            out.append(
                f"Test first. A pilot of {f.target} costing {m(f.cost)} that measures {measures} is worth about "
                f"{m(f.value)} more than deciding now on the best choice without it, {now}: the project then goes "
                f"ahead only in the futures where the test says it pays ({fmt.percent(f.chance_go)} of them; "
                f"{threshold_text(f)[0].lower() + threshold_text(f)[1:]}), and the losses of the others are "
                f"avoided. It stays worth running for a cost up to {m(f.break_even_cost)}.")
        elif f.value < -2 * f.value_se:
            reason = ("it costs more than what it can tell is worth"
                      if f.break_even_cost < f.cost else "it delays the project more than it helps")
            out.append(
                f"Decide now. A pilot of {f.target} that measures {measures} is not worth its cost: {reason} "
                f"(worth at most {m(f.break_even_cost)}, it costs {m(f.cost)}); the best choice without it is "
                f"{now}.")
        else:
            out.append(
                f"Test first or decide now: a close call. A pilot of {f.target} that measures {measures} changes "
                f"the expected value by {m(f.value)} (± {m(f.value_se)}), within the simulation's precision; "
                f"it is worth at most {m(f.break_even_cost)} against its cost of {m(f.cost)}.")
    return " ".join(out)


def _rank_corr(ranks: np.ndarray, npv: np.ndarray) -> float:
    """|Spearman correlation| of an input's ranks with an alternative's NPV (0 for a constant NPV)."""
    if np.ptp(npv) == 0:
        return 0.0
    return abs(float(np.corrcoef(ranks, np.argsort(np.argsort(npv)))[0, 1]))


@dataclass(frozen=True)
class PilotOffer:
    """A pilot worth offering: find out ``variable`` before deciding on ``target``; ``value``
    is what knowing it exactly would be worth (its EVPPI), the most any such test can be worth."""

    variable: str
    target: str
    value: float


def pilot_offers(results: "Results", n: int = 3) -> list[PilotOffer]:
    """The leading inputs of "Worth finding out" that a pilot can measure (shared variables with
    a range or distribution, worth clearly more than the estimate's noise), at most ``n``,
    each with the alternative to test: the one with the highest expected NPV among those whose
    NPV moves with it (its rank correlation with the reading is largest)."""
    from simulator.analysis.insights import value_of_information
    from simulator.model.distributions import Distribution

    scenario = results.scenario
    variables = scenario.variable_map
    plain = [a.name for a in scenario.alternatives if not a.is_staged]
    if not plain:
        return []
    out: list[PilotOffer] = []
    for info in value_of_information(results).inputs:
        key = info.input
        if not key.is_variable or not isinstance(variables.get(key.item), Distribution):
            continue
        if not info.value > max(info.precision, 0.0) or key not in results.input_quantiles:
            continue
        u = np.asarray(results.input_quantiles[key], dtype=float)
        ranked = np.argsort(np.argsort(u))

        strength = {name: _rank_corr(ranked, np.asarray(results.alternative(name).npv)) for name in plain}
        target = max(plain, key=lambda name: (strength[name] > 0.1, float(np.mean(results.alternative(name).npv))))
        if strength[target] <= 0.1:
            continue
        out.append(PilotOffer(key.item, target, float(info.value)))
        if len(out) >= n:
            break
    return out
