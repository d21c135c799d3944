"""The report of a scenario with a locale and labelled variables: figures in the readers'
style, inputs in plain words, in the workbook and the HTML."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from simulator.model.locales import NBSP
from simulator.model.scenario import load
from simulator.sim.engine import run
from ui.report import write_report

EUR_CASE = Path(__file__).resolve().parents[2] / "scenarios" / "erp-vs-solar-eur.toml"


def test_the_workbook_shows_labels_units_and_the_euro_after_the_number(tmp_path):
    results = run(load(EUR_CASE), 2000, 7)
    path = tmp_path / "case.xlsx"
    write_report(results, path)
    wb = load_workbook(path)
    inputs = wb["Inputs"]
    rows = {r[1]: r for r in inputs.iter_rows(values_only=True) if r[1]}
    row = rows["electricity price (power_price)"]
    assert row[10] == "EUR per kWh"
    money = wb["Summary"]
    formats = {c.number_format for r in money.iter_rows() for c in r if c.number_format and "€" in c.number_format}
    assert formats and all(f.startswith("#,##0") and "€" in f.split(";")[0] for f in formats), formats


def test_the_html_report_reads_as_a_german_board_expects(tmp_path):
    results = run(load(EUR_CASE), 2000, 7)
    path = tmp_path / "case.html"
    write_report(results, path)
    html = path.read_text(encoding="utf-8")
    assert f"{NBSP}Tsd.{NBSP}€" in html or f"{NBSP}Mio.{NBSP}€" in html
    assert f"{NBSP}%" in html
    assert "share of office time freed" in html.lower()
