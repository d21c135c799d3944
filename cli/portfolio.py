"""``investsim portfolio FILE [--json] [--iterations N] [--seed S]``: which projects to fund.

Kept apart from the main command line module, which only registers it (:func:`add_parser`).
Exit codes as for every command: 0 done, 2 bad input (including constraints no set of
projects meets: the message names the constraint and the least infeasible alternative),
1 internal error.
"""

from __future__ import annotations

import json
import sys
import textwrap

from simulator.model.errors import Problem, ScenarioError


def add_parser(sub) -> None:
    """Register the ``portfolio`` subcommand on the main parser's subparsers."""
    p = sub.add_parser("portfolio", help="choose which projects to fund under a capital budget ([portfolio] table)")
    p.add_argument("file", help="scenario file (.toml) with a [portfolio] table")
    p.add_argument("--iterations", "-n", type=int, help="simulated futures (default: the file's)")
    p.add_argument("--seed", type=int, help="random seed (default: the file's)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=cmd_portfolio)




def cmd_portfolio(args) -> int:
    from simulator.model.scenario import load

    scenario = load(args.file)
    if scenario.portfolio is None:
        raise ScenarioError([Problem("portfolio", "this scenario has no [portfolio] table; add one, e.g. "
                                                  "[portfolio] budget = 5_000_000 (see the README)")], args.file)
    iterations = args.iterations if args.iterations is not None else scenario.iterations
    if not (10 <= iterations <= 1_000_000):
        raise ScenarioError([Problem("--iterations", f"must be between 10 and 1,000,000, not {iterations:,}")])
    from simulator.sim.engine import run
    from simulator.analysis.portfolio import analyse

    try:
        results = run(scenario, iterations, args.seed)
        result = analyse(results)
    except ScenarioError as exc:
        raise exc.with_file(args.file) from None
    from simulator.analysis.formatting import use_scenario

    with use_scenario(scenario):   # figures in the file's locale, inputs by their labels
        _print(args, scenario, results, result)
    return 0


def _print(args, scenario, results, result) -> None:
    from simulator.analysis.portfolio import describe, to_json

    if args.json:
        data = {"title": scenario.title, "iterations": results.iterations, "seed": results.seed,
                "currency": scenario.currency, **to_json(result)}
        from .main import _clean   # one NaN/inf -> null rule for every JSON the command prints

        json.dump(_clean(data), sys.stdout, indent=2, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(scenario.title)
        print(f"{results.iterations:,} simulated futures, seed {results.seed}")
        for line in describe(result):
            indent = " " * (len(line) - len(line.lstrip()))
            print(textwrap.fill(line, 100, subsequent_indent=indent + "    ") if line else line)
