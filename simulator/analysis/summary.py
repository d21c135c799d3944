"""Summaries and comparisons of a run, in plain numbers and plain words.

Every figure is computed from the per-future arrays in :class:`~simulator.sim.engine.Results`.
When a run kept its yearly paths for its first futures only (a run too big for
:data:`~simulator.sim.engine.YEARLY_BUDGET`), the yearly means come from every future and the
yearly percentiles from those first futures (at least 32,768 of them: the P10 to P90 bands
are then typically within a fraction of a percentile point of the full run's).

Undefined values (an ROI without costs, a payback beyond the horizon) are ``None`` in the
summary, never NaN, and the share of futures where they occur is reported beside them.

IRR over every future. A future without an IRR is not left out: it is the future where no
rate makes NPV zero, so its NPV has one sign at every rate, and the sign of its NPV at the
discount rate says which. NPV below zero at every rate: the money never comes back, and the
future ranks below every rate. NPV above zero (or zero: no cash at all): nothing was
invested, and it ranks above every rate. The IRR percentiles (:class:`IrrSpread`) are taken
over all futures in that order; one that falls in either group is not a rate, and says so
in words (:meth:`IrrSpread.words`) and ``null`` in JSON.

ROI as a board reads it: :attr:`AlternativeSummary.roi_of_expected` = expected NPV / expected
present value of costs over the horizon, whose sign always agrees with the expected NPV; the
per-future ROIs (over the futures that have costs) give the median and P10-P90 beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.analysis import formatting as fmt
from simulator.sim.quantiles import map_threads, median, percentiles_of_sorted

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

PERCENTILES = (5, 10, 50, 90, 95)


def _num(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class Spread:
    """Mean, standard deviation, percentiles and the standard error of the mean."""

    mean: float
    std: float
    p5: float
    p10: float
    p50: float
    p90: float
    p95: float
    se: float

    @classmethod
    def of(cls, x: np.ndarray, sorted_x: np.ndarray | None = None) -> "Spread":
        """The spread of ``x`` (no NaN); ``sorted_x``, ``x`` sorted, when the caller has it
        (the percentiles are read off it: numpy.percentile's values, one sort)."""
        p = percentiles_of_sorted(np.sort(x) if sorted_x is None else sorted_x, PERCENTILES)
        std = float(np.std(x, ddof=1)) if x.size > 1 else 0.0
        return cls(float(np.mean(x)), std, *map(float, p), std / math.sqrt(max(x.size, 1)))

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "std": self.std, "p5": self.p5, "p10": self.p10, "p50": self.p50,
                "p90": self.p90, "p95": self.p95}


#: Where an IRR percentile falls when it is not a rate: below every rate (the money never
#: comes back) or above every rate (nothing invested).
NEVER_BACK = -math.inf
NOTHING_INVESTED = math.inf

#: The words for a median IRR that is not a rate (command line, app, report, workbook).
IRR_MEDIAN_WORDS = {NEVER_BACK: "the money does not come back in most futures",
                    NOTHING_INVESTED: "nothing is invested in most futures"}


def ranked_percentiles(rates: np.ndarray, below: int, above: int, qs) -> tuple[float, ...]:
    """Percentiles ``qs`` (0-100) of ``below`` futures ranked below every rate (-inf), the
    finite ``rates`` and ``above`` futures ranked above every rate (+inf), with numpy's
    default (linear) interpolation between neighbours. A percentile whose interpolation
    touches a group is that group's infinity (between the two groups, the nearer one); with
    no group it equals ``np.percentile(rates, qs)``. NaN when there are no futures."""
    v = np.sort(np.asarray(rates, dtype=float))
    m = v.size
    total = below + m + above

    def at(k: int) -> float:
        if k < below:
            return -math.inf
        if k >= below + m:
            return math.inf
        return float(v[k - below])

    out = []
    for q in qs:
        if total == 0:
            out.append(math.nan)
            continue
        h = (total - 1) * float(q) / 100.0
        i = min(int(math.floor(h)), total - 1)
        f = h - i
        a = at(i)
        if f == 0.0 or i + 1 >= total:
            out.append(a)
            continue
        b = at(i + 1)
        if math.isfinite(a) and math.isfinite(b):
            out.append(a + (b - a) * f)
        elif a == b or (not math.isfinite(a) and math.isfinite(b)):
            out.append(a)
        elif math.isfinite(a):
            out.append(b)
        else:                                  # -inf and +inf: the nearer one
            out.append(a if f <= 0.5 else b)
    return tuple(out)


@dataclass(frozen=True)
class IrrSpread:
    """IRR percentiles over every future (see the module doc), as fractions per year.

    ``p10``, ``p50`` and ``p90`` are rates, or :data:`NEVER_BACK` (-inf) when the percentile
    falls among the futures whose money never comes back, :data:`NOTHING_INVESTED` (+inf)
    when it falls among the futures with nothing invested."""

    p10: float
    p50: float
    p90: float
    share_never_back: float
    share_nothing_invested: float

    @classmethod
    def of(cls, irr: np.ndarray, npv: np.ndarray) -> "IrrSpread":
        n = irr.size
        ok = np.isfinite(irr)
        missing = ~ok
        below = int(np.count_nonzero(missing & (npv < 0)))
        above = int(np.count_nonzero(missing)) - below
        p10, p50, p90 = ranked_percentiles(irr[ok], below, above, (10, 50, 90))
        return cls(p10, p50, p90, below / max(n, 1), above / max(n, 1))

    @property
    def share_undefined(self) -> float:
        return self.share_never_back + self.share_nothing_invested

    @staticmethod
    def rate(value: float) -> float | None:
        """A percentile as a rate, None when it falls in a group (or there are no futures)."""
        return value if math.isfinite(value) else None

    @staticmethod
    def words(value: float) -> str | None:
        """None for a rate; else why the median is not one, in words."""
        if math.isnan(value):
            return "no simulated futures"
        return IRR_MEDIAN_WORDS.get(value)

    @staticmethod
    def group(value: float) -> str | None:
        """The group a percentile falls in, in a few words ("money never comes back",
        "nothing invested"); None for a rate."""
        return {NEVER_BACK: "money never comes back", NOTHING_INVESTED: "nothing invested"}.get(value)

    def median_text(self) -> str:
        """"12.5% median", or in words why there is no median rate: "n/a: the money does not
        come back in most futures (62%)", "n/a: nothing is invested" (in every future)."""
        if math.isfinite(self.p50):
            return f"{fmt.rate(self.p50, digits=1)} median"
        if math.isnan(self.p50):
            return "n/a: no simulated futures"
        share = self.share_never_back if self.p50 < 0 else self.share_nothing_invested
        if share >= 0.9995:
            return "n/a: " + ("the money never comes back" if self.p50 < 0 else "nothing is invested")
        return f"n/a: {self.words(self.p50)} ({fmt.percent(share)})"

    def never_back_text(self) -> str:
        """"" or ", the money never comes back in 18% of them" when the median is a rate and
        some futures never pay back (they are counted as the lowest)."""
        if math.isfinite(self.p50) and self.share_never_back > 0:
            return f"the money never comes back in {fmt.percent(self.share_never_back)} of them"
        return ""

    def as_dict(self) -> dict[str, Any]:
        return {"p10": self.rate(self.p10), "p50": self.rate(self.p50), "p90": self.rate(self.p90),
                "share_undefined": self.share_undefined, "share_never_back": self.share_never_back,
                "share_nothing_invested": self.share_nothing_invested, "note": self.words(self.p50)}


@dataclass(frozen=True)
class YearSpread:
    year: int
    mean: float
    p10: float
    p50: float
    p90: float


@dataclass(frozen=True)
class AlternativeSummary:
    name: str
    category: str
    npv: Spread
    prob_loss: float
    prob_loss_se: float
    pv_benefits: float
    pv_costs: float
    roi_mean: float | None            # mean of the per-future ROIs (futures with costs)
    roi_p50: float | None             # their median
    irr_p50: float | None             # median IRR over every future; None when not a rate
    irr_share_undefined: float        # futures without an IRR (both groups)
    irr: IrrSpread
    roi_of_expected: float | None     # expected NPV / expected PV of costs; None without costs
    roi_p10: float | None
    roi_p90: float | None
    payback_p50: float | None         # inf = not within the horizon (None = undefined)
    payback_within: float
    discounted_payback_p50: float | None
    discounted_payback_within: float
    margin_pp: tuple[YearSpread, ...]           # years 1..H, empty without a baseline
    result: Any = field(default=None, repr=False, compare=False)  # the AlternativeResult summarised
    #: Mean present value of the taxes (+ paid, - saved); 0 for a pre-tax scenario.
    pv_taxes: float = 0.0
    #: Mean value beyond the horizon, in the horizon year (not discounted); 0 without one.
    terminal_value: float = 0.0

    @cached_property
    def cash_by_year(self) -> tuple[YearSpread, ...]:
        """Net cash per year, years 0..H (computed when first asked for)."""
        return _year_spreads(self.result.cash, 0, means=self.result.cash_mean)

    @cached_property
    def cumulative_cash(self) -> tuple[YearSpread, ...]:
        """Cumulative net cash, years 0..H (computed when first asked for)."""
        means = None if self.result.cash_mean is None else np.cumsum(self.result.cash_mean)
        return _year_spreads(self.result.cash, 0, cumulative=True, means=means)


@dataclass(frozen=True)
class Comparison:
    prob_best: dict[str, float]
    prob_beats: dict[str, dict[str, float]]
    expected_regret: dict[str, float]
    evpi: float
    best: str                 # highest expected NPV
    runner_up: str | None


@dataclass(frozen=True)
class Summary:
    alternatives: tuple[AlternativeSummary, ...]
    comparison: Comparison
    verdict: str

    def alternative(self, name: str) -> AlternativeSummary:
        for a in self.alternatives:
            if a.name == name:
                return a
        raise KeyError(name)


#: Values of the years worked on at once by ``_year_spreads`` (with their float64 copies: about
#: 100 MB at most, whatever the run's size).
_SPREAD_VALUES = 2**23


def _year_spread(col: np.ndarray, year: int, mean: float | None) -> YearSpread:
    """Mean, P10, P50 and P90 of one year's futures ``col`` (1-D), NaN futures skipped.

    The mean is taken in float64 over a contiguous float64 copy (as NumPy's mean of that
    year); the percentiles are read off one sort of the values in their own precision (the
    float32 order is the float64 order, and :func:`percentiles_of_sorted` widens the values
    it reads), so every figure is the same as from a float64 copy, at half the sorting."""
    if mean is not None:   # known: no float64 copy (a NaN counts the same in either precision)
        nans = int(np.count_nonzero(np.isnan(col)))
    else:
        wide = np.asarray(col, dtype=np.float64)
        nans = int(np.count_nonzero(np.isnan(wide)))
        if nans:  # undefined in some futures (e.g. a margin without revenue): skip those
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                mean = float(np.nanmean(wide))
        else:
            mean = float(wide.mean())
        del wide
    v = np.sort(col)                                     # NaN last
    p10, p50, p90 = percentiles_of_sorted(v[:v.size - nans], (10, 50, 90))
    return YearSpread(year, float(mean), float(p10), float(p50), float(p90))


def _year_spreads(arr: np.ndarray, first_year: int, *, cumulative: bool = False,
                  means: np.ndarray | None = None) -> tuple[YearSpread, ...]:
    """Mean, P10, P50 and P90 of each column (year) of ``arr``, ``(n, years)``; of its running
    sum over the years when ``cumulative`` (summed in ``arr``'s precision, as ``np.cumsum``).
    NaN futures are skipped in a year that has them. ``means`` replaces the column means (the
    means over every future when ``arr`` holds only the first ones). One year at a time (the
    engine stores each year's futures contiguously), years side by side on a few threads; each
    year is sorted once and its three percentiles read off it (numpy.percentile's values:
    :mod:`simulator.sim.quantiles`)."""
    n, years = arr.shape
    if years == 0:
        return ()
    step = max(1, min(years, _SPREAD_VALUES // max(n, 1)))
    run = None
    out: list[YearSpread] = []
    for y0 in range(0, years, step):
        cols = []
        for t in range(y0, min(y0 + step, years)):
            if cumulative:
                run = np.array(arr[:, t]) if run is None else np.add(run, arr[:, t])
                cols.append(run)
            else:
                cols.append(arr[:, t])
        tasks = [(col, first_year + y0 + i, None if means is None else means[y0 + i]) for i, col in enumerate(cols)]
        del cols
        out += map_threads(lambda task: _year_spread(*task), tasks, n)
    return tuple(out)


def _median_payback(pb: np.ndarray) -> float | None:
    """Median payback; ``inf`` when more than half of the futures never pay back."""
    return median(pb)


def summarise_alternative(alt, category: str = "") -> AlternativeSummary:
    n = alt.npv.size
    p_loss = float(np.mean(alt.npv < 0))
    roi_ok = alt.roi[np.isfinite(alt.roi)]
    irr = IrrSpread.of(alt.irr, alt.npv)
    roi_p10, roi_p50, roi_p90 = (map(_num, percentiles_of_sorted(np.sort(roi_ok), (10, 50, 90))) if roi_ok.size
                                 else (None, None, None))
    pv_costs = float(alt.pv_costs.mean())
    return AlternativeSummary(
        name=alt.name,
        category=category,
        npv=Spread.of(alt.npv, getattr(alt, "npv_sorted", None)),
        prob_loss=p_loss,
        prob_loss_se=math.sqrt(p_loss * (1 - p_loss) / max(n, 1)),
        pv_benefits=float(alt.pv_benefits.mean()),
        pv_costs=pv_costs,
        roi_mean=_num(roi_ok.mean()) if roi_ok.size else None,
        roi_p50=roi_p50,
        irr_p50=IrrSpread.rate(irr.p50),
        irr_share_undefined=irr.share_undefined,
        irr=irr,
        roi_of_expected=_num(float(alt.npv.mean()) / pv_costs) if pv_costs > 0 else None,
        roi_p10=roi_p10,
        roi_p90=roi_p90,
        payback_p50=_median_payback(alt.payback),
        payback_within=float(np.mean(np.isfinite(alt.payback))),
        discounted_payback_p50=_median_payback(alt.discounted_payback),
        discounted_payback_within=float(np.mean(np.isfinite(alt.discounted_payback))),
        margin_pp=() if alt.margin_pp is None else _year_spreads(alt.margin_pp, 1, means=alt.margin_mean),
        result=alt,
        pv_taxes=0.0 if getattr(alt, "pv_taxes", None) is None else float(alt.pv_taxes.mean()),
        terminal_value=0.0 if getattr(alt, "terminal_value", None) is None else float(alt.terminal_value.mean()),
    )


def compare(names: list[str], npv: np.ndarray) -> Comparison:
    """Compare alternatives on NPV. ``npv`` is ``(alternatives, n)``.

    Chance each alternative is best (ties share the win), chance the row beats the column,
    expected regret E[max NPV - NPV_a], and EVPI = E[max NPV] - max E[NPV]: what knowing the
    future before choosing would be worth.
    """
    k, n = npv.shape
    top = npv.max(axis=0)
    winners = npv == top
    counts = np.count_nonzero(winners, axis=0)
    if (counts == 1).all():   # no ties: the share of futures each one wins
        prob_best = {name: float(np.count_nonzero(winners[i]) / n) for i, name in enumerate(names)}
    else:
        share = winners / counts
        prob_best = {name: float(share[i].mean()) for i, name in enumerate(names)}
    prob_beats = {}
    for i, a in enumerate(names):     # one row at a time: (k, n) comparisons, k Python steps
        row = np.count_nonzero(npv[i] > npv, axis=1) / n     # the share, as the mean of the booleans
        prob_beats[a] = {b: float(row[j]) for j, b in enumerate(names) if j != i}
    means = npv.mean(axis=1)
    regret = {name: float(np.mean(top - npv[i])) for i, name in enumerate(names)}
    order = np.argsort(-means, kind="stable")
    return Comparison(
        prob_best=prob_best,
        prob_beats=prob_beats,
        expected_regret=regret,
        evpi=float(top.mean() - means.max()),
        best=names[order[0]],
        runner_up=names[order[1]] if k > 1 else None,
    )


def invests(a: AlternativeSummary) -> bool:
    """Whether the alternative spends anything (a "Do nothing" reference does not): only
    those are compared on risk, since a reference that never loses is no risk choice."""
    return a.pv_costs > 0


def verdict(alts: tuple[AlternativeSummary, ...], comp: Comparison, currency: str) -> str:
    """The result in two or three plain sentences, each clause about one alternative, true
    for every alternative compared (a "Do nothing" reference included). Money in the run's
    headline scale (:func:`simulator.analysis.formatting.headline_scale`)."""
    by_name = {a.name: a for a in alts}
    best = by_name[comp.best]
    scale = fmt.headline_scale(alts)
    m = lambda x: fmt.money(x, currency, scale=scale)
    if comp.runner_up is None:
        loss = (f"loses money in {fmt.percent(best.prob_loss)} of them" if best.prob_loss > 0
                else "does not lose money in any of them")
        return (f"{best.name} has an expected value of {m(best.npv.mean)} "
                f"(80% of simulated futures between {m(best.npv.p10)} and {m(best.npv.p90)}) and {loss}.")
    second = by_name[comp.runner_up]
    beats = comp.prob_beats[best.name][second.name]
    k = len(alts)
    more = "highest" if k > 2 else "higher"
    text = (f"{best.name} has the {more} expected value ({m(best.npv.mean)} vs {m(second.npv.mean)} for "
            f"{second.name})")
    if k > 2:
        text += (f", beats {second.name} in {fmt.percent(beats)} of simulated futures and is the best of all "
                 f"{_count(k)} in {fmt.percent(comp.prob_best[best.name])}.")
    else:
        text += f" and beats {second.name} in {fmt.percent(beats)} of simulated futures."
    investing = [a for a in alts if invests(a)]
    if investing:
        riskiest = max(investing, key=lambda a: a.prob_loss)
        safest = min(investing, key=lambda a: a.prob_loss)
        if riskiest.prob_loss <= 0:
            text += (" It does not lose money in any simulated future." if investing == [best] else
                     " No option that invests loses money in any simulated future.")
        elif invests(best) and best is not riskiest:
            text += (f" {best.name} loses money in {fmt.percent(best.prob_loss)} of futures; "
                     f"{riskiest.name} loses money in {fmt.percent(riskiest.prob_loss)}.")
        elif invests(best):
            least = "least" if len(investing) > 2 else "less"
            other = "" if safest is best else (f"; {safest.name} loses money {least} often, in "
                                                f"{fmt.percent(safest.prob_loss)}")
            text += f" {best.name} loses money in {fmt.percent(best.prob_loss)} of futures{other}."
        else:
            text += (f" Of the options that invest, {safest.name} loses money least often: in "
                     f"{fmt.percent(safest.prob_loss)} of futures.")
    if not any(a.npv.mean > 0 for a in investing):
        text += (" No option that invests is expected to pay for itself at this discount rate." if investing
                 else " No alternative spends or earns anything.")
    return text


def _count(k: int) -> str:
    return ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")[k - 2] if 2 <= k <= 10 else str(k)


def summarise(results: "Results") -> Summary:
    scenario = results.scenario
    categories = {a.name: a.category for a in scenario.alternatives}
    # The alternatives side by side on a few threads (their sorts release the GIL).
    alts = tuple(map_threads(lambda a: summarise_alternative(a, categories.get(a.name, "")),
                             results.alternatives, results.iterations))
    comp = compare(results.names, np.vstack([a.npv for a in results.alternatives]))
    return Summary(alts, comp, verdict(alts, comp, scenario.currency))


def to_json(results: "Results") -> dict[str, Any]:
    """The machine-readable result (``investsim run --json``). Money in currency units,
    chances and rates as fractions, ``None`` (JSON null) where a value is undefined."""
    from simulator.model.scenario import cautions

    s = results.summary
    scenario = results.scenario

    def payback(p50: float | None, within: float) -> dict[str, Any]:
        return {"p50": _num(p50) if p50 is not None else None, "prob_within_horizon": within}

    alternatives = []
    for a in s.alternatives:
        alternatives.append({
            "name": a.name,
            "category": a.category,
            "npv": a.npv.as_dict(),
            "prob_loss": a.prob_loss,
            "pv_benefits": {"mean": a.pv_benefits},
            "pv_costs": {"mean": a.pv_costs},
            "pv_taxes": {"mean": a.pv_taxes},
            "terminal_value": {"mean": a.terminal_value},
            "roi": {"of_expected": a.roi_of_expected, "mean": a.roi_mean, "p10": a.roi_p10, "p50": a.roi_p50,
                    "p90": a.roi_p90, "over_years": scenario.horizon_years},
            "irr": a.irr.as_dict(),
            "payback_years": payback(a.payback_p50, a.payback_within),
            "discounted_payback_years": payback(a.discounted_payback_p50, a.discounted_payback_within),
            "margin_impact_pp": [{"year": y.year, "mean": _num(y.mean), "p10": _num(y.p10), "p90": _num(y.p90)}
                                 for y in a.margin_pp],
            "cash_by_year": [{"year": y.year, "mean": _num(y.mean), "p10": _num(y.p10), "p50": _num(y.p50),
                              "p90": _num(y.p90)} for y in a.cash_by_year],
            "standard_errors": {"npv_mean": a.npv.se, "prob_loss": a.prob_loss_se},
        })
    c = s.comparison
    return {
        "title": scenario.title,
        "iterations": results.iterations,
        "seed": results.seed,
        "sampling": results.sampling,
        "currency": scenario.currency,
        "horizon_years": scenario.horizon_years,
        "discount_rate": scenario.discount_rate,
        "tax_rate": scenario.tax_rate,
        "inflation": scenario.inflation,
        "alternatives": alternatives,
        "comparison": {
            "prob_best": c.prob_best,
            "prob_beats": c.prob_beats,
            "expected_regret": c.expected_regret,
            "evpi": c.evpi,
            "best": c.best,
        },
        "verdict": s.verdict,
        "cautions": [{"path": c.path, "message": c.message} for c in cautions(scenario)],
    }


def roi_label(horizon_years: int) -> str:
    """The headline ROI's name with its period: "ROI over 7 years" (never a yearly figure)."""
    return f"ROI over {horizon_years} year{'s' if horizon_years != 1 else ''}"


def roi_detail(a: AlternativeSummary) -> str:
    """The per-future ROI beside the headline: "median future 11%, 80% between -35% and 169%"."""
    if a.roi_p50 is None:
        return ""
    return (f"median future {fmt.rate(a.roi_p50)}, 80% between {fmt.rate(a.roi_p10)} and "
            f"{fmt.rate(a.roi_p90)}")
