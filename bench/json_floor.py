"""``investsim run --json`` at 1M futures against hand-written NumPy (``make bench``, never a test).

Issue 17's target: the whole command (interpreter start, imports, load, run, summary, analytics,
JSON) within 2x of the floor, a plain NumPy program answering the same question, for
the default scenario (``bench/floor_default.py``) and a two-alternative, five-year model
(``bench/two_alternatives.toml`` and ``bench/floor_two.py``). Both are whole processes,
measured interleaved in the same run (the machine is shared and noisy), and the medians and
their ratio are printed. Results go to ``bench/out/json_floor.json``.

Usage: python bench/json_floor.py [--repeat N] [--iterations N]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import statistics
import subprocess
import sys
import time

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TARGET = 2.0
CASES = (("default scenario", ROOT / "scenarios" / "erp-vs-production-line.toml", ROOT / "bench" / "floor_default.py"),
         ("two alternatives, five years", ROOT / "bench" / "two_alternatives.toml", ROOT / "bench" / "floor_two.py"))


def wall(cmd: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{done.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=1_000_000)
    args = parser.parse_args()
    n = args.iterations
    rows = []
    print(f"investsim run --json vs hand-written NumPy, {n:,} futures, whole process "
          f"(median of {args.repeat}, interleaved)")
    for what, scenario, floor in CASES:
        eng, flo = [], []
        for _ in range(args.repeat):
            eng.append(wall([sys.executable, "-m", "cli", "run", str(scenario), "--iterations", str(n), "--json"]))
            flo.append(wall([sys.executable, str(floor), str(n)]))
        e, f = statistics.median(eng), statistics.median(flo)
        rows.append({"what": what, "iterations": n, "run_json_s": e, "floor_s": f, "ratio": e / f,
                     "run_json_runs": eng, "floor_runs": flo})
        print(f"  {what:<30} run --json {e:5.2f} s   floor {f:5.2f} s   ratio {e / f:4.2f}x"
              + ("" if e / f <= TARGET else f"   ABOVE THE TARGET OF {TARGET:.0f}x"))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "json_floor.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
