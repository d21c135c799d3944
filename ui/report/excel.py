"""The report as an Excel workbook a finance team can check and extend.

Sheets: Summary (the recommendation and one row of measures per alternative), Assumptions
(every input in words and numbers, with its source), Cash flows (per alternative and year:
average, P10, median, P90), Samples (the NPV of each alternative in the first 10,000
simulated futures). Numbers are stored as numbers (money in currency units, chances and
rates as fractions shown as percentages), never as formatted text, so they can be summed,
charted and reused. Undefined values (an IRR that does not exist, a payback beyond the
horizon) are left as words.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from simulator.analysis import formatting as fmt
from simulator.analysis.summary import IrrSpread, roi_label

from .facts import SAMPLING_WORDS, Facts

SAMPLE_ROWS = 10_000
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
    prefix = fmt.currency_prefix(currency).replace('"', "")
    return f'"{prefix}"#,##0;"{fmt.MINUS}{prefix}"#,##0'


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def put(ws, row: int, col: int, value: Any, number_format: str | None = None, font: Font | None = None,
        align: Alignment | None = None):
    cell = ws.cell(row=row, column=col, value=_clean(value))
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"          # text that looks like a formula stays text
    if number_format and isinstance(value, (int, float)):
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    if align is not None:
        cell.alignment = align
    return cell


def header(ws, row: int, titles: list[str], widths: list[float] | None = None) -> None:
    for i, title in enumerate(titles, 1):
        put(ws, row, i, title, font=HEAD_FONT, align=Alignment(wrap_text=True, vertical="bottom"))
        ws.cell(row=row, column=i).fill = HEAD_FILL
    if widths:
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = w


def write(facts: Facts, path: str | Path, *, step: Callable[[], None] | None = None) -> None:
    wb = Workbook()
    money = money_format(facts.currency)
    _summary(wb.active, facts, money)
    _assumptions(wb.create_sheet("Assumptions"), facts, money)
    _cash(wb.create_sheet("Cash flows"), facts, money)
    if facts.portfolio is not None or facts.portfolio_problem:
        _portfolio(wb.create_sheet("Portfolio"), facts, money)
    if step is not None:
        step()
    _samples(wb.create_sheet("Samples"), facts, money)
    wb.properties.title = facts.title
    wb.properties.creator = f"investsim {facts.version}"
    wb.save(str(path))
    if step is not None:
        step()


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


def _assumptions(ws, facts: Facts, money: str) -> None:
    titles = ["Section", "Name", "Kind and timing", "Amount in words", "Low (P5)", "Median", "High (P95)",
              "Worth today (average PV)", "Source"]
    header(ws, 1, titles, [22, 34, 36, 52, 13, 13, 13, 14, 56])
    row = 2
    for label, text in facts.frame:
        put(ws, row, 1, "Frame", align=TOP)
        put(ws, row, 2, label, font=BOLD, align=TOP)
        put(ws, row, 4, text, align=WRAP_TOP)
        row += 1
    sc = facts.scenario
    for label, value, f in (("Discount rate", sc.discount_rate, PERCENT), ("Horizon (years)", sc.horizon_years, None)):
        put(ws, row, 1, "Frame", align=TOP)
        put(ws, row, 2, label, font=BOLD, align=TOP)
        put(ws, row, 6, value, f)
        row += 1
    if sc.baseline is not None:
        b = sc.baseline
        for label, value, f in (("Baseline revenue a year", b.revenue, money),
                                ("Baseline operating margin", b.operating_margin, PERCENT),
                                ("Baseline revenue growth a year", b.revenue_growth, PERCENT)):
            put(ws, row, 1, "Frame", align=TOP)
            put(ws, row, 2, label, font=BOLD, align=TOP)
            put(ws, row, 6, value, f)
            row += 1
    for v in facts.variables:
        f = PERCENT if v.unit == "percent" else ("#,##0.##" if v.unit == "number" else money)
        put(ws, row, 1, "Shared input", align=TOP)
        put(ws, row, 2, v.name, font=BOLD, align=TOP)
        put(ws, row, 4, v.words, align=WRAP_TOP)
        for col, value in ((5, v.low), (6, v.middle), (7, v.high)):
            put(ws, row, col, value, f, align=TOP)
        put(ws, row, 9, v.source, align=WRAP_TOP)
        row += 1
    for c in facts.correlations:
        put(ws, row, 1, "Correlation", align=TOP)
        put(ws, row, 4, c, align=WRAP_TOP)
        row += 1
    for alt in facts.alternatives:
        for it in alt.items:
            put(ws, row, 1, alt.name, align=TOP)
            put(ws, row, 2, it.name, font=BOLD, align=WRAP_TOP)
            put(ws, row, 3, it.timing, align=WRAP_TOP)
            put(ws, row, 4, it.amount, align=WRAP_TOP)
            for col, value in ((5, it.low), (6, it.middle), (7, it.high)):
                put(ws, row, col, value, money, align=TOP)
            put(ws, row, 8, it.pv, money, align=TOP)
            put(ws, row, 9, it.source, align=WRAP_TOP)
            row += 1
        put(ws, row, 1, alt.name, font=BOLD)
        put(ws, row, 2, "Expected NPV (sum of the items)", font=BOLD)
        put(ws, row, 8, alt.summary.npv.mean, money, font=BOLD)
        row += 1
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:I{max(row - 1, 1)}"


# --- Cash flows ---------------------------------------------------------------------------

def _cash(ws, facts: Facts, money: str) -> None:
    baseline = facts.scenario.baseline is not None
    titles = ["Alternative", "Year", "Net cash, average", "P10", "Median", "P90", "Cumulative, average"]
    widths = [30, 8, 16, 14, 14, 14, 16]
    if baseline:
        titles.append("Operating margin impact, average (pp)")
        widths.append(16)
    header(ws, 1, titles, widths)
    ws.row_dimensions[1].height = 32
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


# --- Samples ------------------------------------------------------------------------------

def _samples(ws, facts: Facts, money: str) -> None:
    r = facts.results
    n = min(r.iterations, SAMPLE_ROWS)
    titles = ["Future"] + [f"NPV: {a.name}" for a in r.alternatives]
    header(ws, 1, titles, [9] + [max(16, min(40, len(t) + 2)) for t in titles[1:]])
    ws.row_dimensions[1].height = 30
    columns = [a.npv[:n].tolist() for a in r.alternatives]
    for i in range(n):
        ws.append([i + 1] + [v if math.isfinite(v) else None for v in (col[i] for col in columns)])
    for col in range(2, len(titles) + 1):
        letter = get_column_letter(col)
        for cell in ws[letter][1:]:
            cell.number_format = money
    ws.freeze_panes = "B2"
    if r.iterations > n:
        put(ws, n + 3, 1, f"The first {n:,} of {r.iterations:,} simulated futures; export the simulated data as "
                          "CSV from the app for all of them.", font=MUTED)
