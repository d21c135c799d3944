"""Latin hypercube uniforms and Iman-Conover rank correlation (scipy as the oracle)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from simulator.model import distributions as D
from simulator.sim.sampling import (
    CorrelationError,
    correlate,
    correlation_matrix,
    make_rng,
    spearman_to_pearson,
    uniforms,
)


def assert_lhs_strata(u: np.ndarray) -> None:
    """Every column has exactly one value in each [i/n, (i+1)/n)."""
    n = u.shape[0]
    lower = np.arange(n) / n
    upper = np.arange(1, n + 1) / n
    for col in u.T:
        s = np.sort(col)
        assert np.all(s >= lower), "a stratum is empty"
        assert np.all(s < upper), "a stratum holds two values"


# --------------------------------------------------------------------------
# make_rng
# --------------------------------------------------------------------------


def test_make_rng_accepts_int_seedsequence_generator():
    a = make_rng(123).random(5)
    np.testing.assert_array_equal(a, make_rng(123).random(5))
    np.testing.assert_array_equal(a, np.random.default_rng(123).random(5))
    ss = np.random.SeedSequence(7)
    np.testing.assert_array_equal(make_rng(ss).random(3), np.random.default_rng(np.random.SeedSequence(7)).random(3))
    g = np.random.default_rng(1)
    assert make_rng(g) is g
    assert make_rng(np.int64(5)).random() == make_rng(5).random()
    assert isinstance(make_rng(None), np.random.Generator)
    assert isinstance(make_rng(np.random.PCG64(3)), np.random.Generator)


@pytest.mark.parametrize("bad, exc", [(True, TypeError), ("42", TypeError), (1.5, TypeError), (-1, ValueError)])
def test_make_rng_rejects(bad, exc):
    with pytest.raises(exc):
        make_rng(bad)


# --------------------------------------------------------------------------
# uniforms
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n, k", [(1, 1), (2, 3), (7, 4), (1000, 5), (12_345, 2)])
def test_lhs_strata_and_open_interval(n, k):
    u = uniforms(make_rng(n), n, k)
    assert u.shape == (n, k) and u.dtype == np.float64
    assert np.all((u > 0) & (u < 1))
    assert_lhs_strata(u)


def test_lhs_columns_permuted_independently():
    u = uniforms(make_rng(0), 1000, 3)
    strata = np.floor(u * 1000).astype(int)
    assert not np.array_equal(strata[:, 0], strata[:, 1])
    assert abs(stats.spearmanr(u[:, 0], u[:, 1]).statistic) < 0.15
    # Jitter is uniform within strata: offsets look uniform on (0, 1).
    offsets = (u * 1000 - strata).ravel()
    assert stats.kstest(offsets, "uniform").pvalue > 1e-4


def test_lhs_marginals_uniform():
    u = uniforms(make_rng(2), 5000, 2)
    for col in u.T:
        assert stats.kstest(col, "uniform").statistic < 1.5 / 5000


def test_reproducible_and_seed_sensitive():
    for method in ("lhs", "random"):
        a = uniforms(make_rng(42), 500, 3, method)
        b = uniforms(make_rng(42), 500, 3, method)
        c = uniforms(make_rng(43), 500, 3, method)
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)


def test_random_method():
    u = uniforms(make_rng(5), 20_000, 3, method="random")
    assert u.shape == (20_000, 3)
    assert np.all((u > 0) & (u < 1))
    assert stats.kstest(u[:, 0], "uniform").pvalue > 1e-4
    # Plain sampling does not stratify: some of the 20k strata are empty.
    assert len(np.unique(np.floor(u[:, 0] * 20_000))) < 20_000


def test_uniforms_argument_errors():
    rng = make_rng(0)
    with pytest.raises(ValueError, match="lhs"):
        uniforms(rng, 10, 2, method="sobol")
    with pytest.raises(ValueError):
        uniforms(rng, -1, 2)
    with pytest.raises(TypeError):
        uniforms(rng, 10.0, 2)
    assert uniforms(rng, 0, 3).shape == (0, 3)
    assert uniforms(rng, 4, 0).shape == (4, 0)


class _ExtremeRng:
    """A generator stand-in whose uniform draws sit at the edges (0 and 1 - 2**-53)."""

    def __init__(self, value: float):
        self.value = value
        self.real = np.random.default_rng(0)
        self.calls = 0

    def permuted(self, x, axis):
        return self.real.permuted(x, axis=axis)

    def shuffle(self, x):
        self.real.shuffle(x)

    def random(self, shape):
        self.calls += 1
        if self.calls > 1:  # redraws of exact zeros
            return self.real.random(shape)
        return np.full(shape, self.value)


@pytest.mark.parametrize("value", [0.0, np.nextafter(1.0, 0.0)])
@pytest.mark.parametrize("method", ["lhs", "random"])
def test_edge_draws_stay_open_and_in_strata(value, method):
    n = 3001
    u = uniforms(_ExtremeRng(value), n, 2, method)
    assert np.all((u > 0) & (u < 1))
    if method == "lhs":
        assert_lhs_strata(u)


@pytest.mark.parametrize("value", [0.0, 0.5, np.nextafter(1.0, 0.0)])
def test_lhs_values_are_the_stratum_draw_kept_below_its_end(value):
    """Each value is (i + r) / n for its stratum i and draw r, or, where that rounds up to the
    stratum's end (i + 1) / n, the float just below the end (a plain loop, value by value)."""
    n = 2001
    u = uniforms(_ExtremeRng(value), n, 2, "lhs")
    rng = _ExtremeRng(value)
    perm = np.empty((2, n))
    for row in perm:
        row[:] = np.arange(n, dtype=np.float64)
        rng.shuffle(row)
    r = rng.random((2, n))
    for j in range(2):
        for i in range(n):
            stratum, draw = float(perm[j, i]), float(r[j, i]) or None
            if draw is None:                  # an exact zero is redrawn: only its stratum is known
                assert stratum / n <= u[i, j] < (stratum + 1) / n
                continue
            end = (stratum + 1.0) / n
            want = (stratum + draw) / n
            assert u[i, j] == (want if want < end else math.nextafter(end, 0.0))


@given(st.integers(1, 300), st.integers(1, 4), st.integers(0, 2**32))
@settings(max_examples=40, deadline=None)
def test_property_lhs_strata(n, k, seed):
    u = uniforms(make_rng(seed), n, k)
    assert np.all((u > 0) & (u < 1))
    assert_lhs_strata(u)


# --------------------------------------------------------------------------
# spearman_to_pearson
# --------------------------------------------------------------------------


def test_spearman_to_pearson():
    assert spearman_to_pearson(0.0) == 0.0
    assert spearman_to_pearson(1.0) == pytest.approx(1.0)
    assert spearman_to_pearson(-1.0) == pytest.approx(-1.0)
    assert spearman_to_pearson(0.5) == pytest.approx(2 * math.sin(math.pi / 12))
    assert isinstance(spearman_to_pearson(0.3), float)
    rho = np.linspace(-0.99, 0.99, 21)
    r = spearman_to_pearson(rho)
    assert r.shape == rho.shape
    # Inverse of the bivariate-normal relation rho_s = (6/pi) asin(r/2).
    np.testing.assert_allclose(6 / np.pi * np.arcsin(r / 2), rho, atol=1e-12)


def test_spearman_to_pearson_against_sampled_bivariate_normal():
    rho_s = 0.6
    r = spearman_to_pearson(rho_s)
    z = np.random.default_rng(0).multivariate_normal([0, 0], [[1, r], [r, 1]], size=200_000)
    assert stats.spearmanr(z).statistic == pytest.approx(rho_s, abs=0.01)


# --------------------------------------------------------------------------
# correlation_matrix
# --------------------------------------------------------------------------


def test_correlation_matrix_builds_symmetric_identity_plus_pairs():
    r = correlation_matrix(4, [(0, 1, 0.5), (3, 2, -0.25)])
    expected = np.eye(4)
    expected[0, 1] = expected[1, 0] = 0.5
    expected[2, 3] = expected[3, 2] = -0.25
    np.testing.assert_array_equal(r, expected)
    np.testing.assert_array_equal(correlation_matrix(3, []), np.eye(3))


@pytest.mark.parametrize(
    "pairs, text",
    [
        ([(0, 1, 1.0)], "strictly between -1 and 1"),
        ([(0, 1, -1.0)], "strictly between -1 and 1"),
        ([(0, 1, 1.5)], "strictly between -1 and 1"),
        ([(0, 1, float("nan"))], "strictly between -1 and 1"),
        ([(0, 1, True)], "must be a number"),
        ([(0, 1, "0.5")], "must be a number"),
        ([(1, 1, 0.5)], "itself"),
        ([(0, 1, 0.5), (1, 0, 0.2)], "given twice"),
        ([(0, 1, 0.5), (0, 1, 0.5)], "given twice"),
        ([(0, 5, 0.5)], "out of range"),
        ([(-1, 0, 0.5)], "out of range"),
        ([(0.0, 1, 0.5)], "integer"),
        ([(0, 1)], "(i, j, rho)"),
    ],
)
def test_correlation_matrix_rejects(pairs, text):
    with pytest.raises(CorrelationError) as e:
        correlation_matrix(3, pairs)
    assert text in e.value.message
    assert isinstance(e.value, ValueError)


def test_impossible_set_names_the_variables():
    names = ["capex", "opex", "revenue", "churn"]
    with pytest.raises(CorrelationError) as e:
        correlation_matrix(4, [(0, 1, 0.9), (1, 2, 0.9), (0, 2, -0.9), (2, 3, 0.1)], names=names)
    msg = e.value.message
    assert "cannot all hold at once" in msg
    assert "capex" in msg and "opex" in msg and "revenue" in msg and "churn" not in msg
    assert sorted(e.value.variables) == [0, 1, 2]
    # An unspecified pair counts as 0 and can make a set impossible too.
    with pytest.raises(CorrelationError) as e:
        correlation_matrix(3, [(0, 1, 0.95), (1, 2, 0.95)], names=names[:3])
    assert "capex-revenue" in e.value.message and "counts as 0" in e.value.message
    # Without names, indices are used.
    with pytest.raises(CorrelationError) as e:
        correlation_matrix(3, [(0, 1, 0.9), (1, 2, 0.9), (0, 2, -0.9)])
    assert "variable 0" in e.value.message


def test_impossible_set_is_never_silently_fixed():
    # Each pair alone is fine; together not positive definite.
    pairs = [(0, 1, -0.6), (0, 2, -0.6), (1, 2, -0.6)]
    with pytest.raises(CorrelationError):
        correlation_matrix(3, pairs)
    # While a feasible neighbour is accepted as is.
    r = correlation_matrix(3, [(0, 1, -0.45), (0, 2, -0.45), (1, 2, -0.45)])
    assert r[0, 1] == -0.45


# --------------------------------------------------------------------------
# correlate (Iman-Conover)
# --------------------------------------------------------------------------

TARGETS = [
    [(0, 1, 0.7)],
    [(0, 1, -0.8)],
    [(0, 1, 0.3)],
    [(0, 1, -0.5), (1, 2, 0.3), (0, 2, -0.2)],
    [(0, 2, 0.9), (2, 3, 0.9), (0, 3, 0.85)],
    [(0, 1, 0.6), (1, 2, 0.6), (2, 3, 0.6), (0, 2, 0.4), (1, 3, 0.4), (0, 3, 0.0)],
]


@pytest.mark.parametrize("pairs", TARGETS)
@pytest.mark.parametrize("n", [2000, 6000])
def test_correlate_hits_target_spearman(pairs, n):
    k = 5
    r = correlation_matrix(k, pairs)
    seed = n + len(pairs)
    u = uniforms(make_rng(seed), n, k)
    v = correlate(u, r, make_rng(seed + 1))
    active = sorted({i for p in pairs for i in p[:2]})
    achieved = stats.spearmanr(v[:, active]).statistic
    achieved = np.atleast_2d(achieved) if len(active) > 2 else np.array([[1, achieved], [achieved, 1]])
    assert np.max(np.abs(achieved - r[np.ix_(active, active)])) < 0.03
    # Values are only rearranged within columns: marginals and LHS strata kept.
    np.testing.assert_array_equal(np.sort(v, axis=0), np.sort(u, axis=0))
    assert_lhs_strata(v)
    # Columns without correlations are untouched.
    for j in set(range(k)) - set(active):
        np.testing.assert_array_equal(v[:, j], u[:, j])


def test_correlate_many_seeds_stay_within_tolerance():
    r = correlation_matrix(3, [(0, 1, -0.5), (1, 2, 0.3), (0, 2, -0.2)])
    worst = 0.0
    for seed in range(15):
        v = correlate(uniforms(make_rng(seed), 2000, 3), r, make_rng(100 + seed))
        worst = max(worst, np.max(np.abs(stats.spearmanr(v).statistic - r)))
    assert worst < 0.03


def test_correlate_carries_through_monotone_ppf():
    r = correlation_matrix(3, [(0, 1, 0.7), (1, 2, -0.4)])
    v = correlate(uniforms(make_rng(3), 4000, 3), r, make_rng(4))
    dists = [D.pert(0, 1, 5), D.range90(1, 9, "lognormal"), D.triangular(-1, 0, 3)]
    x = np.column_stack([d.ppf(v[:, j]) for j, d in enumerate(dists)])
    np.testing.assert_allclose(stats.spearmanr(x).statistic, stats.spearmanr(v).statistic, atol=1e-12)
    np.testing.assert_allclose(stats.spearmanr(x).statistic, r, atol=0.03)


def test_correlate_reproducible_and_pure():
    r = correlation_matrix(3, [(0, 2, 0.5)])
    u = uniforms(make_rng(1), 1000, 3)
    before = u.copy()
    a = correlate(u, r, make_rng(9))
    b = correlate(u, r, make_rng(9))
    c = correlate(u, r, make_rng(10))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(u, before)  # input not modified
    np.testing.assert_array_equal(a[:, 1], u[:, 1])


def test_correlate_without_pairs_returns_copy():
    u = uniforms(make_rng(1), 50, 3)
    v = correlate(u, np.eye(3), make_rng(2))
    np.testing.assert_array_equal(u, v)
    assert v is not u


def test_correlate_tiny_n_does_not_fail():
    r = correlation_matrix(3, [(0, 1, 0.5), (1, 2, 0.5)])
    for n in (1, 2, 3):
        u = uniforms(make_rng(n), n, 3)
        v = correlate(u, r, make_rng(0))
        np.testing.assert_array_equal(np.sort(v, axis=0), np.sort(u, axis=0))


def test_correlate_argument_errors():
    u = uniforms(make_rng(1), 20, 3)
    with pytest.raises(ValueError):
        correlate(u, np.eye(2), make_rng(0))
    with pytest.raises(ValueError):
        correlate(u[:, 0], np.eye(1), make_rng(0))
    bad = np.eye(3)
    bad[0, 1] = 0.5  # not symmetric
    with pytest.raises(ValueError):
        correlate(u, bad, make_rng(0))
    impossible = np.array([[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1.0]])
    with pytest.raises(CorrelationError):
        correlate(u, impossible, make_rng(0))


@given(st.integers(1, 300), st.integers(1, 4), st.integers(0, 2**32))
@settings(max_examples=40, deadline=None)
def test_lhs_strata_are_numpys_own_permutations(n, k, seed):
    """The strata order of each column is the permutation NumPy's ``permuted`` draws from the
    same generator state (independent of how uniforms() produces it)."""
    u = uniforms(make_rng(seed), n, k)
    rng = make_rng(seed)
    perm = rng.permuted(np.broadcast_to(np.arange(n, dtype=np.float64), (k, n)), axis=1)
    # Strata are disjoint, so the values' ranks are the strata permutation.
    np.testing.assert_array_equal(np.argsort(np.argsort(u, axis=0), axis=0).T, perm)


def test_rank_order_is_the_stable_argsort_with_or_without_ties():
    from simulator.sim.sampling import _order

    rng = np.random.default_rng(5)
    x = rng.normal(size=5000)
    np.testing.assert_array_equal(_order(x), np.argsort(x, kind="stable"))
    tied = np.round(x, 1)  # many ties, and -0.0 beside 0.0
    tied[:3] = [0.0, -0.0, 0.0]
    np.testing.assert_array_equal(_order(tied), np.argsort(tied, kind="stable"))
