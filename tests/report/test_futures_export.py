"""investsim export FILE --out futures.csv (issue 16): every future, with every kept input draw
beside each alternative's NPV and yearly cash; names that start like a formula stay text."""

from __future__ import annotations

import csv
import subprocess
import sys

import numpy as np
import numpy_financial as npf
import pytest

from helpers import ROOT, make, scenario_text
from cli.main import main
from simulator.model.keys import input_label, item_input, variable
from simulator.model.scenario import load
from simulator.sim.engine import run
from ui.report import export_samples_csv
from ui.report.samples import columns

CASE = """
[variables]
units = { low = 1000, high = 3000 }
price = { dist = "pert", min = 90, mode = 100, max = 130 }

[[alternatives]]
name = "Line"
[[alternatives.items]]
name = "Machines"
kind = "investment"
amount = { low = 200_000, high = 260_000 }
[[alternatives.items]]
name = "Sales"
kind = "benefit"
amount = "units * price"
growth = { low = 0.0, high = 0.06 }

[[alternatives]]
name = "Shop"
[[alternatives.items]]
name = "Fit-out"
kind = "investment"
amount = 150_000
[[alternatives.items]]
name = "Margin"
kind = "benefit"
amount = { low = 30_000, high = 70_000 }
"""


def read(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


@pytest.fixture
def case_file(tmp_path):
    path = tmp_path / "case.toml"
    path.write_text(scenario_text(CASE, horizon=4, rate=0.07), encoding="utf-8")
    return path


def test_every_future_with_npv_cash_and_input_draws(case_file, tmp_path, capsys):
    out = tmp_path / "futures.csv"
    assert main(["export", str(case_file), "--out", str(out), "--iterations", "3000", "--seed", "5"]) == 0
    assert "Wrote" in capsys.readouterr().out
    rows = read(out)
    header, body = rows[0], rows[1:]
    results = run(load(case_file), 3000, 5)
    assert len(body) == 3000 and all(len(r) == len(header) for r in body)
    assert header == columns(results)
    # the documented columns: NPV and cash per alternative, then one per input drawn once per future
    horizon = results.scenario.horizon_years
    wanted_inputs = {variable("units"), variable("price"), item_input("Line", "Machines"),
                     item_input("Line", "Sales", "growth"), item_input("Shop", "Margin")}
    assert set(results.inputs) == wanted_inputs
    assert len(header) == 1 + 2 * (horizon + 2) + len(wanted_inputs)
    for key in wanted_inputs:
        col = header.index("input: " + input_label(key))
        np.testing.assert_allclose([float(r[col]) for r in body], results.inputs[key], rtol=1e-11, atol=0)
    assert "input: units" in header and "input: Line / Sales: growth" in header
    values = np.array(body, dtype=float)
    for a in results.alternatives:
        i = header.index(f"{a.name}: NPV")
        np.testing.assert_allclose(values[:, i], a.npv, rtol=0, atol=0.006)
        cash = values[:, i + 1:i + horizon + 2]
        np.testing.assert_allclose(cash, a.cash, rtol=0, atol=0.006)
        # an independent check of the file: each row's NPV is numpy-financial's NPV of its cash
        # (cents rounded; the run keeps yearly cash in float32: ~1e-7 of the amount)
        np.testing.assert_allclose(values[:, i], [npf.npv(0.07, row) for row in cash], rtol=3e-7, atol=0.03)
    # the draws are the inputs of each future: the line's sales in year 1 are units x price
    line_sales_y1 = values[:, header.index("input: units")] * values[:, header.index("input: price")]
    machines = values[:, header.index("input: Line / Machines")]
    line_cash = values[:, header.index("Line: cash year 0"):header.index("Line: cash year 0") + 2]
    np.testing.assert_allclose(line_cash[:, 0], -machines, rtol=1e-7, atol=0.006)   # cash kept in float32
    np.testing.assert_allclose(line_cash[:, 1], line_sales_y1, rtol=2e-7, atol=0.006)
    assert [int(r[0]) for r in body[:3]] == [1, 2, 3]


def test_the_app_export_has_the_input_columns_too(tmp_path):
    """The app's File → Export → Simulated data writes through the same function."""
    results = run(make(CASE, horizon=2), 500, 3)
    target = tmp_path / "app.csv"
    assert export_samples_csv(results, target) == 500
    header = read(target)[0]
    assert sum(h.startswith("input: ") for h in header) == len(results.inputs) == 5


HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)"]


def test_names_that_start_like_a_formula_stay_text_in_every_column(tmp_path):
    body = ""
    for i, name in enumerate(HOSTILE):
        esc = name.replace("\\", "\\\\").replace('"', '\\"')
        body += (f'\n[[alternatives]]\nname = "{esc}"\n[[alternatives.items]]\nname = "{esc}"\nkind = "benefit"\n'
                 f'amount = {{ low = {100 + i}, high = {200 + i} }}\n')
    scenario = make(body, horizon=2, iterations=50)
    results = run(scenario, 50, 1)
    target = tmp_path / "futures.csv"
    export_samples_csv(results, target)
    rows = read(target)
    header = rows[0]
    assert len(header) == 1 + len(HOSTILE) * (2 + 2) + len(HOSTILE)
    for cell in header:
        assert not cell.startswith(("=", "+", "-", "@")), cell
    for name in HOSTILE:
        assert f"'{name}: NPV" in header
        assert f"input: {name} / {name}" in header
    for row in rows[1:]:      # value cells are numbers (a leading minus is a number's sign)
        for cell in row:
            float(cell)


def test_bad_arguments_exit_2_without_a_traceback(case_file, tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=ROOT,
                              timeout=120)

    out = cli("export", str(case_file), "--out", str(tmp_path / "f.xlsx"))
    assert out.returncode == 2 and "must end in .csv" in out.stderr and "Traceback" not in out.stderr
    out = cli("export", str(case_file), "--out", str(tmp_path / "missing" / "f.csv"))
    assert out.returncode == 2 and "f.csv" in out.stderr and "Traceback" not in out.stderr
    out = cli("export", str(case_file), "--out", str(tmp_path / "f.csv"), "--iterations", "0")
    assert out.returncode == 2 and "--iterations" in out.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text(case_file.read_text().replace("discount_rate = 0.07", "discount_rate = 'x'"))
    out = cli("export", str(broken), "--out", str(tmp_path / "f.csv"))
    assert out.returncode == 2 and "discount_rate" in out.stderr and not (tmp_path / "f.csv").exists()
