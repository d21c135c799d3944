"""Big runs: yearly paths kept within a memory budget, and cancelling within a block.

A run whose per-future yearly paths (cash, margin) would not fit ``engine.YEARLY_BUDGET``
keeps them for its first futures only and sums the yearly means over every future. These
tests force a tiny budget on small runs, so that mode runs in ``make test`` without a
million futures; ``make bench`` (bench/reliability.py) measures the real 1M run and the
cancel latency. No test here is timed.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import SCENARIOS, SHRINK, make
from simulator.sim import engine
from simulator.sim.engine import BLOCK, run
from simulator.model.errors import Cancelled
from simulator.model.scenario import load

TINY = 1  # bytes: the budget mode with its floor of one block of futures


def long_scenario(alternatives: int = 5, horizon: int = 30, iterations: int = 2000):
    """Several alternatives over a long horizon, with yearly draws and a chance event."""
    body = ["[baseline]", "revenue = 5e8", "operating_margin = 0.1",
            "[variables]", "demand = { low = 0.8, high = 1.3 }"]
    for a in range(alternatives):
        body += ["[[alternatives]]", f'name = "Option {a + 1}"',
                 "[[alternatives.items]]", 'name = "Build"', 'kind = "investment"',
                 f'amount = {{ dist = "pert", min = {3 + a}e6, mode = {4 + a}e6, max = {7 + a}e6 }}',
                 "[[alternatives.items]]", 'name = "Sales"', 'kind = "benefit"', 'effect = "revenue"',
                 "contribution_margin = 0.3", f'amount = "demand * {4e6 + 1e5 * a}"',
                 "[[alternatives.items]]", 'name = "Savings"', 'kind = "benefit"', 'vary = "yearly"',
                 'amount = { dist = "triangular", min = 1e5, mode = 3e5, max = 6e5 }',
                 "[[alternatives.items]]", 'name = "Outage"', 'kind = "risk"', "probability = 0.1",
                 'vary = "yearly"', 'amount = { low = 1e5, high = 2e6, dist = "lognormal" }']
    return make("\n".join(body), horizon=horizon, iterations=iterations)


def spreads(rows) -> np.ndarray:
    return np.array([[y.mean, y.p10, y.p50, y.p90] for y in rows])


def within_a_percentile_point(value: float, column: np.ndarray, q: float) -> bool:
    """``value`` lies between the column's percentiles q - 1 and q + 1 (ties allowed)."""
    lo, hi = np.percentile(column, [q - 1, q + 1])
    return lo - 1e-6 * max(1.0, abs(lo)) <= value <= hi + 1e-6 * max(1.0, abs(hi))


def test_a_run_within_the_budget_keeps_every_future():
    res = run(load(SCENARIOS / "erp-vs-production-line.toml"), 5000)
    assert res.yearly_futures == 5000
    for a in res.alternatives:
        assert a.cash.shape == (5000, 8) and a.margin_pp.shape == (5000, 7)
        assert a.cash_mean is None and a.margin_mean is None


def test_the_budget_mode_gives_the_full_runs_summaries():
    """Same per-future metrics bit for bit; yearly means to float32 rounding (1e-6 of the
    year's largest mean); yearly P10/P50/P90 within one percentile point of the full run's
    (the first 32,768 futures estimate them; their sampling error is about 0.2 points)."""
    scenario = load(SCENARIOS / "erp-vs-production-line.toml")
    n = 3 * BLOCK + 777
    full = run(scenario, n, 11)
    small = run(scenario, n, 11, yearly_budget=TINY)
    assert full.yearly_futures == n and small.yearly_futures == BLOCK
    for a, b in zip(full.alternatives, small.alternatives):
        for name in ("npv", "pv_benefits", "pv_costs", "roi", "irr", "payback", "discounted_payback"):
            assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
        assert a.item_pv == b.item_pv
        assert np.array_equal(b.cash, a.cash[:BLOCK]) and np.array_equal(b.margin_pp, a.margin_pp[:BLOCK])
    for name in full.inputs:
        assert np.array_equal(full.inputs[name], small.inputs[name])
    assert full.summary.verdict == small.summary.verdict
    for fa, sa, alt in zip(full.summary.alternatives, small.summary.alternatives, full.alternatives):
        assert fa.npv == sa.npv and fa.payback_p50 == sa.payback_p50 and fa.irr_p50 == sa.irr_p50
        cash = np.asarray(alt.cash, dtype=float)
        for rows_full, rows_small, columns in ((fa.cash_by_year, sa.cash_by_year, cash),
                                               (fa.cumulative_cash, sa.cumulative_cash, np.cumsum(cash, axis=1)),
                                               (fa.margin_pp, sa.margin_pp, np.asarray(alt.margin_pp, dtype=float))):
            f, s = spreads(rows_full), spreads(rows_small)
            assert f.shape == s.shape and len(f) > 0
            assert np.allclose(s[:, 0], f[:, 0], rtol=0, atol=1e-6 * np.abs(f[:, 0]).max())
            for t in range(len(f)):
                for j, q in ((1, 10), (2, 50), (3, 90)):
                    assert within_a_percentile_point(s[t, j], columns[:, t], q), (fa.name, t, q)


def test_the_budget_mode_is_bit_identical_whatever_the_chunks_and_threads():
    s = long_scenario(alternatives=2, horizon=12)
    n = 3 * BLOCK + 1234
    first = run(s, n, 5, yearly_budget=TINY, workers=1)
    assert first.yearly_futures == BLOCK
    for kw in ({"chunk_blocks": 2}, {"chunk_blocks": 7}, {"workers": 2}):
        other = run(s, n, 5, yearly_budget=TINY, **kw)
        for a, b in zip(first.alternatives, other.alternatives):
            assert np.array_equal(a.npv, b.npv) and np.array_equal(a.cash, b.cash)
            assert np.array_equal(a.cash_mean, b.cash_mean) and np.array_equal(a.margin_mean, b.margin_mean)
            assert np.array_equal(a.pv_benefits, b.pv_benefits) and a.item_pv == b.item_pv
        assert [x.cumulative_cash for x in first.summary.alternatives] == \
            [x.cumulative_cash for x in other.summary.alternatives]


def test_margin_means_skip_futures_without_a_margin():
    """Where the margin does not exist in some futures (revenue gone), the streamed mean is
    over the futures where it does, as the full run's nanmean is."""
    s = make(SHRINK, horizon=3)
    n = BLOCK + 500
    full, small = run(s, n, 3), run(s, n, 3, yearly_budget=TINY)
    m = np.asarray(full.alternatives[0].margin_pp, dtype=float)
    assert np.isnan(m).any() and not np.isnan(m).all()
    assert np.allclose(small.alternatives[0].margin_mean, np.nanmean(m, axis=0), rtol=1e-6)
    assert np.allclose(spreads(small.summary.alternatives[0].margin_pp)[:, 0],
                       spreads(full.summary.alternatives[0].margin_pp)[:, 0], rtol=1e-6)


def test_yearly_futures_are_whole_blocks_within_the_budget():
    per_future = 5 * (31 + 30) * 4
    assert engine.yearly_futures(1000, 5, 30, True, budget=10**9) == 1000
    assert engine.yearly_futures(10**6, 5, 30, True, budget=10**6 * per_future) == 10**6
    kept = engine.yearly_futures(10**6, 5, 30, True, budget=256 * 2**20)
    assert kept % BLOCK == 0 and kept * per_future <= 256 * 2**20 < (kept + BLOCK) * per_future
    assert engine.yearly_futures(10**6, 5, 30, True, budget=TINY) == BLOCK      # never less than a block
    assert engine.yearly_futures(100, 5, 30, True, budget=TINY) == 100         # nor more than the run


def test_the_estimate_counts_the_capped_yearly_paths():
    s = long_scenario()
    n = 10**6
    kept_inputs = 1 + 5  # demand, and each Build amount (yearly draws are not kept)
    metrics_and_inputs = n * (5 * 7 * 8 + kept_inputs * 12)
    # on top of what the run keeps: two workers' chunk arrays and a fixed overhead
    work = engine.OVERHEAD + 2 * engine.work_bytes(engine._Plan(s), BLOCK)

    def kept(**kw):
        return engine.estimate(s, n, workers=2, **kw) - work

    assert kept() == metrics_and_inputs + engine.yearly_futures(n, 5, 30, True) * 5 * 61 * 4
    assert kept() < metrics_and_inputs + engine.YEARLY_BUDGET + 1
    assert kept(yearly_budget=10**12) == metrics_and_inputs + n * 5 * 61 * 4


def test_item_present_values_do_not_depend_on_how_many_futures_are_computed_at_once():
    """model.flows: each future's item PVs are the same bit for bit in one big chunk or in
    blocks (a BLAS product rounds a few rows near its thread split differently)."""
    from simulator.sim import finance
    from simulator.sim import cashflow as model

    horizon = 30
    items = long_scenario(alternatives=1, horizon=horizon).alternatives[0].items
    n = 3 * BLOCK + 1234
    rng = np.random.default_rng(4)

    def draws(lo: int, hi: int) -> list:
        return [model.ItemDraws(amount=d.amount[lo:hi], contribution_margin=0.3,
                                occurs=None if d.occurs is None else d.occurs[lo:hi]) for d in full_draws]

    full_draws = [model.ItemDraws(amount=rng.lognormal(13, 1, (n, horizon if item.vary == "yearly" else 1)),
                                  occurs=rng.random((n, horizon)) < 0.1 if item.probability is not None else None)
                  for item in items]
    discount = finance.discount_factors(0.08, horizon)
    whole = model.flows(items, draws(0, n), n, horizon, discount).item_pv
    for lo in range(0, n, BLOCK):
        hi = min(lo + BLOCK, n)
        part = model.flows(items, draws(lo, hi), hi - lo, horizon, discount).item_pv
        for w, p in zip(whole, part):
            assert np.array_equal(np.broadcast_to(w, (n,))[lo:hi], np.broadcast_to(p, (hi - lo,)))


def test_charts_draw_a_budget_mode_run():
    """The Cash-over-time and Margin charts read the cached yearly spreads and the kept paths."""
    from matplotlib.figure import Figure

    from ui.charts import cash, margin

    s = long_scenario(alternatives=2, horizon=8)
    res = run(s, BLOCK + 100, yearly_budget=TINY)
    for module in (cash, margin):
        text = module.draw(Figure(figsize=(8, 5)), res)
        assert text
    path = cash.paths_of(res)[0]
    summary = res.summary.alternatives[0]
    assert np.allclose(path.p50, [y.p50 for y in summary.cumulative_cash])
    assert path.left_out == 0 and not path.empty


# ---------------------------------------------------------------------------------------
# Cancelling: checked before every alternative and within each block's IRR search
# ---------------------------------------------------------------------------------------

def test_cancel_is_asked_within_a_block_and_stops_at_the_first_yes():
    s = long_scenario()
    asked = []
    run(s, BLOCK, cancel=lambda: asked.append(1) and False, workers=1)
    checks = len(asked)
    slices = -(-BLOCK // max(1024, engine._IRR_CELLS // 31))
    # Before the block, then for each alternative at least: before its flows, every IRR
    # slice, and before its paybacks.
    assert slices > 1 and checks >= 1 + 5 * (slices + 2)
    for stop_at in (2, checks // 2, checks):
        asked.clear()

        def cancel(stop_at=stop_at):
            asked.append(1)
            return len(asked) >= stop_at

        with pytest.raises(Cancelled):
            run(s, BLOCK, cancel=cancel, workers=1)
        assert len(asked) == stop_at  # nothing more is computed, or asked, after a yes


def test_cancel_stops_a_threaded_run_between_alternatives():
    s = long_scenario(alternatives=3, horizon=10)
    asked = []

    def cancel():
        asked.append(1)
        return len(asked) > 12

    with pytest.raises(Cancelled):
        run(s, 6 * BLOCK, cancel=cancel, workers=2)
    # After the first yes, each chunk already running or queued (two per worker) stops at its
    # next check: a few more calls at most, never the rest of the run's.
    full = []
    run(s, 6 * BLOCK, cancel=lambda: full.append(1) and False, workers=2)
    assert 13 <= len(asked) <= 12 + 4 < len(full) // 4
