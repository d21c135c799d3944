"""Percentiles from one sort, and the analytics that read them once (issue 17, point 2).

Every figure is checked against an independent computation: ``numpy.percentile`` and
``numpy.median`` on the raw values (the method the code documents: "linear", NumPy's default),
plain Python loops for the comparison and the dominance test, and runs on one thread against
runs on several.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import SCENARIOS, make
from simulator.analysis import insights
from simulator.analysis import summary as summary_mod
from simulator.analysis.summary import Spread, _year_spreads, compare, summarise
from simulator.model.scenario import load
from simulator.sim import quantiles
from simulator.sim.engine import run
from simulator.sim.quantiles import median, median_of_sorted, percentiles, percentiles_of_sorted, sorted_without_nan

QS = (0, 1, 5, 10, 25, 33.3, 50, 66.7, 90, 95, 99, 100)


def _arrays():
    rng = np.random.default_rng(2026)
    out = [np.array([3.5]), np.array([-1.0, 2.0]), np.array([7.0, 7.0, 7.0]), np.zeros(5),
           np.array([1.0, np.inf]), np.array([-np.inf, 0.0, np.inf]), np.full(4, np.inf)]
    for t in range(600):
        n = int(rng.integers(1, 40)) if t % 3 else int(rng.integers(40, 3000))
        kind = t % 6
        if kind == 0:
            x = rng.normal(size=n) * 10.0 ** int(rng.integers(-6, 10))
        elif kind == 1:                        # heavy ties, as a discrete input or a capped payback
            x = rng.integers(-3, 4, size=n).astype(float)
        elif kind == 2:                        # paybacks: "never" is +inf
            x = np.where(rng.random(n) < 0.3, np.inf, rng.uniform(0, 7, n))
        elif kind == 3:                        # IRR-like ranks: both infinities
            x = np.where(rng.random(n) < 0.2, -np.inf, rng.normal(size=n))
            x[rng.random(n) < 0.1] = np.inf
        elif kind == 4:                        # the yearly cash is kept in float32
            x = (rng.normal(size=n) * 1e6).astype(np.float32)
        else:                                  # lognormal money, sorted and reversed
            x = np.sort(rng.lognormal(10, 2, n))[::-1].copy()
        out.append(x)
    return out


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_percentiles_equal_numpy_percentile_bit_for_bit():
    for x in _arrays():
        with np.errstate(invalid="ignore"):
            expected = np.percentile(x.astype(np.float64), QS)
            got = percentiles(x, QS)
            from_sorted = percentiles_of_sorted(np.sort(x), QS)   # float32 order statistics, read exactly
        assert np.array_equal(got, expected, equal_nan=True), x
        assert np.array_equal(from_sorted, expected, equal_nan=True), x
        assert np.array_equal(np.quantile(x.astype(np.float64), np.array(QS) / 100), expected, equal_nan=True)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_selected_percentiles_equal_numpy_percentile_bit_for_bit(monkeypatch):
    """The order statistics read off the tails (the break-even range: the 1st and 99th
    percentiles of a million draws) give numpy.percentile's values, ties, infinities,
    float32 and sorted inputs included; also with the tail path forced on small arrays."""
    rng = np.random.default_rng(17)
    big = [rng.normal(size=1_000_000), rng.integers(-3, 4, size=300_001).astype(float),
           np.sort(rng.lognormal(10, 2, 200_000))[::-1].copy(), (rng.normal(size=250_000) * 1e6).astype(np.float32),
           np.where(rng.random(120_000) < 0.02, np.inf, rng.normal(size=120_000)), np.full(60_000, 2.5)]
    for x in big:
        for qs in ((1, 99), QS, (0.001, 99.999)):
            expected = np.percentile(x.astype(np.float64), qs)
            assert np.array_equal(quantiles.percentiles_selected(x, qs), expected, equal_nan=True), (x[:5], qs)
    monkeypatch.setattr(quantiles, "SELECT_MIN_VALUES", 0)
    for x in _arrays():
        with np.errstate(invalid="ignore"):
            expected = np.percentile(x.astype(np.float64), QS)
        assert np.array_equal(quantiles.percentiles_selected(x, QS), expected, equal_nan=True), x


def test_one_value_and_no_values():
    assert percentiles(np.array([4.25]), QS).tolist() == [4.25] * len(QS)
    assert np.isnan(percentiles_of_sorted(np.array([]), (10, 90))).all()
    assert math.isnan(median_of_sorted(np.array([])))
    assert math.isnan(median_of_sorted(np.sort(np.array([2.0, np.nan, 1.0])))) and math.isnan(np.median([2.0, np.nan]))
    assert math.isnan(median(np.array([]))) and math.isnan(median(np.array([2.0, np.nan, 1.0])))
    assert median(np.array([4.25])) == 4.25


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_median_equals_numpy_median():
    for x in _arrays():
        x = x.astype(np.float64)
        expected = float(np.median(x))
        for got in (median_of_sorted(np.sort(x)), median(x)):   # from a sort, from a partition
            assert got == expected or (math.isnan(got) and math.isnan(expected)), x


def test_nan_values_are_left_out():
    x = np.array([np.nan, 3.0, 1.0, np.nan, 2.0])
    assert sorted_without_nan(x).tolist() == [1.0, 2.0, 3.0]
    assert np.array_equal(percentiles_of_sorted(sorted_without_nan(x), QS), np.nanpercentile(x, QS))


def test_spread_matches_numpy():
    rng = np.random.default_rng(5)
    x = rng.lognormal(12, 1, 10_001) - 2e5
    s = Spread.of(x)
    assert (s.p5, s.p10, s.p50, s.p90, s.p95) == tuple(np.percentile(x, [5, 10, 50, 90, 95]))
    assert s.mean == np.mean(x) and s.std == np.std(x, ddof=1)
    assert Spread.of(x, np.sort(x)) == s


@pytest.mark.parametrize("layout", ["futures by row", "years contiguous", "float64"])
@pytest.mark.parametrize("cumulative", [False, True])
def test_year_spreads_match_numpy_per_year(cumulative, layout, monkeypatch):
    rng = np.random.default_rng(11)
    arr = (rng.normal(size=(5001, 7)) * 1e5).astype(np.float32)
    if layout == "years contiguous":     # as the engine keeps them (each year's futures contiguous)
        arr = np.asfortranarray(arr)
    elif layout == "float64":            # a staged alternative's or a caller's own array
        arr = arr.astype(np.float64)
    arr[:, 0] = -1e6                                   # a year where every future agrees
    arr[::3, 4] = np.nan                               # a year undefined in some futures
    arr[:, 6] = np.nan                                 # and one undefined in all
    monkeypatch.setattr(summary_mod, "_SPREAD_VALUES", 3 * arr.shape[0])   # a few years at a time
    got = _year_spreads(arr, 1, cumulative=cumulative)
    ref = np.cumsum(arr, axis=1) if cumulative else arr
    ref = ref.astype(np.float64)
    for t, y in enumerate(got):
        col = ref[:, t]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)           # the year undefined everywhere
            p10, p50, p90 = np.nanpercentile(col, [10, 50, 90])
        assert y.year == t + 1
        assert np.array_equal([y.p10, y.p50, y.p90], [p10, p50, p90], equal_nan=True)
        if not np.isnan(col).all():
            assert y.mean == pytest.approx(np.nanmean(col), rel=1e-12)


def _brute_compare(npv: np.ndarray):
    """Chance of being best (ties share), chance of beating, regret: one future at a time."""
    k, n = npv.shape
    best = [0.0] * k
    beats = [[0] * k for _ in range(k)]
    for j in range(n):
        col = [float(v) for v in npv[:, j]]
        top = max(col)
        winners = [i for i in range(k) if col[i] == top]
        for i in winners:
            best[i] += 1 / len(winners)
        for i in range(k):
            for m in range(k):
                beats[i][m] += col[i] > col[m]
    return [b / n for b in best], [[c / n for c in row] for row in beats]


@pytest.mark.parametrize("ties", [False, True])
def test_compare_matches_a_future_by_future_count(ties):
    rng = np.random.default_rng(3)
    npv = rng.normal(size=(3, 3000))
    if ties:
        npv = np.round(npv)                            # many futures with two or three winners
    names = ["A", "B", "C"]
    c = compare(names, npv)
    best, beats = _brute_compare(npv)
    for i, a in enumerate(names):
        assert c.prob_best[a] == pytest.approx(best[i], abs=1e-12)
        for m, b in enumerate(names):
            if m != i:
                assert c.prob_beats[a][b] == pytest.approx(beats[i][m], abs=1e-15)
    assert sum(c.prob_best.values()) == pytest.approx(1.0)


def _brute_dominance(xa: np.ndarray, xb: np.ndarray) -> tuple[str | None, str | None]:
    """First- and second-order dominance by their definitions, in plain Python: quantile by
    quantile, and lower partial mean by lower partial mean, within 1% of the larger std."""
    a, b = sorted(map(float, xa)), sorted(map(float, xb))
    n = len(a)
    tol = 0.01 * max(float(np.std(xa)), float(np.std(xb)), 1e-9) + 1e-9

    def fsd(u, v):
        return all(p >= q - tol for p, q in zip(u, v)) and any(p > q + tol for p, q in zip(u, v))

    def ssd(u, v):
        lu, lv, su, sv = [], [], 0.0, 0.0
        for p, q in zip(u, v):
            su, sv = su + p, sv + q
            lu.append(su / n)
            lv.append(sv / n)
        return fsd(lu, lv)

    first = "A" if fsd(a, b) else "B" if fsd(b, a) else None
    second = first or ("A" if ssd(a, b) else "B" if ssd(b, a) else None)
    return first, second


PAIRS = {
    "better": """
[[alternatives]]
name = "A"
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = { low = 200, high = 400 }
[[alternatives]]
name = "B"
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = { low = 100, high = 300 }
""",
    "steady": """
[[alternatives]]
name = "A"
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = { low = 290, high = 310 }
[[alternatives]]
name = "B"
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = { low = 0, high = 640 }
""",
    "crossing": """
[[alternatives]]
name = "A"
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = { low = 250, high = 350 }
[[alternatives]]
name = "B"
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = { low = 0, high = 900 }
""",
}


@pytest.mark.parametrize("case", sorted(PAIRS))
def test_dominance_matches_its_definition_and_is_computed_once(case):
    res = run(make(PAIRS[case], iterations=1500))
    d = insights.dominance(res, "A", "B")
    assert (d.first_order, d.second_order) == _brute_dominance(res.alternatives[0].npv, res.alternatives[1].npv)
    assert insights.dominance(res, "A", "B") is d                 # cached with the run
    alt = res.alternatives[0]
    assert alt.npv_sorted is alt.npv_sorted and not alt.npv_sorted.flags.writeable
    assert np.array_equal(alt.npv_sorted, np.sort(alt.npv))


def test_second_order_sentence_quotes_numpy_p90s():
    res = run(make(PAIRS["steady"], iterations=1500))
    d = insights.dominance(res, "A", "B")
    if d.first_order is None and d.second_order is not None:
        cur = res.scenario.currency
        scale = insights.fmt.headline_scale(res.summary.alternatives)
        for alt in res.alternatives:
            assert insights.fmt.money(np.percentile(alt.npv, 90), cur, scale=scale) in d.sentence


@pytest.mark.parametrize("stem", ["erp-vs-production-line", "marketing-vs-disaster-recovery"])
def test_thread_count_does_not_change_any_figure(stem, monkeypatch):
    scenario = load(SCENARIOS / f"{stem}.toml")
    base = run(scenario, 70_000, workers=1)
    for workers, blocks in ((2, 1), (3, 1), (4, 2)):
        other = run(scenario, 70_000, workers=workers, chunk_blocks=blocks)
        for a, b in zip(base.alternatives, other.alternatives):
            for field in ("npv", "irr", "payback", "discounted_payback", "cash"):
                assert np.array_equal(getattr(a, field), getattr(b, field), equal_nan=True), (workers, field)
    monkeypatch.setattr(quantiles, "THREAD_MIN_VALUES", 1)
    one = _figures(base, 1, monkeypatch)
    for threads in (2, 3):
        assert _figures(run(scenario, 70_000), threads, monkeypatch) == one


def _figures(results, threads: int, monkeypatch) -> list:
    monkeypatch.setattr(quantiles, "workers", lambda: threads)
    s = summarise(results)
    out = [s.verdict, s.comparison]
    for a in s.alternatives:
        out += [a.npv, a.irr, a.roi_p10, a.roi_p50, a.roi_p90, a.payback_p50, a.discounted_payback_p50,
                a.margin_pp, a.cash_by_year, a.cumulative_cash]
    return out


# --------------------------------------------------------------------------
# counts_at_or_below: the insights' ranks without a binary search per key
# --------------------------------------------------------------------------

def _brute_counts(sample, keys):
    """How many sample values are <= each key, one comparison at a time."""
    return np.array([sum(1 for s in sample if s <= k) for k in keys], dtype=np.intp)


_VALUE = st.one_of(st.floats(-1e6, 1e6), st.integers(-3, 3).map(float),
                   st.floats(allow_nan=False, allow_infinity=True, width=64))


@settings(max_examples=150, deadline=None)
@given(st.lists(_VALUE, min_size=2, max_size=40), st.lists(_VALUE, min_size=0, max_size=40),
       st.integers(0, 2**32 - 1))
def test_counts_at_or_below_are_the_brute_force_counts(sample, extra_keys, seed):
    """Ties, a single repeated value, infinities, keys beyond the sample's range and far-apart
    values (cells holding many values) all give the plain count."""
    sample = np.sort(np.array(sample))
    rng = np.random.default_rng(seed)
    keys = np.concatenate([np.array(extra_keys, dtype=float), sample, rng.choice(sample, 4 * sample.size),
                           rng.uniform(-2e6, 2e6, 4 * sample.size)])
    got = quantiles.counts_at_or_below(sample, keys)
    np.testing.assert_array_equal(got, _brute_counts(sample, keys))
    np.testing.assert_array_equal(got, np.searchsorted(sample, keys, side="right"))


@pytest.mark.parametrize("draw", [
    lambda rng, n: rng.normal(1e6, 3e5, n),                                  # an NPV
    lambda rng, n: rng.lognormal(0, 2, n),                                   # a long tail
    lambda rng, n: np.where(rng.random(n) < 0.3, 0.0, rng.normal(5, 1, n)),  # a point mass
    lambda rng, n: rng.integers(0, 50, n).astype(float),                     # ties everywhere
    lambda rng, n: np.concatenate([rng.normal(0, 1, n - 10), rng.normal(0, 1e12, 10)]),  # outliers
    lambda rng, n: np.where(rng.random(n) < 0.001, np.nan, rng.normal(0, 1, n)),  # NaN
])
def test_counts_at_or_below_equal_searchsorted_on_big_samples(draw):
    rng = np.random.default_rng(3)
    y = draw(rng, 200_000)
    sample = np.sort(y[:: y.size // 4096])
    np.testing.assert_array_equal(quantiles.counts_at_or_below(sample, y),
                                  np.searchsorted(sample, y, side="right"))
