"""The futures export at a million futures: ``investsim export FILE --out futures.csv -n 1000000``.

    .venv/bin/python bench/export.py [--futures N] [--repeat R] [--scenario FILE]

Each measurement is a fresh process, as a user runs the command: it simulates the scenario
(the bundled default: 2 alternatives, 7 years, 13 kept inputs) and writes every future to a
temporary CSV (per alternative the NPV and the cash of each year, then every input draw).
Printed: the seconds to simulate and to write (median of R), the file's size and rows, and
the peak resident memory of the whole process beside the peak of a process that only
simulates (what the export adds on top of the run itself: it writes in chunks of 20,000
rows, so it should add little).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "scenarios" / "erp-vs-production-line.toml"

CHILD = """
import resource, sys, time
from simulator.model.scenario import load
from simulator.sim.engine import run
scenario = load(sys.argv[1])
t0 = time.perf_counter()
r = run(scenario, int(sys.argv[2]))
t1 = time.perf_counter()
rows = 0
if sys.argv[3] != "-":
    from ui.report import export_samples_csv
    rows = export_samples_csv(r, sys.argv[3])
t2 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"run {t1 - t0:.3f} write {t2 - t1:.3f} rows {rows} inputs {len(r.inputs)} peak_rss_mb {peak:.0f}")
"""


def child(scenario: Path, n: int, out: str) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", CHILD, str(scenario), str(n), out], capture_output=True,
                          text=True, cwd=ROOT, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"export benchmark failed:\n{proc.stderr}")
    words = proc.stdout.split()
    return {words[i]: float(words[i + 1]) for i in range(0, len(words) - 1, 2)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--futures", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scenario", type=Path, default=DEFAULT)
    args = parser.parse_args()
    n = args.futures
    with tempfile.TemporaryDirectory(prefix="investsim-export-bench-") as folder:
        out = Path(folder) / "futures.csv"
        runs, bare = [], []
        for _ in range(args.repeat):    # interleaved: the shared machine's noise hits both alike
            runs.append(child(args.scenario, n, str(out)))
            size = out.stat().st_size
            out.unlink()
            bare.append(child(args.scenario, n, "-"))
    write = statistics.median(r["write"] for r in runs)
    sim = statistics.median(r["run"] for r in runs)
    peak = max(r["peak_rss_mb"] for r in runs)
    peak_bare = max(r["peak_rss_mb"] for r in bare)
    rows = int(runs[0]["rows"])
    print(f"futures export, {args.scenario.name}, {n:,} futures, {int(runs[0]['inputs'])} input columns "
          f"(median of {args.repeat}):")
    print(f"  simulate {sim:.2f} s, write {write:.2f} s ({rows / write:,.0f} rows/s, {size / 1e6:,.0f} MB, "
          f"{rows:,} rows)")
    print(f"  peak memory {peak:.0f} MB with the export, {peak_bare:.0f} MB simulating only "
          f"(the export adds {peak - peak_bare:+.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
