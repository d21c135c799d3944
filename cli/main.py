"""The command line: ``investsim run | validate | report | gui`` (and, each in its own module,
``portfolio``, ``import``, ``export``).

Exit codes: 0 done, 2 bad input (one line per problem: file, field path, what is wrong),
1 internal error. Bad input never shows a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from pathlib import Path
from typing import Sequence

from simulator import __version__
from simulator.analysis import formatting as fmt
from simulator.model.errors import ScenarioError, printable

from .progress import ProgressBar

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


class _BadInput(Exception):
    pass


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own errors are bad input too: exit 2, no traceback
        self.print_usage(sys.stderr)
        print(f"investsim: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _load(path: str, *, warn: bool = True):
    return _read(path, warn=warn)[0]


def _read(path: str, *, warn: bool = True):
    """The scenario and its file (text and all). Its cautions (unusual but allowed inputs) go
    to stderr, one a line: ``warning: FILE: FIELD: what is unusual``."""
    from simulator.model.scenario import cautions, read

    scenario, file = read(path)
    if warn:
        for caution in cautions(scenario):
            print(f"warning: {caution.line(path)}", file=sys.stderr)
    return scenario, file


def seed_argument(text: str) -> int:
    """``--seed``, checked as the file's ``seed`` is: a whole number from 0 to 2**63 - 1."""
    try:
        value = int(text.strip().replace("_", ""), 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not '{text}'") from None
    if not 0 <= value <= 2**63 - 1:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {2**63 - 1:,} (as the file's seed), "
                                         f"not {value}")
    return value


def _print_text(results, out) -> None:
    from simulator.analysis.summary import roi_detail, roi_label

    s = results.summary
    sc = results.scenario
    cur = sc.currency
    scale = fmt.headline_scale(s.alternatives)   # one unit for the money of the whole comparison
    m = lambda x: fmt.money(x, cur, scale=scale)
    print(sc.title, file=out)
    print(f"{results.iterations:,} simulated futures over {sc.horizon_years} years, discount rate "
          f"{sc.discount_rate:.1%}, seed {results.seed} ({results.sampling})", file=out)
    basis = fmt.cash_basis(sc.tax_rate, sc.inflation)
    if basis:
        print(basis, file=out)
    print("", file=out)
    for a in s.alternatives:
        head = a.name + (f"  [{a.category}]" if a.category else "")
        print(head, file=out)
        print(f"  Expected NPV        {m(a.npv.mean)}   (middle 80% of futures: "
              f"{fmt.middle_80(a.npv.p10, a.npv.p90, cur, scale=scale)})", file=out)
        print(f"  Chance of loss      {fmt.percent(a.prob_loss)}", file=out)
        if sc.tax_rate:
            word = "paid" if a.pv_taxes >= 0 else "saved"
            print(f"  {'Taxes ' + word:<20}{m(abs(a.pv_taxes))} (present value)", file=out)
        if a.result is not None and a.result.terminal_value is not None:
            print(f"  {'Beyond the horizon':<20}{m(a.terminal_value)} in year {sc.horizon_years}: the value of the "
                  "later years, included in the NPV (not a forecast)", file=out)
        if a.roi_of_expected is None:
            roi = "n/a (no costs)"
        else:
            roi = f"{fmt.rate(a.roi_of_expected)} (expected NPV / expected PV of costs; {roi_detail(a)})"
        print(f"  {roi_label(sc.horizon_years):<20}{roi}", file=out)
        irr = a.irr.median_text()
        if a.irr.never_back_text():
            irr += f" over all futures ({a.irr.never_back_text()})"
        print(f"  IRR                 {irr}", file=out)
        print(f"  Payback             {fmt.payback(a.payback_p50, a.payback_within, sc.horizon_years)}", file=out)
        print(f"  Discounted payback  "
              f"{fmt.payback(a.discounted_payback_p50, a.discounted_payback_within, sc.horizon_years)}", file=out)
        if a.margin_pp:
            last = a.margin_pp[-1]
            print(f"  Operating margin    {fmt.points(last.mean)} by year {last.year} "
                  f"(middle 80% of futures: {fmt.points(last.p10)} to {fmt.points(last.p90)})", file=out)
        print(f"  Chance of being best {fmt.percent(s.comparison.prob_best[a.name])}", file=out)
        print("", file=out)
    if len(s.alternatives) > 1:
        print(f"Value of perfect information: {m(s.comparison.evpi)} "
              "(what knowing the future before choosing would be worth)", file=out)
    print("", file=out)
    print(s.verdict, file=out)
    if len(s.alternatives) > 1:
        from simulator.analysis.insights import dominance, value_of_information

        comp = s.comparison
        print(dominance(results, comp.best, comp.runner_up).sentence, file=out)
        print(value_of_information(results).sentence, file=out)
    from simulator.analysis.pilot import pilot_lines

    for line in pilot_lines(results):
        print(line, file=out)


#: The analyses ``run --json`` prints, imported while the run computes (its threads spend
#: most of their time in NumPy, without the GIL).
_JSON_MODULES = ("simulator.analysis.summary", "simulator.analysis.insights", "simulator.analysis.pilot",
                 "simulator.analysis.recommendation", "simulator.analysis.risk", "simulator.analysis.sensitivity")


def _import_in_background(names: Sequence[str]):
    """A started thread importing ``names`` (None without names). An import that fails here
    fails again, with its message, where the module is used."""
    if not names:
        return None
    import importlib
    import threading

    def load() -> None:
        for name in names:
            try:
                importlib.import_module(name)
            except Exception:   # raised again, with its message, at the import that needs it
                return

    thread = threading.Thread(target=load, name="investsim-imports", daemon=True)
    thread.start()
    return thread


def cmd_run(args) -> int:
    from simulator.sim.engine import run

    scenario = _load(args.file)
    iterations = args.iterations if args.iterations is not None else scenario.iterations
    if not (1 <= iterations <= 10_000_000):
        raise _BadInput(f"--iterations must be between 1 and 10,000,000, not {iterations:,}")
    bar = ProgressBar(iterations)
    loading = _import_in_background(_JSON_MODULES if args.json else ())
    try:
        results = run(scenario, iterations, args.seed, sampling=args.sampling, progress=bar)
    except ScenarioError as exc:
        raise exc.with_file(args.file) from None
    finally:
        if loading is not None:
            loading.join()
    with fmt.use_scenario(scenario):   # figures in the file's locale, inputs by their labels
        _print_results(results, json_out=args.json)
    return EXIT_OK


def _print_results(results, *, json_out: bool) -> None:
    from simulator.analysis.summary import to_json

    if json_out:
        from concurrent.futures import ThreadPoolExecutor
        import contextvars

        from simulator.analysis import recommendation, risk, sensitivity
        from simulator.analysis.insights import to_json as insights_json
        from simulator.analysis.pilot import pilot_json

        # The insights and the sensitivity on two more threads beside the summary (NumPy
        # releases the GIL; each part is deterministic, so the output is the same as computed
        # one after the other), each in a copy of this thread's context: the file's locale
        # and labels.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="investsim-json") as pool:
            insights = pool.submit(contextvars.copy_context().run, insights_json, results)
            board_sensitivity = pool.submit(contextvars.copy_context().run, sensitivity.to_json, results)
            data = to_json(results)
            pilots = pilot_json(results)
            board = {"recommendation": recommendation.to_json(results), **risk.to_json(results)}
            data.update(insights.result())
            data.update(pilots)
            data["board"] = {**board, "sensitivity": board_sensitivity.result()}
        # One write of the whole text: json.dump writes it piece by piece, each piece a system
        # call on an unbuffered stdout (PYTHONUNBUFFERED, python -u): ~6,000 of them.
        sys.stdout.write(json.dumps(_clean(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    else:
        _write_text(results, sys.stdout)


def _write_text(results, out) -> None:
    """The text comparison on ``out``: control characters from names in the file shown as
    escapes (they cannot act on the terminal; line breaks stay), with the typographic minus
    of every text surface, or plain "-" where the stream cannot encode it (a legacy Windows
    code page, say)."""
    import io

    buf = io.StringIO()
    _print_text(results, buf)
    text = printable(buf.getvalue(), newlines=True)
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = fmt.ascii_text(text)
        try:   # any other sign the stream lacks (₹ on cp1252) becomes "?" rather than a crash
            text = text.encode(encoding, errors="replace").decode(encoding)
        except LookupError:
            pass
    out.write(text)


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
    scenario, file = _read(args.file)  # bad input is reported before anything heavy is imported
    try:
        from .report import main as report_main
    except ImportError as exc:
        print(f"investsim: reports cannot be written here: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    return report_main(args, scenario, file)


#: Qt platforms that need no display server (everything but xcb and wayland).
_HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "linuxfb", "eglfs", "vkkhrdisplay", "minimalegl")


def no_display(environ=os.environ, platform: str = sys.platform) -> str | None:
    """Why the window cannot open here, with the fix; None when it can (or cannot be known).

    On Linux and the BSDs Qt draws on an X11 or Wayland display: without ``DISPLAY`` or
    ``WAYLAND_DISPLAY`` it would abort with its own low-level message (the xcb plugin). A
    headless platform (``QT_QPA_PLATFORM=offscreen``) needs no display. Windows and macOS
    always have one."""
    if platform in ("win32", "cygwin", "darwin"):
        return None
    qpa = environ.get("QT_QPA_PLATFORM", "").strip().lower()
    if qpa.split(":")[0] in _HEADLESS_PLATFORMS:
        return None
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return ("the window needs a display, and this session has none (DISPLAY and WAYLAND_DISPLAY are not set).\n"
            "  - on a desktop, start investsim from a terminal inside the desktop session (or over ssh -X);\n"
            "  - without a screen, the window can still save a picture:\n"
            "      QT_QPA_PLATFORM=offscreen investsim gui FILE --screenshot out.png\n"
            "  - or open it in a virtual display (Debian: apt-get install xvfb xauth): xvfb-run -a investsim gui FILE\n"
            "  - and the numbers need no window at all: investsim run FILE, investsim report FILE --out case.pdf")


def cmd_gui(args) -> int:
    reason = no_display()
    if reason:
        raise _BadInput(reason)
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
    p.add_argument("--seed", type=seed_argument, help="random seed (default: the file's)")
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
    p.add_argument("--seed", type=seed_argument, help="random seed (default: the file's)")
    p.add_argument("--sampling", choices=("lhs", "random"), help="Latin hypercube (default) or plain random")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("gui", help="open the desktop app")
    p.add_argument("file", nargs="?", help="scenario file to open (default: the bundled example)")
    p.add_argument("--screenshot", metavar="OUT.png", help="save a picture of the window after the full run and exit")
    p.add_argument("--tab", help="the results tab to show (with --screenshot)")
    p.add_argument("--size", default="1400x900", help="window size for --screenshot, e.g. 1400x900")
    p.set_defaults(func=cmd_gui)

    from .portfolio import add_parser as add_portfolio  # its code lives in its own module

    add_portfolio(sub)
    from .excel_import import add_parser as add_import  # investsim import case.xlsx --out scenario.toml
    from .export import add_parser as add_export        # investsim export FILE --out futures.csv

    add_import(sub)
    add_export(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    # Every number that matters is checked for being finite, with a message; NumPy's own
    # RuntimeWarnings (overflow in an intermediate sum...) would only print noise on stderr
    # before it. Process-wide, as the run's worker threads warn too.
    warnings.filterwarnings("ignore", category=RuntimeWarning)
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
