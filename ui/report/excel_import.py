"""Bringing a business case in from Excel: a workbook -> a valid scenario and its TOML text.

Two kinds of workbook are read (:func:`import_workbook`):

* investsim's own workbook (``investsim report case.xlsx``), recognised by its workbook-level
  defined name ``investsim_workbook``: read back by :func:`ui.report.excel_read.read_workbook`;
* any other workbook, read in the **simple layout** below (:func:`read_simple`).

The simple layout, on the first sheet that has a header row (see the README, "Bringing a
case in from Excel", for a picture):

* A **header row**: the first row with a cell ``Alternative``. Its other cells name the
  columns, in any order, case and spacing ignored: ``Item`` (or ``Name``, ``Line``),
  ``Kind`` (or ``Type``), the **year columns** (``Year 0``, ``Year 1``, ... / ``Y1`` /
  calendar years such as ``2026``, ``2027``: the first calendar year is year 0, today),
  and, optional, ``Low`` and ``High`` (a 90 % range), ``Chance`` (or ``Probability``: a
  risk's chance per year), ``Category`` and ``Note``. Other columns are ignored, with a
  warning.
* **One row per line of the case** below it. ``Kind`` is one of the file format's item
  kinds: investment, running cost, benefit, risk, working capital (spaces, underscores,
  capitals and a plural "s" do not matter; ``capex`` = investment, ``opex`` and ``cost`` =
  running cost). Money is in the year columns; all amounts are positive, the kind gives the
  sign (a cost row written all negative is read as positive, with a warning). A row with
  ``Low`` and ``High`` is uncertain: its amount is 90 % sure to be in that range, drawn once
  per future and used in every year the row has a cell in (a number or a mark such as
  ``x``); without any year cell an investment is paid today and a yearly line runs from
  year 1 to the horizon. A cell merged over several rows counts for each of them. Empty
  rows, and rows whose first filled cell says ``Total``, are skipped.
* **Settings**, optional, as label/value pairs (label in one cell, value in the next) above
  the header row or on a sheet called ``Settings``: ``Title``, ``Description``,
  ``Currency``, ``Discount rate`` (8 % or 0.08), ``Horizon`` (years; default: the last year
  column), ``Tax rate``, ``Inflation``, ``Iterations``, ``Seed``.

A cell that cannot be read raises :class:`~simulator.model.errors.ScenarioError` whose
problems name the sheet and the cell (``sheet 'Case', cell E7: ...``); unusual but readable
things come back as warnings (:class:`~simulator.model.errors.Caution`, same shape). The
result is checked twice: the rows are built into a scenario by the scenario reader, and its
TOML text (:func:`simulator.model.scenario.dumps`) is read back, so what is written is a file
investsim reads.
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as _dt
import importlib
import re
from pathlib import Path
from typing import Any

from simulator.model.errors import Caution, Problem, ScenarioError, did_you_mean, type_name
from simulator.model.scenario import DEFAULT_DISCOUNT_RATE, Scenario, dumps, from_data, loads

#: The workbook-level defined name that marks investsim's own workbook.
OWN_WORKBOOK_NAME = "investsim_workbook"

#: The header words, after :func:`_word`, for each column the layout knows.
_COLUMNS = {
    "alternative": ("alternative", "alternatives", "option", "project"),
    "item": ("item", "name", "line", "items", "itemname", "line item"),
    "kind": ("kind", "type"),
    "low": ("low", "min", "minimum", "lowest"),
    "high": ("high", "max", "maximum", "highest"),
    "chance": ("chance", "probability", "chance per year"),
    "category": ("category",),
    "note": ("note", "notes", "comment", "comments", "source"),
}
_KINDS = {
    "investment": "investment", "capex": "investment", "capital": "investment",
    "running cost": "running_cost", "cost": "running_cost", "opex": "running_cost",
    "operating cost": "running_cost",
    "benefit": "benefit", "saving": "benefit",
    "risk": "risk",
    "working capital": "working_capital",
}
_SETTINGS = {
    "title": "title", "name": "title", "case": "title",
    "description": "description",
    "currency": "currency",
    "discount rate": "discount_rate", "wacc": "discount_rate", "hurdle rate": "discount_rate",
    "horizon": "horizon_years", "horizon years": "horizon_years", "years": "horizon_years",
    "tax rate": "tax_rate", "inflation": "inflation",
    "iterations": "iterations", "futures": "iterations", "seed": "seed",
}
_RATES = ("discount_rate", "tax_rate", "inflation")
_WHOLE = ("horizon_years", "iterations", "seed")
_YEAR_WORD = re.compile(r"^(?:year|yr|y)\s*(\d{1,2})$")
_CALENDAR = re.compile(r"^(?:fy\s*)?((?:19|20|21)\d\d)$")


@dataclass(frozen=True)
class ImportedCase:
    """A workbook read in: the scenario, its TOML text (already read back once), the
    warnings (unusual but readable cells, as cautions whose path names sheet and cell) and
    which reader read it ("investsim workbook" or "simple layout")."""

    scenario: Scenario
    text: str
    warnings: tuple[Caution, ...] = ()
    layout: str = "simple layout"


def import_workbook(path: str | Path) -> ImportedCase:
    """Read ``path``: investsim's own workbook (it has the defined name
    :data:`OWN_WORKBOOK_NAME`) through ``ui.report.excel_read.read_workbook``, any other one
    in the simple layout. Raises ScenarioError (file, sheet, cell, what is wrong)."""
    path = Path(path)
    wb = _open(path, data_only=False)
    own = OWN_WORKBOOK_NAME in _defined_names(wb)
    wb.close()
    if own:
        return _read_own(path)
    return read_simple(path)


def _read_own(path: Path) -> ImportedCase:
    try:   # imported lazily: the own-workbook reader is a separate module
        excel_read = importlib.import_module("ui.report.excel_read")
    except ImportError:
        raise ScenarioError([Problem("", "this is investsim's own workbook, and this version of investsim cannot "
                                         "read it back; open the scenario file it was made from instead")],
                            str(path)) from None
    try:
        scenario, text = excel_read.read_workbook(path)
    except ScenarioError as exc:
        raise exc if exc.file else exc.with_file(str(path)) from None
    except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:   # a sheet edited out of shape
        raise ScenarioError([Problem("", f"investsim's workbook could not be read back ({type(exc).__name__}: "
                                         f"{exc}); was a sheet renamed, moved or deleted?")], str(path)) from None
    return ImportedCase(scenario, _checked_text(scenario, text, path), (), "investsim workbook")


def _checked_text(scenario: Scenario, text: str | None, path: Path) -> str:
    """The TOML text to write: ``text`` when it reads back as a scenario, else the scenario's
    own dump. Either way it is read back once, so what is written is a file investsim reads."""
    if text:
        try:
            loads(text, file=str(path))
            return text
        except ScenarioError:
            pass
    text = dumps(scenario)
    loads(text, file=str(path))
    return text


def _defined_names(wb) -> set[str]:
    names = wb.defined_names
    try:
        return {str(n) for n in names.keys()}
    except AttributeError:   # openpyxl before 3.1 kept a list
        return {n.name for n in names.definedName}


def _open(path: Path, *, data_only: bool):
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    file = str(path)
    if not path.exists():
        raise ScenarioError([Problem("", "no such file")], file)
    if path.suffix.lower() == ".xls":
        raise ScenarioError([Problem("", "this is an old-style .xls workbook; open it in Excel or LibreOffice and "
                                         "save it as .xlsx, then import that")], file)
    try:
        return load_workbook(path, data_only=data_only)
    except (BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise ScenarioError([Problem("", f"not an Excel workbook that can be read (.xlsx): {exc}")], file) from None
    except Exception as exc:   # openpyxl raises its own types for broken parts; still the file's fault
        raise ScenarioError([Problem("", f"the workbook cannot be read: {type(exc).__name__}: {exc}")],
                            file) from None


# ---------------------------------------------------------------------------------------
# The simple layout
# ---------------------------------------------------------------------------------------

def _word(value: Any) -> str:
    """A header or label cell as a plain lower-case word: spaces, underscores and a trailing
    colon or unit in brackets do not matter."""
    text = str(value).strip().lower().replace("_", " ").replace("-", " ")
    text = re.sub(r"\(.*?\)|\[.*?\]", "", text).strip().rstrip(":").strip()
    return re.sub(r"\s+", " ", text)


def _kind(value: str) -> str | None:
    word = _word(value)
    if word in _KINDS:
        return _KINDS[word]
    if word.endswith("s") and word[:-1] in _KINDS:
        return _KINDS[word[:-1]]
    return None


class _Sheet:
    """One worksheet's values (cached results of formulas) with merged cells filled in, and
    the formulas, to tell an empty cell from a formula Excel never computed."""

    def __init__(self, values_ws, formulas_ws):
        self.title = values_ws.title
        self.ws = values_ws
        self.formulas = formulas_ws
        self.merged: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in values_ws.merged_cells.ranges:
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    if (r, c) != (rng.min_row, rng.min_col):
                        self.merged[(r, c)] = (rng.min_row, rng.min_col)

    @property
    def max_row(self) -> int:
        return self.ws.max_row

    @property
    def max_col(self) -> int:
        return self.ws.max_column

    def value(self, row: int, col: int) -> Any:
        row, col = self.merged.get((row, col), (row, col))
        v = self.ws.cell(row=row, column=col).value
        if isinstance(v, str):
            v = v.strip()
            if not v:
                return None
        return v

    def uncomputed(self, row: int, col: int) -> bool:
        """A formula whose value the workbook does not hold (saved by a program that does not
        compute, e.g. a script)."""
        row, col = self.merged.get((row, col), (row, col))
        f = self.formulas.cell(row=row, column=col).value
        return isinstance(f, str) and f.startswith("=") and self.ws.cell(row=row, column=col).value is None

    def where(self, row: int, col: int) -> str:
        from openpyxl.utils import get_column_letter

        return f"sheet '{self.title}', cell {get_column_letter(col)}{row}"

    def row_where(self, row: int) -> str:
        return f"sheet '{self.title}', row {row}"


class _Reader:
    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []
        self.warnings: list[Caution] = []

    def bad(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(Caution(where, message))

    def fail(self) -> None:
        if self.problems:
            raise ScenarioError(self.problems, str(self.path))

    # -- cells ---------------------------------------------------------------------------
    def number(self, sheet: _Sheet, row: int, col: int, what: str) -> float | None:
        """A number cell (None when empty); a problem naming the cell otherwise."""
        v = sheet.value(row, col)
        if v is None:
            if sheet.uncomputed(row, col):
                self.bad(sheet.where(row, col), f"{what}: a formula whose result the workbook does not hold (it was "
                                                "saved by a program that does not compute); open the workbook in "
                                                "Excel or LibreOffice, save it, and import it again")
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            if isinstance(v, str):
                parsed = _number_text(v)
                if parsed is not None:
                    return parsed
                self.bad(sheet.where(row, col), f"{what}: '{_short(v)}' is text, not a number; type a number "
                                                "(an amount such as 250000, a rate such as 8%)")
            else:
                self.bad(sheet.where(row, col), f"{what}: {_what(v)} where a number belongs; type a number")
            return None
        if v != v or v in (float("inf"), float("-inf")):
            self.bad(sheet.where(row, col), f"{what}: not a finite number")
            return None
        return float(v)

    # -- the sheet -----------------------------------------------------------------------
    def header(self, sheet: _Sheet) -> int | None:
        for row in range(1, min(sheet.max_row, 200) + 1):
            for col in range(1, min(sheet.max_col, 100) + 1):
                v = sheet.value(row, col)
                if isinstance(v, str) and _word(v) in _COLUMNS["alternative"]:
                    return row
        return None

    def columns(self, sheet: _Sheet, head: int) -> tuple[dict[str, int], dict[int, int]]:
        """The known columns by role, and the year columns {column: year}."""
        roles: dict[str, int] = {}
        years: dict[int, int] = {}
        calendar: dict[int, int] = {}
        for col in range(1, sheet.max_col + 1):
            v = sheet.value(head, col)
            if v is None:
                continue
            where = sheet.where(head, col)
            if isinstance(v, bool):
                self.warn(where, f"the column '{v}' is not one the layout knows; it is ignored")
                continue
            if isinstance(v, (int, float)) and float(v).is_integer():
                n = int(v)
                if 1900 <= n <= 2199:
                    calendar[col] = n
                elif 0 <= n <= 100:
                    years[col] = n
                else:
                    self.bad(where, f"the column heading {n} is neither a year number (0, 1, ...) nor a calendar "
                                    "year (2026, ...)")
                continue
            if isinstance(v, (_dt.date, _dt.datetime)):
                calendar[col] = v.year
                continue
            word = _word(v)
            m = _YEAR_WORD.match(word)
            c = _CALENDAR.match(word)
            if m:
                years[col] = int(m.group(1))
                continue
            if c:
                calendar[col] = int(c.group(1))
                continue
            role = next((r for r, words in _COLUMNS.items() if word in words), None)
            if role is None:
                self.warn(where, f"the column '{_short(str(v))}' is not one the layout knows; it is ignored "
                                 f"(known: Alternative, Item, Kind, Year 0.., Low, High, Chance, Category, Note)"
                                 f"{did_you_mean(word, [w for ws in _COLUMNS.values() for w in ws])}")
                continue
            if role in roles:
                self.bad(where, f"a second '{_short(str(v))}' column (the first is "
                                f"{sheet.where(head, roles[role]).split(', ')[1]}); keep one")
                continue
            roles[role] = col
        if years and calendar:
            first = min(calendar)
            self.bad(sheet.where(head, first), "the year columns mix year numbers (Year 0, Year 1, ...) and calendar "
                                               "years (2026, ...); use one kind")
        elif calendar:
            start = min(calendar.values())
            years = {col: y - start for col, y in calendar.items()}
        seen: dict[int, int] = {}
        for col, year in sorted(years.items()):
            if year in seen:
                self.bad(sheet.where(head, col), f"year {year} has a second column (the first is "
                                                 f"{sheet.where(head, seen[year]).split(', ')[1]}); keep one")
            seen[year] = col
        for role, title in (("item", "Item"), ("kind", "Kind")):
            if role not in roles:
                self.bad(sheet.row_where(head), f"the header row has no '{title}' column; add one (the layout "
                                                "needs Alternative, Item, Kind and the amounts)")
        if not years and not ("low" in roles and "high" in roles):
            self.bad(sheet.row_where(head), "the header row has no year columns (Year 0, Year 1, ... or 2026, "
                                            "2027, ...) and no Low and High columns: there is no amount to read")
        if ("low" in roles) != ("high" in roles):
            have, missing = ("Low", "High") if "low" in roles else ("High", "Low")
            self.bad(sheet.where(head, roles.get("low", roles.get("high"))),
                     f"a '{have}' column without a '{missing}' column; a range needs both")
        return roles, years

    def settings(self, sheet: _Sheet, rows: range, found: dict[str, tuple]) -> None:
        """Label/value pairs in ``rows`` of ``sheet``: the first known label of a row and the
        next filled cell to its right."""
        for row in rows:
            for col in range(1, min(sheet.max_col, 50) + 1):
                v = sheet.value(row, col)
                if not isinstance(v, str):
                    continue
                key = _SETTINGS.get(_word(v))
                if key is None:
                    continue
                for vcol in range(col + 1, min(sheet.max_col, 50) + 1):
                    value = sheet.value(row, vcol)
                    if value is not None or sheet.uncomputed(row, vcol):
                        found[key] = (value, sheet.where(row, vcol), sheet, row, vcol)
                        break
                else:
                    self.warn(sheet.where(row, col), f"'{_short(v)}' has no value beside it; it is ignored")
                break

    def setting_values(self, found: dict) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, (value, where, sheet, row, col) in found.items():
            if key in ("title", "description", "currency"):
                out[key] = str(value).strip() if value is not None else ""
                continue
            number = self.number(sheet, row, col, key.replace("_", " "))
            if number is None:
                continue
            if key in _RATES:
                fmt = sheet.ws.cell(row=row, column=col).number_format or ""
                text = isinstance(value, str) and value.strip().endswith("%")
                if not text and "%" not in fmt and abs(number) >= 1:
                    self.warn(where, f"{key.replace('_', ' ')} {number:g} read as {number:g} % ({number / 100:g}); "
                                     "write 8% or 0.08 to be explicit")
                    number /= 100
            elif key in _WHOLE:
                if not number.is_integer():
                    self.bad(where, f"{key.replace('_', ' ')} must be a whole number, not {number:g}")
                    continue
                number = int(number)
            out[key] = number
        return out

    # -- rows ----------------------------------------------------------------------------
    def read(self) -> tuple[dict[str, Any], dict[str, str]]:
        values = _open(self.path, data_only=True)
        formulas = _open(self.path, data_only=False)
        sheets = [_Sheet(values[name], formulas[name]) for name in values.sheetnames]
        case = None
        head = None
        for sheet in sheets:
            if _word(sheet.title) == "settings":
                continue
            head = self.header(sheet)
            if head is not None:
                case = sheet
                break
        if case is None:
            first = sheets[0]
            empty = all(s.max_row <= 1 and s.value(1, 1) is None for s in sheets)
            if empty:
                self.bad(f"sheet '{first.title}', cell A1", "the workbook is empty; put one row per line of the "
                                                           "case under a header row (Alternative, Item, Kind, "
                                                           "Year 0, Year 1, ...)")
            else:
                self.bad(f"sheet '{first.title}', cell A1",
                         "no header row with an 'Alternative' column was found on any sheet; the layout is a "
                         "header row (Alternative, Item, Kind, Year 0, Year 1, ...) and one row per line of the "
                         "case below it (see the README, 'Bringing a case in from Excel')")
            self.fail()
        roles, years = self.columns(case, head)
        self.fail()
        found: dict = {}
        for sheet in sheets:
            if _word(sheet.title) == "settings":
                self.settings(sheet, range(1, sheet.max_row + 1), found)
        self.settings(case, range(1, head), found)
        settings = self.setting_values(found)
        where_of = {key: value[1] for key, value in found.items()}

        alternatives: dict[str, dict[str, Any]] = {}
        rows_of: dict[str, str] = {}       # "alternatives[i].items[j]" -> "sheet 'X', row N"
        last_year = max(years.values()) if years else 0
        horizon = settings.get("horizon_years")
        if horizon is None:
            horizon = last_year if last_year >= 1 else None
        year_cols = sorted(years.items(), key=lambda cy: cy[1])
        data_rows = 0
        for row in range(head + 1, case.max_row + 1):
            cells = [case.value(row, c) for c in range(1, case.max_col + 1)]
            if all(v is None for v in cells):
                continue
            first = next(v for v in cells if v is not None)
            if isinstance(first, str) and _word(first).startswith("total"):
                continue
            data_rows += 1
            item = self.row(case, row, roles, year_cols, horizon)
            if item is None:
                continue
            alt_name, category, entry = item
            alt = alternatives.setdefault(alt_name, {"name": alt_name, "items": []})
            if category and not alt.get("category"):
                alt["category"] = category
            alt_index = list(alternatives).index(alt_name)
            rows_of[f"alternatives[{alt_index}].items[{len(alt['items'])}]"] = case.row_where(row)
            alt["items"].append(entry)
        if not data_rows:
            self.bad(case.row_where(head + 1), "there are no rows below the header: add one row per line of the "
                                               "case (alternative, item, kind, amounts)")
        self.fail()
        if horizon is None:
            self.bad(where_of.get("horizon_years", case.row_where(head)),
                     "the horizon is not known: add a 'Horizon' setting (years) or year columns up to Year 1 or "
                     "later")
            self.fail()
        for col, year in year_cols:
            if year > horizon:
                used = [r for r in range(head + 1, case.max_row + 1) if case.value(r, col) is not None]
                if used:
                    self.bad(case.where(used[0], col), f"year {year} is after the horizon ({horizon} years, "
                                                      f"{where_of.get('horizon_years', 'the last year column')}); "
                                                      "raise the horizon or move the amount")
        self.fail()
        data: dict[str, Any] = {"format": 1, "title": settings.get("title") or self.path.stem,
                                "horizon_years": horizon}
        if "discount_rate" not in settings:
            self.warn(case.row_where(head), f"no 'Discount rate' setting: {DEFAULT_DISCOUNT_RATE:.0%} is used; add "
                                            "one above the header row (Discount rate | 8%)")
        data["discount_rate"] = settings.get("discount_rate", DEFAULT_DISCOUNT_RATE)
        for key in ("description", "currency", "tax_rate", "inflation", "iterations", "seed"):
            if settings.get(key) not in (None, ""):
                data[key] = settings[key]
        data["alternatives"] = list(alternatives.values())
        if len(alternatives) == 1:
            self.warn(case.row_where(head), "only one alternative; investsim compares two or more (add rows for "
                                            "another one, or a 'Do nothing' in the app)")
        where_of.update(rows_of)
        return data, where_of

    def row(self, sheet: _Sheet, row: int, roles: dict[str, int], year_cols: list[tuple[int, int]],
            horizon: int | None) -> tuple[str, str, dict[str, Any]] | None:
        before = len(self.problems)
        alt = sheet.value(row, roles["alternative"])
        name = sheet.value(row, roles["item"])
        kind_cell = sheet.value(row, roles["kind"])
        alt_col = roles.get("alternative")
        if alt is None:
            self.bad(sheet.where(row, alt_col), "the alternative's name is missing; every row names the alternative "
                                                "it belongs to")
        elif not isinstance(alt, str):
            alt = _cell_text(alt)
        if name is None:
            self.bad(sheet.where(row, roles["item"]), "the item's name is missing; name the line of the case "
                                                      "(e.g. 'Licences')")
        elif not isinstance(name, str):
            name = _cell_text(name)
        kind = None
        if kind_cell is None:
            self.bad(sheet.where(row, roles["kind"]), "the kind is missing; one of investment, running cost, "
                                                      "benefit, risk, working capital")
        else:
            kind = _kind(str(kind_cell))
            if kind is None:
                self.bad(sheet.where(row, roles["kind"]),
                         f"unknown kind '{_short(str(kind_cell))}'; one of investment, running cost, benefit, risk, "
                         f"working capital{did_you_mean(_word(kind_cell), list(_KINDS))}")
        amounts: dict[int, float] = {}
        marks: list[int] = []
        for col, year in year_cols:
            v = sheet.value(row, col)
            if v is None and not sheet.uncomputed(row, col):
                continue
            if isinstance(v, str) and _number_text(v) is None and len(v) <= 3 and not any(ch.isdigit() for ch in v):
                marks.append(year)       # "x", "✓": a year the range applies in
                continue
            number = self.number(sheet, row, col, f"year {year}")
            if number is not None:
                amounts[year] = number
        low = high = None
        if "low" in roles:
            low = self.number(sheet, row, roles["low"], "low")
            high = self.number(sheet, row, roles["high"], "high")
            if (low is None) != (high is None) and len(self.problems) == before:
                col = roles["high"] if high is None else roles["low"]
                self.bad(sheet.where(row, col), "a range needs both Low and High; fill in this cell or empty the "
                                                "other")
        chance = self.number(sheet, row, roles["chance"], "chance") if "chance" in roles else None
        if len(self.problems) > before:
            return None
        ranged = low is not None and high is not None
        if marks and not ranged:
            v = sheet.value(row, next(c for c, y in year_cols if y == marks[0]))
            self.bad(sheet.where(row, next(c for c, y in year_cols if y == marks[0])),
                     f"'{_short(str(v))}' is text, not a number; a mark in a year cell needs Low and High on the row")
            return None
        if not ranged and not amounts:
            self.bad(sheet.where(row, year_cols[0][0] if year_cols else roles["kind"]),
                     "the row has no amount: put money in a year column, or a Low and a High")
            return None
        cost = kind != "benefit"
        values = list(amounts.values()) + ([low, high] if ranged else [])
        negative = [v for v in values if v < 0]
        if negative:
            if cost and len(negative) == len([v for v in values if v != 0]):
                self.warn(sheet.row_where(row), f"the {kind.replace('_', ' ')} is written as negative numbers; "
                                                "read as positive (the kind says the money goes out)")
                amounts = {y: -v for y, v in amounts.items()}
                if ranged:
                    low, high = sorted((-low, -high))
            else:
                col = next((c for c, y in year_cols if amounts.get(y, 0) < 0), roles.get("low"))
                self.bad(sheet.where(row, col), "a negative amount; write every amount as a positive number, the "
                                                "kind says whether money comes in (benefit) or goes out")
                return None
        if ranged and low > high:
            self.bad(sheet.where(row, roles["low"]), f"low ({low:,.10g}) is above high ({high:,.10g}); swap them")
            return None
        entry: dict[str, Any] = {"name": name, "kind": kind}
        if ranged:
            amount: Any = low if low == high else {"low": _num(low), "high": _num(high)}
            when = sorted(set(marks) | set(amounts))
            for y in amounts:
                if not low <= amounts[y] <= high:
                    col = next(c for c, yy in year_cols if yy == y)
                    self.warn(sheet.where(row, col), f"{amounts[y]:,.10g} is outside the row's range "
                                                     f"({low:,.10g} to {high:,.10g}); the range gives the amount, "
                                                     "the year cells say when")
            if not isinstance(amount, dict):
                amount = _num(amount)
            if kind == "investment":
                years = when or [0]
                if len(years) > 1:
                    self.bad(sheet.where(row, next(c for c, y in year_cols if y == years[1])),
                             "an investment with a range is paid in one year; mark one year, or split it into a "
                             "row per payment")
                    return None
                entry["amount"] = amount
                if years[0]:
                    entry["year"] = years[0]
            else:
                if when:
                    start, end = when[0], when[-1]
                    gaps = [y for y in range(start, end + 1) if y not in when]
                    if gaps:
                        self.bad(sheet.row_where(row), f"the range applies in years {start} to {end} except "
                                                       f"{', '.join(map(str, gaps))}; a yearly line with a range runs "
                                                       "without gaps: split it into two rows")
                        return None
                    entry["start_year"] = start
                    entry["end_year"] = end
                entry["amount"] = amount
        else:
            if kind == "investment":
                paid = [y for y, v in sorted(amounts.items()) if v != 0]
                if not paid:
                    self.warn(sheet.row_where(row), "an investment of 0; it is left out")
                    return None
                if len(paid) > 1:
                    self.bad(sheet.where(row, next(c for c, y in year_cols if y == paid[1])),
                             "an investment is paid in one year; this row has money in years "
                             f"{', '.join(map(str, paid))}: split it into a row per payment")
                    return None
                entry["amount"] = _num(amounts[paid[0]])
                if paid[0]:
                    entry["year"] = paid[0]
            else:
                years = sorted(amounts)
                start, end = years[0], years[-1]
                series = [amounts.get(y, 0.0) for y in range(start, end + 1)]
                entry["start_year"] = start
                if len(set(series)) == 1:
                    entry["amount"] = _num(series[0])
                    entry["end_year"] = end
                else:
                    entry["amount"] = [_num(v) for v in series]
        if kind in ("risk",):
            if chance is None:
                self.bad(sheet.where(row, roles.get("chance", roles["kind"])),
                         "a risk needs its chance per year in a 'Chance' column (e.g. 10% or 0.1)")
                return None
        if chance is not None:
            if kind not in ("risk", "running_cost", "benefit"):
                self.warn(sheet.where(row, roles["chance"]), f"a chance on a {kind.replace('_', ' ')} is ignored "
                                                             "(only yearly lines can happen by chance)")
            else:
                fmt = sheet.ws.cell(row=row, column=roles["chance"]).number_format or ""
                if chance > 100 or (chance > 1 and "%" in fmt):
                    self.bad(sheet.where(row, roles["chance"]), f"a chance per year of {chance * (1 if '%' not in fmt else 100):g} %; "
                                                                "it is between 0 and 100 % (10% or 0.1)")
                    return None
                if chance > 1:
                    self.warn(sheet.where(row, roles["chance"]), f"chance {chance:g} read as {chance:g} % "
                                                                 f"({chance / 100:g}); write 10% or 0.1 to be explicit")
                    chance /= 100
                entry["probability"] = _num(chance)
        note = sheet.value(row, roles["note"]) if "note" in roles else None
        if note is not None:
            entry["note"] = _cell_text(note)
        category = sheet.value(row, roles["category"]) if "category" in roles else None
        return alt, _cell_text(category) if category is not None else "", entry


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)


def _number_text(text: str) -> float | None:
    """A number typed as text: "250 000", "1,200", "8%", "$ 1,000"; None when it is not one."""
    t = text.strip().replace("\u00a0", "").replace(" ", "").replace("_", "")
    t = re.sub(r"^[$€£¥]|[$€£¥]$", "", t)
    percent = t.endswith("%")
    if percent:
        t = t[:-1]
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", t):
        t = t.replace(",", "")
    try:
        value = float(t)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return value / 100 if percent else value


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _short(text: str, limit: int = 40) -> str:
    text = str(text).replace("\n", " ")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _what(value: Any) -> str:
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return "a date"
    return type_name(value)


def read_simple(path: str | Path) -> ImportedCase:
    """Read a workbook in the simple layout (module doc). Raises ScenarioError whose
    problems name the sheet and the cell (or row); a problem the scenario reader finds in
    the built case is reported at the row it came from."""
    path = Path(path)
    reader = _Reader(path)
    data, where = reader.read()
    try:
        scenario = from_data(data, file=str(path))
    except ScenarioError as exc:
        raise ScenarioError([_at_cell(p, where) for p in exc.problems], str(path)) from None
    text = dumps(scenario)
    loads(text, file=str(path))      # what is written reads back
    return ImportedCase(scenario, text, tuple(reader.warnings), "simple layout")


def _at_cell(problem: Problem, where: dict[str, str]) -> Problem:
    """A problem of the built scenario, moved to the sheet and row (or setting cell) it came
    from: ``alternatives[0].items[2].amount`` -> ``sheet 'Case', row 7 (amount)``."""
    path = problem.path
    m = re.match(r"(alternatives\[\d+\]\.items\[\d+\])\.?(.*)", path)
    if m and m.group(1) in where:
        field = m.group(2)
        return Problem(where[m.group(1)] + (f" ({field})" if field else ""), problem.message)
    top = path.split(".")[0].split("[")[0]
    if top in where:
        return Problem(f"{where[top]} ({top.replace('_', ' ')})", problem.message)
    return problem
