"""``investsim import case.xlsx --out scenario.toml [--force]``: a business case from Excel.

Kept apart from the main command line module, which only registers it (:func:`add_parser`).
investsim's own workbook (it carries the defined name ``investsim_workbook``) is read back;
any other workbook is read in the simple layout (see :mod:`ui.report.excel_import` and the
README, "Bringing a case in from Excel").

Exit codes as for every command: 0 written, 2 bad input (one line per problem naming the
file, the sheet, the cell and what is wrong; an existing ``--out`` without ``--force``; a
file that cannot be written), 1 internal error. Nothing is written on any error. Unusual but
readable cells print a warning on stderr (``warning: FILE: sheet 'Case', cell B2: ...``) and
the import goes ahead.
"""

from __future__ import annotations

import sys
from pathlib import Path

from simulator.model.errors import Problem, ScenarioError, printable

from .report import _same_file   # one "do these name the same file" for report and import


def add_parser(sub) -> None:
    """Register the ``import`` subcommand on the main parser's subparsers."""
    p = sub.add_parser("import", help="turn an Excel workbook (.xlsx) into a scenario file")
    p.add_argument("file", help="workbook (.xlsx): investsim's own, or the simple layout (see the README)")
    p.add_argument("--out", "-o", required=True, help="scenario file to write (.toml)")
    p.add_argument("--force", action="store_true", help="write over --out if it exists")
    p.set_defaults(func=cmd_import)


def cmd_import(args) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".toml":
        raise ScenarioError([Problem("--out", f"must end in .toml (a scenario file), not '{out.name}'")])
    if _same_file(out, Path(args.file)):
        raise ScenarioError([Problem("--out", f"{out} is the workbook itself; choose another name, e.g. "
                                              "--out scenario.toml")])
    if out.exists() and not args.force:
        raise ScenarioError([Problem("--out", f"{out} exists already; add --force to write over it, or choose "
                                              "another name")])
    from simulator.model.scenario import cautions, save
    from ui.report.excel_import import import_workbook

    case = import_workbook(args.file)
    for warning in case.warnings:
        print(printable(f"warning: {warning.line(args.file)}"), file=sys.stderr)
    for caution in cautions(case.scenario):
        print(printable(f"warning: {caution.line(str(out))}"), file=sys.stderr)
    if out.exists() and not args.force:   # appeared while the workbook was read
        raise ScenarioError([Problem("--out", f"{out} exists already; add --force to write over it")])
    try:
        save(case.scenario, out, case.text)
    except OSError as exc:
        raise ScenarioError([Problem("--out", f"cannot write {out}: {exc.strerror or exc}")]) from None
    alts = case.scenario.alternatives
    items = sum(len(a.items) for a in alts)
    print(f"Wrote {out} ({len(alts)} alternative{'s' if len(alts) != 1 else ''}, {items} item"
          f"{'s' if items != 1 else ''}, {case.layout}); check it with: investsim run {out}")
    return 0


