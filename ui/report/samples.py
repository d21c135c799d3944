"""Every simulated future as CSV: per alternative its NPV and its net cash in each year, then
the value every uncertain input took in that future.

One row per future (``future`` = 1, 2, ...). Columns per alternative: ``<name>: NPV`` then
``<name>: cash year 0`` (today) to ``cash year H``, in currency units with cents, not
discounted. Then one column per kept input draw (:attr:`~simulator.sim.engine.Results.inputs`:
each input drawn once per future), ``input: <label>`` with the label of
:func:`~simulator.model.keys.input_label` ("input: extra units" for a shared variable,
"input: ERP system / Licences" for an item's amount, "input: ERP system / Licences: growth"
for another field), in the input's own unit (money, a fraction such as 0.03, a count), to 12
significant digits. A name that starts like a spreadsheet formula (``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) is written with a leading apostrophe, so opening the file runs
nothing.
UTF-8 with a byte-order mark, so Excel shows non-ASCII names correctly; values
that are not finite are left empty. Written in chunks, so a million futures stay within
memory, with progress and cancellation between chunks.

A run too big to keep every year of every future keeps the yearly cash of its first
:attr:`~simulator.sim.engine.Results.yearly_futures` futures only: the file still has a row and
the NPV of every future, and the yearly cash cells of the later futures are empty. The header
stays the same either way (scripts reading the file need no second layout); :func:`note`
says it in words, for the app to show beside the export.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from simulator.model.errors import Cancelled

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

CHUNK = 20_000

#: A cell starting with one of these is read as a formula by spreadsheet programs (Excel,
#: LibreOffice, Google Sheets), also after a tab or carriage return.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def text_cell(text: str) -> str:
    """A cell of user text that a spreadsheet shows as text, never runs as a formula: one that
    starts like a formula gets a leading apostrophe (OWASP's advice for CSV injection)."""
    return "'" + text if text.startswith(FORMULA_START) else text


#: The prefix of an input draw's column (it also keeps the user's names away from the start
#: of the cell).
INPUT_PREFIX = "input: "


def columns(results: "Results") -> list[str]:
    """The header. Alternative names are user text: :func:`text_cell` keeps them inert."""
    from simulator.model.keys import input_label

    horizon = results.scenario.horizon_years
    out = ["future"]
    for a in results.alternatives:
        name = text_cell(a.name)
        out.append(f"{name}: NPV")
        out += [f"{name}: cash year {t}" for t in range(horizon + 1)]
    out += [text_cell(INPUT_PREFIX + input_label(key)) for key in results.inputs]
    return out


def note(results: "Results") -> str:
    """"" when the file has the yearly cash of every future; else one plain sentence saying
    which futures have it (the NPV is always there for every future)."""
    from simulator.analysis.formatting import yearly_subset_text

    return yearly_subset_text(results, "Yearly cash is filled in for", "NPV for").strip()


#: How a money cell and an input draw's cell are written.
MONEY, DRAW = "%.2f", "%.12g"


def _write_rows(f, ids: np.ndarray, block: np.ndarray, cells: list[str]) -> None:
    """Write rows ``future, values...`` to the text file ``f``, empty where a value is not
    finite. ``cells`` has one printf format per column of ``block`` (:data:`MONEY`,
    :data:`DRAW`), each may end in commas: the empty cells that follow it (the yearly cash a
    big run did not keep). Row by row into the file's own buffer: no chunk-sized strings,
    whose coming and going would fragment the heap (a million futures grew the process by
    ~350 MB that way)."""
    if np.isfinite(block).all():
        # One format for the whole row: its empty cells are part of the format.
        np.savetxt(f, np.column_stack([ids, block]), fmt="%d," + ",".join(cells))
        return
    split = [(cell.rstrip(","), "," * (len(cell) - len(cell.rstrip(",")))) for cell in cells]
    for i, values in zip(ids.tolist(), block.tolist()):
        f.write(f"{i}," + ",".join((head % v if math.isfinite(v) else "") + tail
                                   for (head, tail), v in zip(split, values)) + "\n")


def write_csv(results: "Results", path: str | Path, *, progress: Callable[[int, int], None] | None = None,
              cancel: Callable[[], bool] | None = None) -> int:
    """Write the file (see the module doc); returns the number of futures written."""
    n = results.iterations
    kept = results.yearly_futures              # futures whose yearly cash the run kept
    years = results.scenario.horizon_years + 1
    inputs = list(results.inputs.values())
    alts = len(results.alternatives)
    full = [MONEY] * (alts * (years + 1)) + [DRAW] * len(inputs)
    short = [MONEY + "," * years] * alts + [DRAW] * len(inputs)   # NPV, then the empty yearly cash
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        # Every header cell quoted: a name may hold a carriage return, which the minimal
        # quoting (for the "\n" line ending) would leave bare, splitting the row.
        csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_ALL).writerow(columns(results))
        for lo in range(0, n, CHUNK):
            if cancel is not None and cancel():
                raise Cancelled()
            hi = min(lo + CHUNK, n)
            mid = min(max(kept, lo), hi)       # rows lo..mid have yearly cash, mid..hi do not
            if mid > lo:
                parts = []
                for a in results.alternatives:
                    parts.append(a.npv[lo:mid, None])
                    parts.append(a.cash[lo:mid])
                parts += [draws[lo:mid, None] for draws in inputs]
                _write_rows(f, np.arange(lo + 1, mid + 1), np.hstack(parts), full)
            if hi > mid:
                block = np.column_stack([a.npv[mid:hi] for a in results.alternatives]
                                        + [draws[mid:hi] for draws in inputs])
                _write_rows(f, np.arange(mid + 1, hi + 1), block, short)
            if progress is not None:
                progress(hi, n)
    return n
