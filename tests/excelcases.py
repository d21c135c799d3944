"""Workbooks in the simple layout of ``investsim import`` (issue 16), for the import tests of
the command line and of the app."""

from __future__ import annotations

from openpyxl import Workbook

HEADER = ["Alternative", "Item", "Kind", "Year 0", "Year 1", "Year 2", "Year 3", "Low", "High", "Chance", "Note"]
ROWS = [
    ["CRM", "Licences and set-up", "Investment", 400000, None, None, None, None, None, None, "vendor quote"],
    ["CRM", "Subscription", "Running cost", None, 60000, 60000, 60000],
    ["CRM", "More repeat sales", "Benefit", None, "x", "x", "x", 150000, 300000],
    ["Sales team", "Hiring", "investment", 50000],
    ["Sales team", "Salaries", "running costs", None, 200000, 210000, 220000],
    ["Sales team", "New customers", "benefit", None, 150000, 320000, 400000],
    ["Sales team", "Key person leaves", "risk", None, None, None, None, 50000, 120000, 0.1],
]

#: The same case, written by hand from the README's file format.
BY_HAND = """
format = 1
title = "CRM or sales team"
currency = "EUR"
horizon_years = 3
discount_rate = 0.08

[[alternatives]]
name = "CRM"
[[alternatives.items]]
name = "Licences and set-up"
kind = "investment"
amount = 400_000
note = "vendor quote"
[[alternatives.items]]
name = "Subscription"
kind = "running_cost"
amount = 60_000
[[alternatives.items]]
name = "More repeat sales"
kind = "benefit"
amount = { low = 150_000, high = 300_000 }

[[alternatives]]
name = "Sales team"
[[alternatives.items]]
name = "Hiring"
kind = "investment"
amount = 50_000
[[alternatives.items]]
name = "Salaries"
kind = "running_cost"
amount = [200_000, 210_000, 220_000]
[[alternatives.items]]
name = "New customers"
kind = "benefit"
amount = [150_000, 320_000, 400_000]
[[alternatives.items]]
name = "Key person leaves"
kind = "risk"
amount = { low = 50_000, high = 120_000 }
probability = 0.1
"""


def workbook(path, rows=ROWS, header=HEADER, settings=(("Title", "CRM or sales team"), ("Discount rate", 0.08),
                                                       ("Currency", "EUR")), sheet="Case"):
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for label, value in settings:
        ws.append([label, value])
    if settings:
        ws.append([])
    if header:
        ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def bad_book(tmp_path, change):
    rows = [list(r) + [None] * (len(HEADER) - len(r)) for r in ROWS]
    header = list(HEADER)
    change(rows, header)
    return workbook(tmp_path / "bad.xlsx", rows=rows, header=header)


def set_cell(row, col, value):
    return lambda rows, header: rows[row].__setitem__(col, value)


