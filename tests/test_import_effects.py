"""Importing the packages changes no global state: no rcParam, no reference count patched, no
Qt pulled in by the Qt-free layers; and analyses cache in an explicit object, not on Results.

Each import check runs in a fresh interpreter, so what earlier tests imported cannot hide an
effect."""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path
import subprocess
import sys
import weakref

ROOT = Path(__file__).resolve().parents[1]

_PROBE = """
import json, sys
import matplotlib
before = {k: repr(v) for k, v in matplotlib.rcParams.items()}
none0, true0, false0 = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
import simulator, simulator.sim.engine, simulator.analysis.insights, simulator.model.scenario
import ui, ui.palette, ui.charts
after = {k: repr(v) for k, v in matplotlib.rcParams.items()}
print(json.dumps({
    "changed": sorted(k for k in before if before[k] != after.get(k)),
    "refcount_jump": max(sys.getrefcount(None) - none0, sys.getrefcount(True) - true0,
                         sys.getrefcount(False) - false0),
    "qt": sorted(m for m in sys.modules if m.startswith(("PySide6", "shiboken6"))),
    "ctypes_patch": "ui.qtfix" in sys.modules,
}))
"""


def _probe() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="agg")
    proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_importing_ui_charts_and_the_engine_changes_no_global_state():
    found = _probe()
    assert found["changed"] == [], f"an import changed matplotlib's rcParams: {found['changed']}"
    # Importing code adds some references to None/True/False (constants of new functions),
    # never the 2**48 a patch of the interpreter's singletons would.
    assert found["refcount_jump"] < 1_000_000
    assert not found["ctypes_patch"]


def test_importing_the_charts_does_not_import_qt():
    assert _probe()["qt"] == []


def test_insights_cache_beside_the_results_not_on_them():
    from simulator.sim.engine import run
    from simulator.analysis.insights import CACHE, overview_lines, tornado
    from simulator.model.keys import Target
    from simulator.model.scenario import load

    gc.collect()   # other tests' Results that are already garbage leave the cache first
    held = len(CACHE._ranks), len(CACHE._overview)     # other tests' Results may still be alive
    results = run(load(ROOT / "scenarios" / "erp-vs-production-line.toml"), 2_000, 7)
    first = overview_lines(results)
    tornado(results, Target(results.names[0]))
    assert overview_lines(results) is first                     # computed once
    assert not [k for k in vars(results) if "insight" in k or "overview" in k], \
        "the insights wrote into the (frozen) Results"
    assert results in CACHE._ranks and results in CACHE._overview
    gone = weakref.ref(results)
    del results, first
    gc.collect()
    assert gone() is None, "the cache kept the Results alive"
    assert (len(CACHE._ranks), len(CACHE._overview)) == held

