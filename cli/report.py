"""``investsim report FILE --out case.pdf|.html|.xlsx``: the command line's report writer.

:func:`cli.main.cmd_report` checks the extension and loads the scenario (bad input:
exit 2), then calls :func:`main`. Exit codes as for ``run``: 0 written, 2 bad input or a
file that cannot be written (one line on stderr naming the file and the reason, no
traceback, nothing half-written left behind).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def main(args, scenario, file=None) -> int:
    from simulator.sim.engine import run
    from simulator.model.errors import ScenarioError
    from ui.report import WriteError, check_writable, write_report

    from .progress import ProgressBar

    out = Path(args.out)
    iterations = args.iterations if args.iterations is not None else scenario.iterations
    if not (1 <= iterations <= 10_000_000):
        print(f"investsim: --iterations must be between 1 and 10,000,000, not {iterations:,}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if _same_file(out, Path(args.file)):
        print(f"investsim: --out {out} is the scenario file itself; writing the report there would replace the "
              "scenario. Choose another name, e.g. --out case.pdf", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        check_writable(out)  # before the simulation: a read-only folder should not cost a long run
    except WriteError as exc:
        print(f"investsim: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        results = run(scenario, iterations, args.seed, sampling=args.sampling, progress=ProgressBar(iterations))
    except ScenarioError as exc:
        raise exc.with_file(args.file) from None
    try:
        pages = write_report(results, out, source_file=args.file, source_text=file.text if file else None)
    except OSError as exc:
        text = str(exc) if isinstance(exc, WriteError) else f"cannot write {out}: {exc}"
        print(f"investsim: {text}", file=sys.stderr)
        return EXIT_BAD_INPUT
    detail = f"{pages} page{'s' if pages != 1 else ''}, " if out.suffix.lower() == ".pdf" else ""
    print(f"Wrote {out} ({detail}{results.iterations:,} simulated futures, seed {results.seed})")
    return EXIT_OK


def _same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name one file (also through links or another spelling)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return os.path.realpath(a) == os.path.realpath(b)
    except (OSError, ValueError):
        return False
