"""Every simulated future as CSV: per alternative its NPV and its net cash in each year.

One row per future (``future`` = 1, 2, ...). Columns per alternative: ``<name>: NPV`` then
``<name>: cash year 0`` (today) to ``cash year H``, in currency units with cents, not
discounted. UTF-8 with a byte-order mark, so Excel shows non-ASCII names correctly; values
that are not finite are left empty. Written in chunks, so a million futures stay within
memory, with progress and cancellation between chunks.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from simulator.errors import Cancelled

if TYPE_CHECKING:  # pragma: no cover
    from simulator.engine import Results

CHUNK = 20_000


def columns(results: "Results") -> list[str]:
    horizon = results.scenario.horizon_years
    out = ["future"]
    for a in results.alternatives:
        out.append(f"{a.name}: NPV")
        out += [f"{a.name}: cash year {t}" for t in range(horizon + 1)]
    return out


def _format(ids: np.ndarray, block: np.ndarray) -> str:
    """Rows ``future, values...`` as CSV text: cents, empty where a value is not finite."""
    text = io.StringIO()
    if np.isfinite(block).all():
        np.savetxt(text, np.column_stack([ids, block]), fmt=["%d"] + ["%.2f"] * block.shape[1], delimiter=",")
        return text.getvalue()
    for i, row in zip(ids.tolist(), block.tolist()):
        text.write(f"{i}," + ",".join("" if not math.isfinite(v) else f"{v:.2f}" for v in row) + "\n")
    return text.getvalue()


def write_csv(results: "Results", path: str | Path, *, progress: Callable[[int, int], None] | None = None,
              cancel: Callable[[], bool] | None = None) -> int:
    n = results.iterations
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow(columns(results))
        for lo in range(0, n, CHUNK):
            if cancel is not None and cancel():
                raise Cancelled()
            hi = min(lo + CHUNK, n)
            parts = []
            for a in results.alternatives:
                parts.append(a.npv[lo:hi, None])
                parts.append(a.cash[lo:hi])
            block = np.hstack(parts)
            f.write(_format(np.arange(lo + 1, hi + 1), block))
            if progress is not None:
                progress(hi, n)
    return n
