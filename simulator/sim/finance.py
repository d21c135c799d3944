"""Financial measures, vectorised over simulated futures.

Conventions shared by every function in this module
---------------------------------------------------
cash : ndarray, shape (n, T+1)
    One row per simulated future, one column per year.  ``cash[i, t]`` is the
    *net* cash of future ``i`` in year ``t``.  Year 0 is today and is not
    discounted; every other flow falls at the *end* of its year, so year ``t``
    is discounted by ``(1 + rate) ** -t``.  Sign: positive = money in (benefit,
    saving, income), negative = money out (investment, running cost).  Units
    are whatever currency the caller uses; nothing here rescales amounts.
    Where it is stated, a single stream of shape (T+1,) is accepted as well.
rate : float
    Annual discount rate as a fraction (0.08 = 8 % a year); must be > -1.
NaN
    NaN in a result means "undefined for this future" (for instance no IRR
    exists, or the input row contained NaN/inf).  It never means "bad luck":
    a project that does not pay back within the horizon gets ``inf`` from
    :func:`payback`, not NaN.

Rows are independent: every per-row result is bit-for-bit the same whether
the row is passed alone or in any batch (no BLAS products, no batch-dependent
iteration), so chunked simulations reproduce unchunked ones exactly.

Only numpy and the standard library are used at run time.  No function here
emits numpy floating-point warnings; :func:`irr` and :func:`payback` never
raise for bad data (they return NaN for the affected rows).
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = [
    "discount_factors",
    "npv",
    "present_value",
    "irr",
    "payback",
    "roi",
    "summarise_payback",
]


# ---------------------------------------------------------------------------
# Discounting, NPV, PV
# ---------------------------------------------------------------------------

def _check_rate(rate) -> float:
    r = float(rate)
    if not np.isfinite(r) or r <= -1.0:
        raise ValueError(f"discount rate must be a finite number > -1, got {rate!r}")
    return r


def discount_factors(rate: float, years: int) -> np.ndarray:
    """Discount factor for each year 0..years.

    Parameters
    ----------
    rate : float
        Annual discount rate as a fraction (0.08 = 8 %); must be > -1.
    years : int
        Horizon T (number of years after today), >= 0.

    Returns
    -------
    ndarray, shape (years+1,)
        ``(1 + rate) ** -t`` for t = 0..years; element 0 is 1.0 (today is not
        discounted), element t discounts a flow falling at the end of year t.

    Raises
    ------
    ValueError
        If ``rate <= -1`` or is not finite, or if ``years < 0``.

    Examples
    --------
    >>> discount_factors(0.1, 2)
    array([1.        , 0.90909091, 0.82644628])
    """
    r = _check_rate(rate)
    years = int(years)
    if years < 0:
        raise ValueError(f"years must be >= 0, got {years}")
    return np.power(1.0 + r, -np.arange(years + 1, dtype=float))


def _discounted_sum(cash, rate):
    c = np.asarray(cash, dtype=float)
    if c.ndim == 0:
        raise ValueError("cash must have at least one dimension (years on the last axis)")
    df = discount_factors(rate, c.shape[-1] - 1)
    with np.errstate(all="ignore"):
        # Element-wise product and a per-row sum (not a BLAS product), so a row's
        # result is bit-for-bit independent of the other rows in the call.
        return (c * df).sum(axis=-1)


def npv(cash, rate) -> np.ndarray:
    """Net present value of each simulated future.

    ``NPV = sum_t cash[..., t] * (1 + rate) ** -t`` with t = 0..T; the year-0
    flow is not discounted (same convention as ``numpy_financial.npv``).

    Parameters
    ----------
    cash : array_like, shape (n, T+1) or (T+1,)
        Net cash per future (row) and year (column); positive = money in.
    rate : float
        Annual discount rate as a fraction; must be > -1.

    Returns
    -------
    ndarray, shape (n,) -- or numpy.float64 for a single (T+1,) stream.
        NPV in the units of ``cash``.  A row containing NaN gives NaN.

    Raises
    ------
    ValueError
        If ``rate <= -1`` or is not finite.

    Examples
    --------
    >>> round(float(npv([-100.0, 60.0, 60.0], 0.1)), 6)
    4.132231
    """
    return _discounted_sum(cash, rate)


def present_value(cash, rate) -> np.ndarray:
    """Present value of a single stream of flows (e.g. benefits only, or costs only).

    Same arithmetic as :func:`npv` -- ``sum_t flows[..., t] * (1 + rate) ** -t``,
    year 0 undiscounted, end-of-year timing -- but meant for one stream whose
    sign is fixed by the caller, e.g. costs given as positive amounts so that
    ``roi(present_value(benefits, r), present_value(costs, r))`` works.

    Parameters
    ----------
    cash : array_like, shape (n, T+1) or (T+1,)
        The stream's amount per future (row) and year (column).
    rate : float
        Annual discount rate as a fraction; must be > -1.

    Returns
    -------
    ndarray, shape (n,) -- or numpy.float64 for a single (T+1,) stream.
    """
    return _discounted_sum(cash, rate)


# ---------------------------------------------------------------------------
# ROI
# ---------------------------------------------------------------------------

def roi(pv_benefits, pv_costs) -> np.ndarray:
    """Return on investment, ``(pv_benefits - pv_costs) / pv_costs``.

    Parameters
    ----------
    pv_benefits, pv_costs : array_like, broadcastable, typically shape (n,)
        Present values of the benefit and cost streams, both given as
        *positive* amounts (costs are not negated).

    Returns
    -------
    ndarray (broadcast shape; 0-d for scalar inputs)
        A fraction: 0.25 means benefits exceed costs by 25 % of the costs.
        NaN where ``pv_costs == 0`` (ROI undefined without costs) or where an
        input is NaN.  Never warns.

    Examples
    --------
    >>> float(roi(125.0, 100.0))
    0.25
    """
    b = np.asarray(pv_benefits, dtype=float)
    c = np.asarray(pv_costs, dtype=float)
    with np.errstate(all="ignore"):
        out = np.asarray(np.subtract(b, c), dtype=float)    # in place below: one temporary, not three
        if out.ndim == 0:
            return np.where(c == 0, np.nan, out / c)
        out /= c
        out[np.broadcast_to(c == 0, out.shape)] = np.nan
        return out


# ---------------------------------------------------------------------------
# Payback
# ---------------------------------------------------------------------------

_PAYBACK_BLOCK = 65_536                     # rows per block in payback()


def payback(cash, rate: float | None = None) -> np.ndarray:
    """Payback period of each simulated future, in years.

    Let ``cum[t]`` be the cumulative cash up to and including year t --
    discounted by ``(1 + rate) ** -t`` when ``rate`` is given (discounted
    payback), plain sums otherwise.  The payback is the first time at which
    ``cum`` becomes >= 0, interpolated linearly inside the year in which it
    turns (flows are treated as accruing evenly over that year):

    * ``cum[0] >= 0`` (nothing to pay back)          -> 0.0
    * first t with ``cum[t-1] < 0 <= cum[t]``         -> ``(t-1) + -cum[t-1] / (cum[t] - cum[t-1])``
    * ``cum`` stays negative through year T           -> ``inf`` ("not within the horizon")

    Only the *first* crossing counts; a later dip below zero (e.g. a late
    decommissioning cost) does not change the result.

    Parameters
    ----------
    cash : array_like, shape (n, T+1) or (T+1,)
        Net cash per future (row) and year (column); positive = money in.
    rate : float or None
        Annual discount rate (> -1) for discounted payback; None = undiscounted.

    Returns
    -------
    ndarray, shape (n,) -- or numpy.float64 for a single (T+1,) stream.
        Years in [0, T] or ``inf``; NaN only for rows containing NaN/inf.

    Raises
    ------
    ValueError
        If ``rate`` is given and is <= -1 or not finite, or if ``cash`` has
        more than two dimensions.

    Examples
    --------
    >>> float(payback([-100.0, 30.0, 40.0, 50.0]))
    2.6
    """
    c = np.asarray(cash, dtype=float)
    one_d = c.ndim == 1
    c2 = np.atleast_2d(c)
    if c2.ndim != 2:
        raise ValueError("cash must have shape (n, T+1) or (T+1,)")
    n, t1 = c2.shape
    out = np.full(n, np.inf)
    if t1 == 0:
        out[:] = np.nan
        return out[0] if one_d else out
    df = None if rate is None else discount_factors(rate, t1 - 1)
    with np.errstate(all="ignore"):
        for start in range(0, n, _PAYBACK_BLOCK):           # cache-sized blocks of rows
            stop = min(start + _PAYBACK_BLOCK, n)
            out[start:stop] = _payback_cols(np.ascontiguousarray(c2[start:stop].T), df)
    return out[0] if one_d else out


def payback_cols(ct, rate: float | None = None) -> np.ndarray:
    """:func:`payback` of flows given year by year: ``ct`` of shape (T+1, n), one row per year
    (each row's futures contiguous), as the engine holds a chunk's net cash once for the IRR,
    the paybacks and the yearly paths. The same numbers as ``payback(ct.T, rate)``; ``ct`` is
    only read."""
    ct = np.asarray(ct, dtype=float)
    if ct.ndim != 2 or ct.shape[0] == 0:
        return payback(ct.T, rate)
    df = None if rate is None else discount_factors(rate, ct.shape[0] - 1)
    n = ct.shape[1]
    out = np.empty(n)
    with np.errstate(all="ignore"):
        for start in range(0, n, _PAYBACK_BLOCK):
            stop = min(start + _PAYBACK_BLOCK, n)
            out[start:stop] = _payback_cols(ct[:, start:stop], df)
    return out


def _payback_rows(c, df):
    """Payback of the rows of c, shape (m, T+1); df = discount factors or None."""
    return _payback_cols(np.ascontiguousarray(c.T), df)


def _payback_cols(ct, df):
    """Payback of the columns of ct, shape (T+1, m), one row per year (only read); df =
    discount factors or None. Each year is added in place to the running sum (the same sums
    as np.cumsum) and compared without temporaries of the whole block."""
    m = ct.shape[1]
    out = np.full(m, np.inf)
    if df is None:
        year = lambda t: ct[t]
    else:
        buf = np.empty(m)
        year = lambda t: np.multiply(ct[t], df[t], out=buf)
    cum = year(0).copy()
    finite = np.isfinite(cum)
    prev = np.empty(m)
    open_ = cum < 0                                          # not paid back yet
    out[~open_] = 0.0
    hit = np.empty(m, dtype=bool)
    for t in range(1, ct.shape[0]):
        c_t = year(t)
        finite &= np.isfinite(c_t)
        prev, cum = cum, prev
        np.add(prev, c_t, out=cum)                          # same sums as np.cumsum
        np.greater_equal(cum, 0, out=hit)
        hit &= open_
        turns = np.flatnonzero(hit)
        if turns.size:
            p, q = prev[turns], cum[turns]
            out[turns] = (t - 1) + (-p) / (q - p)
            open_[turns] = False
    out[~finite] = np.nan
    return out


def summarise_payback(pb) -> tuple[float, float]:
    """Summarise simulated payback periods.

    Parameters
    ----------
    pb : array_like, shape (n,)
        Output of :func:`payback` (years, ``inf`` = not within the horizon,
        NaN = undefined; NaN entries are ignored).

    Returns
    -------
    (median, prob_within_horizon) : tuple of float
        ``median`` is the median payback in years -- ``inf`` when more than
        half of the futures never pay back within the horizon.
        ``prob_within_horizon`` is the fraction of futures with a finite
        payback.  Both are NaN when there is no non-NaN entry.
    """
    p = np.asarray(pb, dtype=float).ravel()
    p = p[~np.isnan(p)]
    if p.size == 0:
        return float("nan"), float("nan")
    with np.errstate(all="ignore"):
        return float(np.median(p)), float(np.mean(np.isfinite(p)))


# ---------------------------------------------------------------------------
# IRR
# ---------------------------------------------------------------------------

# Scan grid for rows with several sign changes: trial rates walking outward
# from r = 0, every percentage point from -50 % to +100 %, coarser beyond (to
# -99.9 % and +10^6 %).  Per-row Cauchy root bounds close both ends, so every
# real IRR lies in some scan cell.
_POS_RATES = np.concatenate([np.arange(1, 101) / 100.0,
                             [1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5, 10.0, 20.0, 50.0,
                              1e2, 2e2, 5e2, 1e3, 1e4, 1e5, 1e6]])
_NEG_RATES = np.concatenate([-np.arange(1, 51) / 100.0,
                             [-0.55, -0.6, -0.65, -0.7, -0.75, -0.8, -0.85, -0.9,
                              -0.95, -0.98, -0.99, -0.995, -0.998, -0.999]])
_POS_X = np.concatenate([[1.0], 1.0 / (1.0 + _POS_RATES)])    # x = 1/(1+r), from r = 0 outward
_NEG_X = np.concatenate([[1.0], 1.0 / (1.0 + _NEG_RATES)])
# Bands in |r|, scanned in turn; a row leaves the scan at the first band in which
# NPV changes sign.  Each entry: (last positive-side index, last negative-side index,
# positive side closed by its bound?, negative side closed by its bound?).
_BANDS = (
    (30, 30, False, False),                                   # |r| <= 30 %
    (50, 50, False, False),                                   # |r| <= 50 %
    (100, _NEG_X.size - 1, False, True),                      # |r| <= 100 %: all r < 0 done
    (_POS_X.size - 1, _NEG_X.size - 1, True, False),          # r > 100 %
)
_SCAN_BLOCK = 32_768                                          # (rows x points) per scan block: cache-sized
_COARSE = 5                                                   # scan grid points per coarse cell
_IRR_BLOCK = 65_536                                           # rows per block in irr()
_START_X = 1.0 / 1.1                                          # r = 10 %
_RESIDUAL_CHECK = 1e-6                                        # accepted |NPV| / sum_t |c_t| x^t


def _horner(ct, x):
    """P(x) = sum_t ct[t] x**t and P'(x); ct has shape (T+1, m) with T >= 1, x shape (m,)."""
    t_max = ct.shape[0] - 1
    dp = ct[t_max].copy()
    p = ct[t_max] * x
    p += ct[t_max - 1]
    for t in range(t_max - 2, -1, -1):
        dp *= x
        dp += p
        p *= x
        p += ct[t]
    return p, dp


def _horner_value(ct, x):
    p = ct[-1].copy()
    for t in range(ct.shape[0] - 2, -1, -1):
        p *= x
        p += ct[t]
    return p


def _residual_ok(ct, x):
    """True where x is a genuine root of sum_t ct[t] x**t (relative residual test)."""
    scale = np.abs(ct[-1])                  # _horner_value(np.abs(ct), x), without the copy of ct
    a = np.empty_like(scale)
    for t in range(ct.shape[0] - 2, -1, -1):
        scale *= x
        scale += np.abs(ct[t], out=a)
    return np.abs(_horner_value(ct, x)) <= _RESIDUAL_CHECK * scale


def _moment_start(ct):
    """Starting x per column from the flows' moments (see :func:`_newton_conventional`).

    NaN where ``-c_0 / S`` is not positive (S = sum of the later flows).
    """
    t1 = ct.shape[0]
    s_sum = ct[1].copy()                           # S = sum_{t>=1} c_t, then sum t c_t, sum t^2 c_t
    m1 = ct[1].copy()
    m2 = ct[1].copy()
    tmp = np.empty_like(s_sum)                     # (in place throughout: the same operations)
    for t in range(2, t1):
        s_sum += ct[t]
        m1 += np.multiply(ct[t], t, out=tmp)
        m2 += np.multiply(ct[t], t * t, out=tmp)
    dur = np.divide(m1, s_sum, out=m1)             # D = E_w[t] >= 1
    var = np.divide(m2, s_sum, out=m2)             # E_w[t^2], then V = E_w[t^2] - D^2 >= 0
    var -= np.multiply(dur, dur, out=tmp)
    np.maximum(var, 0.0, out=var)
    lg = np.negative(ct[0], out=tmp)               # L = ln(-c_0 / S)
    lg /= s_sum
    np.log(lg, out=lg)
    # Root of D u + V u^2 / 2 = L in its cancellation-free form; <= the Jensen
    # value L / D.  (If D^2 + 2 V L < 0 this gives 2 L / D: left of the root,
    # which costs one extra Newton step at most.)
    disc = np.multiply(var, lg, out=var)
    disc *= 2.0
    disc += np.multiply(dur, dur, out=s_sum)
    np.maximum(disc, 0.0, out=disc)
    np.sqrt(disc, out=disc)
    disc += dur
    lg *= 2.0
    lg /= disc
    return np.exp(lg, out=lg)


def _newton_conventional(ct, tol, max_iter):
    """Newton in x for conventional rows (c_0 the only flow of its sign).

    For these rows ``-sign(c_0) * P`` has non-negative coefficients beyond x**0,
    so it is convex and increasing on x > 0: from any x > 0 Newton lands on
    the right of the root after at most one step and then decreases
    monotonically onto it.  On the right of the root the error left after a
    step of size ``s`` is at most about ``(T-1) s**2 / x``, which lets the loop
    stop one evaluation early (``s <= delta * x``, ``delta = sqrt(tol/(T-1))/2``).

    Start: with weights ``w_t = c_t / S`` (t >= 1, S their sum) and
    ``u = ln x``, ``P(x) = 0`` reads ``E_w[exp(t u)] = -c_0 / S``; a second-order
    cumulant expansion gives the start (never right of the Jensen value
    ``u = ln(-c_0/S) / E_w[t]``, which itself lies right of the root).
    Returns x per row; NaN where the iteration did not converge (overflow or
    ``max_iter``) -- the caller retries those rows.
    """
    t1, m = ct.shape
    t_max = t1 - 1
    x = _moment_start(ct)

    delta = max(tol, 0.5 * np.sqrt(tol / max(t_max - 1, 1)))
    out = np.full(m, np.nan)
    idx = np.arange(m)
    live = np.ones(m, dtype=bool)
    for _ in range(max_iter):
        p, dp = _horner(ct, x)
        p /= dp                                    # Newton step s (s >= 0 right of the root)
        x -= p
        p /= x                                     # relative step s / x_new
        # A row is recorded once, at its own first convergence, so its result never
        # depends on which rows share its batch (finished rows may ride along below).
        done = (p <= delta) & (p >= -tol) & live
        if done.any():
            out[idx[done]] = x[done]
        live &= ~done & (x > 0)                    # NaN / overflow rows are dropped (retried later)
        n_live = np.count_nonzero(live)
        if n_live == 0:
            break
        if n_live < 0.6 * live.size:               # compact the active set
            idx, x, ct, live = idx[live], x[live], ct[:, live], live[live]
    return out


def _newton_bracketed(ct, lo, hi, s_lo, x, tol, max_iter):
    """Safeguarded Newton on P(x) = sum_t ct[t] x**t within brackets lo <= root <= hi.

    ``s_lo`` is the sign of P on the ``lo`` side of the root (0 for a bracket
    that is a single exact root, lo == hi == x).  A Newton step leaving the
    current bracket is replaced by bisection (geometric when the bracket
    spans more than a factor 4, arithmetic otherwise); an overflowing P
    (huge x) shrinks the bracket from above.  Returns x per row, NaN where not
    converged within ``max_iter`` iterations.
    """
    m = x.size
    out = np.full(m, np.nan)
    idx = np.arange(m)
    lo, hi, x = lo.copy(), hi.copy(), x.copy()
    live = np.ones(m, dtype=bool)
    s_hi = -s_lo
    # (The same operations as written plainly, into the arrays of the step before: fewer
    # temporaries of the whole block in each iteration.)
    for _ in range(max_iter):
        p, dp = _horner(ct, x)
        sp = np.sign(p)
        np.copyto(lo, x, where=sp == s_lo)
        np.copyto(hi, x, where=(sp == s_hi) | np.isnan(sp))
        step = np.divide(p, dp, out=p)
        x_new = np.subtract(x, step, out=dp)
        ok = x_new >= lo                           # inclusive: a sub-ulp step may land on an end
        ok &= x_new <= hi
        bad = np.flatnonzero(~ok)
        if bad.size:
            lb, hb = lo[bad], hi[bad]
            x_new[bad] = np.where(hb > 4.0 * lb, np.sqrt(lb * hb), 0.5 * (lb + hb))
        exact = sp == 0
        np.copyto(x_new, x, where=exact)
        small = np.multiply(x, tol, out=sp)        # tol * x (sp is not needed any more)
        done = np.abs(step, out=step) <= small
        done &= ok
        done |= exact
        done |= np.subtract(hi, lo, out=step) <= small
        done &= live
        if done.any():                             # recorded once (batch-independent result)
            out[idx[done]] = x_new[done]
        live &= ~done
        n_live = np.count_nonzero(live)
        if n_live == 0:
            break
        if n_live < 0.6 * live.size:               # compact the active set
            keep = live
            idx, x, ct, live = idx[keep], x_new[keep], ct[:, keep], live[keep]
            lo, hi, s_lo, s_hi = lo[keep], hi[keep], s_lo[keep], s_hi[keep]
        else:                                      # finished rows just ride along, unrecorded
            x = x_new
    return out


def _last_nonzero(ct):
    """Highest-order non-zero coefficient of each column (0 for an all-zero column)."""
    last = ct[0].copy()
    for t in range(1, ct.shape[0]):
        np.copyto(last, ct[t], where=ct[t] != 0)
    return last


def _root_bounds(ct):
    """Cauchy bounds (lo, hi): every positive root of sum_t ct[t] x**t lies strictly inside.

    Requires ``ct[0] != 0`` and another non-zero coefficient in each column.
    """
    a0 = np.abs(ct[0])
    amax = a0.copy()
    am = a0.copy()                                          # |c| of the last non-zero year
    a = np.empty_like(a0)
    for t in range(1, ct.shape[0]):                         # one year at a time: no (T+1, m) temporary
        np.abs(ct[t], out=a)
        np.maximum(amax, a, out=amax)
        np.copyto(am, a, where=a != 0)
    return a0 / (a0 + amax), (am + amax) / am


def _sign_changes(ct):
    """Number of sign changes along each column of ct, zeros ignored (Descartes' count)."""
    last = np.zeros(ct.shape[1])
    changes = np.zeros(ct.shape[1], dtype=np.int64)
    for t in range(ct.shape[0]):
        s = np.sign(ct[t])
        changes += (s * last) < 0
        np.copyto(last, s, where=s != 0)
    return changes


def _solve_single_change(ct, tol, max_iter):
    """x-root of columns with exactly one sign change (then the positive root is unique)."""
    lo, hi = _root_bounds(ct)
    # The moments' start (usually a few Newton steps from the root) where it is inside the
    # bounds, else r = 10 % or the bounds' geometric middle.
    x0 = np.where((lo < _START_X) & (_START_X < hi), _START_X, np.sqrt(lo * hi))
    start = _moment_start(ct)
    inside = (lo < start) & (start < hi)                    # False for NaN
    np.copyto(x0, start, where=inside)
    x = _newton_bracketed(ct, lo, hi, np.sign(ct[0]), x0, tol, max_iter)
    ok = np.isfinite(x)
    if ok.all():                                            # (no copy of ct: the usual case)
        ok = _residual_ok(ct, x)
    else:
        ok[ok] = _residual_ok(ct[:, ok], x[ok])
    return np.where(ok, x, np.nan)


def _values_at(cst, xs):
    """P at the points xs for every column of cst: shape (m, len(xs)), by Horner's rule.

    Element-wise arithmetic on blocks of columns, so a column's values never
    depend on which other columns share its block (a BLAS product could).
    """
    m = cst.shape[1]
    out = np.empty((m, xs.size))
    chunk = max(256, _SCAN_BLOCK // max(xs.size, 1))
    for start in range(0, m, chunk):
        blk = cst[:, start:start + chunk]
        vals = out[start:start + chunk]
        np.multiply.outer(blk[-1], xs, out=vals)
        for t in range(blk.shape[0] - 2, -1, -1):
            vals += blk[t][:, None]
            if t:
                vals *= xs
    return out


def _values_at_rows(cst, x):
    """P at per-column points: x has shape (m, k); returns (m, k) (same arithmetic as above)."""
    vals = cst[-1][:, None] * x
    for t in range(cst.shape[0] - 2, -1, -1):
        vals += cst[t][:, None]
        if t:
            vals *= x
    return vals


def _point_values(cst, x):
    """P(x) at one scalar point x for every column of cst (same arithmetic as _values_at)."""
    p = cst[-1] * x
    for t in range(cst.shape[0] - 2, -1, -1):
        p += cst[t]
        if t:
            p *= x
    return p


def _curvature_bound(cst, a, b):
    """Per column, M >= |P''(x)| for all a <= x <= b (0 < a <= b).

    P'' = A - B with A, B the parts of positive and negative coefficients;
    both are non-decreasing for x > 0, so A(a) - B(b) <= P'' <= A(b) - B(a).
    """
    def part(coef, x):
        out = np.zeros(cst.shape[1])
        for t in range(cst.shape[0] - 1, 1, -1):
            out *= x
            out += (t * (t - 1)) * coef[t - 2]
        return out
    pos = np.maximum(cst[2:], 0.0)
    neg = np.maximum(-cst[2:], 0.0)
    return np.maximum(part(pos, b) - part(neg, a), part(neg, b) - part(pos, a))


def _first_hits(cst, xs):
    """For columns of cst (scaled so that P > 0 at xs[0]): first j >= 1 with P(xs[j]) <= 0.

    Returns (has, j, P(xs[j-1]), P(xs[j])) -- exactly what evaluating P at every
    point would give, at a fraction of the cost where possible.  With M a
    bound on |P''| over the points' range, an interval [a, b] with
    ``P(a), P(b) > 0`` and ``min(P(a), P(b)) > M (b - a)**2 / 8`` cannot hold a
    root.  That test is applied to the whole range, then to cells of
    ``_COARSE`` grid steps; the first cell not proved clear is scanned point
    by point, and so on.
    """
    m = cst.shape[1]
    g = xs.size
    has = np.zeros(m, dtype=bool)
    j = np.zeros(m, dtype=np.intp)
    va = np.zeros(m)
    vb = np.zeros(m)
    x_lo, x_hi = xs.min(), xs.max()
    if g <= 2 * _COARSE or x_hi > 2.0 * x_lo:        # short range, or |P''| bound too loose
        vals = _values_at(cst, xs)
        hit = vals[:, 1:] <= 0
        jj = np.argmax(hit, axis=1)
        rows = np.arange(m)
        has[:] = hit[rows, jj]
        j[:] = jj + 1
        va[:] = vals[rows, jj]
        vb[:] = vals[rows, jj + 1]
        return has, j, va, vb
    ci = np.arange(0, g, _COARSE)
    if ci[-1] != g - 1:
        ci = np.append(ci, g - 1)
    xc = xs[ci]
    n_cells = ci.size - 1
    curv = _curvature_bound(cst, x_lo, x_hi)
    # Whole range first.
    p_first = _point_values(cst, xc[0])
    p_last = _point_values(cst, xc[-1])
    clear = (p_last > 0) & (np.minimum(p_first, p_last) > curv * ((xc[-1] - xc[0]) ** 2 / 8.0))
    sub = np.nonzero(~clear)[0]
    if sub.size == 0:
        return has, j, va, vb
    cs = cst[:, sub]
    curv = curv[sub]
    # Then coarse cells: P at the coarse points, one contiguous row per point.
    pc = np.empty((ci.size, sub.size))
    pc[0], pc[-1] = p_first[sub], p_last[sub]
    for k in range(1, ci.size - 1):
        pc[k] = _point_values(cs, xc[k])
    margin = np.diff(xc) ** 2 / 8.0
    is_open = np.empty((n_cells, sub.size), dtype=bool)     # not proved clear
    for k in range(n_cells):
        lower = np.minimum(pc[k], pc[k + 1])
        is_open[k] = ~((pc[k + 1] > 0) & (lower > curv * margin[k]))
    cell = np.full(sub.size, n_cells)
    for k in range(n_cells - 1, -1, -1):                    # earliest open cell wins
        cell[is_open[k]] = k
    pending = np.nonzero(cell < n_cells)[0]
    steps = np.arange(_COARSE + 1)
    while pending.size:
        c = cell[pending]
        idx = np.minimum(ci[c][:, None] + steps, ci[c + 1][:, None])
        vals = _values_at_rows(cs[:, pending], xs[idx])
        hit = vals[:, 1:] <= 0
        jj = np.argmax(hit, axis=1)
        rows = np.arange(pending.size)
        got = hit[rows, jj]
        cols, r = sub[pending[got]], rows[got]
        has[cols] = True
        j[cols] = idx[r, jj[got] + 1]
        va[cols] = vals[r, jj[got]]
        vb[cols] = vals[r, jj[got] + 1]
        # Scanned point by point without a sign change: move on to the next open cell.
        pending = pending[~got]
        nxt = np.full(pending.size, n_cells)
        cur = cell[pending]
        for k in range(n_cells - 1, -1, -1):
            nxt[is_open[k, pending] & (k > cur)] = k
        cell[pending] = nxt
        pending = pending[nxt < n_cells]
    return has, j, va, vb


def _scan_side(cst, side_x, first, last, toward_zero, end_sign, bound):
    """Sign-change cells on one side of x = 1 within one scan band.

    ``cst`` columns are scaled so that P > 0 at ``side_x[first]``; the side
    walks through ``side_x[first..last]`` (x decreasing for r > 0, increasing
    for r < 0).  If ``end_sign`` is given, the side is closed beyond
    ``side_x[last]`` by ``bound`` (per column), where P has sign ``end_sign``.
    Returns (cols, lo, hi, s_lo, x0): bracket ``lo <= root <= hi`` in x, the sign
    of P at ``lo`` (0 for an exact root on a grid point, lo == hi) and a start.
    """
    parts = []
    hit = np.zeros(cst.shape[1], dtype=bool)
    if last > first:
        xs = side_x[first:last + 1]
        has, j, va, vb = _first_hits(cst, xs)
        cols = np.nonzero(has)[0]
        hit[cols] = True
        j, va, vb = j[cols], va[cols], vb[cols]
        a, b = xs[j - 1], xs[j]                      # P(a) > 0 >= P(b)
        x0 = a + (b - a) * (va / (va - vb))          # regula falsi start
        on_point = vb == 0
        x0[on_point] = b[on_point]
        lo, hi = (b, a) if toward_zero else (a, b)
        lo, hi = lo.copy(), hi.copy()
        lo[on_point] = hi[on_point] = b[on_point]
        s_lo = np.full(cols.size, -1.0 if toward_zero else 1.0)
        s_lo[on_point] = 0.0
        parts.append((cols, lo, hi, s_lo, x0))
    if end_sign is not None:
        cols = np.nonzero(~hit & (end_sign < 0))[0]
        x_end = side_x[last]
        far = bound[cols]
        lo, hi = (far, np.full(cols.size, x_end)) if toward_zero else (np.full(cols.size, x_end), far)
        s_lo = np.full(cols.size, -1.0 if toward_zero else 1.0)
        parts.append((cols, lo, hi, s_lo, np.sqrt(lo * hi)))
    if not parts:
        e = np.zeros(0)
        return np.zeros(0, dtype=np.intp), e, e, e, e
    return tuple(np.concatenate(z) for z in zip(*parts))


def _solve_multi_change(ct, tol, max_iter):
    """x-root closest to r = 0 for columns with several sign changes (see :func:`irr`)."""
    m = ct.shape[1]
    out = np.full(m, np.nan)
    s1 = np.sign(ct.sum(axis=0))                     # sign of P(1), i.e. of the NPV at r = 0
    out[s1 == 0] = 1.0                               # r = 0 is itself a root
    end_pos = np.sign(ct[0]) * s1                    # sign of s1 * P for x -> 0+ (r -> inf)
    end_neg = np.sign(_last_nonzero(ct)) * s1        # ... and for x -> inf (r -> -1)
    active = np.nonzero(s1 != 0)[0]
    cst_all = ct * s1                                # P(1) > 0 on active columns
    # Large x (r near -1) overflows x**T on long horizons: use only points with x**T < 1e250.
    neg_cap = np.count_nonzero((ct.shape[0] - 1) * np.log10(_NEG_X) < 250.0) - 1
    prev_pos = prev_neg = 0
    for pos_last, neg_last, pos_closed, neg_closed in _BANDS:
        if active.size == 0:
            break
        neg_last = min(neg_last, neg_cap)
        cst = cst_all[:, active]
        lo_b = hi_b = None
        if pos_closed or neg_closed:
            lo_b, hi_b = _root_bounds(cst)
        pos = _scan_side(cst, _POS_X, prev_pos, pos_last, True,
                         end_pos[active] if pos_closed else None,
                         None if lo_b is None else np.minimum(lo_b, 0.5 * _POS_X[pos_last]))
        neg = _scan_side(cst, _NEG_X, prev_neg, neg_last, False,
                         end_neg[active] if neg_closed else None,
                         None if hi_b is None else np.maximum(hi_b, 2.0 * _NEG_X[neg_last]))
        n_pos = pos[0].size
        cols, lo, hi, s_lo, x0 = (np.concatenate(z) for z in zip(pos, neg))
        if cols.size:
            sub = cst[:, cols]
            x = _newton_bracketed(sub, lo, hi, s_lo, x0, tol, max_iter)
            ok = np.isfinite(x)
            ok[ok] = _residual_ok(sub[:, ok], x[ok])
            x[~ok] = np.nan
            # A column may have a candidate on both sides: keep the root nearer r = 0.
            x_pos = np.full(active.size, np.nan)
            x_neg = np.full(active.size, np.nan)
            x_pos[cols[:n_pos]] = x[:n_pos]
            x_neg[cols[n_pos:]] = x[n_pos:]
            take_neg = np.isnan(x_pos) | (np.abs(1.0 / x_neg - 1.0) < np.abs(1.0 / x_pos - 1.0))
            found = np.zeros(active.size, dtype=bool)
            found[cols] = True
            out[active[found]] = np.where(take_neg, x_neg, x_pos)[found]
            active = active[~found]
        prev_pos, prev_neg = pos_last, neg_last
    return out


def irr(cash, *, tol: float = 1e-10, max_iter: int = 100) -> np.ndarray:
    """Internal rate of return of each simulated future.

    The IRR of a row is a rate ``r > -1`` at which its NPV is zero,
    ``sum_t cash[t] * (1 + r) ** -t == 0`` (year 0 undiscounted, end-of-year
    flows, as everywhere in this module).

    Which root, and when NaN
    ------------------------
    With ``x = 1 / (1 + r)`` the NPV is the polynomial ``P(x) = sum_t cash[t] x**t``
    and ``r > -1`` becomes ``x > 0``.  By Descartes' rule of signs a row has at
    most as many IRRs as sign changes (zeros ignored), and exactly one when it
    has exactly one sign change.

    * No sign change (all flows >= 0, all <= 0, all zero, or a single
      column): NaN -- no IRR exists.
    * Exactly one sign change (e.g. invest first, then returns; or borrow
      first, then repay): the unique IRR.  Never NaN in practice.
    * Several sign changes (e.g. a late decommissioning cost): the IRR
      *closest to zero* -- the same choice as ``numpy_financial.irr`` -- as
      found by scanning the NPV outward from r = 0, on both sides, for a
      change of sign: on a grid of rates every 1 percentage point for
      -50 % <= r <= 100 %, coarser beyond (to -99.9 % and +10^6 %), closed at
      both ends by root bounds; the bracketed root(s) are then refined.  Two
      roots inside one grid cell (the NPV dips just below zero and back), or
      a root of even multiplicity off the grid points, do not change the sign
      of the NPV and are not seen: such a row may get a root farther from
      zero, or NaN if no sign change is found at all.  (A tie between r and
      -r goes to the positive root, up to rounding.)
    * A row containing NaN or +-inf: NaN.  Also NaN: an IRR so close to -1
      (or so large) that it does not round to a float rate above -1 (below inf).

    Every non-NaN result satisfies ``r > -1`` and
    ``|NPV(r)| <= 1e-6 * sum_t |cash[t]| (1 + r) ** -t`` (in practice ~1e-15).

    Method
    ------
    Fully vectorised over rows (Python loops run only over iterations, years,
    scan points and blocks of rows); everything works in ``x`` with Horner's
    rule, iterating only on rows that have not converged yet.  Rows whose
    year-0 flow is the only one of its sign ("conventional") use plain
    Newton, which converges monotonically for them, from a moment-based
    starting guess (typically 2-3 evaluations).  Other one-sign-change rows
    use Newton safeguarded by bisection inside Cauchy root bounds, from the
    same moment-based guess where it lies inside them.  The scan
    for several-sign-change rows skips stretches of the grid (a whole band,
    or 5-point cells) where a bound on ``|P''|`` proves that the NPV cannot
    change sign, and is otherwise point by point (the result is the same as
    a full scan); each bracketing cell then starts safeguarded Newton from
    its regula falsi point.
    Leading zero years are dropped (the IRR does not depend on them).  Each
    row's result is bit-for-bit independent of the other rows in the call.

    Cost on a 2-core machine, 1,000,000 rows x 6 years: ~0.1 s when the rows
    are conventional; a several-sign-change row costs roughly ten times a
    conventional one.

    Parameters
    ----------
    cash : array_like, shape (n, T+1) or (T+1,)
        Net cash per future (row) and year (column); positive = money in.
    tol : float, keyword-only
        Relative convergence tolerance on the discount factor ``x = 1/(1+r)``;
        the returned rate is accurate to about ``tol * (1 + r)`` (usually far
        better).  Should be >= ~1e-15.
    max_iter : int, keyword-only
        Iteration cap per solve; rows not converged within it get NaN.

    Returns
    -------
    ndarray, shape (n,) -- or numpy.float64 for a single (T+1,) stream.
        IRR as a fraction per year (0.12 = 12 %); NaN where undefined (see
        above).  Never raises for bad data, never emits numpy warnings.

    Raises
    ------
    ValueError
        Only if ``cash`` has more than two dimensions.

    Examples
    --------
    >>> round(float(irr([-100.0, 39.0, 59.0, 55.0, 20.0])), 5)
    0.28095
    >>> round(float(irr([-100.0, 100.0, 0.0, -7.0])), 5)     # two IRRs; closest to 0
    -0.0833
    """
    c = np.asarray(cash, dtype=float)
    one_d = c.ndim == 1
    c = np.atleast_2d(c)
    if c.ndim != 2:
        raise ValueError("cash must have shape (n, T+1) or (T+1,)")
    out = _irr(c, False, tol, max_iter)
    return out[0] if one_d else out


def irr_cols(ct, *, tol: float = 1e-10, max_iter: int = 100, later: "IrrLater | None" = None,
             first: int = 0) -> np.ndarray:
    """:func:`irr` of flows given year by year: ``ct`` of shape (T+1, n), one row per year
    (each row's futures contiguous), as the engine holds a chunk's net cash once for the IRR,
    the paybacks and the yearly paths. The same numbers as ``irr(ct.T)``, without its copy of
    the flows into that layout; ``ct`` is only read.

    ``later``: the few columns the careful solver needs (several sign changes, say) may be
    handed to it (numbered from ``first``) instead of solved here, their rates NaN for now:
    :meth:`IrrLater.solve` gives them, the same numbers, for many calls at once."""
    ct = np.asarray(ct, dtype=float)
    if ct.ndim != 2:
        raise ValueError("ct must have shape (T+1, n)")
    return _irr(ct, True, tol, max_iter, later, first)


class IrrLater:
    """Careful IRR columns put off by :func:`irr_cols` and solved together. Their solver scans
    each column's polynomial on a grid of rates band by band, a few hundred NumPy calls
    whatever the number of columns: in a million futures cut into 30 chunks, 0.6 % of them
    with several sign changes cost ~100 ms solved chunk by chunk and ~4 ms at once. At most
    ``max_columns`` are kept (their flows are copies); :func:`irr_cols` solves the rest
    itself. Safe to share between threads."""

    def __init__(self, tol: float = 1e-10, max_iter: int = 100, max_columns: int = 2 * _IRR_BLOCK):
        self.tol, self.max_iter, self.max_columns = float(tol), int(max_iter), max_columns
        self._at: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._size = 0
        self._lock = threading.Lock()

    def offer(self, at: np.ndarray, cols: np.ndarray) -> bool:
        """Keep columns ``cols`` (T+1, k), the futures numbered ``at``, if there is room."""
        with self._lock:
            if self._size + at.size > self.max_columns:
                return False
            self._at.append(at)
            self._cols.append(cols)
            self._size += at.size
            return True

    def solve(self) -> tuple[np.ndarray, np.ndarray]:
        """The futures kept and their IRRs."""
        with self._lock:
            at, cols = self._at, self._cols
            self._at, self._cols, self._size = [], [], 0
        if not at:
            return np.empty(0, dtype=np.intp), np.empty(0)
        at, cols = np.concatenate(at), np.concatenate(cols, axis=1)
        with np.errstate(all="ignore"):
            return at, _rates(_irr_careful_blocks(cols, self.tol, self.max_iter))


def _irr_careful_blocks(cols: np.ndarray, tol, max_iter) -> np.ndarray:
    """:func:`_irr_careful_cols` of the columns ``cols`` (T+1, k), :data:`_IRR_BLOCK` at a time."""
    return np.concatenate([_irr_careful_cols(cols[:, s:s + _IRR_BLOCK], tol, max_iter)
                           for s in range(0, cols.shape[1], _IRR_BLOCK)])


def _rates(x: np.ndarray) -> np.ndarray:
    """r = 1/x - 1 in place, NaN where x (a solver's finite x > 0, or NaN) gives no float rate."""
    # r = -1 (x beyond 2**53) or inf (x underflowed to 0): the IRR exists but is
    # not representable as a float rate -- report NaN rather than a wrong number.
    np.divide(1.0, x, out=x)
    x -= 1.0
    x[~((x > -1.0) & (x < np.inf))] = np.nan
    return x


def _irr(c, year_major: bool, tol, max_iter, later: IrrLater | None = None, first: int = 0):
    """The IRR of the rows of ``c`` (n, T+1), or of its columns when ``year_major`` (T+1, n)."""
    n, t1 = c.shape[::-1] if year_major else c.shape
    out = np.full(n, np.nan)
    if n == 0 or t1 < 2:
        return out
    tol = float(tol)
    max_iter = int(max_iter)
    with np.errstate(all="ignore"):
        # Blocks of rows keep the working arrays cache-sized (about 1.5x faster on
        # 1M rows); every row's arithmetic is the same whatever block it is in.
        # Conventional rows are solved block by block; the rest are gathered from
        # all blocks and solved together (their solver has more fixed overhead).
        # A block whose rows are mostly not conventional (a loss in year 1 as well, say) is
        # solved at once, from the block's own transposed copy; the few careful rows of the
        # other blocks are gathered (as year-major columns) and solved together at the end.
        # (Element-wise arithmetic and exact reductions only: a block read in place from
        # year-major flows gives the same bits as its contiguous copy.)
        rows_later, cols_later = [], []
        for start in range(0, n, _IRR_BLOCK):
            stop = min(start + _IRR_BLOCK, n)
            own = not year_major                            # ct is this call's own copy
            ct = c[:, start:stop] if year_major else np.ascontiguousarray(c[start:stop].T)  # (T+1, m)
            x, rest = _irr_conventional_cols(ct, tol, max_iter)
            out[start:stop] = x
            if 2 * rest.size >= _IRR_BLOCK:
                whole = rest.size == ct.shape[1]
                out[start + rest] = _irr_careful_cols(ct if whole else ct[:, rest], tol, max_iter,
                                                      own=own or not whole)
            elif rest.size:
                rows_later.append(rest + start)
                cols_later.append(ct[:, rest])
            del ct
        if rows_later:
            rows_later = np.concatenate(rows_later)
            cols_later = np.concatenate(cols_later, axis=1)
            if later is None or not later.offer(rows_later + first, cols_later):
                out[rows_later] = _irr_careful_blocks(cols_later, tol, max_iter)
        _rates(out)                                         # solvers return finite x > 0 or NaN
    return out


def _irr_conventional_rows(c, tol, max_iter):
    """x = 1/(1+IRR) for the conventional rows of c, shape (m, T+1) with T >= 1.

    Returns (x, rest): x is NaN outside conventional rows, and ``rest`` lists
    the rows left for :func:`_irr_careful_rows` (non-conventional, or failed).
    """
    return _irr_conventional_cols(np.ascontiguousarray(c.T), tol, max_iter)


def _irr_conventional_cols(ct, tol, max_iter):
    """:func:`_irr_conventional_rows` of the transposed flows ``ct``, (T+1, m), one
    contiguous row per year (read only)."""
    m = ct.shape[1]
    # Conventional: every later flow is 0 or of the sign opposite to c_0, and one
    # is not 0.  NaN rows fail the test; inf rows fail in Newton; both are retried.
    a = np.min(ct[1:], axis=0)
    a *= ct[0]
    b = np.max(ct[1:], axis=0)
    b *= ct[0]
    conventional = np.maximum(a, b) <= 0
    conventional &= np.minimum(a, b) < 0
    del a, b
    if conventional.all():
        x = _newton_conventional(ct, tol, max_iter)
        return x, np.nonzero(np.isnan(x))[0]                # (the rare failures are retried)
    x = np.full(m, np.nan)
    conv = np.nonzero(conventional)[0]
    if conv.size:
        x[conv] = _newton_conventional(ct[:, conv], tol, max_iter)
    return x, np.nonzero(~conventional | np.isnan(x))[0]


def _irr_careful_rows(c, tol, max_iter):
    """x = 1/(1+IRR) for arbitrary rows of c, shape (m, T+1) with T >= 1 (NaN: none)."""
    return _irr_careful_cols(np.ascontiguousarray(c.T), tol, max_iter)   # a copy: ours to modify


def _irr_careful_cols(cto, tol, max_iter, own: bool = True):
    """:func:`_irr_careful_rows` of the transposed flows ``cto``, (T+1, m): the caller's
    copy, which may be modified (``own``), else only read."""
    t1 = cto.shape[0]
    x = np.full(cto.shape[1], np.nan)
    ok = np.nonzero(np.isfinite(cto).all(axis=0) & (cto != 0).any(axis=0))[0]
    if ok.size < cto.shape[1]:
        cto = cto[:, ok]                                    # a copy: safe to modify below
    lead = np.nonzero(cto[0] == 0)[0]                       # drop leading zero years
    if lead.size:
        if not own and ok.size == cto.shape[1]:
            cto = cto.copy()                                # the caller's flows stay as they are
        sub = cto[:, lead]
        first = np.argmax(sub != 0, axis=0)
        rows = np.arange(t1)[:, None] + first[None, :]
        shifted = np.take_along_axis(sub, np.minimum(rows, t1 - 1), axis=0)
        shifted[rows >= t1] = 0.0
        cto[:, lead] = shifted
    changes = _sign_changes(cto)
    single = changes == 1
    multi = changes >= 2
    if single.size and single.all():                        # (no copy of the flows: the usual case)
        x[ok] = _solve_single_change(cto, tol, max_iter)
    elif single.any():
        x[ok[single]] = _solve_single_change(cto[:, single], tol, max_iter)
    if multi.any():
        x[ok[multi]] = _solve_multi_change(cto[:, multi], tol, max_iter)
    return x
