"""The report as an Excel workbook a finance team can audit, change and hand back.

Sheets: README (what each sheet is), Summary (the recommendation and one row of measures per
alternative), Inputs (every input as the author wrote it, with its base value: editable),
Model (the base case in Excel formulas of the Inputs: per alternative, item and year, then
NPV, IRR and payback; beside it the simulated results), Cash flows (per alternative and year:
average, P10, median, P90 of the simulation), Portfolio (when the scenario has one), Futures
(every simulated future, up to Excel's row limit) and a hidden sheet with the scenario file,
from which :mod:`ui.report.excel_read` rebuilds the scenario with the Inputs edits on top.
Simulated figures are stored as numbers (money in currency units, chances and rates as
fractions shown as percentages), never as formatted text. Text from a user (names, notes,
titles) is always a text cell, never a formula. The workbook is written in openpyxl's
write-only mode, so a million futures fit in memory.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Callable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from simulator.analysis import formatting as fmt
from simulator.analysis.summary import IrrSpread, roi_label

from . import excel_model as xm
from .facts import SAMPLING_WORDS, Facts
from .samples import FORMULA_START

#: Excel's rows per sheet, the header included.
EXCEL_ROWS = 1_048_576
SCENARIO_SHEET = "investsim"
#: Characters of the scenario's text kept per cell of the hidden sheet (Excel's limit is 32,767).
CELL_TEXT = 32_000
HEAD_FILL = PatternFill("solid", fgColor="EEF2F6")
HEAD_FONT = Font(bold=True, color="12355B")
TITLE_FONT = Font(bold=True, size=14, color="12355B")
BOLD = Font(bold=True)
MUTED = Font(color="5B6573")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")

# Cells hold raw numbers; their formats show negatives with the minus sign of every text
# surface (simulator.analysis.formatting.MINUS), so a figure reads the same here as in the app.
PERCENT = f'0.0%;"{fmt.MINUS}"0.0%'
POINTS = f'+0.00" pp";"{fmt.MINUS}"0.00" pp";0.00" pp"'
YEARS = "0.0"
INTEGER = "#,##0"


def money_format(currency: str) -> str:
    """The number format of money cells: the currency symbol where the scenario's locale puts
    it ("$"#,##0 in en_US, #,##0" €" in de_DE). The separators are the reader's own: Excel
    writes a format with "," and "." and shows it with the viewer's separators."""
    prefix, after = (part.replace('"', "") for part in fmt.currency_affixes(currency))
    return f'"{prefix}"#,##0"{after}";"{fmt.MINUS}{prefix}"#,##0"{after}"'.replace('""', "")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


FONTS = {"bold": BOLD, "title": TITLE_FONT, "muted": MUTED}


class Grid:
    """A sheet filled cell by cell in any order, then written row by row into a write-only
    worksheet (:meth:`flush`): the sheets of the report keep their free layout while the
    workbook streams (a write-only worksheet only appends rows)."""

    def __init__(self, ws):
        self.ws = ws
        self.cells: dict[tuple[int, int], Any] = {}

    def cell(self, row: int, column: int, value: Any = None):
        c = self.cells.get((row, column))
        if c is None:
            c = self.cells[(row, column)] = WriteOnlyCell(self.ws)
        if value is not None:
            c.value = value
        return c

    def __getattr__(self, name):        # column_dimensions, row_dimensions, title, sheet_state...
        return getattr(self.ws, name)

    def __setattr__(self, name, value):
        if name in ("ws", "cells"):
            object.__setattr__(self, name, value)
        else:
            setattr(self.ws, name, value)

    def flush(self) -> None:
        if not self.cells:
            return
        rows: dict[int, dict[int, Any]] = {}
        for (r, c), cell in self.cells.items():
            rows.setdefault(r, {})[c] = cell
        for r in range(1, max(rows) + 1):
            found = rows.get(r)
            if not found:
                self.ws.append([])
                continue
            self.ws.append([found.get(c) for c in range(1, max(found) + 1)])
        self.cells = {}


def put(ws, row: int, col: int, value: Any, number_format: str | None = None, font: Font | str | None = None,
        align: Alignment | None = None, *, wrap: bool = False, formula: bool = False):
    """One cell. Text is text: a user's name or note that starts like a formula (=, +, -, @)
    is stored as a string cell and shown with Excel's quote prefix, so it never runs. Only
    ``formula=True`` (the workbook's own formulas) writes a formula."""
    cell = ws.cell(row=row, column=col)
    value = _clean(value)
    if isinstance(value, str) and not formula:
        cell.value = value
        cell.data_type = "s"          # text that looks like a formula stays text
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True
    else:
        cell.value = value
    if number_format and (formula or (isinstance(value, (int, float)) and not isinstance(value, bool))):
        cell.number_format = number_format
    if isinstance(font, str):
        font = FONTS[font]
    if font is not None:
        cell.font = font
    if wrap:
        align = WRAP_TOP
    if align is not None:
        cell.alignment = align
    return cell


def comment(ws, row: int, col: int, text: str) -> None:
    c = Comment(text, "investsim")
    c.width, c.height = 300, 110
    ws.cell(row=row, column=col).comment = c


def header(ws, row: int, titles: list[str], widths: list[float] | None = None) -> None:
    for i, title in enumerate(titles, 1):
        put(ws, row, i, title, font=HEAD_FONT, align=Alignment(wrap_text=True, vertical="bottom"))
        ws.cell(row=row, column=i).fill = HEAD_FILL
    if widths:
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = w


SHEETS = [
    ("README", "This page: what each sheet is."),
    ("Summary", "The recommendation and one row of simulated measures per alternative (values)."),
    ("Inputs", "Every input as the scenario file has it: its form (fixed, range, PERT, formula...), low, "
               "most likely and high, its base value (its average; a chance item at probability x amount), unit "
               "and note. Edit Low, Most likely, High, Value, Formula, Parameters or Note: the Model recomputes, "
               "and `investsim import` reads the changes back into a scenario file. The grouped columns at the "
               "right say which input a row is; leave them as they are."),
    ("Model", "The base case (every input at its average) as Excel formulas of the Inputs: per alternative, "
              "item and year the cash (ramp, growth, timing, inflation, working capital, residual value, tax, "
              "depreciation, value beyond the horizon), discount factors from DiscountRate, then NPV, IRR and "
              "payback with Excel's functions. Beside the base case: the simulated results, as values."),
    ("Cash flows", "Simulated net cash per alternative and year: average, P10, median, P90 (values)."),
    ("Portfolio", "Which projects to fund within the budget (only when the scenario has a [portfolio] table)."),
    ("Futures", "Every simulated future, one row each: the columns of `investsim export` (values). Excel holds "
                "1,048,576 rows per sheet (the header included): a bigger run shows its first 1,048,575 "
                "futures here; `investsim export FILE --out futures.csv` writes them all."),
    (SCENARIO_SHEET, "Hidden: the scenario file as it was, from which investsim rebuilds the scenario "
                     "(with the Inputs edits on top). Do not edit."),
]


def write(facts: Facts, path: str | Path, *, step: Callable[[], None] | None = None,
          source_text: str | None = None) -> None:
    """Write the workbook (see the module doc). ``source_text``: the scenario file's text
    (its comments become the Inputs notes; kept in the hidden sheet for reading back)."""
    from simulator.model.scenario import dumps, key_comments

    wb = Workbook(write_only=True)
    money = money_format(facts.currency)
    sc = facts.scenario
    text = source_text if source_text is not None else dumps(sc)
    try:
        same = source_text is not None and _same_scenario(text, sc)
    except Exception:  # text that does not read back is replaced by the scenario's own
        same = False
    if not same:
        text = dumps(sc, source=source_text) if source_text is not None else text
    notes = dict(key_comments(text)["variables"])
    units = {v.name: v.unit for v in facts.variables}
    has_portfolio = facts.portfolio is not None or facts.portfolio_problem
    grids = {}
    for name, _ in SHEETS:
        if name == "Portfolio" and not has_portfolio:
            continue
        grids[name] = Grid(wb.create_sheet(name))
        if name != "Futures":     # printed (or saved as PDF): each sheet one page wide, landscape
            ws = grids[name].ws
            ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
            ws.page_setup.orientation = "landscape"
            ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    _readme(grids["README"], facts, has_portfolio)
    _summary(grids["Summary"], facts, money)
    lines, names = xm.input_lines(sc, notes, units)
    fmts = {"money": money, "percent": PERCENT, "number": "#,##0.####", "years": "0"}
    xm.write_inputs(grids["Inputs"], lines, names, fmts, put, header, comment)
    grids["Inputs"].column_dimensions.group(get_column_letter(xm.COL["id_kind"]),
                                            get_column_letter(xm.COL["id_year"]), hidden=True)
    refs = xm.write_model(grids["Model"], sc, facts.results, lines, names, money, PERCENT, put, header, comment)
    _cash(grids["Cash flows"], facts, money)
    if has_portfolio:
        _portfolio(grids["Portfolio"], facts, money)
    hidden = grids[SCENARIO_SHEET]
    hidden.sheet_state = "hidden"
    put(hidden, 1, 1, "format")
    put(hidden, 1, 2, 1)
    for i, line in enumerate(text.split("\n"), 2):
        # A cell holds at most 32,767 characters: a longer line continues in the next columns.
        for k in range(0, max(len(line), 1), CELL_TEXT):
            put(hidden, i, 1 + k // CELL_TEXT, line[k:k + CELL_TEXT])
    for g in grids.values():
        if g.title != "Futures":
            g.flush()
    if step is not None:
        step()
    money_style = _futures(grids["Futures"].ws, facts, money)
    _names(wb, lines, refs)
    wb.properties.title = _clean(facts.title)
    wb.properties.creator = f"investsim {facts.version}"
    wb.save(str(path))
    _stream_futures(path, list(grids).index("Futures"), facts, money_style)
    if step is not None:
        step()


def _same_scenario(text: str, scenario) -> bool:
    from simulator.model.scenario import loads, to_data

    return to_data(loads(text)) == to_data(scenario)


def _names(wb, lines, refs) -> None:
    def add(name: str, target: str) -> None:
        wb.defined_names[name] = DefinedName(name, attr_text=target)

    for line in lines:
        if line.name:
            add(line.name, f"{xm.INPUTS}!$H${line.row}")
    for i, cell in enumerate(refs.npv_cells, 1):
        add(f"NPV_{i}", cell)
    add(xm.MARK, f"{SCENARIO_SHEET}!$B$1")


def _fit_height(ws, row: int, text: str, chars: int) -> None:
    """Room for ``text`` wrapped at about ``chars`` characters a line (Excel does not grow a
    row for wrapped text written by a program)."""
    lines = max(1, math.ceil(len(text) / chars))
    if lines > 1:
        ws.row_dimensions[row].height = 14 * min(lines, 12)


def _readme(ws, facts: Facts, has_portfolio: bool) -> None:
    put(ws, 1, 1, facts.title, font=TITLE_FONT)
    put(ws, 2, 1, f"Written by investsim {facts.version} from {facts.source_name} on {facts.date}.", font=MUTED)
    header(ws, 4, ["Sheet", "What it is"], [16, 120])
    row = 5
    for name, words in SHEETS:
        if name == "Portfolio" and not has_portfolio:
            continue
        put(ws, row, 1, name, font=BOLD, align=TOP)
        put(ws, row, 2, words, wrap=True)
        _fit_height(ws, row, words, 110)
        row += 1
    row += 1
    put(ws, row, 1, "Names", font=BOLD, align=TOP)
    put(ws, row, 2, "Defined names you can use in formulas of your own: DiscountRate, TaxRate, Inflation, Horizon "
                    "(cells of the Inputs sheet), NPV_1 ... NPV_n (the base-case NPV of each alternative, in file "
                    "order), and one per shared variable (its name; v_<name> where the name would read as a cell "
                    "address).", wrap=True)
    _fit_height(ws, row, ws.cell(row, 2).value, 110)
    row += 1
    put(ws, row, 1, "Base case", font=BOLD, align=TOP)
    put(ws, row, 2, xm.BASE_TITLE + ". " + xm.WHY_DIFFERENT, wrap=True)
    _fit_height(ws, row, ws.cell(row, 2).value, 110)
    row += 1
    put(ws, row, 1, "Reproduce", font=BOLD, align=TOP)
    put(ws, row, 2, facts.command, wrap=True)
    ws.freeze_panes = "A5"


# --- Summary ------------------------------------------------------------------------------

SUMMARY_COLUMNS = [
    ("Alternative", 30, None), ("Category", 11, None), ("Expected NPV", 14, "money"), ("NPV P5", 13, "money"),
    ("NPV P10", 13, "money"), ("NPV median", 13, "money"), ("NPV P90", 13, "money"), ("NPV P95", 13, "money"),
    ("NPV standard deviation", 14, "money"), ("Standard error of expected NPV", 14, "money"),
    ("Chance of losing money", 11, PERCENT), ("Chance of being the best", 11, PERCENT),
    ("PV of benefits", 14, "money"), ("PV of costs", 14, "money"),
    ("{roi}: expected NPV / expected PV of costs", 14, PERCENT), ("ROI median future", 10, PERCENT),
    ("ROI P10", 10, PERCENT), ("ROI P90", 10, PERCENT), ("ROI average of futures", 10, PERCENT),
    ("IRR median (over all futures)", 12, PERCENT), ("IRR P10", 10, PERCENT), ("IRR P90", 10, PERCENT),
    ("Share of futures where the money never comes back", 13, PERCENT),
    ("Share of futures with nothing invested", 12, PERCENT),
    ("Payback median (years)", 12, YEARS), ("Pays back within the horizon", 12, PERCENT),
    ("Discounted payback median (years)", 13, YEARS), ("Discounted payback within the horizon", 13, PERCENT),
    ("Operating margin impact, last year", 13, POINTS), ("Expected regret", 13, "money"),
]


def _years_value(p50: float | None, within: float) -> Any:
    """A median payback as a number of years, or the app's words where it is not one."""
    if p50 is None or (isinstance(p50, float) and math.isnan(p50)) or math.isinf(p50):
        return fmt.years(p50)
    if p50 == 0 and within >= 0.999:
        return fmt.NOTHING_TO_PAY_BACK
    return p50


def _or_na(value: float | None, words: str = "n/a") -> Any:
    return words if value is None else value


def _irr_value(value: float, median: bool = False) -> Any:
    """An IRR percentile: the rate, or in words the group of futures it falls in."""
    if math.isfinite(value):
        return value
    return f"n/a: {IrrSpread.words(value) if median else IrrSpread.group(value) or 'no futures'}"


def _summary(ws, facts: Facts, money: str) -> None:
    ws.title = "Summary"
    r = facts.results
    s = r.summary
    put(ws, 1, 1, facts.title, font=TITLE_FONT)
    put(ws, 2, 1, facts.recommendation.headline, font=BOLD)
    roi = roi_label(r.scenario.horizon_years)
    header(ws, 4, [c[0].format(roi=roi) for c in SUMMARY_COLUMNS], [c[1] for c in SUMMARY_COLUMNS])
    ws.row_dimensions[4].height = 45
    row = 5
    for a in s.alternatives:
        last = a.margin_pp[-1].mean if a.margin_pp else None
        values = [a.name, a.category, a.npv.mean, a.npv.p5, a.npv.p10, a.npv.p50, a.npv.p90, a.npv.p95, a.npv.std,
                  a.npv.se, a.prob_loss, s.comparison.prob_best[a.name], a.pv_benefits, a.pv_costs,
                  _or_na(a.roi_of_expected, "n/a (no costs)"), _or_na(a.roi_p50), _or_na(a.roi_p10),
                  _or_na(a.roi_p90), _or_na(a.roi_mean), _irr_value(a.irr.p50, median=True), _irr_value(a.irr.p10),
                  _irr_value(a.irr.p90), a.irr.share_never_back, a.irr.share_nothing_invested,
                  _years_value(a.payback_p50, a.payback_within), a.payback_within,
                  _years_value(a.discounted_payback_p50, a.discounted_payback_within),
                  a.discounted_payback_within, last if last is not None else "n/a",
                  s.comparison.expected_regret[a.name]]
        for col, (value, (_, _, f)) in enumerate(zip(values, SUMMARY_COLUMNS), 1):
            put(ws, row, col, value, money if f == "money" else f, font=BOLD if col == 1 else None)
        row += 1
    ws.freeze_panes = "B5"

    row += 1
    names = [a.name for a in s.alternatives]
    if len(names) > 1:
        put(ws, row, 1, "Chance that the row's alternative has the higher NPV than the column's", font=BOLD)
        row += 1
        header(ws, row, [""] + names)
        row += 1
        for a in names:
            put(ws, row, 1, a, font=BOLD)
            for j, b in enumerate(names, 2):
                if a != b:
                    put(ws, row, j, s.comparison.prob_beats[a][b], PERCENT)
            row += 1
        row += 1
        put(ws, row, 1, "Value of perfect information (EVPI)", font=BOLD)
        put(ws, row, 3, s.comparison.evpi, money)
        row += 2

    lines = [
        ("Recommendation", facts.recommendation.headline),
        ("Why", " ".join(facts.recommendation.details)),
        ("What drives the result", facts.drivers),
        ("What is worth finding out", facts.worth_knowing),
        ("Caveat", facts.caveat),
        ("Verdict (as printed by investsim run)", s.verdict),
        ("Decision", facts.decision),
    ]
    lines += [(f"Precision note {i}", w) for i, w in enumerate(facts.warnings, 1)]
    lines += [
        ("Scenario file", facts.source_name),
        ("Currency", facts.currency),
        ("Planning horizon (years)", facts.scenario.horizon_years),
        ("Discount rate", facts.scenario.discount_rate),
        ("Tax rate", facts.scenario.tax_rate),
        ("Inflation", facts.scenario.inflation),
    ]
    if facts.scenario.tax_rate or facts.scenario.inflation:
        lines.append(("Figures are", fmt.cash_basis(facts.scenario.tax_rate, facts.scenario.inflation)))
    for a in s.alternatives:
        if facts.scenario.tax_rate:
            lines.append((f"Taxes, present value (+ paid): {a.name}", a.pv_taxes))
        if a.result is not None and a.result.terminal_value is not None:
            lines.append((f"Value beyond the horizon, in year {facts.scenario.horizon_years}: {a.name}",
                          a.terminal_value))
    lines += [
        ("Simulated futures", r.iterations),
        ("Seed", r.seed),
        ("Sampling", SAMPLING_WORDS.get(r.sampling, r.sampling)),
        ("Reproduce with", facts.command),
        ("Program", f"investsim {facts.version}"),
        ("Date", facts.date),
    ]
    for label, value in lines:
        put(ws, row, 1, label, font=BOLD, align=TOP)
        f = PERCENT if label in ("Discount rate", "Tax rate", "Inflation") else \
            (INTEGER if label in ("Simulated futures",) else (money if label.startswith(("Taxes,", "Value beyond"))
                                                              else None))
        put(ws, row, 3, value, f)
        row += 1


# --- Assumptions --------------------------------------------------------------------------

def _portfolio(ws, facts: Facts, money: str) -> None:
    """Which projects to fund: the set, each candidate with what toggling it changes, and the
    best set at other budgets. Numbers as numbers."""
    put(ws, 1, 1, "Which projects to fund", font=TITLE_FONT)
    res = facts.portfolio
    if res is None:
        put(ws, 2, 1, "No set of projects meets the portfolio table: " + facts.portfolio_problem, font=BOLD)
        return
    c, spec = res.choice, res.spec
    rows = [("Budget", spec.budget, money), ("Loss limit (chance of loss, at most)", spec.max_loss_probability, PERCENT),
            ("Capital used", c.capital, money), ("Expected NPV of the funded set", c.expected_npv, money),
            ("P10 of its NPV", res.npv["p10"], money), ("P90 of its NPV", res.npv["p90"], money),
            ("Chance of loss of the funded set", c.prob_loss, PERCENT)]
    row = 3
    for label, value, f in rows:
        put(ws, row, 1, label, font=BOLD)
        put(ws, row, 2, value if value is not None else "none", f)
        row += 1
    row += 1
    header(ws, row, ["Project", "Category", "Funded", "Capital", "Expected NPV", "Chance of loss alone",
                     "Change in expected NPV if toggled", "Change in chance of loss if toggled",
                     "Best expected NPV change if forced", "Why"], [30, 12, 9, 14, 14, 12, 16, 16, 16, 70])
    row += 1
    for m in res.marginal:
        put(ws, row, 1, m.name, font=BOLD)
        put(ws, row, 2, m.category)
        put(ws, row, 3, "yes" if m.funded else "no")
        put(ws, row, 4, m.capital, money)
        put(ws, row, 5, m.expected_npv, money)
        put(ws, row, 6, m.prob_loss_alone, PERCENT)
        put(ws, row, 7, m.expected_npv_change, money)
        put(ws, row, 8, m.prob_loss_change, PERCENT)
        put(ws, row, 9, m.reoptimised_change if m.reoptimised_change is not None else "not allowed", money)
        put(ws, row, 10, m.reason, align=WRAP_TOP)
        row += 1
    row += 1
    header(ws, row, ["Budget", "Capital used", "Expected NPV", "Chance of loss", "Funded"])
    row += 1
    for p in res.frontier:
        put(ws, row, 1, p.budget, money)
        put(ws, row, 2, p.capital, money)
        put(ws, row, 3, p.expected_npv, money)
        put(ws, row, 4, p.prob_loss, PERCENT)
        put(ws, row, 5, ", ".join(p.selected))
        row += 1
    row += 1
    header(ws, row, ["Category", "Capital", "Share of capital", "Expected NPV", "Share of expected NPV"])
    row += 1
    for cat, d in res.by_category.items():
        put(ws, row, 1, cat, font=BOLD)
        put(ws, row, 2, d["capital"], money)
        put(ws, row, 3, d["capital_share"], PERCENT)
        put(ws, row, 4, d["expected_npv"], money)
        put(ws, row, 5, d["expected_npv_share"], PERCENT)
        row += 1


# --- Cash flows ---------------------------------------------------------------------------

def _cash(ws, facts: Facts, money: str) -> None:
    baseline = facts.scenario.baseline is not None
    titles = ["Alternative", "Year", "Net cash, average", "P10", "Median", "P90", "Cumulative, average"]
    widths = [30, 8, 16, 14, 14, 14, 16]
    if baseline:
        titles.append("Operating margin impact, average (pp)")
        widths.append(16)
    header(ws, 1, titles, widths)
    ws.row_dimensions[1].height = 45
    row = 2
    for alt in facts.alternatives:
        for c in facts.cash[alt.name]:
            put(ws, row, 1, alt.name)
            put(ws, row, 2, c.year)
            for col, value in enumerate((c.mean, c.p10, c.p50, c.p90, c.cumulative_mean), 3):
                put(ws, row, col, value, money)
            if baseline and c.margin_mean is not None:
                put(ws, row, 8, c.margin_mean, POINTS)
            row += 1
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(titles))}{max(row - 1, 1)}"
    note = row + 1
    put(ws, note, 1, "Net cash = benefits minus costs in the year, not discounted; year 0 is today. P10/P90: "
                     "in one future in ten the year's cash is below P10, in one in ten above P90. Averages add "
                     "up over the years; percentiles do not.", font=MUTED)
    if facts.cash_note:
        put(ws, note + 1, 1, facts.cash_note, font=MUTED)


# --- Futures ------------------------------------------------------------------------------

#: The cell openpyxl writes as row 2 of the Futures sheet; :func:`_stream_futures` puts the
#: futures in its place (openpyxl would take minutes for a million rows of cells).
_SLOT = re.compile(r'<row r="2"[^>]*>.*?</row>|<row r="2"[^>]*/>', re.S)


def _futures(ws, facts: Facts, money: str) -> int:
    """The Futures sheet's header, frozen and sized; the rows come after saving
    (:func:`_stream_futures`). Returns the style id of a money cell."""
    from . import samples

    titles = _future_titles(samples.columns(facts.results))
    for i, t in enumerate(titles, 1):
        ws.column_dimensions[get_column_letter(i)].width = 9 if i == 1 else max(14, min(40, len(t) + 2))
    ws.freeze_panes = "B2"
    head = []
    for t in titles:
        c = WriteOnlyCell(ws, _clean(t))
        c.data_type = "s"
        if t.startswith(FORMULA_START):
            c.quotePrefix = True
        c.font, c.fill, c.alignment = HEAD_FONT, HEAD_FILL, Alignment(wrap_text=True, vertical="bottom")
        head.append(c)
    ws.append(head)
    slot = WriteOnlyCell(ws, 0)
    slot.number_format = money
    ws.append([slot])
    return slot.style_id


def _future_titles(titles: list[str]) -> list[str]:
    # The CSV guards names with a leading apostrophe; here the cell is text anyway.
    return [t[1:] if t.startswith("'") and t[1:].startswith(FORMULA_START) else t for t in titles]


def _xml_text(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(_clean(text))


def _stream_futures(path: str | Path, sheet_index: int, facts: Facts, money_style: int) -> None:
    """Replace row 2 of the saved Futures sheet by every future (up to Excel's row limit) and
    a closing note when some do not fit: the rows of the CSV export (ui.report.samples), as
    plain numbers, money columns in the currency format. Streams: constant memory."""
    import csv
    import os
    import shutil
    import tempfile
    import zipfile

    from . import samples

    r = facts.results
    titles = _future_titles(samples.columns(r))
    money_cols = {i for i, t in enumerate(titles) if i and (t.endswith(": NPV") or ": cash year " in t)}
    letters = [get_column_letter(i + 1) for i in range(len(titles))]
    cell_style = [f' s="{money_style}"' if i in money_cols else "" for i in range(len(titles))]
    limit = EXCEL_ROWS - 1
    name = f"xl/worksheets/sheet{sheet_index + 1}.xml"
    fd, csv_path = tempfile.mkstemp(suffix=".csv")
    os.close(fd)
    fd, new_path = tempfile.mkstemp(suffix=".xlsx", dir=str(Path(path).parent))
    os.close(fd)
    try:
        samples.write_csv(r, csv_path)
        with zipfile.ZipFile(str(path)) as src, zipfile.ZipFile(new_path, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                if info.filename != name:
                    dst.writestr(info, src.read(info.filename))
                    continue
                xml = src.read(name).decode("utf-8")
                found = _SLOT.search(xml)
                if found is None:  # pragma: no cover - openpyxl changed how it writes a row
                    raise RuntimeError("the Futures sheet has no row 2 to fill")
                entry = zipfile.ZipInfo(name, date_time=info.date_time)
                entry.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(entry, "w", force_zip64=True) as out, \
                        open(csv_path, encoding="utf-8-sig", newline="") as f:
                    out.write(xml[:found.start()].encode("utf-8"))
                    reader = csv.reader(f)
                    next(reader)
                    row_no = 1
                    chunk: list[str] = []
                    for values in reader:
                        if row_no > limit:
                            break
                        row_no += 1
                        cells = "".join(f'<c r="{letters[j]}{row_no}"{cell_style[j]}><v>{v}</v></c>'
                                        for j, v in enumerate(values) if v)
                        chunk.append(f'<row r="{row_no}">{cells}</row>')
                        if len(chunk) >= 2000:
                            out.write("".join(chunk).encode("utf-8"))
                            chunk = []
                    if r.iterations > limit:
                        note = (f"Excel holds {limit:,} futures a sheet: these are the first {limit:,} of "
                                f"{r.iterations:,}. `investsim export FILE --out futures.csv` writes them all.")
                        at = row_no + 2
                        chunk.append(f'<row r="{at}"><c r="A{at}" t="inlineStr"><is><t>{_xml_text(note)}</t></is>'
                                     '</c></row>')
                    out.write("".join(chunk).encode("utf-8"))
                    out.write(xml[found.end():].encode("utf-8"))
        shutil.move(new_path, str(path))
    finally:
        os.unlink(csv_path)
        if os.path.exists(new_path):
            os.unlink(new_path)
