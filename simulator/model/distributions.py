"""Probability distributions for uncertain inputs, sampled by inverse CDF.

The engine draws uniforms ``u`` in (0, 1) (Latin hypercube or plain, see
:mod:`simulator.sim.sampling`) and maps them through :meth:`Distribution.ppf`.
Keeping sampling separate from the distributions is what lets Latin hypercube
strata and Iman-Conover rank correlation work for every kind: ``ppf`` is
monotone non-decreasing in ``u`` for every distribution here.

Runtime dependencies: numpy and the standard library only.  (scipy is used by
the test-suite as an independent oracle, never here.)

Spec format (as written in a scenario TOML file)::

    {low = 80, high = 120}                               # 90% range, normal
    {low = 80, high = 120, dist = "lognormal"}           # 90% range, lognormal
    {dist = "normal", mean = 100, sd = 10}
    {dist = "lognormal", mean = 100, sd = 30}            # mean/sd of the value itself
    {dist = "uniform", min = 0, max = 1}
    {dist = "triangular", min = 0, mode = 2, max = 5}
    {dist = "pert", min = 0, mode = 2, max = 5}
    {dist = "bernoulli", p = 0.2}
    {dist = "discrete", values = [1, 2, 3], weights = [1, 1, 2]}
    {dist = "beta", a = 2, b = 5}                        # on 0..1, or min/max to rescale
    {dist = "gamma", mean = 100, sd = 40}
    {dist = "poisson", mean = 2.5}                       # whole numbers 0, 1, 2, ...

Every kind also accepts ``floor`` and/or ``cap``, which clip the draws.
"""

from __future__ import annotations

import difflib
import functools
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

__all__ = [
    "DistributionError",
    "Distribution",
    "Normal",
    "LogNormal",
    "Uniform",
    "Triangular",
    "Pert",
    "Bernoulli",
    "Discrete",
    "Range90",
    "Beta",
    "Gamma",
    "Poisson",
    "poisson_ppf",
    "KINDS",
    "Z95",
    "from_spec",
    "normal",
    "lognormal",
    "uniform",
    "triangular",
    "pert",
    "bernoulli",
    "discrete",
    "range90",
    "norm_ppf",
    "norm_cdf",
    "erfc",
]

#: Standard normal 95th percentile: a 90% range spans mean +/- Z95 * sd.
Z95 = 1.6448536269514722

_SQRT2 = math.sqrt(2.0)


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


class DistributionError(ValueError):
    """An invalid distribution spec or parameter.

    ``field`` names the parameter at fault (e.g. ``"max"``, ``"weights"``,
    ``"dist"``); ``message`` says what is wrong in plain words.
    """

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"DistributionError(field={self.field!r}, message={self.message!r})"


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return format(x, ".15g")
    return repr(x)


def _number(value: Any, name: str) -> float:
    """A finite float from ``value`` or a DistributionError naming ``name``."""
    if isinstance(value, (bool, np.bool_)):
        raise DistributionError(name, f"{name} must be a number, not {str(bool(value)).lower()}")
    if not isinstance(value, numbers.Real):
        if isinstance(value, str):
            raise DistributionError(
                name, f"{name} must be a number, not the text {value!r} (remove the quotes?)"
            )
        raise DistributionError(name, f"{name} must be a number, not {type(value).__name__}")
    try:
        x = float(value)
    except (OverflowError, ValueError, TypeError):
        raise DistributionError(name, f"{name} ({value!r}) is too large") from None
    if math.isnan(x):
        raise DistributionError(name, f"{name} must be a number, not NaN")
    if math.isinf(x):
        raise DistributionError(name, f"{name} must be finite, not {_fmt(x)}")
    return x


def _as_written(value: Any, x: float) -> int | float:
    """A plain Python number for describe(): integers stay integers."""
    return int(value) if isinstance(value, numbers.Integral) else x


# --------------------------------------------------------------------------
# Standard normal: erfc (W. J. Cody), CDF, inverse CDF (Wichura's AS 241)
# --------------------------------------------------------------------------

# W. J. Cody, "Rational Chebyshev approximations for the error function",
# Math. Comp. 23 (1969) 631-638; coefficients as in Netlib SPECFUN CALERF.
_CODY_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
           3.20937758913846947e03, 1.85777706184603153e-1)
_CODY_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
           2.84423683343917062e03)
_CODY_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
           2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
           2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_CODY_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
           1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
           3.43936767414372164e03, 1.23033935480374942e03)
_CODY_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
           1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_CODY_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
           6.05183413124413191e-2, 2.33520497626869185e-3)
_SQRPI = 5.6418958354775628695e-1  # 1/sqrt(pi)
_XBIG = 26.543  # erfc(x) underflows beyond this


def _erfc_small(y: np.ndarray) -> np.ndarray:
    """erfc for 0 <= |y| <= 0.46875 (via erf)."""
    ysq = y * y
    a, b = _CODY_A, _CODY_B
    num = a[4] * ysq
    den = ysq.copy()
    for i in range(3):
        num += a[i]
        num *= ysq
        den += b[i]
        den *= ysq
    num += a[3]
    den += b[3]
    return 1.0 - y * num / den


def _exp_neg_sq(y: np.ndarray) -> np.ndarray:
    """exp(-y*y) computed as in CALERF, splitting y*y to limit rounding error."""
    ysq = np.trunc(y * 16.0) / 16.0
    delta = (y - ysq) * (y + ysq)
    return np.exp(-ysq * ysq) * np.exp(-delta)


def _erfc_mid(y: np.ndarray) -> np.ndarray:
    """erfc for 0.46875 < y <= 4."""
    c, d = _CODY_C, _CODY_D
    num = c[8] * y
    den = y.copy()
    for i in range(7):
        num += c[i]
        num *= y
        den += d[i]
        den *= y
    num += c[7]
    den += d[7]
    return _exp_neg_sq(y) * (num / den)


def _erfc_large(y: np.ndarray) -> np.ndarray:
    """erfc for y > 4."""
    p, q = _CODY_P, _CODY_Q
    out = np.zeros_like(y)
    ok = y < _XBIG
    y = y[ok]
    ysq = 1.0 / (y * y)
    num = p[5] * ysq
    den = ysq.copy()
    for i in range(4):
        num += p[i]
        num *= ysq
        den += q[i]
        den *= ysq
    r = ysq * (num + p[4]) / (den + q[4])
    r = (_SQRPI - r) / y
    out[ok] = _exp_neg_sq(y) * r
    return out


def _erfc_nonneg(y: np.ndarray) -> np.ndarray:
    """erfc(y) for a float64 array with y >= 0 (NaN propagates)."""
    out = np.empty_like(y)
    small = y <= 0.46875
    large = y > 4.0
    mid = ~(small | large)  # also catches NaN -> handled below
    out[small] = _erfc_small(y[small])
    if large.any():
        out[large] = _erfc_large(y[large])
    ym = y[mid]
    out[mid] = _erfc_mid(ym)  # NaN in -> NaN out
    return out


def erfc(x: Any) -> np.ndarray:
    """Complementary error function, vectorised (Cody 1969; ~1e-16 relative)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.abs(x)
    r = _erfc_nonneg(y.ravel()).reshape(y.shape)
    return np.where(x < 0, 2.0 - r, r)


def norm_cdf(x: Any) -> np.ndarray:
    """Standard normal CDF, vectorised; accurate to ~1e-16 relative in the lower tail."""
    x = np.asarray(x, dtype=np.float64)
    flat = x.ravel()
    half = 0.5 * _erfc_nonneg(np.abs(flat) / _SQRT2)
    out = np.where(flat > 0, 1.0 - half, half)
    return out.reshape(x.shape)


def _horner(coef: Sequence[float], t: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = polynomial with coefficients ``coef`` (highest power first) at t."""
    np.multiply(t, coef[0], out=out)
    for c in coef[1:-1]:
        out += c
        out *= t
    out += coef[-1]
    return out


# Wichura, "Algorithm AS 241: The percentage points of the normal distribution",
# Applied Statistics 37 (1988) 477-484 (PPND16), coefficients highest power first.
_AS241_A = (2.5090809287301226727e03, 3.3430575583588128105e04, 6.7265770927008700853e04,
            4.5921953931549871457e04, 1.3731693765509461125e04, 1.9715909503065514427e03,
            1.3314166789178437745e02, 3.3871328727963666080e00)
_AS241_B = (5.2264952788528545610e03, 2.8729085735721942674e04, 3.9307895800092710610e04,
            2.1213794301586595867e04, 5.3941960214247511077e03, 6.8718700749205790830e02,
            4.2313330701600911252e01, 1.0)
_AS241_C = (7.74545014278341407640e-04, 2.27238449892691845833e-02, 2.41780725177450611770e-01,
            1.27045825245236838258e00, 3.64784832476320460504e00, 5.76949722146069140550e00,
            4.63033784615654529590e00, 1.42343711074968357734e00)
_AS241_D = (1.05075007164441684324e-09, 5.47593808499534494600e-04, 1.51986665636164571966e-02,
            1.48103976427480074590e-01, 6.89767334985100004550e-01, 1.67638483018380384940e00,
            2.05319162663775882187e00, 1.0)
_AS241_E = (2.01033439929228813265e-07, 2.71155556874348757815e-05, 1.24266094738807843860e-03,
            2.65321895265761230930e-02, 2.96560571828504891230e-01, 1.78482653991729133580e00,
            5.46378491116411436990e00, 6.65790464350110377720e00)
_AS241_F = (2.04426310338993978564e-15, 1.42151175831644588870e-07, 1.84631831751005468180e-05,
            7.86869131145613259100e-04, 1.48753612908506148525e-02, 1.36929880922735805310e-01,
            5.99832206555887937690e-01, 1.0)


def _ndtri_lower(q: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Standard normal quantile for a 1-d float64 array with 0 < q <= 0.5.

    The result goes to ``out`` (a float64 array of q's shape) if given.

    Wichura's AS 241 (PPND16), relative error about 1e-16: a degree-7 rational function
    of ``0.180625 - (q - 0.5)**2`` for q >= 0.075 (computed branch-free on the whole
    array: numpy boolean indexing costs more than the arithmetic), and of
    ``sqrt(-ln q)`` below (15 % of uniform draws, patched afterwards).
    """
    n = q.size
    s = q - 0.5
    r = np.multiply(s, s)
    np.subtract(0.180625, r, out=r)
    x = _horner(_AS241_A, r, np.empty(n) if out is None else out)
    t = _horner(_AS241_B, r, np.empty(n))
    x *= s
    x /= t
    tail = np.flatnonzero(s < -0.425)
    if tail.size:
        v = np.sqrt(-np.log(q[tail]))
        far = v > 5.0
        w = v - 1.6
        xt = _horner(_AS241_C, w, np.empty_like(w))
        xt /= _horner(_AS241_D, w, np.empty_like(w))
        if far.any():
            w = v[far] - 5.0
            xt[far] = _horner(_AS241_E, w, np.empty_like(w)) / _horner(_AS241_F, w, np.empty_like(w))
        np.negative(xt, out=xt)
        x[tail] = xt
    return x


_CHUNK = 65536  # elements per block: temporaries stay in cache (much faster on big arrays)


def _norm_block(u: np.ndarray, out: np.ndarray) -> None:
    """out = norm_ppf(u) for a 1-d block of u (any values; NaN outside [0, 1])."""
    q = np.subtract(1.0, u)
    np.minimum(u, q, out=q)  # 1 - u is exact for u >= 0.5
    if q.min() > 0.0:
        _ndtri_lower(q, out)
    else:  # zeros, negatives or NaN present
        out.fill(np.nan)
        ok = q > 0.0
        out[ok] = _ndtri_lower(q[ok])
        out[q == 0.0] = -np.inf
    # out <= 0 here; flip the upper half by the sign of (u - 0.5).  (copysign is
    # far faster than negative(where=...) on random masks.)
    np.copysign(out, u - 0.5, out=out)


def norm_ppf(u: Any) -> np.ndarray:
    """Standard normal inverse CDF, vectorised; float64 of u's shape.

    ``norm_ppf(0) == -inf``, ``norm_ppf(1) == inf``; NaN outside [0, 1].
    Absolute error below 1e-12 for u in [1e-300, 1 - 1e-16] (checked against
    scipy in the tests); antisymmetric: norm_ppf(1 - u) == -norm_ppf(u).
    """
    u = np.asarray(u, dtype=np.float64)
    flat = u.ravel()
    out = np.empty_like(flat)
    for i in range(0, flat.size, _CHUNK):
        _norm_block(flat[i : i + _CHUNK], out[i : i + _CHUNK])
    return out.reshape(u.shape)


# --------------------------------------------------------------------------
# Beta quantile tables for PERT
# --------------------------------------------------------------------------

_BETA_CELLS = 8192  # cells of the CDF grid (4 Gauss-Legendre nodes each)
_BETA_FAST = 32768  # uniform-u lookup table size for the bulk
_BETA_CUT = 1.0 / 64.0  # u below this or above 1 - this use the exact tables
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(4)


@dataclass(frozen=True)
class _BetaTable:
    split: float  # CDF value where the lower table ends and the upper begins
    cdf_lo: np.ndarray  # increasing CDF values ...
    x_lo: np.ndarray  # ... and their x, for u <= split
    sf_hi: np.ndarray  # increasing survival values (1 - CDF) ...
    x_hi: np.ndarray  # ... and their (decreasing) x, for u > split
    fast_x: np.ndarray  # quantiles at u = k / _BETA_FAST, k = 0.._BETA_FAST
    fast_dx: np.ndarray  # np.diff(fast_x)

    def exact(self, u: np.ndarray) -> np.ndarray:
        out = np.empty_like(u)
        lo = u <= self.split
        out[lo] = np.interp(u[lo], self.cdf_lo, self.x_lo)
        hi = ~lo
        out[hi] = np.interp(1.0 - u[hi], self.sf_hi, self.x_hi)
        return out


@functools.lru_cache(maxsize=128)
def _beta_table(alpha: float, beta: float) -> _BetaTable:
    """Quantile tables for Beta(alpha, beta) with alpha, beta >= 1 (bounded pdf).

    The CDF grid is x = sin^2(pi t / 2) for t uniform, which crowds points
    near 0 and 1 where the CDF behaves like x^alpha; the CDF is integrated in
    t with 4-point Gauss-Legendre per cell.  The lower half is inverted from
    the CDF and the upper half from the survival function, so both tails keep
    their relative precision.  Quantile error is below 1e-7 (tested against
    scipy).  For speed, the bulk (u in [1/64, 63/64]) is served from a table
    of quantiles on a uniform u grid (index arithmetic, no search), which is
    exactly as accurate there.
    """
    n = _BETA_CELLS
    t = np.linspace(0.0, 1.0, n + 1)
    x = np.sin(0.5 * np.pi * t) ** 2
    x[0], x[-1] = 0.0, 1.0
    h = 1.0 / n
    tn = t[:-1, None] + 0.5 * h * (_GL_NODES[None, :] + 1.0)
    xn = np.sin(0.5 * np.pi * tn) ** 2
    xc = np.sin(0.5 * np.pi * (1.0 - tn)) ** 2  # 1 - x, accurately
    dens = xn ** (alpha - 1.0) * xc ** (beta - 1.0) * (0.5 * np.pi * np.sin(np.pi * tn))
    cells = (dens @ _GL_WEIGHTS) * (0.5 * h)
    left = np.concatenate(([0.0], np.cumsum(cells)))
    right = np.concatenate((np.cumsum(cells[::-1])[::-1], [0.0]))
    total = left[-1]
    m = int(np.searchsorted(left, 0.5 * total))
    m = min(max(m, 1), n - 1)
    split = left[m] / total
    cdf_lo = left[: m + 1] / total
    # Rescale the upper tail so that it meets the lower one exactly at `split`.
    sf_hi = (right[m:] * ((1.0 - split) / right[m]))[::-1].copy()
    x_hi = x[m:][::-1].copy()
    table = _BetaTable(split, cdf_lo, x[: m + 1].copy(), sf_hi, x_hi, np.empty(0), np.empty(0))
    fast_x = table.exact(np.arange(_BETA_FAST + 1) / _BETA_FAST)
    np.maximum.accumulate(fast_x, out=fast_x)
    fast_dx = np.diff(fast_x)
    table = _BetaTable(split, cdf_lo, table.x_lo, sf_hi, x_hi, fast_x, fast_dx)
    for arr in (cdf_lo, table.x_lo, sf_hi, x_hi, fast_x, fast_dx):
        arr.setflags(write=False)
    return table


def _beta_block(u: np.ndarray, out: np.ndarray, table: _BetaTable) -> None:
    """out = Beta quantile of a 1-d block u in [0, 1]."""
    m = _BETA_FAST
    t = u * m
    k = t.astype(np.intp)
    np.minimum(k, m - 1, out=k)
    t -= k  # fraction within the cell
    np.take(table.fast_dx, k, out=out)
    out *= t
    out += np.take(table.fast_x, k)
    tails = np.flatnonzero((u < _BETA_CUT) | (u > 1.0 - _BETA_CUT))
    if tails.size:
        out[tails] = table.exact(u[tails])


# --------------------------------------------------------------------------
# Distributions
# --------------------------------------------------------------------------


def _check_u(u: Any) -> np.ndarray:
    u = np.asarray(u, dtype=np.float64)
    if u.size:
        lo, hi = u.min(), u.max()
        if not (lo >= 0.0 and hi <= 1.0):  # also catches NaN
            raise ValueError("ppf needs probabilities u with 0 <= u <= 1 (got values outside, or NaN)")
    return u


@dataclass(frozen=True)
class Distribution:
    """Base class: a marginal distribution with optional floor/cap clipping.

    ``ppf(u)`` returns *clipped* draws (the engine's samples); ``raw_ppf(u)``
    the unclipped quantiles.  ``mean()``/``sd()`` are exact moments before
    clipping.  Instances are immutable, hashable and validated on
    construction (DistributionError).  ``kind`` is the class's spec name.
    """

    kind: ClassVar[str] = ""
    #: Each draw depends on its own uniform alone: ``ppf(u)[mask]`` is ``ppf(u[mask])`` bit for
    #: bit, so the engine may draw only the values it uses (a risk's amount in the years the
    #: risk happens). False for a quantile found by iterating until a whole block converges.
    elementwise: ClassVar[bool] = True
    floor: float | None = field(default=None, kw_only=True)
    cap: float | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        self._set("_written", {})
        self._validate()
        floor = None if self.floor is None else self._num("floor", "floor")
        cap = None if self.cap is None else self._num("cap", "cap")
        if floor is not None and cap is not None and cap < floor:
            raise DistributionError(
                "cap", f"cap ({_fmt(cap)}) must not be below floor ({_fmt(floor)})"
            )
        object.__setattr__(self, "floor", floor)
        object.__setattr__(self, "cap", cap)

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    def _num(self, attr: str, name: str) -> float:
        """Validate attribute ``attr`` (spec key ``name``) as a number, store it as float.

        The value as written (an int stays an int) is kept for describe().
        """
        value = getattr(self, attr)
        x = _number(value, name)
        self._written[name] = _as_written(value, x)
        self._set(attr, x)
        return x

    # -- provided by subclasses
    def _validate(self) -> None:
        raise NotImplementedError

    def _block(self, u: np.ndarray, out: np.ndarray) -> None:
        """out[:] = raw quantiles of the 1-d block u (values in [0, 1])."""
        raise NotImplementedError

    def mean(self) -> float:
        """Exact mean, before floor/cap clipping."""
        raise NotImplementedError

    def sd(self) -> float:
        """Exact standard deviation, before floor/cap clipping."""
        raise NotImplementedError

    def _params(self) -> dict[str, Any]:
        raise NotImplementedError

    # -- common API
    def _eval(self, u: Any, clip: bool) -> np.ndarray:
        u = _check_u(u)
        flat = u.ravel()
        out = np.empty_like(flat)
        lo, hi = (self.floor, self.cap) if clip else (None, None)
        for i in range(0, flat.size, _CHUNK):
            oc = out[i : i + _CHUNK]
            self._block(flat[i : i + _CHUNK], oc)
            if lo is not None:
                np.maximum(oc, lo, out=oc)
            if hi is not None:
                np.minimum(oc, hi, out=oc)
        return out.reshape(u.shape)

    def ppf(self, u: Any) -> np.ndarray:
        """Draws for uniforms ``u``: the inverse CDF, then floor/cap clipping.

        Vectorised; float64 of u's shape; monotone non-decreasing in u.  u must
        lie in [0, 1] (ValueError otherwise); 0 and 1 give the ends of the
        support (possibly infinite, before clipping).
        """
        return self._eval(u, clip=True)

    def raw_ppf(self, u: Any) -> np.ndarray:
        """The inverse CDF without floor/cap clipping."""
        return self._eval(u, clip=False)

    def clip(self, x: Any) -> np.ndarray:
        """Apply floor/cap to values (a new float64 array)."""
        x = np.array(x, dtype=np.float64)
        if self.floor is not None:
            np.maximum(x, self.floor, out=x)
        if self.cap is not None:
            np.minimum(x, self.cap, out=x)
        return x

    def quantile(self, q: float) -> float:
        """The q-quantile including floor/cap clipping (q in [0, 1])."""
        q = float(q)
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"quantile level must be between 0 and 1, got {q}")
        return float(self.ppf(np.array([q]))[0])

    def describe(self) -> dict[str, Any]:
        """Parameters in spec form, e.g. {"dist": "pert", "min": 1.0, "mode": 2.0, "max": 4.0}.

        Round-trips: ``from_spec(d.describe()) == d``.
        """
        d = self._params()
        if self.floor is not None:
            d["floor"] = self.floor
        if self.cap is not None:
            d["cap"] = self.cap
        for key in d:
            if key in self._written:
                d[key] = self._written[key]
        return d


def _require_min_max(lo: float, hi: float) -> None:
    if hi < lo:
        raise DistributionError("max", f"max ({_fmt(hi)}) must not be below min ({_fmt(lo)})")


def _require_mode(lo: float, mode: float, hi: float) -> None:
    _require_min_max(lo, hi)
    if not lo <= mode <= hi:
        raise DistributionError(
            "mode",
            f"mode ({_fmt(mode)}) must lie between min ({_fmt(lo)}) and max ({_fmt(hi)})",
        )


@dataclass(frozen=True)
class Normal(Distribution):
    """Normal(mean, sd); sd == 0 is the constant ``mean``.

    (Fields are ``mean_``/``sd_`` because ``mean()``/``sd()`` are methods.)
    """

    kind: ClassVar[str] = "normal"
    mean_: float
    sd_: float

    def _validate(self) -> None:
        self._num("mean_", "mean")
        self._num("sd_", "sd")
        if self.sd_ < 0:
            raise DistributionError("sd", f"sd ({_fmt(self.sd_)}) must not be negative")

    def _block(self, u, out):
        if self.sd_ == 0.0:
            out.fill(self.mean_)
            return
        _norm_block(u, out)
        out *= self.sd_
        out += self.mean_

    def mean(self) -> float:
        return self.mean_

    def sd(self) -> float:
        return self.sd_

    def _params(self):
        return {"dist": "normal", "mean": self.mean_, "sd": self.sd_}


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Lognormal with the given mean and sd *of the value itself* (mean > 0).

    ``sigma**2 = ln(1 + sd**2/mean**2)``, ``mu = ln(mean) - sigma**2/2``
    (attributes ``mu``/``sigma``); sd == 0 is the constant ``mean``.
    """

    kind: ClassVar[str] = "lognormal"
    mean_: float
    sd_: float

    def _validate(self) -> None:
        self._num("mean_", "mean")
        self._num("sd_", "sd")
        if self.mean_ <= 0:
            raise DistributionError(
                "mean", f"mean ({_fmt(self.mean_)}) of a lognormal must be above 0"
            )
        if self.sd_ < 0:
            raise DistributionError("sd", f"sd ({_fmt(self.sd_)}) must not be negative")
        s2 = math.log1p((self.sd_ / self.mean_) ** 2)
        self._set("sigma", math.sqrt(s2))
        self._set("mu", math.log(self.mean_) - 0.5 * s2)

    def _block(self, u, out):
        if self.sigma == 0.0:  # sd == 0, or so small that sigma underflows
            out.fill(self.mean_)
            return
        _norm_block(u, out)
        out *= self.sigma
        out += self.mu
        np.exp(out, out=out)

    def mean(self) -> float:
        return self.mean_

    def sd(self) -> float:
        return self.sd_

    def _params(self):
        return {"dist": "lognormal", "mean": self.mean_, "sd": self.sd_}


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on [min, max]; min == max is the constant ``min``."""

    kind: ClassVar[str] = "uniform"
    min: float
    max: float

    def _validate(self) -> None:
        self._num("min", "min")
        self._num("max", "max")
        _require_min_max(self.min, self.max)

    def _block(self, u, out):
        np.multiply(u, self.max - self.min, out=out)
        out += self.min
        np.minimum(out, self.max, out=out)  # rounding guard

    def mean(self) -> float:
        return 0.5 * (self.min + self.max)

    def sd(self) -> float:
        return (self.max - self.min) / math.sqrt(12.0)

    def _params(self):
        return {"dist": "uniform", "min": self.min, "max": self.max}


@dataclass(frozen=True)
class Triangular(Distribution):
    """Triangular(min, mode, max); min == max is a constant."""

    kind: ClassVar[str] = "triangular"
    min: float
    mode: float
    max: float

    def _validate(self) -> None:
        self._num("min", "min")
        self._num("mode", "mode")
        self._num("max", "max")
        _require_mode(self.min, self.mode, self.max)

    def _block(self, u, out):
        a, c, b = self.min, self.mode, self.max
        w = b - a
        if w == 0.0:
            out.fill(a)
            return
        left = u * (w * (c - a))
        np.sqrt(left, out=left)
        left += a
        right = np.subtract(1.0, u)
        right *= w * (b - c)
        np.sqrt(right, out=right)
        np.subtract(b, right, out=right)
        out[:] = np.where(u <= (c - a) / w, left, right)
        np.clip(out, a, b, out=out)

    def mean(self) -> float:
        return (self.min + self.mode + self.max) / 3.0

    def sd(self) -> float:
        a, c, b = self.min, self.mode, self.max
        var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0
        return math.sqrt(max(var, 0.0))

    def _params(self):
        return {"dist": "triangular", "min": self.min, "mode": self.mode, "max": self.max}


@dataclass(frozen=True)
class Pert(Distribution):
    """Classic PERT (lambda = 4): Beta(alpha, beta) scaled to [min, max].

    alpha = 1 + 4 (mode - min)/(max - min), beta = 1 + 4 (max - mode)/(max - min)
    (attributes ``alpha``/``beta``).  min == max (== mode) is a constant.  The
    quantile comes from a cached numerical beta-CDF table per (alpha, beta):
    error below 1e-7 of (max - min).
    """

    kind: ClassVar[str] = "pert"
    min: float
    mode: float
    max: float

    def _validate(self) -> None:
        self._num("min", "min")
        self._num("mode", "mode")
        self._num("max", "max")
        _require_mode(self.min, self.mode, self.max)
        w = self.max - self.min
        if w > 0:
            alpha = 1.0 + 4.0 * (self.mode - self.min) / w
            beta = 1.0 + 4.0 * (self.max - self.mode) / w
            # Rounding must not push them outside [1, 5]: the pdf must stay bounded.
            self._set("alpha", min(max(alpha, 1.0), 5.0))
            self._set("beta", min(max(beta, 1.0), 5.0))
        else:
            self._set("alpha", 3.0)
            self._set("beta", 3.0)

    def _block(self, u, out):
        a, b = self.min, self.max
        w = b - a
        if w == 0.0:
            out.fill(a)
            return
        _beta_block(u, out, _beta_table(self.alpha, self.beta))
        out *= w
        out += a
        np.clip(out, a, b, out=out)

    def mean(self) -> float:
        return (self.min + 4.0 * self.mode + self.max) / 6.0

    def sd(self) -> float:
        w = self.max - self.min
        al, be = self.alpha, self.beta
        return w * math.sqrt(al * be / ((al + be) ** 2 * (al + be + 1.0)))

    def _params(self):
        return {"dist": "pert", "min": self.min, "mode": self.mode, "max": self.max}


@dataclass(frozen=True)
class Bernoulli(Distribution):
    """1.0 with probability p, else 0.0 (ppf(u) = 1.0 exactly where u > 1 - p)."""

    kind: ClassVar[str] = "bernoulli"
    p: float

    def _validate(self) -> None:
        self._num("p", "p")
        if not 0.0 <= self.p <= 1.0:
            raise DistributionError("p", f"p ({_fmt(self.p)}) must be between 0 and 1")

    def _block(self, u, out):
        np.greater(u, 1.0 - self.p, out=out)

    def mean(self) -> float:
        return self.p

    def sd(self) -> float:
        return math.sqrt(self.p * (1.0 - self.p))

    def _params(self):
        return {"dist": "bernoulli", "p": self.p}


def _number_list(value: Any, name: str) -> tuple[float, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise DistributionError(name, f"{name} must be a list of numbers, such as [1, 2, 3]")
    out = []
    for i, v in enumerate(value):
        try:
            out.append(_number(v, f"{name}[{i}]"))
        except DistributionError as e:
            raise DistributionError(name, e.message) from None
    return tuple(out)


@dataclass(frozen=True)
class Discrete(Distribution):
    """One of ``values`` with probabilities proportional to ``weights`` (equal if None).

    ``ppf`` walks the values in ascending order, so it is monotone in u (as
    rank correlation needs).  Zero-weight values are never drawn.
    """

    kind: ClassVar[str] = "discrete"
    values: tuple[float, ...]
    weights: tuple[float, ...] | None = None

    def _validate(self) -> None:
        values = _number_list(self.values, "values")
        if not values:
            raise DistributionError("values", "values must list at least one number")
        self._written["values"] = [_as_written(v, x) for v, x in zip(self.values, values)]
        self._set("values", values)
        if self.weights is None:
            w = np.ones(len(values))
        else:
            weights = _number_list(self.weights, "weights")
            if len(weights) != len(values):
                raise DistributionError(
                    "weights",
                    f"weights has {len(weights)} entries but values has {len(values)}; "
                    "give one weight per value",
                )
            for i, x in enumerate(weights):
                if x < 0:
                    raise DistributionError(
                        "weights", f"weights[{i}] ({_fmt(x)}) must not be negative"
                    )
            if not sum(weights) > 0:
                raise DistributionError("weights", "weights must not all be zero")
            self._written["weights"] = [_as_written(v, x) for v, x in zip(self.weights, weights)]
            self._set("weights", weights)
            w = np.array(weights)
        v = np.array(values)
        order = np.argsort(v, kind="stable")
        keep = w[order] > 0  # zero-weight values can never be drawn: drop them
        v_sorted = v[order][keep]
        prob = w[order][keep]
        prob = prob / prob.max()     # first to at most 1: weights near 1e308 would overflow the sum
        prob = prob / prob.sum()
        cum = np.cumsum(prob)
        cum[-1] = 1.0
        for arr in (v_sorted, cum, prob):
            arr.setflags(write=False)
        self._set("_sorted", v_sorted)
        self._set("_cum", cum)
        self._set("_prob", prob)

    def _block(self, u, out):
        idx = np.searchsorted(self._cum, u, side="left")
        np.minimum(idx, len(self._cum) - 1, out=idx)
        np.take(self._sorted, idx, out=out)

    def mean(self) -> float:
        return float(np.dot(self._prob, self._sorted))

    def sd(self) -> float:
        m = self.mean()
        return math.sqrt(max(float(np.dot(self._prob, (self._sorted - m) ** 2)), 0.0))

    def probabilities(self) -> dict[float, float]:
        """Value -> probability (duplicate values merged, zero weights left out)."""
        out: dict[float, float] = {}
        for v, p in zip(self._sorted.tolist(), self._prob.tolist()):
            out[v] = out.get(v, 0.0) + p
        return out

    def _params(self):
        d: dict[str, Any] = {"dist": "discrete", "values": list(self.values)}
        if self.weights is not None:
            d["weights"] = list(self.weights)
        return d


#: Highest mean of a Poisson distribution (the quantile walks the counts one by one).
POISSON_MAX_MEAN = 1000.0


def poisson_ppf(u: Any, mean: Any) -> np.ndarray:
    """Smallest whole number k with P(X <= k) >= u, X ~ Poisson(mean): vectorised, ``mean``
    broadcastable to ``u`` (each entry 0 <= mean <= POISSON_MAX_MEAN). Float64 counts."""
    u = np.asarray(u, dtype=np.float64)
    lam = np.broadcast_to(np.asarray(mean, dtype=np.float64), u.shape)
    k = np.zeros(u.shape)
    if u.size == 0:
        return k
    top = float(np.max(lam))
    steps = int(top) + 40 * int(math.sqrt(top) + 1) + 100
    if np.min(lam) == top:                   # one mean (a frequency the same in every future)
        k0, pmf = _poisson_start(lam.flat[:1])
        return k0[0] + _poisson_walk_table(float(pmf[0]), top, k0[0], steps, u)
    k0, pmf = _poisson_start(lam)
    cdf = pmf.copy()  # the mass below k0 is below 1e-30 for these starts: left out
    k = k0.copy()
    todo = u > cdf
    for _ in range(steps):
        if not todo.any():
            break
        idx = np.flatnonzero(todo)
        kk = k.flat[idx] + 1.0
        p = pmf.flat[idx] * lam.flat[idx] / kk
        pmf.flat[idx] = p
        c = cdf.flat[idx] + p
        cdf.flat[idx] = c
        k.flat[idx] = kk
        todo.flat[idx] = (u.flat[idx] > c) & (p > 0)
    return k


def _poisson_start(lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where :func:`poisson_ppf`'s walk starts for each mean: a little below the mean, in log
    space, so a large mean neither underflows nor needs a long walk; and the probability of
    that count, pmf(k0) = exp(-lam + k0 log lam - lgamma(k0 + 1))."""
    k0 = np.floor(np.maximum(lam - 12.0 * np.sqrt(lam) - 10.0, 0.0))
    lgk = np.vectorize(math.lgamma, otypes=[float])(k0 + 1.0) if k0.any() else np.zeros(lam.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        logpmf = np.where(lam > 0, -lam + k0 * np.log(np.where(lam > 0, lam, 1.0)) - lgk,
                          np.where(k0 == 0, 0.0, -np.inf))
    return k0, np.exp(logpmf)


def _poisson_walk_table(pmf: float, lam: float, k0: float, steps: int, u: np.ndarray) -> np.ndarray:
    """The steps :func:`poisson_ppf`'s walk takes from ``k0`` for every ``u`` of one mean
    ``lam`` (a frequency that is the same in every future): the walk's cumulative sums,
    added once in the same order, then looked up (the first sum reaching ``u``). The walk
    stops where the next probability underflows to 0, or after ``steps``."""
    sums = [pmf]
    c, p, k = pmf, pmf, k0
    for _ in range(steps):
        k += 1.0
        p = p * lam / k
        c = c + p
        if p <= 0:
            break
        sums.append(c)
    # u > every sum: the walk's last step (where p underflowed, or the steps ran out)
    return np.minimum(np.searchsorted(np.array(sums), u, side="left"), steps).astype(np.float64)


@dataclass(frozen=True)
class Poisson(Distribution):
    """Whole numbers 0, 1, 2, ...: the number of events when ``mean`` are expected."""

    kind: ClassVar[str] = "poisson"
    mean_: float = field(default=0.0, repr=False)

    def __init__(self, mean: float, *, floor=None, cap=None) -> None:
        object.__setattr__(self, "mean_", mean)
        object.__setattr__(self, "floor", floor)
        object.__setattr__(self, "cap", cap)
        self.__post_init__()

    def _validate(self) -> None:
        x = _number(self.mean_, "mean")
        self._written["mean"] = _as_written(self.mean_, x)
        self._set("mean_", x)
        if not 0.0 <= x <= POISSON_MAX_MEAN:
            raise DistributionError("mean", f"mean ({_fmt(x)}) must be between 0 and {POISSON_MAX_MEAN:g}")

    def _block(self, u, out):
        out[:] = poisson_ppf(u, self.mean_)

    def mean(self) -> float:
        return self.mean_

    def sd(self) -> float:
        return math.sqrt(self.mean_)

    def _params(self):
        return {"dist": "poisson", "mean": self.mean_}


def _gamma_refine(a: float, x: np.ndarray, u: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                  lga: float) -> np.ndarray:
    """Safeguarded Newton steps on the few draws of a block that have not converged yet."""
    for _ in range(60):
        if x.size == 0:
            return x
        p = _gamma_p(a, x)
        below = p < u
        lo = np.where(below, x, lo)
        hi = np.where(below, hi, x)
        with np.errstate(all="ignore"):
            pdf = np.exp((a - 1.0) * np.log(x) - x - lga)
            new = x - (p - u) / pdf
        bad = ~np.isfinite(new) | (new <= lo) | (new >= hi)
        new = np.where(bad, np.where(np.isfinite(hi), 0.5 * (lo + hi), 2.0 * x + 1.0), new)
        done = np.abs(new - x) <= 1e-12 * np.maximum(x, 1e-300)
        x = new
        if done.all():
            break
    return x


def _gamma_p(a: float, x: np.ndarray) -> np.ndarray:
    """Regularised lower incomplete gamma P(a, x) for a > 0 and x >= 0 (series below a + 1,
    Lentz's continued fraction above), vectorised over x."""
    out = np.zeros_like(x)
    lga = math.lgamma(a)
    small = (x < a + 1.0) & (x > 0)
    if small.any():
        xs = x[small]
        term = np.full_like(xs, 1.0 / a)
        total = term.copy()
        ap = a
        for _ in range(5000):
            ap += 1.0
            term *= xs / ap
            total += term
            if np.all(term <= total * 1e-15):
                break
        out[small] = total * np.exp(-xs + a * np.log(xs) - lga)
    large = x >= a + 1.0
    if large.any():
        xl = x[large]
        tiny = 1e-300
        b = xl + 1.0 - a
        c = np.full_like(xl, 1.0 / tiny)
        d = 1.0 / b
        h = d.copy()
        for i in range(1, 5000):
            an = -i * (i - a)
            b += 2.0
            d = an * d + b
            d[np.abs(d) < tiny] = tiny
            c = b + an / c
            c[np.abs(c) < tiny] = tiny
            d = 1.0 / d
            delta = d * c
            h *= delta
            if np.all(np.abs(delta - 1.0) <= 1e-15):
                break
        out[large] = 1.0 - np.exp(-xl + a * np.log(xl) - lga) * h
    return out


@dataclass(frozen=True)
class Gamma(Distribution):
    """Gamma with the given mean and sd (shape k = (mean/sd)^2, scale = sd^2/mean).

    The quantile is found by safeguarded Newton steps on the regularised incomplete gamma
    function (error below 1e-10 relative; tested against scipy)."""

    kind: ClassVar[str] = "gamma"
    elementwise: ClassVar[bool] = False
    mean_: float = field(default=0.0, repr=False)
    sd_: float = field(default=0.0, repr=False)

    def __init__(self, mean: float, sd: float, *, floor=None, cap=None) -> None:
        object.__setattr__(self, "mean_", mean)
        object.__setattr__(self, "sd_", sd)
        object.__setattr__(self, "floor", floor)
        object.__setattr__(self, "cap", cap)
        self.__post_init__()

    def _validate(self) -> None:
        m = _number(self.mean_, "mean")
        sd = _number(self.sd_, "sd")
        self._written["mean"] = _as_written(self.mean_, m)
        self._written["sd"] = _as_written(self.sd_, sd)
        self._set("mean_", m)
        self._set("sd_", sd)
        if not m > 0:
            raise DistributionError("mean", f"mean ({_fmt(m)}) of a gamma distribution must be above 0")
        if not sd > 0:
            raise DistributionError("sd", f"sd ({_fmt(sd)}) of a gamma distribution must be above 0")
        shape = (m / sd) ** 2
        if shape > 1e4:
            raise DistributionError("sd", f"sd ({_fmt(sd)}) is below 1% of the mean: such a narrow gamma is a normal "
                                          "distribution; write dist = \"normal\"")
        if shape < 1e-3:
            raise DistributionError("sd", f"sd ({_fmt(sd)}) is over 30 times the mean: a gamma that skewed piles "
                                          "up at zero; use a lognormal or a discrete distribution")
        self._set("shape", shape)
        self._set("scale", sd * sd / m)

    def _block(self, u, out):
        a = self.shape
        u = np.clip(u, 0.0, 1.0)
        z = norm_ppf(np.clip(u, 1e-300, 1.0 - 1e-16))
        with np.errstate(all="ignore"):
            wh = a * (1.0 - 1.0 / (9.0 * a) + z / (3.0 * math.sqrt(a))) ** 3
            lo_guess = np.exp((np.log(np.maximum(u, 1e-300)) + math.lgamma(a + 1.0)) / a)
        x = np.where((wh > 0) & (a >= 1.0), wh, lo_guess)
        x = np.where(np.isfinite(x) & (x > 0), x, a)
        lo = np.zeros_like(x)
        hi = np.full_like(x, np.inf)
        lga = math.lgamma(a)
        for _ in range(60):
            p = _gamma_p(a, x)
            below = p < u
            lo = np.where(below, x, lo)
            hi = np.where(below, hi, x)
            with np.errstate(all="ignore"):
                pdf = np.exp((a - 1.0) * np.log(x) - x - lga)
                step = (p - u) / pdf
                new = x - step
            bad = ~np.isfinite(new) | (new <= lo) | (new >= hi)
            new = np.where(bad, np.where(np.isfinite(hi), 0.5 * (lo + hi), 2.0 * x + 1.0), new)
            done = np.abs(new - x) <= 1e-12 * np.maximum(x, 1e-300)
            x = new
            if done.all():
                break
            # Only the draws still moving are worked on again (most converge in a few steps).
            if done.mean() > 0.5:
                todo = ~done
                x[todo] = _gamma_refine(a, x[todo], u[todo], lo[todo], hi[todo], lga)
                break
        x = np.where(u <= 0.0, 0.0, np.where(u >= 1.0, np.inf, x))
        out[:] = x * self.scale

    def mean(self) -> float:
        return self.mean_

    def sd(self) -> float:
        return self.sd_

    def _params(self):
        return {"dist": "gamma", "mean": self.mean_, "sd": self.sd_}


@dataclass(frozen=True)
class Beta(Distribution):
    """Beta(a, b) rescaled to [min, max] (default 0..1). a and b at least 1 (a bounded
    density): the quantile comes from the same table as PERT's."""

    kind: ClassVar[str] = "beta"
    a: float
    b: float
    min: float = 0.0
    max: float = 1.0

    def _validate(self) -> None:
        for name in ("a", "b", "min", "max"):
            self._num(name, name)
        for name in ("a", "b"):
            v = getattr(self, name)
            if not 1.0 <= v <= 1e4:
                raise DistributionError(name, f"{name} ({_fmt(v)}) must be between 1 and 10000 (a beta with a "
                                              "shape below 1 piles up at its ends; use discrete or pert instead)")
        if not self.max > self.min:
            raise DistributionError("max", f"max ({_fmt(self.max)}) must be above min ({_fmt(self.min)})")

    def _block(self, u, out):
        _beta_block(u, out, _beta_table(self.a, self.b))
        out *= self.max - self.min
        out += self.min
        np.clip(out, self.min, self.max, out=out)

    def mean(self) -> float:
        return self.min + (self.max - self.min) * self.a / (self.a + self.b)

    def sd(self) -> float:
        a, b = self.a, self.b
        return (self.max - self.min) * math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1.0)))

    def _params(self):
        d: dict[str, Any] = {"dist": "beta", "a": self.a, "b": self.b}
        if self.min != 0.0 or self.max != 1.0:
            d["min"], d["max"] = self.min, self.max
        return d


@dataclass(frozen=True)
class Range90(Distribution):
    """A 90% range: 5% of draws below ``low``, 5% above ``high``.

    ``shape="normal"``: mean (low+high)/2, sd (high-low)/(2*Z95).
    ``shape="lognormal"``: lognormal with those 5th/95th percentiles (low > 0).
    Attributes ``mu``/``sigma`` are the parameters of the normal (of the log
    for lognormal).  ``base()`` gives the equivalent Normal/LogNormal.
    """

    kind: ClassVar[str] = "range90"
    low: float
    high: float
    shape: str = "normal"

    def _validate(self) -> None:
        self._num("low", "low")
        self._num("high", "high")
        if self.shape not in ("normal", "lognormal"):
            raise DistributionError(
                "dist", f"a 90% range is 'normal' or 'lognormal', not {self.shape!r}"
            )
        if not self.high > self.low:
            raise DistributionError(
                "high", f"high ({_fmt(self.high)}) must be above low ({_fmt(self.low)})"
            )
        if self.shape == "lognormal":
            if self.low <= 0:
                raise DistributionError(
                    "low", f"low ({_fmt(self.low)}) of a lognormal range must be above 0"
                )
            ll, lh = math.log(self.low), math.log(self.high)
            self._set("mu", 0.5 * (ll + lh))
            self._set("sigma", (lh - ll) / (2.0 * Z95))
        else:
            self._set("mu", 0.5 * (self.low + self.high))
            self._set("sigma", (self.high - self.low) / (2.0 * Z95))

    def _block(self, u, out):
        if self.sigma == 0.0:  # only if high - low underflows
            out.fill(math.exp(self.mu) if self.shape == "lognormal" else self.mu)
            return
        _norm_block(u, out)
        out *= self.sigma
        out += self.mu
        if self.shape == "lognormal":
            np.exp(out, out=out)

    def mean(self) -> float:
        if self.shape == "lognormal":
            return math.exp(self.mu + 0.5 * self.sigma**2)
        return self.mu

    def sd(self) -> float:
        if self.shape == "lognormal":
            return self.mean() * math.sqrt(math.expm1(self.sigma**2))
        return self.sigma

    def base(self) -> Normal | LogNormal:
        """The equivalent Normal / LogNormal (mean/sd form), same floor/cap."""
        cls = LogNormal if self.shape == "lognormal" else Normal
        return cls(self.mean(), self.sd(), floor=self.floor, cap=self.cap)

    def _params(self):
        d: dict[str, Any] = {"low": self.low, "high": self.high}
        if self.shape == "lognormal":
            d = {"dist": "lognormal", **d}
        return d


# --------------------------------------------------------------------------
# Convenience constructors (same validation as from_spec)
# --------------------------------------------------------------------------


def normal(mean: float, sd: float, *, floor=None, cap=None) -> Normal:
    return Normal(mean, sd, floor=floor, cap=cap)


def lognormal(mean: float, sd: float, *, floor=None, cap=None) -> LogNormal:
    return LogNormal(mean, sd, floor=floor, cap=cap)


def uniform(min: float, max: float, *, floor=None, cap=None) -> Uniform:  # noqa: A002 (the file's own keys min and max)
    return Uniform(min, max, floor=floor, cap=cap)


def triangular(min: float, mode: float, max: float, *, floor=None, cap=None) -> Triangular:  # noqa: A002 (the file's own keys min and max)
    return Triangular(min, mode, max, floor=floor, cap=cap)


def pert(min: float, mode: float, max: float, *, floor=None, cap=None) -> Pert:  # noqa: A002 (the file's own keys min and max)
    return Pert(min, mode, max, floor=floor, cap=cap)


def bernoulli(p: float, *, floor=None, cap=None) -> Bernoulli:
    return Bernoulli(p, floor=floor, cap=cap)


def discrete(values, weights=None, *, floor=None, cap=None) -> Discrete:
    return Discrete(values, weights, floor=floor, cap=cap)


def range90(low: float, high: float, shape: str = "normal", *, floor=None, cap=None) -> Range90:
    return Range90(low, high, shape, floor=floor, cap=cap)


# --------------------------------------------------------------------------
# Spec parsing
# --------------------------------------------------------------------------

#: dist name -> (required keys, optional keys), floor/cap/dist excluded.
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "normal": (("mean", "sd"), ()),
    "lognormal": (("mean", "sd"), ()),
    "uniform": (("min", "max"), ()),
    "triangular": (("min", "mode", "max"), ()),
    "pert": (("min", "mode", "max"), ()),
    "bernoulli": (("p",), ()),
    "discrete": (("values",), ("weights",)),
    "beta": (("a", "b"), ("min", "max")),
    "gamma": (("mean", "sd"), ()),
    "poisson": (("mean",), ()),
}
_RANGE_KEYS = ("low", "high")
_COMMON = ("dist", "floor", "cap")
_ALL_KEYS = sorted({k for req, opt in KINDS.values() for k in req + opt} | set(_RANGE_KEYS) | set(_COMMON))


def _hint(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return "; expected one of: " + ", ".join(choices)


def _unknown_keys(spec: Mapping, allowed: Sequence[str], what: str) -> None:
    for key in spec:
        if key not in allowed:
            raise DistributionError(
                str(key), f"unknown key {str(key)!r} for {what}{_hint(str(key), allowed)}"
            )


def _missing(spec: Mapping, required: Sequence[str], what: str) -> None:
    for key in required:
        if key not in spec:
            raise DistributionError(key, f"{what} needs {key!r} (required: {', '.join(required)})")


def from_spec(spec: Mapping) -> Distribution:
    """Build a distribution from a spec dict as written in a scenario file.

    Raises DistributionError (with ``field`` naming the culprit) for unknown
    keys (with a "did you mean" hint), missing keys, non-numbers (booleans and
    text included), NaN/inf, and out-of-range or inconsistent parameters.
    """
    if not isinstance(spec, Mapping):
        raise DistributionError(
            "dist",
            f"a distribution must be a table such as {{low = 1, high = 2}}, not {type(spec).__name__}",
        )
    for key in spec:
        if not isinstance(key, str):
            raise DistributionError(str(key), f"keys must be text, not {key!r}")

    dist = spec.get("dist")
    if dist is not None and not isinstance(dist, str):
        raise DistributionError("dist", f"dist must be a name such as \"pert\", not {dist!r}")
    is_range = any(k in spec for k in _RANGE_KEYS) and dist in (None, "normal", "lognormal")

    if is_range:
        what = "a 90% range" if dist is None else f"a {dist} 90% range"
        allowed = _RANGE_KEYS + _COMMON
        for key in spec:
            if key not in allowed and key in ("mean", "sd"):
                raise DistributionError(
                    key, f"give either low/high (a 90% range) or mean/sd, not both ({key!r} with low/high)"
                )
        _unknown_keys(spec, allowed, what)
        _missing(spec, _RANGE_KEYS, what)
        return Range90(
            spec["low"], spec["high"], dist or "normal", floor=spec.get("floor"), cap=spec.get("cap")
        )

    if dist is None:
        for key in spec:
            if key not in _ALL_KEYS:
                raise DistributionError(key, f"unknown key {key!r}{_hint(key, _ALL_KEYS)}")
        raise DistributionError(
            "dist",
            "say which distribution: give low/high for a 90% range, or add dist = "
            + ", ".join(repr(k) for k in KINDS),
        )
    if dist not in KINDS:
        raise DistributionError("dist", f"unknown distribution {dist!r}{_hint(dist, list(KINDS))}")

    required, optional = KINDS[dist]
    what = f"a {dist} distribution"
    _unknown_keys(spec, required + optional + _COMMON, what)
    _missing(spec, required, what)
    # The constructors validate every value (DistributionError naming the key) and
    # remember the numbers as written, so describe() gives back ints as ints.
    floor, cap = spec.get("floor"), spec.get("cap")
    if dist == "discrete":
        return Discrete(spec["values"], spec.get("weights"), floor=floor, cap=cap)
    if dist == "beta":
        return Beta(spec["a"], spec["b"], spec.get("min", 0), spec.get("max", 1), floor=floor, cap=cap)
    args = [spec[k] for k in required]
    cls = {
        "normal": Normal,
        "lognormal": LogNormal,
        "uniform": Uniform,
        "triangular": Triangular,
        "pert": Pert,
        "bernoulli": Bernoulli,
        "gamma": Gamma,
        "poisson": Poisson,
    }[dist]
    try:
        return cls(*args, floor=floor, cap=cap)
    except (OverflowError, ZeroDivisionError, FloatingPointError):
        raise DistributionError(required[-1], f"the parameters of {what} are too extreme to work with "
                                              "(numbers overflow); use values closer in size") from None
