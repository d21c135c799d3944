"""The portfolio section of the report (PDF, HTML) and the Portfolio sheet of the workbook:
the same recommended set and figures as the engine's analysis; absent for plain comparisons."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from simulator.analysis import formatting as fmt
from simulator.analysis.portfolio import analyse

STEM = "portfolio-capital-budget"


@pytest.fixture(scope="module")
def expected(bundled_results):
    return analyse(bundled_results[STEM])


def _pdf_text(path) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(path)).pages)


def test_pdf_and_html_have_the_portfolio_section(bundled_reports, expected):
    cur = expected.currency
    pdf = _pdf_text(bundled_reports[STEM]["pdf"])
    html = bundled_reports[STEM]["html"].read_text(encoding="utf-8")
    for text in (pdf, html):
        assert "Which projects to fund" in text
        assert f"expected NPV {fmt.money(expected.choice.expected_npv, cur)}" in text
        assert "FIGURE" in text and "PORTFOLIO" in text
    assert "Fund 6: " + ", ".join(expected.selected[:2]) in pdf.replace("\n", " ") or \
        all(name in pdf for name in expected.selected)
    other = _pdf_text(bundled_reports["erp-vs-production-line"]["pdf"])
    assert "Which projects to fund" not in other


def test_workbook_portfolio_sheet_holds_numbers(bundled_reports, expected):
    wb = load_workbook(bundled_reports[STEM]["xlsx"])
    ws = wb["Portfolio"]
    labels = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(3, 10)}
    assert labels["Expected NPV of the funded set"] == pytest.approx(expected.choice.expected_npv)
    assert labels["Capital used"] == pytest.approx(expected.choice.capital)
    assert labels["Chance of loss of the funded set"] == pytest.approx(expected.choice.prob_loss)
    funded = {ws.cell(r, 1).value for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value == "yes"}
    assert funded == set(expected.selected)
    assert "Portfolio" not in load_workbook(bundled_reports["erp-vs-production-line"]["xlsx"]).sheetnames
