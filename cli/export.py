"""``investsim export FILE --out futures.csv``: every simulated future as CSV.

Kept apart from the main command line module, which only registers it (:func:`add_parser`).
One row per future: per alternative its NPV and net cash of each year, then every input
drawn once per future (the columns are described in :mod:`ui.report.samples` and the
README). Simulated with ``--iterations``/``--seed``/``--sampling`` as ``run`` does, then
written in chunks (a million futures stay within memory), with a progress bar on a terminal
for both steps. The file appears complete or not at all.

Exit codes as for every command: 0 written, 2 bad input (the scenario, an --out that is not
.csv or cannot be written), 1 internal error.
"""

from __future__ import annotations

import sys
from pathlib import Path

from simulator.model.errors import Problem, ScenarioError


def add_parser(sub) -> None:
    """Register the ``export`` subcommand on the main parser's subparsers."""
    from .main import seed_argument

    p = sub.add_parser("export", help="write every simulated future (NPVs, yearly cash, input draws) as CSV")
    p.add_argument("file", help="scenario file (.toml)")
    p.add_argument("--out", "-o", required=True, help="CSV file to write (.csv)")
    p.add_argument("--iterations", "-n", type=int, help="simulated futures (default: the file's)")
    p.add_argument("--seed", type=seed_argument, help="random seed (default: the file's)")
    p.add_argument("--sampling", choices=("lhs", "random"), help="Latin hypercube (default) or plain random")
    p.set_defaults(func=cmd_export)


def cmd_export(args) -> int:
    from .main import _read
    from .progress import ProgressBar

    out = Path(args.out)
    if out.suffix.lower() != ".csv":
        raise ScenarioError([Problem("--out", f"must end in .csv, not '{out.name}'")])
    scenario, _file = _read(args.file)
    iterations = args.iterations if args.iterations is not None else scenario.iterations
    if not (1 <= iterations <= 10_000_000):
        raise ScenarioError([Problem("--iterations", f"must be between 1 and 10,000,000, not {iterations:,}")])
    from ui.report import WriteError, check_writable, export_samples_csv, samples_note

    try:
        check_writable(out)   # before the simulation: a read-only folder should not cost a long run
    except WriteError as exc:
        raise ScenarioError([Problem("--out", str(exc))]) from None
    from simulator.sim.engine import run

    try:
        results = run(scenario, iterations, args.seed, sampling=args.sampling, progress=ProgressBar(iterations))
    except ScenarioError as exc:
        raise exc.with_file(args.file) from None
    try:
        rows = export_samples_csv(results, out, progress=ProgressBar(results.iterations))
    except OSError as exc:
        text = str(exc) if isinstance(exc, WriteError) else f"cannot write {out}: {exc.strerror or exc}"
        raise ScenarioError([Problem("--out", text)]) from None
    print(f"Wrote {out} ({rows:,} futures, seed {results.seed}; {len(results.inputs)} input column"
          f"{'s' if len(results.inputs) != 1 else ''})")
    note = samples_note(results)
    if note:
        print(note, file=sys.stderr)
    return 0
