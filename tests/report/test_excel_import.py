"""investsim import case.xlsx (issue 16, "Bringing a case in"): a workbook in the simple layout
becomes a scenario whose results equal those of the same case written by hand in TOML; a
cell that cannot be read stops the import with the file, sheet and cell named, exit 2, and
nothing written."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import types

import numpy as np
import pytest
from openpyxl import Workbook

from excelcases import BY_HAND, HEADER, bad_book, set_cell, workbook
from helpers import ROOT
from cli.main import main
from simulator.model.scenario import load, loads
from simulator.sim.engine import run
from ui.report.excel_import import OWN_WORKBOOK_NAME, import_workbook


def same_results(a, b, iterations=2000):
    ra, rb = run(a, iterations, 11), run(b, iterations, 11)
    assert ra.names == rb.names
    for x, y in zip(ra.alternatives, rb.alternatives):
        np.testing.assert_array_equal(x.npv, y.npv)
        np.testing.assert_array_equal(x.cash, y.cash)


def test_the_simple_layout_gives_the_results_of_the_same_case_written_by_hand(tmp_path, capsys):
    book = workbook(tmp_path / "case.xlsx")
    out = tmp_path / "case.toml"
    assert main(["import", str(book), "--out", str(out)]) == 0
    assert "Wrote" in capsys.readouterr().out
    imported = load(out)
    hand = loads(BY_HAND)
    assert imported.title == "CRM or sales team" and imported.currency == "EUR"
    assert imported.discount_rate == 0.08 and imported.horizon_years == 3
    assert [i.note for i in imported.alternatives[0].items][0] == "vendor quote"
    same_results(imported, hand)
    # and the deterministic part by hand: the sales team's NPV in a future without the risk
    r = run(imported, 200, 3)
    team = r.alternative("Sales team")
    cash = [-50_000, 150_000 - 200_000, 320_000 - 210_000, 400_000 - 220_000]
    npv = sum(c / 1.08 ** t for t, c in enumerate(cash))
    no_risk = np.isclose(team.cash, cash, rtol=0, atol=1e-6).all(axis=1)
    assert 0 < no_risk.sum() < len(no_risk)       # the risk happened in some futures, not in all
    assert team.npv[no_risk] == pytest.approx(npv, abs=1e-6)
    assert (team.npv[~no_risk] < npv).all()


def test_calendar_years_a_settings_sheet_merged_cells_and_percent_text_are_read(tmp_path, capsys):
    wb = Workbook()
    ws = wb.active
    ws.title = "Business case"
    ws.append(["Alternative", "Line", "Type", 2026, 2027, 2028, 2029, "Note"])
    ws.append(["CRM", "Licences and set-up", "capex", 400000, None, None, None, "vendor quote"])
    ws.append([None, "Subscription", "Opex", None, -60000, -60000, -60000])    # costs written as negatives
    ws.append(["Sales team", "Hiring", "Investment", 50000])
    ws.append([None, "Salaries", "running_cost", None, 200000, 210000, 220000])
    ws.append([None, "New customers", "Benefits", None, "150,000", 320000, 400000])   # a number typed as text
    ws.append(["Total", None, None, 450000])                                      # a total row is skipped
    ws.merge_cells("A2:A3")
    ws.merge_cells("A4:A6")
    settings = wb.create_sheet("Settings")
    settings.append(["Title", "Calendar case"])
    settings.append(["Discount rate", "9%"])
    settings.append(["Horizon", 3])
    path = tmp_path / "calendar.xlsx"
    wb.save(path)
    case = import_workbook(path)
    s = case.scenario
    assert s.title == "Calendar case" and s.discount_rate == pytest.approx(0.09) and s.horizon_years == 3
    assert [a.name for a in s.alternatives] == ["CRM", "Sales team"]
    assert [len(a.items) for a in s.alternatives] == [2, 3]
    sub = s.alternatives[0].items[1]
    assert sub.kind == "running_cost" and sub.amount == 60000 and sub.start_year == 1
    assert any("negative" in w.message and "row 3" in w.path for w in case.warnings)
    r = run(s, 50, 1)
    crm = r.alternative("CRM")
    expected = -400_000 - sum(60_000 / 1.09 ** t for t in (1, 2, 3))
    assert crm.npv == pytest.approx(expected, abs=1e-6)


BAD = {
    # a money column holds text: row 2 of the data is sheet row 6 (three settings, a blank, the header)
    "text in a money column": (set_cell(1, 4, "sixty thousand"), "cell E7", "is text, not a number"),
    "low above high": (set_cell(2, 7, 400000), "cell H8", "above high"),
    "unknown kind": (set_cell(3, 2, "Investmant"), "cell C9", "unknown kind 'Investmant'"),
    "missing alternative name": (set_cell(4, 0, None), "cell A10", "alternative's name is missing"),
    "risk without its chance": (set_cell(6, 9, None), "cell J12", "a risk needs its chance"),
    "an investment paid twice": (set_cell(0, 4, 1000), "cell E6", "split it into a row per payment"),
    "a chance above 100 %": (set_cell(6, 9, 150), "cell J12", "a chance per year of 150 %"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_cell_names_sheet_and_cell_exits_2_and_writes_nothing(tmp_path, capsys, name):
    change, cell, words = BAD[name]
    book = bad_book(tmp_path, change)
    out = tmp_path / "case.toml"
    assert main(["import", str(book), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{book}: sheet 'Case', " in err and cell in err and words in err, err
    assert "Traceback" not in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [book]      # no temporary file left behind either


def test_a_problem_the_scenario_reader_finds_is_shown_at_its_cell(tmp_path, capsys):
    book = workbook(tmp_path / "case.xlsx", settings=(("Discount rate", 0.08), ("Horizon", 60)))
    out = tmp_path / "case.toml"
    assert main(["import", str(book), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{book}: sheet 'Case', cell B2 (horizon years): must be at most 50" in err and not out.exists()


def test_an_empty_workbook_and_one_without_a_header_are_refused(tmp_path, capsys):
    empty = tmp_path / "empty.xlsx"
    Workbook().save(empty)
    out = tmp_path / "x.toml"
    assert main(["import", str(empty), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "sheet 'Sheet', cell A1" in err and "empty" in err and not out.exists()
    headless = workbook(tmp_path / "headless.xlsx", header=None, settings=())
    assert main(["import", str(headless), "--out", str(out)]) == 2
    assert "no header row with an 'Alternative' column" in capsys.readouterr().err and not out.exists()
    only_header = workbook(tmp_path / "only.xlsx", rows=[])
    assert main(["import", str(only_header), "--out", str(out)]) == 2
    assert "no rows below the header" in capsys.readouterr().err and not out.exists()


def test_not_a_workbook_is_refused_in_plain_words(tmp_path, capsys):
    fake = tmp_path / "case.xlsx"
    fake.write_text("this is not a workbook")
    out = tmp_path / "x.toml"
    assert main(["import", str(fake), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "case.xlsx" in err and "not an Excel workbook" in err and "Traceback" not in err
    assert main(["import", str(tmp_path / "missing.xlsx"), "--out", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err and not out.exists()


def test_out_is_not_overwritten_without_force(tmp_path, capsys):
    book = workbook(tmp_path / "case.xlsx")
    out = tmp_path / "case.toml"
    out.write_text("mine")
    assert main(["import", str(book), "--out", str(out)]) == 2
    assert "exists already; add --force" in capsys.readouterr().err
    assert out.read_text() == "mine"
    assert main(["import", str(book), "--out", str(out), "--force"]) == 0
    assert load(out).title == "CRM or sales team"
    assert main(["import", str(book), "--out", str(tmp_path / "case.json")]) == 2
    assert "must end in .toml" in capsys.readouterr().err


def test_unusual_cells_warn_and_the_import_goes_ahead(tmp_path, capsys):
    header = HEADER + ["Owner"]
    book = workbook(tmp_path / "case.xlsx", header=header, settings=(("Title", "No rate"),))
    out = tmp_path / "case.toml"
    assert main(["import", str(book), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"warning: {book}: sheet 'Case', cell L3: the column 'Owner' is not one the layout knows" in err
    assert "no 'Discount rate' setting: 8% is used" in err
    assert load(out).discount_rate == 0.08


def test_the_command_runs_as_a_user_types_it(tmp_path):
    book = workbook(tmp_path / "case.xlsx")
    bad = bad_book(tmp_path, BAD["unknown kind"][0])
    out = tmp_path / "case.toml"
    done = subprocess.run([sys.executable, "-m", "cli", "import", str(bad), "--out", str(out)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "cell C9" in done.stderr and not out.exists()
    done = subprocess.run([sys.executable, "-m", "cli", "import", str(book), "--out", str(out)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert load(out).title == "CRM or sales team"


# -- investsim's own workbook ----------------------------------------------------------------

def own_marked(path):
    from openpyxl.workbook.defined_name import DefinedName

    wb = Workbook()
    wb.active.title = "README"
    wb.defined_names[OWN_WORKBOOK_NAME] = DefinedName(OWN_WORKBOOK_NAME, attr_text="README!$A$1")
    wb.save(path)
    return path


def test_a_workbook_with_the_investsim_name_goes_to_the_own_workbook_reader(tmp_path, monkeypatch, capsys):
    book = own_marked(tmp_path / "own.xlsx")
    hand = loads(BY_HAND)
    seen = []

    def read_workbook(path):
        seen.append(path)
        return hand, BY_HAND

    monkeypatch.setitem(sys.modules, "ui.report.excel_read", types.SimpleNamespace(read_workbook=read_workbook))
    out = tmp_path / "own.toml"
    assert main(["import", str(book), "--out", str(out)]) == 0
    assert "investsim workbook" in capsys.readouterr().out
    assert [str(p) for p in seen] == [str(book)]
    same_results(load(out), hand, 500)


@pytest.mark.skipif(importlib.util.find_spec("ui.report.excel_read") is None,
                    reason="ui.report.excel_read (the own-workbook reader, branch excel-out) is not here yet")
def test_investsim_own_workbook_round_trips_to_the_same_results(tmp_path, capsys):
    from ui.report import write_report

    source = load(ROOT / "scenarios" / "erp-vs-production-line.toml")
    book = tmp_path / "case.xlsx"
    write_report(run(source, 500, 5), book)
    out = tmp_path / "back.toml"
    assert main(["import", str(book), "--out", str(out)]) == 0, capsys.readouterr().err
    same_results(load(out), source, 500)


def test_the_readme_example_workbook_imports_to_the_same_case(tmp_path):
    """docs/examples/simple-case.xlsx (the README's picture) is the case of BY_HAND."""
    case = import_workbook(ROOT / "docs" / "examples" / "simple-case.xlsx")
    assert case.warnings == ()
    assert case.scenario.title == "CRM or a bigger sales team"
    same_results(case.scenario, loads(BY_HAND), 500)


def test_a_header_without_kind_and_a_broken_own_workbook_are_bad_input(tmp_path, monkeypatch, capsys):
    book = bad_book(tmp_path, lambda rows, header: header.__setitem__(2, "Sort"))
    out = tmp_path / "x.toml"
    assert main(["import", str(book), "--out", str(out)]) == 2
    assert "sheet 'Case', row 5: the header row has no 'Kind' column" in capsys.readouterr().err

    def read_workbook(path):
        raise KeyError("Inputs")

    monkeypatch.setitem(sys.modules, "ui.report.excel_read", types.SimpleNamespace(read_workbook=read_workbook))
    assert main(["import", str(own_marked(tmp_path / "own.xlsx")), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "own.xlsx: investsim's workbook could not be read back" in err and "Traceback" not in err
    assert not out.exists()
