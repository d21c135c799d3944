"""investsim's own workbook read back (ui.report.excel_read.read_workbook): every bundled
scenario round-trips to the same results with the same seed; an analyst's edits in Inputs come
back; a bad cell is a ScenarioError naming the sheet and cell; user text never becomes a
formula."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from helpers import bundled_files, scenario_text
from simulator.model.distributions import Pert
from simulator.model.errors import ScenarioError
from simulator.model.scenario import loads, read, to_data
from simulator.sim.engine import run
from ui.report import write_report
from ui.report.excel_model import COL, FIRST_INPUT_ROW
from ui.report.excel_read import read_workbook

N = 200


def _book(tmp_path, scenario, text, name="case.xlsx"):
    target = tmp_path / name
    write_report(run(scenario, 50, 3), target, source_text=text)
    return target


def _row(ws, section: str, name: str, field: str = "amount") -> int:
    for r in range(FIRST_INPUT_ROW, ws.max_row + 1):
        if ws.cell(r, COL["id_item"]).value == name and ws.cell(r, COL["id_field"]).value == field and \
                (ws.cell(r, COL["id_alternative"]).value == section or section is None):
            return r
    raise AssertionError(f"no Inputs row for {section} / {name}")


@pytest.mark.parametrize("path", bundled_files(), ids=lambda p: p.stem)
def test_every_bundled_scenario_comes_back_with_the_same_results(path, tmp_path):
    scenario, file = read(path)
    target = _book(tmp_path, scenario, file.text)
    back, text = read_workbook(target)
    assert to_data(back) == to_data(scenario)
    assert text == file.text                       # nothing edited: the author's file, comments and all
    a, b = run(scenario, N, 11), run(back, N, 11)
    for x, y in zip(a.alternatives, b.alternatives):
        assert x.name == y.name
        assert (x.npv == y.npv).all()
    assert a.summary.verdict == b.summary.verdict


def test_an_edited_range_and_note_come_back(tmp_path):
    path = next(p for p in bundled_files() if p.stem == "erp-vs-production-line")
    scenario, file = read(path)
    target = _book(tmp_path, scenario, file.text)
    wb = load_workbook(target)
    ws = wb["Inputs"]
    # the first PERT or range input of an item
    r = next(r for r in range(FIRST_INPUT_ROW, ws.max_row + 1)
             if ws.cell(r, COL["form"]).value == "pert" and ws.cell(r, COL["id_kind"]).value == "item")
    alt, item = ws.cell(r, COL["id_alternative"]).value, ws.cell(r, COL["id_item"]).value
    low, high = ws.cell(r, COL["low"]).value, ws.cell(r, COL["high"]).value
    ws.cell(r, COL["high"]).value = high * 2
    ws.cell(r, COL["note"]).value = "Vendor quote, March: =doubled"
    dr = next(
        r for r in range(FIRST_INPUT_ROW, ws.max_row + 1) if ws.cell(r, COL["id_field"]).value == "discount_rate")
    ws.cell(dr, COL["value"]).value = 0.11
    wb.save(target)
    back, text = read_workbook(target)
    changed = next(it for a in back.alternatives if a.name == alt for it in a.items if it.name == item)
    assert isinstance(changed.amount, Pert) and changed.amount.max == high * 2 and changed.amount.min == low
    assert changed.note == "Vendor quote, March: =doubled"
    assert back.discount_rate == 0.11
    assert loads(text).discount_rate == 0.11 and "max = " in text
    assert to_data(back) != to_data(scenario)
    before, after = run(scenario, N, 11), run(back, N, 11)
    assert [a.npv.mean() for a in before.alternatives] != [a.npv.mean() for a in after.alternatives]
    # comments the author wrote elsewhere are kept
    first_comment = next(line for line in file.text.splitlines() if line.startswith("#"))
    assert first_comment in text


def test_an_edited_formula_and_fixed_value_come_back(tmp_path):
    body = """
[variables]
extra_units = 1000  # from the sales plan
[[alternatives]]
name = "Line"
[[alternatives.items]]
name = "Margin"
kind = "benefit"
amount = "extra_units * 210"
[[alternatives.items]]
name = "Machine"
kind = "investment"
amount = 250000
"""
    text = scenario_text(body, iterations=50)
    target = _book(tmp_path, loads(text), text)
    wb = load_workbook(target)
    ws = wb["Inputs"]
    r = _row(ws, "Line", "Margin")
    assert ws.cell(r, COL["value"]).value == "=(extra_units*210)"
    ws.cell(r, COL["formula"]).value = "extra_units * 250"
    m = _row(ws, "Line", "Machine")
    ws.cell(m, COL["value"]).value = 300000
    v = _row(ws, None, "extra_units")
    assert ws.cell(v, COL["note"]).value == "from the sales plan"
    ws.cell(v, COL["note"]).value = "from the revised sales plan"
    wb.save(target)
    back, new = read_workbook(target)
    items = {it.name: it for it in back.alternatives[0].items}
    assert items["Margin"].amount.text == "extra_units * 250"
    assert items["Machine"].amount == 300000
    assert "# from the revised sales plan" in new


@pytest.mark.parametrize("edit, cell, words", [
    ({"low": 900, "high": 100}, "E", "low is above high"),
    ({"likely": "lots"}, "F", "not a number"),
    ({"formula": "extra_units *", "form": "formula"}, "I", "formula does not read"),
    ({"form": "fixed", "value": "many"}, "H", "needs a number"),
    ({"form": "pert", "params": "{ dist = "}, "J", "parameters do not read"),
    ({"value": 500}, "H", "set Form to fixed"),
])
def test_a_bad_cell_is_named_by_sheet_and_cell(edit, cell, words, tmp_path):
    body = """
[variables]
extra_units = { dist = "pert", min = 100, mode = 300, max = 800 }
[[alternatives]]
name = "Line"
[[alternatives.items]]
name = "Margin"
kind = "benefit"
amount = "extra_units * 210"
"""
    text = scenario_text(body, iterations=50)
    target = _book(tmp_path, loads(text), text)
    wb = load_workbook(target)
    ws = wb["Inputs"]
    r = _row(ws, None, "extra_units")
    for col, value in edit.items():
        ws.cell(r, COL[col]).value = value
    wb.save(target)
    with pytest.raises(ScenarioError) as caught:
        read_workbook(target)
    message = str(caught.value)
    assert f"Inputs!{cell}{r}" in message and words in message, message


def test_a_value_the_scenario_refuses_names_the_cell(tmp_path):
    body = """
[[alternatives]]
name = "Bet"
[[alternatives.items]]
name = "Outage"
kind = "risk"
amount = 1000
probability = 0.2
"""
    text = scenario_text(body, iterations=50)
    target = _book(tmp_path, loads(text), text)
    wb = load_workbook(target)
    ws = wb["Inputs"]
    r = _row(ws, "Bet", "Outage", "probability")
    ws.cell(r, COL["value"]).value = 1.7
    wb.save(target)
    with pytest.raises(ScenarioError) as caught:
        read_workbook(target)
    assert f"Inputs!H{r}" in str(caught.value)


def test_a_workbook_that_is_not_investsims_is_refused(tmp_path):
    from openpyxl import Workbook

    target = tmp_path / "other.xlsx"
    Workbook().save(target)
    with pytest.raises(ScenarioError, match="not a workbook written by investsim"):
        read_workbook(target)


HOSTILE = ["=HYPERLINK(\"http://example.invalid\",\"x\")", "+1+2", "-2+3", "@SUM(A1:A9)"]


def test_names_and_notes_that_start_like_formulas_stay_text(tmp_path):
    body = ""
    for i, name in enumerate(HOSTILE):
        escaped = name.replace('"', '\\"')
        body += f'\n[[alternatives]]\nname = "{escaped}"\n[[alternatives.items]]\nname = "{escaped}"\n' \
                f'kind = "benefit"\namount = {100 + i}\nnote = "{escaped}"\n'
    text = scenario_text(body, iterations=20).replace('title = "Test"', 'title = "=1+1"')
    scenario = loads(text)
    target = _book(tmp_path, scenario, text)
    wb = load_workbook(target)
    formulas = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value in HOSTILE + ["=1+1"]:
                    assert c.data_type == "s", (ws.title, c.coordinate)
                if c.data_type == "f":
                    formulas.append(c.value)
    for f in formulas:                       # the workbook's own formulas never carry a user's text
        assert "HYPERLINK" not in f and "SUM(A1" not in f
    names = [c.value for c in wb["Inputs"]["B"]]
    assert all(h in names for h in HOSTILE)
    futures = [c.value for c in wb["Futures"][1]]
    assert any(v.startswith("=HYPERLINK") for v in futures)
    assert all(c.data_type == "s" for c in wb["Futures"][1])
    back, _ = read_workbook(target)
    assert [a.name for a in back.alternatives] == HOSTILE


def test_a_very_long_description_survives_the_cell_limit(tmp_path):
    body = '[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "Gain"\nkind = "benefit"\namount = 5\n'
    long = "word " * 15_000                          # 75,000 characters on one line: three cells
    text = scenario_text(body, iterations=20).replace('title = "Test"', f'title = "Test"\ndescription = "{long}"')
    target = _book(tmp_path, loads(text), text)
    back, again = read_workbook(target)
    assert again == text and back.description == loads(text).description
