"""Reading investsim's own workbook back into a scenario, with the analyst's Inputs edits.

The workbook keeps the scenario file's text in a hidden sheet (``investsim``) and marks itself
with the workbook-level defined name ``investsim_workbook``. :func:`read_workbook` reads that
text, then applies every row of the Inputs sheet that differs from it: a setting (discount
rate, tax rate, inflation, horizon), a shared variable's or an item field's amount (form and
Low / Most likely / High, Value, Formula as written or Parameters), an item's note or a
variable's note. The result goes through the scenario reader, so it is checked like a file.
Anything it cannot read raises :class:`~simulator.model.errors.ScenarioError` whose problem
names the sheet and cell (``Inputs!F7: low is above high; ...``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
import tomllib
from typing import Any

from openpyxl import load_workbook

from simulator.model.distributions import Distribution, DistributionError, from_spec
from simulator.model.errors import Problem, ScenarioError
from simulator.model.expressions import FormulaError, parse as parse_formula
from simulator.model.keys import get_amount, item_input, replace_amount, variable
from simulator.model.scenario import Scenario, amount_to_data, dumps, key_comments, loads

from . import excel_model as xm
from .excel import SCENARIO_SHEET


def _fail(where: str, message: str, file: str | None = None) -> ScenarioError:
    return ScenarioError([Problem(where, message)], file)


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("true/false")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace(",", "").replace("%", "")
    scale = 0.01 if "%" in str(value) else 1.0
    return float(text) * scale


def is_investsim_workbook(wb) -> bool:
    return xm.MARK in wb.defined_names


def read_workbook(path: str | Path) -> tuple[Scenario, str]:
    """The scenario of investsim's workbook at ``path`` with the Inputs edits applied, and its
    TOML text (the original file's comments and layout kept where nothing changed)."""
    name = Path(path).name
    try:
        wb = load_workbook(str(path), data_only=False)
    except Exception as exc:  # not a workbook at all
        raise _fail("", f"cannot open it as an Excel workbook ({exc.__class__.__name__}: {exc})", name) from None
    if not is_investsim_workbook(wb) or SCENARIO_SHEET not in wb.sheetnames:
        raise _fail("", "this is not a workbook written by investsim (it has no 'investsim_workbook' name and "
                        "no hidden 'investsim' sheet)", name)
    if xm.INPUTS not in wb.sheetnames:
        raise _fail(xm.INPUTS, "the Inputs sheet is missing; write the workbook again with investsim report", name)
    hidden = wb[SCENARIO_SHEET]
    lines = ["".join("" if v is None else str(v) for v in r) for r in hidden.iter_rows(min_row=2, values_only=True)]
    text = "\n".join(lines)
    try:
        original = loads(text, file=name)
    except ScenarioError as exc:
        raise _fail(f"{SCENARIO_SHEET}!A2", "the scenario kept in the hidden sheet was changed and no longer reads: "
                    + exc.describe(), name) from None
    scenario, paths = _apply(wb[xm.INPUTS], original, name, text)
    variable_notes = paths.pop("__notes__")
    new_text = dumps(scenario, source=text)
    new_text = _variable_notes(new_text, variable_notes, text)
    try:
        result = loads(new_text, file=name)
    except ScenarioError as exc:
        problems = []
        for p in exc.problems:
            cell = next((c for prefix, c in sorted(paths.items(), key=lambda kv: -len(kv[0]))
                         if p.path == prefix or p.path.startswith(prefix + ".") or p.path.startswith(prefix + "[")),
                        None)
            problems.append(Problem(f"{xm.INPUTS}!{cell}" if cell else p.path,
                                    p.message if not cell else f"{p.message} ({p.path})"))
        raise ScenarioError(problems, name) from None
    return result, new_text


def _apply(ws, scenario: Scenario, file: str, text: str) -> tuple[Scenario, dict]:
    C = xm.COL
    paths: dict[str, str] = {}
    notes: dict[str, str] = {}
    alt_index = {a.name: i for i, a in enumerate(scenario.alternatives)}
    comments = key_comments(text)["variables"]
    for row in ws.iter_rows(min_row=xm.FIRST_INPUT_ROW):
        values = {k: (row[c - 1].value if len(row) >= c else None) for k, c in C.items()}
        kind = values["id_kind"]
        if kind in (None, ""):
            continue
        r = row[0].row

        def at(col: str, r=r) -> str:
            return f"{xm.INPUTS}!{xm.col_letter(C[col])}{r}"

        def cell(col: str, r=r) -> str:
            return f"{xm.col_letter(C[col])}{r}"

        alt, item, fld, year = values["id_alternative"], values["id_item"], values["id_field"], values["id_year"]
        if kind == "setting":
            key = str(fld)
            try:
                value = _number(values["value"])
            except ValueError:
                raise _fail(at("value"), f"the {key.replace('_', ' ')} is not a number: {values['value']!r}",
                            file) from None
            if value is None:
                raise _fail(at("value"), f"the {key.replace('_', ' ')} is empty", file)
            if key == "horizon_years":
                if not float(value).is_integer():
                    raise _fail(at("value"), "the horizon is a whole number of years", file)
                value = int(value)
            if key not in ("discount_rate", "tax_rate", "inflation", "horizon_years"):
                raise _fail(at("id_field"), f"unknown setting {key!r}", file)
            paths[key] = cell("value")
            if getattr(scenario, key) != value:
                scenario = replace(scenario, **{key: value})
            continue
        if kind == "alternative":
            if alt not in alt_index or fld != "terminal_growth":
                raise _fail(at("id_alternative"), f"no alternative {alt!r} in the scenario", file)
            try:
                value = _number(values["value"])
            except ValueError:
                raise _fail(at("value"), "the terminal growth is not a number", file) from None
            i = alt_index[alt]
            paths[f"alternatives[{i}].terminal_growth"] = cell("value")
            a = scenario.alternatives[i]
            if a.terminal_growth != value:
                a = replace(a, terminal_growth=value)
                scenario = replace(scenario, alternatives=scenario.alternatives[:i] + (a,)
                                   + scenario.alternatives[i + 1:])
            continue
        if kind == "variable":
            key = variable(str(item))
            paths[f"variables.{item}"] = cell("value")
            note = "" if values["note"] is None else str(values["note"])
            if note != comments.get(str(item), ""):
                notes[str(item)] = note
        elif kind == "item":
            try:
                key = item_input(str(alt), str(item), str(fld), None if year in (None, "") else int(year))
            except (ValueError, TypeError):
                raise _fail(at("id_field"), f"unknown input field {fld!r}", file) from None
            if alt in alt_index:
                j = next((k for k, it in enumerate(scenario.alternatives[alt_index[alt]].items) if it.name == item),
                         None)
                if j is not None:
                    base = f"alternatives[{alt_index[alt]}].items[{j}].{fld}"
                    if year not in (None, ""):
                        k = int(year) - scenario.alternatives[alt_index[alt]].items[j].start_year
                        base += f"[{k}]"
                    paths[base] = cell("value")
        else:
            raise _fail(at("id_kind"), f"unknown kind of input {kind!r}", file)
        old = get_amount(scenario, key)
        if old is None:
            raise _fail(at("input"), f"the scenario has no input {xm.col_letter(C['input'])}{r} "
                                     f"({alt or 'shared'} / {item} / {fld}); rows of Inputs cannot be added", file)
        new = _amount(values, old, at, file)
        if amount_to_data(new) != amount_to_data(old):
            scenario = replace_amount(scenario, key, new)
        if kind == "item" and fld == "amount" and year in (None, "", _first_year(scenario, alt, item)):
            note = "" if values["note"] is None else str(values["note"])
            i = alt_index[alt]
            a = scenario.alternatives[i]
            j = next(k for k, it in enumerate(a.items) if it.name == item)
            if a.items[j].note != note:
                items = a.items[:j] + (replace(a.items[j], note=note),) + a.items[j + 1:]
                a = replace(a, items=items)
                scenario = replace(scenario, alternatives=scenario.alternatives[:i] + (a,)
                                   + scenario.alternatives[i + 1:])
    paths["__notes__"] = notes  # type: ignore[assignment]
    return scenario, paths


def _first_year(scenario: Scenario, alt: str, item: str) -> int | None:
    for a in scenario.alternatives:
        if a.name == alt:
            for it in a.items:
                if it.name == item:
                    return it.start_year
    return None


def _amount(values: dict, old: Any, at, file: str):
    """The amount the row says, or ``old`` where the row still says what ``old`` is."""
    form = str(values["form"] or "").strip().lower()
    if form in ("fixed", "number", ""):
        try:
            value = _number(values["value"])
        except ValueError:
            raise _fail(at("value"), f"a fixed amount needs a number in Value, not {values['value']!r}",
                        file) from None
        if value is None:
            raise _fail(at("value"), "a fixed amount needs a number in Value; it is empty", file)
        return value
    typed = values["value"]
    if form != "formula" and not (isinstance(typed, str) and typed.startswith("=")) and isinstance(old, Distribution):
        written = xm.base_value(old) if form not in ("pert", "triangular", "uniform") else None
        try:
            number = _number(typed)
        except ValueError:
            number = None
        if number is not None and (written is None or abs(number - written) > 1e-9 * max(1.0, abs(written))):
            raise _fail(at("value"), f"Value is the average of this {form} input, worked out from its range; to fix "
                                     "the input at a number, set Form to fixed (or change Low, Most likely, High)", file)
    if form == "formula" and typed is not None and not (isinstance(typed, str) and (
            typed.startswith("=") or typed == "by year: see Model")):
        raise _fail(at("value"), "Value is worked out from the formula; to replace the formula by a number, set "
                                 "Form to fixed, or change 'Formula as written'", file)
    if form == "formula":
        text = values["formula"]
        if not isinstance(text, str) or not text.strip():
            raise _fail(at("formula"), "a formula input needs its formula in 'Formula as written'", file)
        try:
            return parse_formula(text.strip())
        except FormulaError as exc:
            raise _fail(at("formula"), f"the formula does not read: {exc}", file) from None
    params = values["params"]
    spec: dict[str, Any] = {}
    if isinstance(params, str) and params.strip():
        try:
            spec = tomllib.loads("x = " + params.strip())["x"]
        except (tomllib.TOMLDecodeError, KeyError):
            raise _fail(at("params"), "the parameters do not read; write them like "
                                      "{ dist = \"normal\", mean = 100, sd = 10 }", file) from None
        if not isinstance(spec, dict):
            raise _fail(at("params"), "the parameters are a table like { dist = \"normal\", mean = 100, sd = 10 }",
                        file)
    spec = dict(spec)
    if form == "range90":   # a 90% range: {low, high}, with dist = "lognormal" for the skewed one
        if spec.get("dist") not in ("normal", "lognormal"):
            spec.pop("dist", None)
    else:
        spec["dist"] = form
    keys = xm.RANGE_KEYS.get(form)
    if keys:
        got = {}
        for col, key in zip(("low", "likely", "high"), keys):
            if key is None:
                continue
            try:
                v = _number(values[col])
            except ValueError:
                raise _fail(at(col), f"not a number: {values[col]!r}", file) from None
            if v is None:
                if key not in spec:
                    raise _fail(at(col), f"a {form} input needs its {key} here; it is empty", file)
                v = float(spec[key])
            spec[key] = v
            got[col] = v
        lo, hi = got.get("low"), got.get("high")
        if lo is not None and hi is not None and lo > hi:
            raise _fail(at("low"), f"low is above high ({lo:g} > {hi:g}); swap them or correct one", file)
        mode = got.get("likely")
        if mode is not None and lo is not None and hi is not None and not lo <= mode <= hi:
            raise _fail(at("likely"), f"the most likely value {mode:g} is outside low..high ({lo:g}..{hi:g})", file)
    try:
        new = from_spec(spec)
    except (DistributionError, ValueError, TypeError) as exc:
        raise _fail(at("params"), f"not a valid {form} input: {exc}", file) from None
    if isinstance(old, Distribution) and amount_to_data(old) == amount_to_data(new):
        return old
    return new


def _variable_notes(text: str, notes: dict[str, str], source: str) -> str:
    """The TOML text with the comment beside each changed variable replaced by its new note."""
    if not notes:
        return text
    import tomlkit

    doc = tomlkit.parse(text)
    table = doc.get("variables")
    if table is None:
        return text
    for name, note in notes.items():
        if name in table:
            item = table.item(name)
            flat = " ".join(note.split())
            if flat:
                item.comment(flat)
            else:
                item.trivia.comment = ""
    return tomlkit.dumps(doc)
