"""The workbook's own formulas (the Model sheet) evaluated by an independent formula engine
(the `formulas` package, test-only) and compared with the simulation: deterministic
scenarios exactly, a changed discount rate against numpy-financial."""

from __future__ import annotations

from dataclasses import replace
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import numpy_financial as npf
import pytest
from openpyxl import load_workbook

from helpers import scenario_text
from simulator.model.scenario import loads
from simulator.sim import finance
from simulator.sim.engine import run
from ui.report import write_report

formulas = pytest.importorskip("formulas")

N = 10  # futures: all the same in a scenario without uncertainty; few keep the Futures sheet small


class Book:
    """A written workbook evaluated by `formulas`; cells and defined names by their Excel names."""

    def __init__(self, path, inputs: dict[str, float] | None = None):
        self.path = path
        wb = load_workbook(path)
        self.names = {n: d.attr_text for n, d in wb.defined_names.items()}
        model = formulas.ExcelModel().loads(str(path)).finish()
        given = {self.key(self.names[k]): v for k, v in (inputs or {}).items()}
        self.solution = model.calculate(inputs=given) if given else model.calculate()

    def key(self, ref: str) -> str:
        sheet, cell = ref.split("!")
        return f"'[{self.path.name}]{sheet.upper()}'!{cell.replace('$', '')}"

    def cell(self, ref: str):
        value = self.solution[self.key(ref)].value
        return value[0][0] if hasattr(value, "__len__") else value

    def __getitem__(self, name: str):
        return float(self.cell(self.names[name]))


def _write(tmp_path, text: str, name: str = "case.xlsx"):
    scenario = loads(text)
    results = run(scenario, N, 1)
    target = tmp_path / name
    write_report(results, target, source_text=text)
    return scenario, results, target


CASES = {
    "growth and ramp": """
[[alternatives]]
name = "Shop"
[[alternatives.items]]
name = "Fit-out"
kind = "investment"
amount = 100000
[[alternatives.items]]
name = "Sales"
kind = "benefit"
amount = 40000
ramp_years = 3
growth = 0.05
[[alternatives.items]]
name = "Staff"
kind = "running_cost"
amount = 9000
start_year = 2
end_year = 4
growth = 0.03
""",
    "formula variables, lists and a year formula": """
[variables]
extra_units = 1200
price = "extra_units * 0 + 210"
[[alternatives]]
name = "Line"
[[alternatives.items]]
name = "Machine"
kind = "investment"
amount = 250000
year = 1
[[alternatives.items]]
name = "Margin"
kind = "benefit"
amount = "extra_units * price / 2"
[[alternatives.items]]
name = "Service"
kind = "running_cost"
amount = [5000, 6000, "1000 * 7"]
start_year = 2
[[alternatives.items]]
name = "Energy"
kind = "running_cost"
amount = "1000 + 250 * year"
[[alternatives]]
name = "Nothing"
[[alternatives.items]]
name = "Tidy-up"
kind = "running_cost"
amount = 1000
end_year = 1
""",
    "tax and depreciation": """
[[alternatives]]
name = "Buy"
[[alternatives.items]]
name = "Press"
kind = "investment"
amount = 300000
life_years = 4
[[alternatives.items]]
name = "Tooling"
kind = "investment"
amount = 50000
year = 1
depreciation = [0.5, 0.3, 0.2]
[[alternatives.items]]
name = "Savings"
kind = "benefit"
amount = 120000
[[alternatives.items]]
name = "Upkeep"
kind = "running_cost"
amount = 20000
""",
    "working capital and residual value": """
[[alternatives]]
name = "Plant"
[[alternatives.items]]
name = "Plant"
kind = "investment"
amount = 500000
residual_value = 90000
life_years = 8
[[alternatives.items]]
name = "Stock"
kind = "working_capital"
amount = 60000
growth = 0.02
[[alternatives.items]]
name = "Sales"
kind = "benefit"
effect = "revenue"
contribution_margin = 0.4
amount = 400000
""",
    "inflation and a fixed lease": """
[[alternatives]]
name = "Lease"
[[alternatives.items]]
name = "Lease"
kind = "running_cost"
amount = 30000
indexed = false
[[alternatives.items]]
name = "Savings"
kind = "benefit"
amount = 45000
start_year = 0
[[alternatives.items]]
name = "Kit"
kind = "investment"
amount = 20000
year = 2
""",
    "value beyond the horizon": """
[[alternatives]]
name = "Brand"
terminal_growth = 0.02
[[alternatives.items]]
name = "Campaign"
kind = "investment"
amount = 80000
[[alternatives.items]]
name = "Margin"
kind = "benefit"
amount = 15000
growth = 0.04
""",
}
EXTRA = {"tax and depreciation": "tax_rate = 0.25\n",
         "working capital and residual value": "tax_rate = 0.3\ninflation = 0.02\n",
         "inflation and a fixed lease": "inflation = 0.03\ntax_rate = 0.2\n",
         "value beyond the horizon": "tax_rate = 0.21\n"}


@pytest.mark.parametrize("case", list(CASES))
def test_base_case_formulas_give_the_simulated_npv_of_a_deterministic_scenario(case, tmp_path):
    text = scenario_text(CASES[case], horizon=6, rate=0.08, iterations=N, extra=EXTRA.get(case, ""))
    scenario, results, target = _write(tmp_path, text)
    book = Book(target)
    assert len(results.alternatives) == len([n for n in book.names if n.startswith("NPV_")])
    for i, alt in enumerate(results.alternatives, 1):
        assert np.ptp(alt.npv) == 0                        # no uncertainty: every future the same
        assert book[f"NPV_{i}"] == pytest.approx(alt.npv[0], rel=1e-12, abs=1e-6), (case, alt.name)
    assert book["DiscountRate"] == scenario.discount_rate
    assert book["TaxRate"] == scenario.tax_rate
    assert book["Horizon"] == scenario.horizon_years


@pytest.mark.parametrize("case", ["growth and ramp", "value beyond the horizon", "tax and depreciation"])
def test_a_new_discount_rate_recomputes_every_npv(case, tmp_path):
    text = scenario_text(CASES[case], horizon=6, rate=0.08, iterations=N, extra=EXTRA.get(case, ""))
    scenario, _, target = _write(tmp_path, text)
    book = Book(target, {"DiscountRate": 0.15})
    again = run(replace(scenario, discount_rate=0.15), N, 1)   # the terminal value depends on the rate too
    for i, alt in enumerate(again.alternatives, 1):
        assert book[f"NPV_{i}"] == pytest.approx(alt.npv[0], rel=1e-12, abs=1e-6)
        # numpy-financial on the yearly cash the run keeps (float32: 7 digits)
        assert book[f"NPV_{i}"] == pytest.approx(npf.npv(0.15, alt.cash[0].astype(float)), rel=1e-6)
        assert book[f"NPV_{i}"] != pytest.approx(run(scenario, N, 1).alternatives[i - 1].npv[0], rel=1e-6)


def test_irr_and_payback_cells_match_numpy_financial_and_the_engine(tmp_path):
    text = scenario_text(CASES["growth and ramp"], horizon=6, rate=0.08, iterations=N)
    _, results, target = _write(tmp_path, text)
    book = Book(target)
    wb = load_workbook(target)
    ws = wb["Model"]
    cash = results.alternatives[0].cash[0].astype(float)   # float32: 7 digits
    found = set()
    for row in ws.iter_rows(min_row=1, max_col=4):
        if row[1].value == "IRR":
            found.add("irr")
            assert float(book.cell(f"Model!D{row[0].row}")) == pytest.approx(npf.irr(cash), rel=1e-5)
        if row[1].value == "payback (years)":
            found.add("payback")
            assert float(book.cell(f"Model!D{row[0].row}")) == pytest.approx(float(finance.payback(cash)), rel=1e-6)
    assert found == {"irr", "payback"}


def test_the_command_line_json_and_the_workbook_agree(tmp_path):
    text = scenario_text(CASES["working capital and residual value"], horizon=6, rate=0.08, iterations=N,
                         extra=EXTRA["working capital and residual value"])
    src = tmp_path / "case.toml"
    src.write_text(text, encoding="utf-8")
    target = tmp_path / "case.xlsx"
    out = subprocess.run([sys.executable, "-m", "cli.main", "run", str(src), "--json"], capture_output=True,
                         text=True, check=True)
    data = json.loads(out.stdout)
    subprocess.run([sys.executable, "-m", "cli.main", "report", str(src), "--out", str(target)], check=True,
                   capture_output=True)
    book = Book(target)
    for i, alt in enumerate(data["alternatives"], 1):
        assert book[f"NPV_{i}"] == pytest.approx(alt["npv"]["mean"], rel=1e-12)


def test_a_chance_item_is_probability_times_amount_in_the_base_case(tmp_path):
    body = """
[variables]
units = { dist = "pert", min = 10, mode = 20, max = 60 }
[[alternatives]]
name = "Bet"
[[alternatives.items]]
name = "Outage"
kind = "risk"
amount = { dist = "uniform", min = 1000, max = 3000 }
probability = 0.25
[[alternatives.items]]
name = "Sales"
kind = "benefit"
amount = "units * 100"
"""
    text = scenario_text(body, horizon=3, rate=0.1, iterations=N)
    scenario, _, target = _write(tmp_path, text)
    book = Book(target)
    df = (1.1) ** -np.arange(4)
    units = (10 + 4 * 20 + 60) / 6
    expected = sum((units * 100 - 0.25 * 2000) * df[1:])
    assert book["NPV_1"] == pytest.approx(expected, rel=1e-12)
    assert book["units"] == pytest.approx(units)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_computes_the_same_npvs(tmp_path):
    """A second, independent spreadsheet engine: LibreOffice recalculates the workbooks it
    converts; every NPV_i equals the simulated NPV of the deterministic cases."""
    expected = {}
    sources = []
    for i, case in enumerate(CASES):
        text = scenario_text(CASES[case], horizon=6, rate=0.08, iterations=N, extra=EXTRA.get(case, ""))
        _, results, target = _write(tmp_path, text, f"case{i}.xlsx")
        expected[target.name] = [a.npv[0] for a in results.alternatives]
        sources.append(str(target))
    out = tmp_path / "recalculated"
    subprocess.run(["soffice", "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out),
                    *sources], capture_output=True, check=True, timeout=300,
                   env={**os.environ, "HOME": str(tmp_path)})
    for name, npvs in expected.items():
        wb = load_workbook(out / name, data_only=True)
        for i, npv in enumerate(npvs, 1):
            sheet, cell = wb.defined_names[f"NPV_{i}"].attr_text.split("!")
            assert wb[sheet.strip("'")][cell.replace("$", "")].value == pytest.approx(npv, rel=1e-12), name


def test_futures_stop_at_excels_row_limit_and_say_where_the_rest_is(tmp_path, monkeypatch):
    from ui.report import excel

    monkeypatch.setattr(excel, "EXCEL_ROWS", 6)          # a sheet of 6 rows: the header and 5 futures
    text = scenario_text(CASES["growth and ramp"], horizon=3, rate=0.08, iterations=N)
    _, results, target = _write(tmp_path, text)
    ws = load_workbook(target)["Futures"]
    rows = list(ws.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:6]] == [1, 2, 3, 4, 5]
    note = rows[-1][0]
    assert "first 5 of 10" in note and "investsim export" in note
    readme = " ".join(str(c.value) for row in load_workbook(target)["README"].iter_rows() for c in row if c.value)
    assert "1,048,576 rows" in readme and "investsim export" in readme


FORMULAS = ["x * 210", "-x ** 2", "2 ** -1", "-(x - y) / 4", "x ** 0.5 * y", "min(x, y, 1)", "max(x, 2) - abs(y)",
            "clip(x, 0, 2.5)", "where(x > y, x, y)", "where(x - 3, 1, 2)", "(x < y) * 10 + (x >= 3)",
            "(x == 3) + (y != 1)", "exp(1) + log(x) + sqrt(x)", "2 ** 3 ** 2", "-2 ** 2 + x / y", "1e6 * x - 1_000"]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_in_excels_language_computes_what_investsim_computes(text):
    from simulator.model.expressions import parse
    from ui.report.excel_model import excel_formula, number_text

    env = {"x": 3.0, "y": -2.5}
    excel = "=" + excel_formula(parse(text), {k: number_text(v) for k, v in env.items()})
    value = formulas.Parser().ast(excel)[1].compile()()
    value = float(np.asarray(value, dtype=float).reshape(-1)[0])
    assert value == pytest.approx(float(parse(text).evaluate(env)), rel=1e-14), excel


def test_a_variable_whose_name_reads_as_a_cell_gets_a_prefix():
    from ui.report.excel_model import excel_names

    names = excel_names(["extra_units", "r2", "tax1", "R", "horizon", "NPV_1", "v_r2", "abcd1"])
    assert names["extra_units"] == "extra_units" and names["abcd1"] == "abcd1"
    assert names["tax1"] == "v_tax1" and names["R"] == "v_R" and names["horizon"] == "v_horizon"
    assert names["NPV_1"] == "v_NPV_1"
    assert len({n.lower() for n in names.values()}) == len(names)
