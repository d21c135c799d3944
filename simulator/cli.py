"""The command line: ``investsim run | validate | gui``.

Exit codes: 0 done, 2 bad input (one line per problem: file, field path, what is wrong),
1 internal error. Bad input never shows a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Sequence

from . import __version__
from . import formatting as fmt
from .errors import ScenarioError

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


class _BadInput(Exception):
    pass


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own errors are bad input too: exit 2, no traceback
        self.print_usage(sys.stderr)
        print(f"investsim: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def bundled_dir() -> Path:
    """The folder of bundled example scenarios (source tree, installed wheel or frozen app)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_bundled_scenarios", here.parent / "scenarios",
                      Path(getattr(sys, "_MEIPASS", here)) / "scenarios"):
        if candidate.is_dir():
            return candidate
    return here.parent / "scenarios"


DEFAULT_SCENARIO = "erp-vs-production-line.toml"


def default_scenario() -> Path:
    return bundled_dir() / DEFAULT_SCENARIO


def _load(path: str):
    from .scenario import load

    return load(path)


class _ProgressBar:
    """A one-line progress bar on stderr, only when stderr is a terminal and the run is long."""

    def __init__(self, total: int, stream=sys.stderr):
        self.stream = stream
        self.enabled = total >= 200_000 and getattr(stream, "isatty", lambda: False)()
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / total)
        elapsed = time.perf_counter() - self.started
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} futures  {elapsed:.1f}s")
        self.stream.flush()
        if done >= total:
            self.stream.write("\r" + " " * 70 + "\r")
            self.stream.flush()


def _print_text(results, out) -> None:
    s = results.summary
    sc = results.scenario
    cur = sc.currency
    m = lambda x: fmt.money(x, cur)  # noqa: E731
    print(sc.title, file=out)
    print(f"{results.iterations:,} simulated futures over {sc.horizon_years} years, discount rate "
          f"{sc.discount_rate:.1%}, seed {results.seed} ({results.sampling})", file=out)
    print("", file=out)
    for a in s.alternatives:
        head = a.name + (f"  [{a.category}]" if a.category else "")
        print(head, file=out)
        print(f"  Expected NPV        {m(a.npv.mean)}   (80% between {m(a.npv.p10)} and {m(a.npv.p90)})", file=out)
        print(f"  Chance of loss      {fmt.percent(a.prob_loss)}", file=out)
        roi = "n/a (no costs)" if a.roi_mean is None else f"{a.roi_mean:.0%} (median {a.roi_p50:.0%})"
        print(f"  ROI                 {roi}", file=out)
        irr = "n/a" if a.irr_p50 is None else f"{a.irr_p50:.1%} median"
        if a.irr_share_undefined > 0.005 and a.irr_p50 is not None:
            irr += f" (no IRR in {fmt.percent(a.irr_share_undefined)} of futures)"
        print(f"  IRR                 {irr}", file=out)
        print(f"  Payback             {fmt.years(a.payback_p50)} median; within the horizon in "
              f"{fmt.percent(a.payback_within)} of futures", file=out)
        print(f"  Discounted payback  {fmt.years(a.discounted_payback_p50)} median; within the horizon in "
              f"{fmt.percent(a.discounted_payback_within)} of futures", file=out)
        if a.margin_pp:
            last = a.margin_pp[-1]
            print(f"  Operating margin    {fmt.points(last.mean)} by year {last.year} "
                  f"(80% between {fmt.points(last.p10)} and {fmt.points(last.p90)})", file=out)
        print(f"  Chance of being best {fmt.percent(s.comparison.prob_best[a.name])}", file=out)
        print("", file=out)
    if len(s.alternatives) > 1:
        print(f"Value of perfect information: {m(s.comparison.evpi)} "
              "(what knowing the future before choosing would be worth)", file=out)
    print("", file=out)
    print(s.verdict, file=out)
    if len(s.alternatives) > 1:
        from .insights import dominance, value_of_information

        comp = s.comparison
        print(dominance(results, comp.best, comp.runner_up).sentence, file=out)
        print(value_of_information(results).sentence, file=out)


def cmd_run(args) -> int:
    from .analysis import to_json
    from .engine import run

    scenario = _load(args.file)
    iterations = args.iterations if args.iterations is not None else scenario.iterations
    if not (1 <= iterations <= 10_000_000):
        raise _BadInput(f"--iterations must be between 1 and 10,000,000, not {iterations:,}")
    bar = _ProgressBar(iterations)
    try:
        results = run(scenario, iterations, args.seed, sampling=args.sampling, progress=bar)
    except ScenarioError as exc:
        raise exc.with_file(args.file) from None
    if args.json:
        from .insights import to_json as insights_json

        data = to_json(results)
        data.update(insights_json(results))
        json.dump(_clean(data), sys.stdout, indent=2, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
    else:
        _print_text(results, sys.stdout)
    return EXIT_OK


def _clean(obj):
    """NaN/inf -> None so the JSON is standard."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def cmd_validate(args) -> int:
    bad = 0
    for file in args.files:
        try:
            _load(file)
        except ScenarioError as exc:
            bad += 1
            print(exc.describe(), file=sys.stderr)
        else:
            print(f"{file}: valid")
    return EXIT_BAD_INPUT if bad else EXIT_OK


def cmd_report(args) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in (".pdf", ".html", ".htm", ".xlsx"):
        raise _BadInput(f"--out must end in .pdf, .html or .xlsx (the format comes from the extension), not '{out.name}'")
    scenario = _load(args.file)  # bad input is reported before anything heavy is imported
    try:
        from ui.report.cli import main as report_main
    except ImportError as exc:
        print(f"investsim: reports cannot be written here: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    return report_main(args, scenario)


def cmd_gui(args) -> int:
    try:
        from ui.app import main as gui_main
    except ImportError as exc:  # the desktop part is missing or Qt cannot load
        print(f"investsim: the desktop app cannot start: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    return gui_main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="investsim",
        description="Compare IT and non-IT investments by Monte Carlo simulation: NPV, chance of loss, "
                    "ROI, payback and operating-margin impact.")
    parser.add_argument("--version", action="version", version=f"investsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)

    p = sub.add_parser("run", help="simulate a scenario and print the comparison")
    p.add_argument("file", help="scenario file (.toml)")
    p.add_argument("--iterations", "-n", type=int, help="simulated futures (default: the file's)")
    p.add_argument("--seed", type=int, help="random seed (default: the file's)")
    p.add_argument("--sampling", choices=("lhs", "random"), help="Latin hypercube (default) or plain random")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check scenario files; exit 0 when all are valid")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("report", help="write a business-case report (PDF, HTML or Excel)")
    p.add_argument("file", help="scenario file (.toml)")
    p.add_argument("--out", "-o", required=True, help="report file: .pdf, .html or .xlsx")
    p.add_argument("--iterations", "-n", type=int, help="simulated futures (default: the file's)")
    p.add_argument("--seed", type=int, help="random seed (default: the file's)")
    p.add_argument("--sampling", choices=("lhs", "random"), help="Latin hypercube (default) or plain random")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("gui", help="open the desktop app")
    p.add_argument("file", nargs="?", help="scenario file to open (default: the bundled example)")
    p.add_argument("--screenshot", metavar="OUT.png", help="save a picture of the window after the full run and exit")
    p.add_argument("--tab", help="the results tab to show (with --screenshot)")
    p.add_argument("--size", default="1400x900", help="window size for --screenshot, e.g. 1400x900")
    p.set_defaults(func=cmd_gui)

    from .portfolio_cli import add_parser as add_portfolio  # its code lives in its own module

    add_portfolio(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return args.func(args)
    except ScenarioError as exc:
        print(exc.describe(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except _BadInput as exc:
        print(f"investsim: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("investsim: stopped", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # an internal error: say so briefly, keep the details for a bug report
        import traceback

        print(f"investsim: internal error: {type(exc).__name__}: {exc}\n"
              "Please report this with the scenario file; details follow.", file=sys.stderr)
        traceback.print_exc(limit=8)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
