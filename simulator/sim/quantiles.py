"""Percentiles from one sort: every percentile of an array from a single sorted copy.

``numpy.percentile(x, qs)`` partitions ``x`` afresh on every call, and ``np.partition`` is much
slower than NumPy's vectorised sort (a million float64 values: about 15 ms to partition for
five percentiles against 5 ms to sort). A run's summary asks for several percentiles of each
array (the NPV's five, the P90 again in the dominance sentence, the yearly cash's three per
year), so sorting each array once and reading the percentiles off it is both faster and
shared.

The method is NumPy's default, ``method="linear"`` (Hyndman and Fan's type 7): the percentile
``q`` of ``n`` sorted values ``v`` sits at the virtual index ``h = (n - 1) * q / 100`` and is
``v[i] + (v[i + 1] - v[i]) * (h - i)``, ``i = floor(h)``, computed exactly as NumPy computes it
(the same float operations, in float64), so :func:`percentiles_of_sorted` equals
``numpy.percentile`` bit for bit (tests/test_quantiles.py checks it, ties, infinities and
``n = 1`` included). Values that are NaN are not part of the sorted prefix: callers pass the
finite part (see :func:`sorted_without_nan`).

NumPy releases the GIL while it sorts, so big arrays are sorted side by side on a few threads
(:func:`sort_rows`, :func:`map_threads`); the order statistics, and so every figure, are the
same whatever the number of threads.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import os
from typing import Callable, Iterable, TypeVar

import numpy as np

T = TypeVar("T")
R = TypeVar("R")

#: Below this many values per task, threads cost more than they save.
THREAD_MIN_VALUES = 100_000


def workers() -> int:
    """Threads for sorting: up to two, as the machine allows (as the engine's run)."""
    return min(2, os.cpu_count() or 1)


def map_threads(fn: Callable[[T], R], items: Iterable[T], size: int, threads: int | None = None) -> list[R]:
    """``[fn(x) for x in items]``, on up to ``threads`` threads (default :func:`workers`) when
    each task handles ``size`` values, enough to be worth it; in order, same results."""
    items = list(items)
    threads = workers() if threads is None else max(1, int(threads))
    threads = min(threads, len(items))
    if threads <= 1 or size < THREAD_MIN_VALUES:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="investsim-sort") as pool:
        return list(pool.map(fn, items))


def sort_rows(cols: np.ndarray, threads: int | None = None) -> None:
    """Sort every row of the 2-D array ``cols`` in place (NaN last), rows side by side."""
    map_threads(lambda row: row.sort(), list(cols), cols.shape[1] if cols.ndim == 2 else 0, threads)


def percentiles_of_sorted(v: np.ndarray, qs) -> np.ndarray:
    """``numpy.percentile(v, qs)`` (method "linear") of a sorted 1-D array without NaN, in
    float64. An empty array gives NaN for every percentile."""
    q = np.true_divide(np.asarray(qs, dtype=float), 100)
    n = v.shape[0]
    if n == 0:
        return np.full(q.shape, np.nan)
    prev_i, next_i, gamma = _linear_indices(n, q)
    return _interpolate(v[prev_i], v[next_i], gamma)


def _linear_indices(n: int, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sorted positions ``numpy.percentile`` ("linear") reads for the fractions ``q`` of
    ``n > 0`` values, and its weight ``gamma`` between them."""
    virtual = (n - 1) * q                       # numpy's virtual index for "linear"
    prev = np.floor(virtual)
    prev_i = prev.astype(np.intp)
    next_i = prev_i + 1
    top = virtual >= n - 1                      # at or beyond the last value: the last value
    prev_i[top] = n - 1
    next_i[top] = n - 1
    below = virtual < 0
    prev_i[below] = 0
    next_i[below] = 0
    # numpy takes the weight against its clamped previous index (-1 = the last one: n - 1)
    gamma = virtual - np.where(top, -1, np.where(below, 0, prev_i))
    return prev_i, next_i, gamma


def _interpolate(a: np.ndarray, b: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """numpy's "linear" interpolation between the order statistics ``a`` and ``b`` (float64)."""
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


def percentiles(x: np.ndarray, qs) -> np.ndarray:
    """``numpy.percentile(x, qs)`` of a 1-D array without NaN, from one sort."""
    return percentiles_of_sorted(np.sort(np.asarray(x, dtype=np.float64)), qs)


#: Below this many values, one ``np.partition`` at the wanted positions is as quick as anything.
SELECT_MIN_VALUES = 50_000
#: Positions within this fraction of either end are selected from that end's tail alone.
_TAIL = 0.05


def order_statistics(x: np.ndarray, ks) -> np.ndarray:
    """The values at the sorted positions ``ks`` of the 1-D array ``x`` without NaN (what
    ``np.sort(x)[ks]`` gives, without sorting). Positions near an end (the 1st or 99th
    percentile of a million values, say) are read off that end's tail alone: a threshold from
    a strided sample, the values at or beyond it (all of the tail, ties included: the
    smallest ``c`` values as a multiset) partitioned, and a full partition when the sample's
    guess leaves too few. The rest from one partition of ``x``."""
    x = np.asarray(x)
    ks = np.asarray(ks, dtype=np.intp)
    n = x.shape[0]
    out = np.empty(ks.shape, dtype=x.dtype)
    if ks.size == 0:
        return out
    if n < SELECT_MIN_VALUES:
        return np.partition(x, ks)[ks]
    edge = int(_TAIL * n)
    low, high = ks < edge, ks >= n - edge
    mid = ~(low | high)
    stride = max(1, n // 16_384)
    sample = x[::stride]
    m = sample.shape[0]
    if low.any():
        want = int(ks[low].max()) + 1                   # the tail must hold this many values
        j = min(m - 1, int(want / n * m * 1.25) + 32)
        cut = np.partition(sample, j)[j]
        tail = x[x <= cut]
        if tail.shape[0] >= want:
            out[low] = np.partition(tail, ks[low])[ks[low]]
        else:
            mid |= low
    if high.any():
        want = n - int(ks[high].min())                  # values from the top the tail must hold
        j = max(0, m - 1 - (int(want / n * m * 1.25) + 32))
        cut = np.partition(sample, j)[j]
        tail = x[x >= cut]
        c = tail.shape[0]
        if c >= want:
            at = ks[high] - (n - c)
            out[high] = np.partition(tail, at)[at]
        else:
            mid |= high
    if mid.any():
        out[mid] = np.partition(x, ks[mid])[ks[mid]]
    return out


def percentiles_selected(x: np.ndarray, qs) -> np.ndarray:
    """``numpy.percentile(x, qs)`` of a 1-D array without NaN, bit for bit, from only the
    order statistics it reads (:func:`order_statistics`): for the 1st and 99th percentiles
    of a million values, a few milliseconds instead of numpy's partition of the whole array
    (about 20 ms)."""
    q = np.true_divide(np.asarray(qs, dtype=float), 100)
    x = np.asarray(x)
    n = x.shape[0]
    if n == 0:
        return np.full(q.shape, np.nan)
    prev_i, next_i, gamma = _linear_indices(n, q)
    # (sorted in Python: numpy.unique imports numpy.ma, ~10 ms)
    ks = np.array(sorted(set(prev_i.ravel().tolist()) | set(next_i.ravel().tolist())), dtype=np.intp)
    vals = order_statistics(x, ks)
    return _interpolate(vals[np.searchsorted(ks, prev_i)], vals[np.searchsorted(ks, next_i)], gamma)


def median_of_sorted(v: np.ndarray) -> float:
    """``numpy.median`` of a sorted 1-D array: the middle value, or the mean of the two middle
    values (as NumPy: their sum halved). NaN when empty or when there is a NaN (sorted last),
    as NumPy."""
    n = v.shape[0]
    if n == 0 or np.isnan(v[-1]):
        return float("nan")
    if n % 2:
        return float(v[n // 2])
    return float(np.mean(v[n // 2 - 1:n // 2 + 1].astype(np.float64)))


def median(x: np.ndarray) -> float:
    """``numpy.median`` of a 1-D array from one partition instead of a sort (O(n): a million
    paybacks in about 1 ms against 4 to 20 ms to sort them): the middle value, or the mean
    of the two middle values, the lower one being the largest value left of the upper one.
    The same value as :func:`median_of_sorted` of the sorted array; NaN when empty or when
    there is a NaN, as NumPy."""
    x = np.asarray(x)
    n = x.shape[0]
    if n == 0 or np.isnan(x).any():
        return float("nan")
    k = n // 2
    part = np.partition(x, k)
    if n % 2:
        return float(part[k])
    return float(np.mean(np.array([part[:k].max(), part[k]], dtype=np.float64)))


def sorted_without_nan(x: np.ndarray) -> np.ndarray:
    """A sorted float64 copy of ``x`` with its NaN values left out (they sort last)."""
    v = np.sort(np.asarray(x, dtype=np.float64))
    if v.size and np.isnan(v[-1]):
        v = v[:v.size - int(np.count_nonzero(np.isnan(v)))]
    return v


#: Cells per value of the sorted sample in :func:`counts_at_or_below`, and the most sample
#: values one cell may hold before its keys are searched the usual way.
_CELLS_PER_VALUE, _CELL_MOST = 16, 6


def counts_at_or_below(sample: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``np.searchsorted(sample, keys, side="right")`` for a sorted float64 ``sample`` (how many
    of its values are <= each key), the same integers, about three times faster for many keys.

    A binary search per key costs a dozen unpredictable branches. Here the sample's range is cut
    into cells of equal width (16 per sample value) and a table gives, for each cell, how many
    sample values lie in the cells before it. A key's cell comes from the same monotone formula
    as the values', so every value in an earlier cell is below the key and every value in a
    later one above it: the count is the table's entry plus the values of its own cell that are
    <= the key (most cells hold none or one), compared exactly. Keys in crowded cells (ties, a
    point mass) and samples or keys that are not finite go to ``np.searchsorted``."""
    sample = np.asarray(sample, dtype=np.float64)
    keys = np.asarray(keys, dtype=np.float64)
    m = sample.size
    if m < 2 or keys.size < 4 * m:
        return np.searchsorted(sample, keys, side="right")
    lo, hi = float(sample[0]), float(sample[-1])
    cells = _CELLS_PER_VALUE * m
    with np.errstate(all="ignore"):
        scale = cells / (hi - lo) if hi > lo else 0.0
        k_min, k_max = float(keys.min()), float(keys.max())
    if not (np.isfinite([lo, hi, k_min, k_max, scale]).all() and scale > 0.0):
        return np.searchsorted(sample, keys, side="right")

    def cell(v: np.ndarray) -> np.ndarray:   # monotone in v: v <= w gives cell(v) <= cell(w)
        c = np.subtract(v, lo)
        c *= scale
        np.clip(c, 0.0, cells - 1, out=c)
        return c.astype(np.intp)

    with np.errstate(all="ignore"):
        before = np.searchsorted(cell(sample), np.arange(cells + 1), side="left")
        c = cell(keys)
    first = before[c]                         # sample values in the cells before the key's
    own = before[c + 1]
    own -= first                              # sample values in the key's own cell
    widest = int(np.max(np.diff(before)))
    crowded = np.flatnonzero(own > _CELL_MOST) if widest > _CELL_MOST else None
    if crowded is not None and 4 * crowded.size > keys.size:   # mostly ties: nothing to gain
        return np.searchsorted(sample, keys, side="right")
    out = first.copy()
    at = np.empty_like(first)
    for j in range(min(widest, _CELL_MOST)):
        np.add(first, j, out=at)
        np.minimum(at, m - 1, out=at)
        hit = sample[at] <= keys
        hit &= own > j
        out += hit
    if crowded is not None:
        out[crowded] = np.searchsorted(sample, keys[crowded], side="right")
    return out
