"""Cash over time and Margin impact for a run that kept the yearly paths of its first futures
only (the engine's yearly budget, forced down to its floor of one block): the bands come from
those futures, the averages and paybacks from all, and the captions say which is which."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from chartcases import ROOT, draw
from helpers import SHRINK, make
from simulator.sim.engine import BLOCK, run
from simulator.model.scenario import load
from ui.charts import _style as st, cash, margin

N = BLOCK + 3000
KEPT = f"the first {BLOCK:,} of the {N:,} futures"


@pytest.fixture(scope="module")
def big():
    results = run(load(ROOT / "scenarios" / "erp-vs-production-line.toml"), N, 3, yearly_budget=1)
    assert results.yearly_futures == BLOCK
    return results


def drawn(key: str, results) -> tuple[Figure, str, str]:
    """The figure, its finding and its caption (unwrapped: rendering wraps it to the width)."""
    fig, finding = draw(key, results)
    return fig, finding, " ".join(st.caption_text(fig).get_text().split())


def lines(fig: Figure, prefix: str) -> dict[str, Line2D]:
    return {l.get_gid()[len(prefix):]: l for l in fig.findobj(Line2D) if str(l.get_gid()).startswith(prefix)}


def test_cash_bands_come_from_the_kept_futures_paybacks_from_all(big):
    fig, _, caption = drawn("cash", big)
    assert f"Lines and shading come from {KEPT}" in caption and "the paybacks from all of them" in caption
    assert "median of all futures" not in caption
    medians, markers = lines(fig, "cash-median:"), lines(fig, "payback:")
    for a in big.alternatives:
        kept = np.percentile(np.cumsum(np.asarray(a.cash, dtype=float), axis=1), 50, axis=0)
        assert np.allclose(medians[a.name].get_ydata(), kept)
        if a.name in markers:
            assert markers[a.name].get_xdata()[0] == pytest.approx(np.median(a.payback))  # all N futures


def test_margin_lines_are_the_means_of_every_future(big):
    fig, _, caption = drawn("margin", big)
    assert f"The shading comes from {KEPT}" in caption and "the average lines from all of them" in caption
    means = lines(fig, "margin-mean:")
    full = run(big.scenario, N, 3)                      # the same futures, every yearly path kept
    for a, f in zip(big.alternatives, full.alternatives):
        assert np.allclose(means[a.name].get_ydata(), np.asarray(f.margin_pp, dtype=float).mean(axis=0),
                           rtol=1e-6, atol=1e-9)
        assert not np.allclose(means[a.name].get_ydata(), np.asarray(a.margin_pp, dtype=float).mean(axis=0),
                               rtol=1e-6, atol=1e-9)    # and not the kept futures' mean


def test_a_full_run_says_nothing_about_kept_futures():
    results = run(load(ROOT / "scenarios" / "erp-vs-production-line.toml"), 2000, 3)
    for key in ("cash", "margin"):
        _, _, caption = drawn(key, results)
        assert "first" not in caption and "too big" not in caption


def test_the_under_water_share_names_the_futures_it_counts(big):
    paths = cash.paths_of(big)
    for p in paths:
        p.under_water = 0.25       # as if a quarter of the kept futures ended below zero
    text = cash.finding(big, paths)
    assert f"Yet in 25% of the first {BLOCK:,} futures" in text
    full = run(load(ROOT / "scenarios" / "erp-vs-production-line.toml"), 2000, 3)
    paths = cash.paths_of(full)
    for p in paths:
        p.under_water = 0.25
    assert "Yet in 25% of futures" in cash.finding(full, paths)


def test_margin_left_out_counts_say_they_cover_the_kept_futures():
    """A margin that does not exist in some futures (revenue gone): the count is over the kept
    futures, and the caption says so."""
    results = run(make(SHRINK, horizon=3, iterations=1000), BLOCK + 500, 3, yearly_budget=1)
    path = margin.paths_of(results)[0]
    assert 0 < path.left_out < BLOCK
    _, _, caption = drawn("margin", results)
    assert f"left out ({path.left_out:,} of Shrink, among the first {BLOCK:,} futures)" in caption
