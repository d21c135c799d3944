"""The Excel report opened as a finance team would: the sheets, numbers stored as numbers
with proper formats, and figures equal to the engine's."""

from __future__ import annotations

import dataclasses

import pytest
from openpyxl import load_workbook

from reportcases import ITERATIONS, NON_ASCII_TITLE, SCENARIOS
from simulator.analysis import formatting as fmt
from ui.report.facts import recommendation

STEMS = [p.stem for p in SCENARIOS]


def summary_table(ws) -> tuple[dict[str, int], dict[str, int]]:
    """(column index by header, row index by alternative name) of the Summary's main table."""
    for row in ws.iter_rows(min_row=1, max_row=10):
        titles = [c.value for c in row]
        if "Expected NPV" in titles:
            cols = {t: i + 1 for i, t in enumerate(titles) if t}
            header_row = row[0].row
            break
    else:  # pragma: no cover
        raise AssertionError("no Summary table header")
    rows = {}
    r = header_row + 1
    while ws.cell(r, 1).value:
        rows[ws.cell(r, 1).value] = r
        r += 1
    return cols, rows


@pytest.mark.parametrize("stem", STEMS)
def test_summary_matches_the_engine(stem, bundled_results, bundled_reports):
    results = bundled_results[stem]
    wb = load_workbook(bundled_reports[stem]["xlsx"])
    portfolio = ["Portfolio"] if bundled_results[stem].scenario.portfolio is not None else []
    assert wb.sheetnames == ["README", "Summary", "Inputs", "Model", "Cash flows", *portfolio, "Futures", "investsim"]
    assert wb["investsim"].sheet_state == "hidden"
    ws = wb["Summary"]
    assert ws["A1"].value == results.scenario.title
    assert ws["A2"].value == recommendation(results).headline
    cols, rows = summary_table(ws)
    s = results.summary
    assert list(rows) == [a.name for a in s.alternatives]
    for a in s.alternatives:
        r = rows[a.name]

        def cell(title, r=r):
            return ws.cell(r, cols[title])

        assert cell("Expected NPV").value == pytest.approx(a.npv.mean, rel=1e-12, abs=1e-9)
        assert cell("NPV P10").value == pytest.approx(a.npv.p10, rel=1e-12, abs=1e-9)
        assert cell("NPV P90").value == pytest.approx(a.npv.p90, rel=1e-12, abs=1e-9)
        assert cell("Chance of losing money").value == pytest.approx(a.prob_loss)
        assert cell("Chance of being the best").value == pytest.approx(s.comparison.prob_best[a.name])
        assert cell("PV of costs").value == pytest.approx(a.pv_costs)
        assert fmt.currency_prefix(results.scenario.currency).strip() in cell("Expected NPV").number_format and "#,##0" in cell("Expected NPV").number_format
        assert cell("Chance of losing money").number_format.startswith("0.0%;")
        irr = cell("IRR median (over all futures)").value
        if a.irr_p50 is None:
            assert irr.startswith("n/a: ") and irr[5:] == a.irr.words(a.irr.p50)
        else:
            assert irr == pytest.approx(a.irr_p50)
        assert cell("Share of futures where the money never comes back").value == pytest.approx(a.irr.share_never_back)
        roi = cell(f"ROI over {results.scenario.horizon_years} years: expected NPV / expected PV of costs").value
        if a.roi_of_expected is None:
            assert roi == "n/a (no costs)"
        else:
            assert roi == pytest.approx(a.npv.mean / a.pv_costs)
            assert cell("ROI median future").value == pytest.approx(a.roi_p50)
    assert ws.freeze_panes == "B5"
    assert ws.cell(4, 1).font.bold
    assert ws.column_dimensions["A"].width >= 20


@pytest.mark.parametrize("stem", STEMS)
def test_cash_flows_futures_and_inputs_sheets(stem, bundled_results, bundled_reports):
    results = bundled_results[stem]
    wb = load_workbook(bundled_reports[stem]["xlsx"])
    cash = wb["Cash flows"]
    assert [c.value for c in cash[1]][:7] == ["Alternative", "Year", "Net cash, average", "P10", "Median", "P90",
                                                "Cumulative, average"]
    assert cash.freeze_panes == "C2"
    rows = list(cash.iter_rows(min_row=2, values_only=True))
    horizon = results.scenario.horizon_years
    for a in results.summary.alternatives:
        mine = [r for r in rows if r[0] == a.name]
        assert [r[1] for r in mine] == list(range(horizon + 1))
        for r, y in zip(mine, a.cash_by_year):
            assert r[2] == pytest.approx(y.mean) and r[3] == pytest.approx(y.p10) and r[5] == pytest.approx(y.p90)

    futures = wb["Futures"]
    header = [c.value for c in futures[1]]
    from ui.report.samples import columns
    assert header == columns(results)             # the columns of `investsim export`
    values = list(futures.iter_rows(min_row=2, max_row=ITERATIONS + 1, values_only=True))
    assert [v[0] for v in values] == list(range(1, ITERATIONS + 1))   # every future
    for a in results.alternatives:
        j = header.index(f"{a.name}: NPV")
        assert values[0][j] == pytest.approx(a.npv[0], abs=0.005) and \
            values[-1][j] == pytest.approx(a.npv[ITERATIONS - 1], abs=0.005)
    assert futures.freeze_panes == "B2"
    assert fmt.currency_prefix(results.scenario.currency).strip() in futures.cell(2, 2).number_format

    inputs = wb["Inputs"]
    names = {c.value for c in inputs["B"]}
    labels = results.scenario.labels
    for name, _ in results.scenario.variables:   # a labelled variable: "its words (its_name)"
        assert (f"{labels[name]} ({name})" if name in labels else name) in names
    for alt in results.scenario.alternatives:
        for item in alt.items:
            assert item.name in names


def test_non_ascii_title_and_formula_like_text_stay_text(bundled_results, tmp_path):
    from ui.report import write_report

    base = bundled_results["erp-vs-production-line"]
    alts = list(base.scenario.alternatives)
    item = dataclasses.replace(alts[0].items[0], note="=SUM(A1:A9) is what finance used")
    alts[0] = dataclasses.replace(alts[0], items=(item,) + alts[0].items[1:])
    scenario = dataclasses.replace(base.scenario, title=NON_ASCII_TITLE, alternatives=tuple(alts))
    results = dataclasses.replace(base, scenario=scenario)
    target = tmp_path / "übernahme.xlsx"
    write_report(results, target)
    wb = load_workbook(target)
    assert wb["Summary"]["A1"].value == NON_ASCII_TITLE
    sources = [c.value for c in wb["Inputs"]["L"]]
    assert "=SUM(A1:A9) is what finance used" in sources
