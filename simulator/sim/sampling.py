"""Uniform draws for the Monte Carlo engine: Latin hypercube, rank correlation.

The engine asks :func:`uniforms` for an (n, k) array of uniforms strictly
inside (0, 1), optionally rearranges it with :func:`correlate` (Iman-Conover)
to impose rank correlations, then maps column j through input j's
``Distribution.ppf``.  Because every ``ppf`` is monotone, rank correlations
of the uniforms are the rank correlations of the inputs, and rearranging rows
within a column keeps each column's values (hence its Latin hypercube strata
and its marginal distribution) exactly.

Runtime dependencies: numpy and the standard library only.
"""

from __future__ import annotations

from functools import lru_cache
import itertools
import numbers
from collections.abc import Sequence

import numpy as np

from simulator.model.distributions import norm_ppf

__all__ = [
    "METHODS",
    "make_rng",
    "uniforms",
    "spearman_to_pearson",
    "CorrelationError",
    "correlation_matrix",
    "correlate",
]

METHODS = ("lhs", "random")

# Smallest eigenvalue a correlation matrix must keep to count as positive definite.
_PD_TOL = 1e-10


def make_rng(seed=None) -> np.random.Generator:
    """A numpy Generator from an int seed, a SeedSequence, a BitGenerator or a Generator.

    A Generator is returned as is (shared state); None gives fresh OS entropy.
    Like SALib's ``handle_seed``: the one place seeds are interpreted.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (bool, np.bool_)):
        raise TypeError("seed must be an integer, not a boolean")
    if seed is None or isinstance(seed, (np.random.SeedSequence, np.random.BitGenerator)):
        return np.random.default_rng(seed)
    if isinstance(seed, numbers.Integral):
        if seed < 0:
            raise ValueError(f"seed must not be negative, got {seed}")
        return np.random.default_rng(int(seed))
    raise TypeError(
        f"seed must be an int, numpy SeedSequence or Generator, not {type(seed).__name__}"
    )


def _count(value, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, not {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return int(value)


def _open_unit(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """rng.random(shape) with exact zeros redrawn: values in (0, 1)."""
    r = rng.random(shape)
    if r.size == 0 or r.min() > 0.0:   # one pass, no mask: almost always the case
        return r
    zero = np.flatnonzero(r == 0.0)
    while zero.size:  # probability 2**-53 per value
        r.flat[zero] = rng.random(zero.size)
        zero = zero[r.flat[zero] == 0.0]
    return r


def uniforms(rng: np.random.Generator, n: int, k: int, method: str = "lhs") -> np.ndarray:
    """An (n, k) float64 array of uniforms strictly inside (0, 1).

    ``"lhs"``: Latin hypercube - in each column exactly one value falls in
    each stratum [i/n, (i+1)/n), i = 0..n-1, placed uniformly at random within
    it; strata are independently permuted per column.  ``"random"``: plain
    independent uniforms.  Same generator state -> same array.  The result is
    column-major (each column contiguous), which suits per-column ``ppf``.
    """
    n = _count(n, "n")
    k = _count(k, "k")
    if method not in METHODS:
        raise ValueError(f"unknown sampling method {method!r}; use one of: {', '.join(METHODS)}")
    if method == "random":
        return _open_unit(rng, (k, n)).T
    # Each row shuffled in place, in turn: the same permutations as
    # ``rng.permuted(..., axis=1)`` of the broadcast arange, at about half its cost.
    perm = np.empty((k, n))
    for row in perm:
        row[:] = np.arange(n, dtype=np.float64)
        rng.shuffle(row)
    u = _open_unit(rng, (k, n))
    u += perm
    u /= n
    # Rounding must not push a value into the next stratum (or onto 1.0): a value at or above
    # its stratum's end (i+1)/n becomes the float just below it (the rare values found by one
    # comparison; the others are below it already).
    perm += 1.0
    perm /= n
    over = np.flatnonzero(u >= perm)
    if over.size:
        u.flat[over] = np.nextafter(perm.flat[over], 0.0)
    return u.T


def spearman_to_pearson(rho):
    """Pearson correlation of a bivariate normal with Spearman correlation rho: 2 sin(pi rho / 6).

    Vectorised; a float for scalar input.  Maps 0 -> 0 and +/-1 -> +/-1.
    """
    r = 2.0 * np.sin(np.pi * np.asarray(rho, dtype=np.float64) / 6.0)
    return float(r) if r.ndim == 0 else r


class CorrelationError(ValueError):
    """An invalid or impossible set of rank correlations.

    ``message`` is plain words naming the variables involved; ``variables``
    holds their indices (empty if not known).
    """

    def __init__(self, message: str, variables: Sequence[int] = ()):
        super().__init__(message)
        self.message = message
        self.variables = tuple(variables)


def _is_pd(c: np.ndarray) -> bool:
    if c.shape[0] == 0:
        return True
    try:
        np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        return False
    return bool(np.linalg.eigvalsh(c).min() > _PD_TOL)


def _components(k: int, edges: Sequence[tuple[int, int]]) -> list[list[int]]:
    parent = list(range(k))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, j in edges:
        parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(k):
        groups.setdefault(find(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def _culprits(r: np.ndarray, edges: Sequence[tuple[int, int]]) -> list[int]:
    """A small set of variables whose correlations are already impossible."""
    c = spearman_to_pearson(r)
    for group in _components(r.shape[0], edges):
        sub = np.ix_(group, group)
        if _is_pd(r[sub]) and _is_pd(c[sub]):
            continue
        if len(group) <= 40:
            triples = list(itertools.combinations(group, 3))
            idx = np.array(triples)
            for mat in (r, c):
                blocks = mat[idx[:, :, None], idx[:, None, :]]
                bad = np.linalg.eigvalsh(blocks).min(axis=1) <= _PD_TOL
                if bad.any():
                    return list(triples[int(np.argmax(bad))])
        return group
    return list(range(r.shape[0]))


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def correlation_matrix(
    k: int,
    pairs: Sequence[tuple[int, int, float]],
    *,
    names: Sequence[str] | None = None,
) -> np.ndarray:
    """The (k, k) target rank-correlation (Spearman) matrix: identity plus ``pairs``.

    ``pairs`` are (i, j, rho) with 0 <= i, j < k, i != j and -1 < rho < 1;
    each unordered pair at most once.  Optional ``names`` (one per variable)
    are used in error messages.  Raises CorrelationError if a pair is invalid
    or if the correlations cannot all hold at once (matrix not positive
    definite) - an impossible set is reported, never silently adjusted.
    """
    k = _count(k, "k")
    if names is not None and len(names) != k:
        raise ValueError(f"names has {len(names)} entries for {k} variables")

    def name(i: int) -> str:
        return str(names[i]) if names is not None else f"variable {i}"

    r = np.eye(k)
    seen: dict[tuple[int, int], float] = {}
    for pair in pairs:
        try:
            i, j, rho = pair
        except (TypeError, ValueError):
            raise CorrelationError(f"a correlation must be (i, j, rho), got {pair!r}") from None
        for idx in (i, j):
            if isinstance(idx, (bool, np.bool_)) or not isinstance(idx, numbers.Integral):
                raise CorrelationError(f"variable index must be an integer, got {idx!r}")
            if not 0 <= idx < k:
                raise CorrelationError(f"variable index {idx} is out of range (there are {k} variables)")
        i, j = int(i), int(j)
        if i == j:
            raise CorrelationError(f"{name(i)} cannot be correlated with itself", (i,))
        if isinstance(rho, (bool, np.bool_)) or not isinstance(rho, numbers.Real):
            raise CorrelationError(
                f"the correlation between {name(i)} and {name(j)} must be a number, not {rho!r}",
                (i, j),
            )
        rho = float(rho)
        if not -1.0 < rho < 1.0:  # also rejects NaN
            raise CorrelationError(
                f"the correlation between {name(i)} and {name(j)} must be strictly between "
                f"-1 and 1, got {rho:g}",
                (i, j),
            )
        key = (min(i, j), max(i, j))
        if key in seen:
            raise CorrelationError(
                f"the correlation between {name(i)} and {name(j)} is given twice", (i, j)
            )
        seen[key] = rho
        r[i, j] = r[j, i] = rho
    if not (_is_pd(r) and _is_pd(spearman_to_pearson(r))):
        bad = _culprits(r, list(seen))
        combos = list(itertools.combinations(sorted(bad), 2))
        listed = [f"{name(a)}-{name(b)} {r[a, b]:g}" for a, b in combos if (a, b) in seen]
        unset = [f"{name(a)}-{name(b)}" for a, b in combos if (a, b) not in seen]
        detail = ", ".join(listed)
        advice = "weaken one of them"
        if unset and len(bad) <= 4:
            detail += f"; nothing given for {_join(unset)}, so " + (
                "that counts as 0" if len(unset) == 1 else "those count as 0"
            )
            advice += " or give the missing " + ("one" if len(unset) == 1 else "ones")
        raise CorrelationError(
            f"the correlations between {_join([name(v) for v in bad])} cannot all hold at once"
            f" ({detail}); {advice}",
            bad,
        )
    return r


def correlate(u: np.ndarray, rank_corr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Impose rank correlations on the columns of ``u`` (Iman & Conover, 1982).

    Returns a new (n, k) array in which the rows of each correlated column of
    ``u`` are rearranged so that the Spearman rank correlations approach
    ``rank_corr``; every column keeps exactly its values (so its Latin
    hypercube strata and marginal), and columns with no correlation are
    returned untouched.  Method: van der Waerden scores Phi^-1(i/(n+1)),
    randomly permuted per column; their sample correlation E = F F' is
    removed and the target C = P P' imposed (T = S F'^-1 P', with C the
    Pearson equivalent 2 sin(pi rho/6) of the rank target); each column of u
    is then reordered to the ranks of T.  Uses ``rng`` for the permutations:
    same rng state -> same result.
    """
    u = np.asarray(u, dtype=np.float64)
    if u.ndim != 2:
        raise ValueError(f"u must be a 2-d (n, k) array, got shape {u.shape}")
    n, k = u.shape
    r = np.asarray(rank_corr, dtype=np.float64)
    if r.shape != (k, k):
        raise ValueError(f"rank_corr must be {k}x{k} to match u's {k} columns, got shape {r.shape}")
    if not np.all(np.isfinite(r)) or not np.allclose(r, r.T, rtol=0, atol=1e-12):
        raise ValueError("rank_corr must be a finite symmetric matrix")
    if not np.allclose(np.diag(r), 1.0, rtol=0, atol=1e-12):
        raise ValueError("rank_corr must have ones on its diagonal")
    off = r - np.diag(np.diag(r))
    if np.any(np.abs(off) >= 1.0):
        raise CorrelationError("rank correlations must be strictly between -1 and 1")

    out = np.array(u, dtype=np.float64, order="K", copy=True)
    active = np.flatnonzero(np.any(off != 0.0, axis=1))
    if active.size == 0 or n < 2:
        return out
    m = active.size
    c = spearman_to_pearson(r[np.ix_(active, active)])
    np.fill_diagonal(c, 1.0)
    try:
        p = np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        raise CorrelationError(
            "these correlations cannot all hold at once (variables "
            + ", ".join(str(int(a)) for a in active)
            + ")",
            active.tolist(),
        ) from None

    scores = _scores(n)
    s = rng.permuted(np.broadcast_to(scores, (m, n)), axis=1).T  # (n, m)
    e = np.corrcoef(s, rowvar=False) if m > 1 else np.ones((1, 1))
    if _is_pd(e):
        transform = np.linalg.inv(np.linalg.cholesky(e)).T @ p.T
    else:  # too few rows to remove the scores' own sample correlation
        transform = p.T
    t = s @ transform
    for col, j in enumerate(active):
        out[_order(t[:, col]), j] = np.sort(u[:, j])
    return out


@lru_cache(maxsize=4)
def _scores(n: int) -> np.ndarray:
    """The van der Waerden scores Phi^-1(i/(n+1)), i = 1..n (read-only): the same for every
    block of a run, so worked out once per size."""
    scores = norm_ppf(np.arange(1, n + 1, dtype=np.float64) / (n + 1.0))
    scores.flags.writeable = False
    return scores


def _order(x: np.ndarray) -> np.ndarray:
    """``np.argsort(x, kind="stable")``, about 3x faster: without ties the order is unique, so
    NumPy's (unstable, vectorised) quicksort gives the same one; with a tie, the stable sort."""
    order = np.argsort(x)
    ranked = x[order]
    if np.any(ranked[1:] == ranked[:-1]):
        return np.argsort(x, kind="stable")
    return order
