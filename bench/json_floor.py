"""``investsim run --json`` at 1M futures against hand-written NumPy (``make bench``, never a test).

Issue 17's target: the whole command (interpreter start, imports, load, run, summary, analytics,
JSON) within 2x of the floor, a plain NumPy program answering the same question, for
the default scenario (``bench/floor_default.py``) and a two-alternative, five-year model
(``bench/two_alternatives.toml`` and ``bench/floor_two.py``). Both are whole processes,
measured interleaved in the same run (the machine is shared and noisy), and the medians and
their ratio are printed, with the CPU seconds (all threads) beside the wall time: on a loaded
machine the CPU time is the steadier figure. ``--before DIR`` also times the same command in
another checkout (an earlier commit, say ``git archive REV | tar -x -C DIR``), interleaved, so
before and after come from the same run. Both checkouts are byte-compiled first, as an installed
app is (:func:`compile_sources`). Results go to ``bench/out/json_floor.json``.

Usage: python bench/json_floor.py [--repeat N] [--iterations N] [--before DIR]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import resource
import statistics
import subprocess
import sys
import time

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TARGET = 2.0
CASES = (("default scenario", ROOT / "scenarios" / "erp-vs-production-line.toml", ROOT / "bench" / "floor_default.py"),
         ("two alternatives, five years", ROOT / "bench" / "two_alternatives.toml", ROOT / "bench" / "floor_two.py"))


def measure(cmd: list[str], root: Path = ROOT) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, every thread) of one whole process."""
    env = dict(os.environ, PYTHONPATH=str(root))
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=root, env=env)
    seconds = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{done.stderr}")
    return seconds, (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)


def compile_sources(root: Path) -> None:
    """Byte-compile a checkout's own packages, as installing the app does (pip compiles what it
    installs): with ``PYTHONDONTWRITEBYTECODE`` set (some shells and sandboxes set it) every
    run would otherwise compile the whole engine again, about 60 ms of each process."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(root / p) for p in ("cli", "simulator"))],
                   check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=1_000_000)
    parser.add_argument("--before", type=Path, help="another checkout to time the same command in")
    args = parser.parse_args()
    n = args.iterations
    for root in (ROOT, args.before.resolve()) if args.before is not None else (ROOT,):
        compile_sources(root)
    rows = []
    print(f"investsim run --json vs hand-written NumPy, {n:,} futures, whole process "
          f"(median of {args.repeat}, interleaved; CPU seconds of all threads in brackets)")
    for what, scenario, floor in CASES:
        runs: dict[str, list[tuple[float, float]]] = {"run_json": [], "floor": [], "before": []}
        command = [sys.executable, "-m", "cli", "run", str(scenario), "--iterations", str(n), "--json"]
        for _ in range(args.repeat):
            runs["run_json"].append(measure(command))
            runs["floor"].append(measure([sys.executable, str(floor), str(n)]))
            if args.before is not None:
                runs["before"].append(measure(command, args.before.resolve()))
        med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in runs.items() if v}
        e, f = med["run_json"], med["floor"]
        row = {"what": what, "iterations": n, "run_json_s": e[0], "run_json_cpu_s": e[1], "floor_s": f[0],
               "floor_cpu_s": f[1], "ratio": e[0] / f[0], "runs": runs}
        line = (f"  {what:<30} run --json {e[0]:5.2f} s ({e[1]:5.2f})   floor {f[0]:5.2f} s ({f[1]:5.2f})   "
                f"ratio {e[0] / f[0]:4.2f}x")
        if "before" in med:
            b = med["before"]
            row.update(before_s=b[0], before_cpu_s=b[1], before_ratio=b[0] / f[0])
            line += f"   before {b[0]:5.2f} s ({b[1]:5.2f}), ratio {b[0] / f[0]:4.2f}x"
        rows.append(row)
        print(line + ("" if e[0] / f[0] <= TARGET else f"   ABOVE THE TARGET OF {TARGET:.0f}x"))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "json_floor.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
