"""Writes docs/examples/simple-case.xlsx: a business case in the simple layout that
``investsim import`` reads (README, "Bringing a case in from Excel"). The picture
docs/import-layout.png is that sheet rendered by LibreOffice:

    .venv/bin/python docs/examples/make_simple_case.py
    soffice --headless --convert-to pdf --outdir /tmp docs/examples/simple-case.xlsx
    pdftoppm -png -r 150 -singlefile /tmp/simple-case.pdf /tmp/import-layout   # then crop the margins
"""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

OUT = Path(__file__).with_name("simple-case.xlsx")

wb = Workbook()
ws = wb.active
ws.title = "Case"
bold = Font(bold=True)
ws.append(["Title", "CRM or a bigger sales team"])
ws.append(["Discount rate", 0.08])
ws.append(["Currency", "EUR"])
ws.append([])
ws.append(["Alternative", "Item", "Kind", "Year 0", "Year 1", "Year 2", "Year 3", "Low", "High", "Chance", "Note"])
rows = [
    ["CRM", "Licences and set-up", "Investment", 400000, None, None, None, None, None, None, "vendor quote, March"],
    ["CRM", "Subscription", "Running cost", None, 60000, 60000, 60000, None, None, None, "list price"],
    ["CRM", "More repeat sales", "Benefit", None, "x", "x", "x", 150000, 300000, None, "90% sure: sales team"],
    ["Sales team", "Hiring", "Investment", 50000, None, None, None, None, None, None, "agency fees"],
    ["Sales team", "Salaries", "Running cost", None, 200000, 210000, 220000, None, None, None, "3 people, HR"],
    ["Sales team", "New customers", "Benefit", None, 150000, 320000, 400000, None, None, None, "sales plan"],
    ["Sales team", "Key person leaves", "Risk", None, None, None, None, 50000, 120000, 0.1, "lost deals"],
]
for row in rows:
    ws.append(row)
for cell in ("A1", "A2", "A3"):
    ws[cell].font = bold
ws["B2"].number_format = "0%"
head = PatternFill("solid", fgColor="DDE6F0")
for cell in ws[5]:
    cell.font = bold
    cell.fill = head
for row in ws.iter_rows(min_row=6, max_row=5 + len(rows)):
    for cell in row[3:9]:
        cell.number_format = "#,##0"
        if isinstance(cell.value, str):
            cell.alignment = Alignment(horizontal="center")
    row[9].number_format = "0%"
for col, width in zip("ABCDEFGHIJK", (14, 22, 14, 10, 10, 10, 10, 10, 10, 8, 24)):
    ws.column_dimensions[col].width = width
# printed as a spreadsheet looks on screen: one landscape page, with gridlines and the
# row numbers and column letters (what the README's picture shows)
ws.print_options.gridLines = True
ws.print_options.headings = True
ws.page_setup.orientation = "landscape"
ws.sheet_properties.pageSetUpPr.fitToPage = True
ws.page_setup.fitToWidth = 1
ws.page_setup.fitToHeight = 1
wb.save(OUT)
print(f"wrote {OUT}")
