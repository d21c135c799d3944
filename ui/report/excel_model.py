"""The workbook as a live model: the Inputs sheet (every input as the author wrote it, with its
base value) and the Model sheet (per alternative, item and year, the base case's cash in Excel
formulas that refer to the Inputs cells; NPV, IRR and payback from them).

The base case puts every input at its average (a chance event at probability x amount, a
count of events at its expected number). For a scenario without uncertainty its formulas give
exactly the NPV of ``investsim run``; with uncertainty they give the NPV of the average
inputs, which differs from the simulated average NPV wherever the model is not linear.

The conventions are the engine's (simulator/sim/cashflow.py, finance.py): year 0 is today and
is not discounted, year t is discounted by ``(1 + rate) ** -t``; see the README.

Defined names (workbook level, kept stable: checks use them): ``DiscountRate``, ``TaxRate``,
``Inflation``, ``Horizon``, ``NPV_1`` ... ``NPV_n`` (alternatives in file order), one per
shared variable (its name, or ``v_<name>`` where the name would read as a cell address),
and ``investsim_workbook`` (marks the workbook as investsim's own, for reading back).
"""

from __future__ import annotations

from dataclasses import dataclass
import math
import re
from typing import Any

import numpy as np

from simulator.model import expressions
from simulator.model.distributions import Distribution
from simulator.model.expressions import Formula
from simulator.model.scenario import (MAX_FREQUENCY, STRAIGHT_LINE, YEAR_NAME, Item, Scenario, YearlyAmounts,
                                      amount_to_data)
from simulator.sim.cashflow import depreciation_schedule

INPUTS = "Inputs"
MODEL = "Model"
MARK = "investsim_workbook"
BASE_TITLE = "The base case: every input at its average"
WHY_DIFFERENT = ("The simulated averages beside it differ from the base case wherever the model is not linear: "
                 "the average of a product, a formula, a clipped range, a tax on a loss or an IRR is not the "
                 "same as the product, formula, range, tax or IRR of the averages.")

#: Inputs columns (1-based). Editable: Low, Most likely, High, Value, Formula, Parameters, Note.
COL = {"section": 1, "input": 2, "field": 3, "form": 4, "low": 5, "likely": 6, "high": 7, "value": 8,
       "formula": 9, "params": 10, "unit": 11, "note": 12,
       # identity, for reading back (hidden at the right)
       "id_kind": 14, "id_alternative": 15, "id_item": 16, "id_field": 17, "id_year": 18}
INPUT_TITLES = ["Section", "Input", "Field", "Form", "Low", "Most likely", "High", "Value (base case)",
                "Formula as written", "Parameters (other shapes)", "Unit", "Note", "",
                "kind", "alternative", "item", "field", "year"]
INPUT_WIDTHS = [24, 30, 18, 12, 13, 13, 13, 15, 30, 34, 9, 60, 3, 9, 18, 18, 18, 6]
FIRST_INPUT_ROW = 3

PERCENT_FIELDS = ("growth", "probability", "contribution_margin", "terminal_growth")
SETTINGS = (("DiscountRate", "discount_rate", "Discount rate", "percent"),
            ("TaxRate", "tax_rate", "Tax rate", "percent"),
            ("Inflation", "inflation", "Inflation", "percent"),
            ("Horizon", "horizon_years", "Horizon (years)", "years"))
RESERVED = {"discountrate", "taxrate", "inflation", "horizon", MARK.lower()}
#: Shapes whose low / most likely / high columns are their own keys.
RANGE_KEYS = {"pert": ("min", "mode", "max"), "triangular": ("min", "mode", "max"),
              "uniform": ("min", None, "max"), "range90": ("low", None, "high"), "beta": ("min", None, "max")}
FORM_WORDS = {"fixed": "a fixed amount", "formula": "a formula of the shared variables", "pert": "PERT",
              "triangular": "triangular", "uniform": "uniform", "normal": "normal", "lognormal": "lognormal",
              "range90": "90% range", "bernoulli": "yes/no", "discrete": "list of values", "poisson": "Poisson",
              "gamma": "gamma", "beta": "beta"}


# --- Formulas --------------------------------------------------------------------------------

_BINARY_OPS = {np.add: "+", np.subtract: "-", np.multiply: "*", np.true_divide: "/", np.power: "^"}
_COMPARE = {expressions._lt: "<", expressions._le: "<=", expressions._gt: ">", expressions._ge: ">=",
            expressions._eq: "=", expressions._ne: "<>"}
_FUNCTION_BY_IMPL = {f.impl: name for name, f in expressions.FUNCTIONS.items()}
_EXCEL_FUNCTION = {"abs": "ABS", "exp": "EXP", "log": "LN", "sqrt": "SQRT", "min": "MIN", "max": "MAX"}


def number_text(x: float) -> str:
    """A number as Excel formula text that reads back as the same double."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        text = str(int(x))
    else:
        text = repr(x).upper()
    return f"({text})" if x < 0 else text


def excel_formula(formula: Formula, names: dict[str, str]) -> str:
    """The formula in Excel's language, fully bracketed (Excel's unary minus binds tighter than
    ``^``; Python's does not), every name replaced by ``names[name]``. No leading "="."""
    program = expressions.parse(formula.text)._program
    stack: list[str] = []
    for opcode, payload, arity, _pos, _len in program:
        if opcode == _CONST:
            stack.append(number_text(payload))
        elif opcode == _LOAD:
            stack.append(names[payload])
        elif arity == 2 and payload in _BINARY_OPS:
            b = stack.pop()
            a = stack.pop()
            stack.append(f"({a}{_BINARY_OPS[payload]}{b})")
        elif arity == 2 and payload in _COMPARE:
            b = stack.pop()
            a = stack.pop()
            stack.append(f"IF({a}{_COMPARE[payload]}{b},1,0)")
        elif arity == 1 and payload is np.negative:
            stack.append(f"(-{stack.pop()})")
        else:
            name = _FUNCTION_BY_IMPL[payload]
            args = stack[len(stack) - arity:]
            del stack[len(stack) - arity:]
            if name == "clip":
                stack.append(f"MIN(MAX({args[0]},{args[1]}),{args[2]})")
            elif name == "where":
                stack.append(f"IF({args[0]}<>0,{args[1]},{args[2]})")
            else:
                stack.append(f"{_EXCEL_FUNCTION[name]}({','.join(args)})")
    return stack[0]


_CONST, _LOAD = expressions._CONST, expressions._LOAD


_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[RrCc]|[Rr][0-9]*[Cc][0-9]*|true|false)$", re.IGNORECASE)


def excel_names(variables: list[str]) -> dict[str, str]:
    """A defined name per shared variable: its own name where Excel allows it, else ``v_<name>``."""
    out: dict[str, str] = {}
    taken = set(RESERVED)
    for name in variables:
        candidate = name
        if _CELL_LIKE.match(name) or name.lower() in taken or re.match(r"^npv_\d+$", name, re.IGNORECASE):
            candidate = "v_" + name
        while candidate.lower() in taken:
            candidate = "v_" + candidate
        taken.add(candidate.lower())
        out[name] = candidate
    return out


# --- The inputs, one row each -----------------------------------------------------------------

@dataclass
class InputLine:
    kind: str                       # setting | variable | item | alternative
    section: str
    label: str
    field_words: str
    amount: Any                     # a number, Distribution, Formula (or a setting's number)
    unit: str                       # money | percent | number | years
    note: str = ""
    alternative: str | None = None
    item: str | None = None
    field: str = ""
    year: int | None = None
    name: str | None = None         # the defined name (settings, variables)
    row: int = 0
    chance: str = ""                # "probability" or "frequency" for a chance item's amount
    unit_words: str = ""            # a variable's own unit ("EUR per kWh"), from the file

    @property
    def ref(self) -> str:
        return self.name if self.name else f"{INPUTS}!$H${self.row}"


def form_of(amount: Any) -> str:
    if isinstance(amount, Formula):
        return "formula"
    if isinstance(amount, Distribution):
        return amount.kind
    return "fixed"


def inline_toml(spec: dict) -> str:
    import tomlkit

    table = tomlkit.inline_table()
    table.update({k: (list(v) if isinstance(v, tuple) else v) for k, v in spec.items()})
    return table.as_string()


def input_lines(scenario: Scenario, notes: dict[str, str], units: dict[str, str]) -> list[InputLine]:
    lines = []
    for name, key, label, unit in SETTINGS:
        lines.append(InputLine("setting", "Setting", label, "", getattr(scenario, key), unit, name=name, field=key))
    names = excel_names([n for n, _ in scenario.variables])
    for n, amount in scenario.variables:
        label = scenario.labels.get(n)    # "electricity price (power_price)": the words, then the name formulas use
        lines.append(InputLine("variable", "Shared variable", f"{label} ({n})" if label else n, "", amount,
                               units.get(n, "number"), notes.get(n, ""), item=n, field="amount", name=names[n],
                               unit_words=scenario.unit_of(n)))
    for alt in scenario.alternatives:
        if alt.terminal_growth is not None:
            lines.append(InputLine("alternative", alt.name, "Value beyond the horizon", "terminal growth",
                                   alt.terminal_growth, "percent", alternative=alt.name, field="terminal_growth"))
        for item in alt.items:
            if isinstance(item.amount, YearlyAmounts):
                for k, entry in enumerate(item.amount.values):
                    lines.append(InputLine("item", alt.name, item.name, f"amount, year {item.start_year + k}", entry,
                                           "money", item.note if k == 0 else "", alternative=alt.name,
                                           item=item.name, field="amount", year=item.start_year + k))
            else:
                lines.append(InputLine("item", alt.name, item.name, "amount", item.amount, "money", item.note,
                                       alternative=alt.name, item=item.name, field="amount"))
            if item.is_annual and (item.probability is not None or item.frequency is not None):
                lines[-1].chance = "probability" if item.probability is not None else "frequency"
            for f in ("growth", "probability", "contribution_margin", "residual_value", "frequency"):
                value = getattr(item, f)
                if value is not None:
                    unit = "percent" if f in PERCENT_FIELDS else ("money" if f == "residual_value" else "number")
                    lines.append(InputLine("item", alt.name, item.name, f.replace("_", " "), value, unit,
                                           alternative=alt.name, item=item.name, field=f))
    return lines, names


def base_value(amount: Any) -> float | None:
    if isinstance(amount, Distribution):
        return float(amount.mean())
    if isinstance(amount, (int, float)) and not isinstance(amount, bool):
        return float(amount)
    return None


def write_inputs(g, lines: list[InputLine], names: dict[str, str], fmt: dict[str, str], put, header,
                 comment) -> None:
    """Fill the Inputs grid; each line's ``row`` is set."""
    from openpyxl.styles import Alignment

    top = Alignment(vertical="top")
    plain_put = put

    def put(*args, **kw):  # every cell at the top of its row (a long note makes a tall row)
        kw.setdefault("align", top)
        return plain_put(*args, **kw)

    put(g, 1, 1, "Inputs: every input as the scenario file has it. Change Low, Most likely, High, Value, Formula "
                 "or Note: the Model sheet recomputes; investsim import reads the changes back.", font="bold")
    header(g, 2, INPUT_TITLES, INPUT_WIDTHS)
    g.row_dimensions[2].height = 30
    refs = {n: names[n] for n in names}
    row = FIRST_INPUT_ROW
    for line in lines:
        line.row = row
        number = fmt.get(line.unit)
        if line.unit == "number":   # whole thousands with separators, small numbers as they are
            mean = base_value(line.amount)
            number = "#,##0" if mean is not None and abs(mean) >= 1000 else "General"
        form = form_of(line.amount)
        put(g, row, COL["section"], line.section)
        put(g, row, COL["input"], line.label, font="bold")
        put(g, row, COL["field"], line.field_words)
        put(g, row, COL["form"], "" if line.kind == "setting" else form)
        amount = line.amount
        said: list[str] = []
        if isinstance(amount, Formula):
            local = dict(refs)
            if YEAR_NAME in amount.names and YEAR_NAME not in refs:
                if line.year is not None:
                    local[YEAR_NAME] = str(line.year)
                else:
                    local = None
            put(g, row, COL["formula"], amount.text)
            if local is None:
                put(g, row, COL["value"], "by year: see Model")
                said.append("This formula uses the year number, so the Model sheet writes it out in each year's "
                            "cell.")
            else:
                put(g, row, COL["value"], "=" + excel_formula(amount, local), number, formula=True)
        elif isinstance(amount, Distribution):
            spec = dict(amount.describe())
            put(g, row, COL["params"], inline_toml(spec))
            keys = RANGE_KEYS.get(amount.kind)
            if keys:
                for col, key in zip(("low", "likely", "high"), keys):
                    if key is not None and key in spec:
                        put(g, row, COL[col], float(spec[key]), number)
            letter_row = {c: f"{chr(64 + COL[c])}{row}" for c in ("low", "likely", "high")}
            e, f_, h = letter_row["low"], letter_row["likely"], letter_row["high"]
            clipped = amount.floor is not None or amount.cap is not None
            if amount.kind == "pert":
                put(g, row, COL["value"], f"=({e}+4*{f_}+{h})/6", number, formula=True)
            elif amount.kind == "triangular":
                put(g, row, COL["value"], f"=({e}+{f_}+{h})/3", number, formula=True)
            elif amount.kind == "uniform":
                put(g, row, COL["value"], f"=({e}+{h})/2", number, formula=True)
            else:
                put(g, row, COL["value"], base_value(amount), number)
                said.append(f"The average of this {FORM_WORDS.get(amount.kind, amount.kind)} input, computed by "
                            "investsim (not a formula of the cells to its left). Edit the Parameters column to "
                            "change the shape.")
            if clipped:
                said.append("The average before the floor/cap clipping; the simulation clips each draw, so its "
                            "average can differ.")
        else:
            put(g, row, COL["value"], amount, number)
        if line.chance:
            said.append("A chance event: the base case counts it at probability x amount each year (the "
                        "probability is on its own row; the Model multiplies them)." if line.chance == "probability"
                        else "Events a year x amount per event: the base case counts the expected number of "
                        "events (the frequency row); the Model multiplies them.")
        if said:
            comment(g, row, COL["value"], " ".join(said))
        put(g, row, COL["unit"], line.unit_words or
            {"money": "money", "percent": "%", "number": "", "years": "years"}[line.unit])
        put(g, row, COL["note"], line.note, wrap=True)
        if len(line.note) > INPUT_WIDTHS[COL["note"] - 1]:   # room for the wrapped note
            g.row_dimensions[row].height = 14 * min(8, math.ceil(len(line.note) / 55))
        put(g, row, COL["id_kind"], line.kind)
        put(g, row, COL["id_alternative"], line.alternative)
        put(g, row, COL["id_item"], line.item)
        put(g, row, COL["id_field"], line.field)
        put(g, row, COL["id_year"], line.year)
        row += 1
    g.freeze_panes = f"C{FIRST_INPUT_ROW}"


# --- The Model sheet --------------------------------------------------------------------------

def col_letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


@dataclass
class ModelRefs:
    npv_cells: list[str]            # "Model!$D$40" per alternative


def write_model(g, scenario: Scenario, results, lines: list[InputLine], names: dict[str, str], money: str,
                percent: str, put, header, comment) -> ModelRefs:
    H = scenario.horizon_years
    first = 4                                   # column of year 0
    ycol = [col_letter(first + t) for t in range(H + 1)]
    last_col = ycol[-1]
    by_key = {(ln.kind, ln.alternative, ln.item, ln.field, ln.year): ln for ln in lines}
    refs = dict(names)

    put(g, 1, 1, BASE_TITLE, font="title")
    put(g, 2, 1, "Each item's cash per year as Excel formulas of the Inputs sheet (amounts at their averages; a "
                 "chance event at probability x amount). Change an input, the discount rate or the tax rate and "
                 "every figure below recomputes.", wrap=False)
    put(g, 3, 1, WHY_DIFFERENT, font="muted")
    n_alt = len(scenario.alternatives)
    head = 5
    header(g, head, ["Alternative", "", "Base case NPV", "Base case IRR", "Base case payback (years)",
                     "Simulated: expected NPV", "Simulated: median IRR", "Simulated: chance of losing money"])
    g.row_dimensions[head].height = 45
    summary_rows = [head + 1 + i for i in range(n_alt)]
    year_row = head + n_alt + 3
    df_row, index_row = year_row + 1, year_row + 2
    put(g, year_row, 1, "Year", font="bold")
    put(g, df_row, 1, "Discount factor")
    put(g, index_row, 1, "Price index (inflation)")
    for t in range(H + 1):
        put(g, year_row, first + t, t, font="bold")
        put(g, df_row, first + t, f"=1/(1+DiscountRate)^{ycol[t]}${year_row}", "0.0000", formula=True)
        put(g, index_row, first + t, f"=(1+Inflation)^{ycol[t]}${year_row}", "0.0000", formula=True)
    comment(g, year_row, 1, "Year 0 is today (not discounted); year t ends t years from now. The columns are fixed "
                            "by the horizon the workbook was written with: a new Horizon needs a new workbook.")

    def cell(row: int, t: int) -> str:
        return f"{ycol[t]}{row}"

    def index(t: int, item: Item) -> str:
        return f"*{ycol[t]}${index_row}" if item.indexed else ""

    row = index_row + 2
    npv_cells = []
    summary = {a.name: a for a in results.summary.alternatives} if results is not None else {}
    for a_i, alt in enumerate(scenario.alternatives):
        put(g, row, 1, alt.name, font="title")
        row += 1
        cash_rows: list[int] = []
        taxable: list[list[str]] = [[] for _ in range(H + 1)]

        def amount_at(item: Item, t: int, fld: str = "amount", alt=alt) -> str:
            if fld == "amount" and isinstance(item.amount, YearlyAmounts):
                ln = by_key.get(("item", alt.name, item.name, "amount", t))
                return ln.ref if ln is not None else "0"
            amount = getattr(item, fld)
            if fld == "amount" and isinstance(amount, Formula) and YEAR_NAME in amount.names \
                    and YEAR_NAME not in refs:
                return "(" + excel_formula(amount, {**refs, YEAR_NAME: f"{ycol[t]}${year_row}"}) + ")"
            return by_key[("item", alt.name, item.name, fld, None)].ref

        for item in alt.items:
            label = f"{item.name}"
            if item.kind == "investment":
                y = item.year
                put(g, row, 1, label)
                put(g, row, 2, "investment")
                cash_row = row
                for t in range(H + 1):
                    put(g, row, first + t, f"=-{amount_at(item, y)}{index(y, item)}" if t == y else 0, money,
                        formula=t == y)
                if y > H:
                    comment(g, row, 1, f"Paid in year {y}, after the horizon: not counted (as in the simulation).")
                cash_rows.append(row)
                row += 1
                # depreciation (for tax): not cash
                shares = depreciation_schedule(item, H) if y <= H else np.zeros(H + 1)
                put(g, row, 1, label)
                put(g, row, 2, "depreciation (not cash)", font="muted")
                dep_row = row
                for t in range(H + 1):
                    if shares[t]:
                        put(g, row, first + t, f"=-{cell(cash_row, y)}*{number_text(shares[t])}", money, formula=True)
                        taxable[t].append(f"-{cell(dep_row, t)}")
                    else:
                        put(g, row, first + t, 0, money)
                if item.depreciation != STRAIGHT_LINE:
                    comment(g, row, 2, "Depreciation by the item's list of shares.")
                row += 1
                if item.residual_value is not None and y <= H:
                    put(g, row, 1, label)
                    put(g, row, 2, "residual value")
                    ref = by_key[("item", alt.name, item.name, "residual_value", None)].ref
                    for t in range(H + 1):
                        put(g, row, first + t, f"={ref}{index(H, item)}" if t == H else 0, money, formula=t == H)
                    price = f"(-{cell(cash_row, y)})"
                    taxable[H].append(f"+({cell(row, H)}-({price}-SUM({ycol[0]}{dep_row}:{last_col}{dep_row})))")
                    cash_rows.append(row)
                    row += 1
                continue
            start, last = item.start_year, item.last_year(H)
            if item.kind == "working_capital":
                put(g, row, 1, label)
                put(g, row, 2, "working capital tied up (level)", font="muted")
                level_row = row
                for t in range(H + 1):
                    put(g, row, first + t, _yearly(item, t, start, last, amount_at, index), money,
                        formula=start <= t <= last)
                row += 1
                put(g, row, 1, label)
                put(g, row, 2, "working capital (cash)")
                for t in range(H + 1):
                    prev = f"-{cell(level_row, t - 1)}" if t else ""
                    put(g, row, first + t, f"=-({cell(level_row, t)}{prev})", money, formula=True)
                cash_rows.append(row)
                row += 1
                continue
            put(g, row, 1, label)
            put(g, row, 2, {"benefit": "benefit", "running_cost": "running cost", "risk": "risk"}[item.kind])
            extra = ""
            if item.probability is not None:
                extra += f"*MIN(MAX({amount_at(item, 0, 'probability')},0),1)"
            if item.frequency is not None:
                extra += f"*MIN(MAX({amount_at(item, 0, 'frequency')},0),{number_text(MAX_FREQUENCY)})"
            if item.kind == "benefit" and item.effect == "revenue" and item.contribution_margin is not None:
                extra += f"*{amount_at(item, 0, 'contribution_margin')}"
            sign = "" if item.kind == "benefit" else "-"
            for t in range(H + 1):
                body = _yearly(item, t, start, last, amount_at, index)
                if isinstance(body, str):
                    put(g, row, first + t, f"={sign}({body[1:]}{extra})", money, formula=True)
                    taxable[t].append(f"+{cell(row, t)}")
                else:
                    put(g, row, first + t, 0, money)
            if item.probability is not None:
                comment(g, row, 2, "A chance event: probability x amount in each year (its average).")
            if item.frequency is not None:
                comment(g, row, 2, "Events a year x amount per event (their average).")
            cash_rows.append(row)
            row += 1

        # tax
        put(g, row, 1, alt.name)
        put(g, row, 2, "tax (- paid, + saved)")
        tax_row = row
        for t in range(H + 1):
            parts = "".join(taxable[t]) or "0"
            put(g, row, first + t, f"=-TaxRate*({parts})", money, formula=True)
        comment(g, row, 2, "Tax rate x (benefits - running costs - risks - depreciation + gain on residual values); "
                           "a negative taxable profit gives a saving, as in the simulation.")
        row += 1
        put(g, row, 1, alt.name)
        put(g, row, 2, "net cash before value beyond the horizon", font="muted")
        pre_row = row
        for t in range(H + 1):
            refs_t = "+".join(cell(r, t) for r in cash_rows + [tax_row])
            put(g, row, first + t, f"={refs_t}", money, formula=True)
        row += 1
        put(g, row, 1, alt.name)
        put(g, row, 2, "value beyond the horizon")
        tv_row = row
        for t in range(H + 1):
            if t == H and alt.terminal_growth is not None:
                gref = by_key[("alternative", alt.name, None, "terminal_growth", None)].ref
                put(g, row, first + t, f"={cell(pre_row, H)}*(1+{gref})/(DiscountRate-{gref})", money, formula=True)
            else:
                put(g, row, first + t, 0, money)
        if alt.terminal_growth is not None:
            comment(g, row, 2, "Year H's net cash x (1 + g) / (discount rate - g), added in year H.")
        row += 1
        put(g, row, 1, alt.name, font="bold")
        put(g, row, 2, "net cash", font="bold")
        net_row = row
        for t in range(H + 1):
            put(g, row, first + t, f"={cell(pre_row, t)}+{cell(tv_row, t)}", money, font="bold", formula=True)
        row += 1
        put(g, row, 1, alt.name)
        put(g, row, 2, "discounted net cash", font="muted")
        for t in range(H + 1):
            put(g, row, first + t, f"={cell(net_row, t)}*{ycol[t]}${df_row}", money, formula=True)
        row += 1
        put(g, row, 1, alt.name)
        put(g, row, 2, "cumulative net cash", font="muted")
        cum_row = row
        for t in range(H + 1):
            put(g, row, first + t, f"={cell(net_row, 0)}" if t == 0 else f"={cell(cum_row, t - 1)}+{cell(net_row, t)}",
                money, formula=True)
        row += 1
        put(g, row, 1, alt.name)
        put(g, row, 2, "paid back (years), once reached", font="muted")
        pb_row = row
        for t in range(H + 1):
            if t == 0:
                f = f'=IF({cell(cum_row, 0)}>=0,0,"")'
            else:
                p, q = cell(cum_row, t - 1), cell(cum_row, t)
                f = f'=IF({cell(pb_row, t - 1)}<>"",{cell(pb_row, t - 1)},IF({q}>=0,{t - 1}+(-{p})/({q}-{p}),""))'
            put(g, row, first + t, f, "0.00", formula=True)
        comment(g, row, 2, "The first time the cumulative cash is >= 0, interpolated within the year (as in the "
                           "simulation).")
        row += 1
        npv_row = row
        put(g, row, 1, alt.name, font="bold")
        put(g, row, 2, "NPV", font="bold")
        cash1 = f"{ycol[1]}{net_row}:{last_col}{net_row}" if H >= 1 else None
        npv = f"={cell(net_row, 0)}" + (f"+NPV(DiscountRate,{cash1})" if cash1 else "")
        put(g, row, first, npv, money, font="bold", formula=True)
        npv_cells.append(f"{MODEL}!${ycol[0]}${npv_row}")
        row += 1
        put(g, row, 1, alt.name)
        put(g, row, 2, "IRR")
        put(g, row, first, f'=IFERROR(IRR({ycol[0]}{net_row}:{last_col}{net_row}),"none")', percent, formula=True)
        comment(g, row, 2, "Excel's IRR; \"none\" where it finds no rate (all cash of one sign, say).")
        irr_row = row
        row += 1
        put(g, row, 1, alt.name)
        put(g, row, 2, "payback (years)")
        put(g, row, first, f'=IF({cell(pb_row, H)}="","not within the horizon",{cell(pb_row, H)})', "0.00",
            formula=True)
        pay_row = row
        row += 2

        s = summary_rows[a_i]
        put(g, s, 1, alt.name, font="bold")
        put(g, s, 3, f"={cell(npv_row, 0)}", money, formula=True)
        put(g, s, 4, f"={cell(irr_row, 0)}", percent, formula=True)
        put(g, s, 5, f"={cell(pay_row, 0)}", "0.00", formula=True)
        sim = summary.get(alt.name)
        if sim is not None:
            put(g, s, 6, sim.npv.mean, money)
            put(g, s, 7, sim.irr.p50 if math.isfinite(sim.irr.p50) else "n/a", percent)
            put(g, s, 8, sim.prob_loss, percent)
    for i, w in enumerate([40, 34] + [14] * (H + 2), 1):
        g.column_dimensions[col_letter(i)].width = w
    g.freeze_panes = f"{ycol[0]}{year_row + 1}"
    return ModelRefs(npv_cells)


def _yearly(item: Item, t: int, start: int, last: int, amount_at, index) -> str | float:
    """A yearly item's size in year t as formula text (``=...``), or 0 outside its span."""
    if not start <= t <= last:
        return 0
    parts = [amount_at(item, t)]
    k = t - start + 1
    if item.ramp_years > 1 and k < item.ramp_years:
        parts.append(number_text(min(k / item.ramp_years, 1.0)))
    if item.growth is not None and t > start:
        parts.append(f"(1+{amount_at(item, t, 'growth')})^{t - start}")
    text = "=" + "*".join(parts) + index(t, item)
    return text


def same_amount(a: Any, b: Any) -> bool:
    return amount_to_data(a) == amount_to_data(b)
