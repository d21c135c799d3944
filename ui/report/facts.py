"""Everything a report says, worked out once from a finished run: numbers and plain sentences.

No Qt, no matplotlib, no file formats: :mod:`.document` turns these facts into the blocks the
PDF and HTML writers lay out, and :mod:`.excel` writes the same facts as sheets. Every figure
comes from ``results.summary`` and :mod:`simulator.analysis.insights`, formatted with
:mod:`simulator.analysis.formatting`, so the report shows exactly what ``investsim run --json``
prints for the same file, iterations and seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime as _dt
import os
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any, Sequence

from simulator import __version__
from simulator.analysis import formatting as fmt
from simulator.analysis import insights
from simulator.analysis.summary import roi_label
from simulator.analysis.describe import describe_amount, format_values, resolve_unit, sketch
from simulator.model.distributions import Distribution
from simulator.analysis.formatting import yearly_subset_text
from simulator.model.keys import InputKey, Target, get_amount, input_label, locate
from simulator.model.scenario import cautions, key_comments

if TYPE_CHECKING:  # pragma: no cover
    from simulator.analysis.summary import AlternativeSummary
    from simulator.sim.engine import Results
    from simulator.model.scenario import Item, Scenario

KIND_WORDS = {"investment": "Investment", "running_cost": "Running cost", "benefit": "Benefit", "risk": "Risk",
              "working_capital": "Working capital"}
SAMPLING_WORDS = {"lhs": "Latin hypercube sampling", "random": "plain random sampling"}


# ---------------------------------------------------------------------------------------
# Small data holders
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Recommendation:
    headline: str            # one sentence: what to do and how sure
    details: tuple[str, ...]  # the sentences that back it up


@dataclass(frozen=True)
class KeyRow:
    """A row of the executive summary's comparison table: a label, one text per alternative."""

    label: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class InputRow:
    """An uncertain or fixed input: its name, the amount in words and where it comes from."""

    name: str
    words: str
    source: str
    low: float | None = None      # 5th percentile (or the value)
    middle: float | None = None   # median
    high: float | None = None     # 95th percentile
    unit: str = "number"          # money | percent | number


@dataclass(frozen=True)
class ItemRow:
    name: str
    kind: str                 # investment | running_cost | benefit | risk
    timing: str               # kind, years, ramp, growth, chance, driver in words
    amount: str               # the amount in words
    pv: float                 # signed mean present value (+ in, - out)
    source: str
    low: float | None = None
    middle: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class AlternativeFacts:
    name: str
    category: str
    description: str
    drivers: tuple[str, ...]
    items: tuple[ItemRow, ...]
    summary: "AlternativeSummary"


@dataclass(frozen=True)
class CashRow:
    year: int
    mean: float
    p10: float
    p50: float
    p90: float
    cumulative_mean: float
    margin_mean: float | None   # percentage points; None for year 0 or without a baseline


@dataclass
class Facts:
    """What the report says. Money in the scenario's currency; chances as fractions."""

    results: "Results"
    scenario: "Scenario"
    title: str
    source_name: str
    date: str
    version: str
    currency: str
    decision: str
    recommendation: Recommendation
    key_rows: list[KeyRow]
    drivers: str
    worth_knowing: str
    caveat: str
    warnings: list[str]
    frame: list[tuple[str, str]]
    variables: list[InputRow]
    correlations: list[str]
    alternatives: list[AlternativeFacts]
    cash: dict[str, list[CashRow]]
    method: list[tuple[str, str]]
    glossary: list[tuple[str, str]]
    precision: list[tuple[str, float]] = field(default_factory=list)  # (name, ± 2 standard errors)
    command: str = ""           # the command line that reproduces the figures
    #: "" when every future kept its yearly cash; else which figures of the cash-by-year table
    #: come from the first futures only (a run too big to keep every year of every future).
    cash_note: str = ""
    #: The comment beside each input in the scenario file, by variable name (its source).
    notes: dict[str, str] = field(default_factory=dict)
    #: Unusual but allowed inputs (simulator.model.scenario.cautions), one line each with its field.
    cautions: list[str] = field(default_factory=list)
    #: The board pack (issue 21): recommendation page, assumptions as entered, risks,
    #: sensitivity, strategic fit. See :class:`Board`.
    board: "Board | None" = None
    #: The [portfolio] analysis (simulator.analysis.portfolio.PortfolioResult) when the scenario has the
    #: table; ``portfolio_problem`` says why no set of projects meets it, when none does.
    portfolio: Any = None
    portfolio_problem: str = ""

    def money(self, x: float | None) -> str:
        return fmt.money(x, self.currency)

    @property
    def footer_facts(self) -> str:
        r = self.results
        return (f"{r.iterations:,} simulated futures · seed {r.seed} · {SAMPLING_WORDS.get(r.sampling, r.sampling)}"
                f" · investsim {self.version}")


# ---------------------------------------------------------------------------------------
# Inputs in words
# ---------------------------------------------------------------------------------------

def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _lower_first(text: str) -> str:
    """"Exactly $1M." -> "exactly $1M." (a leading acronym such as "ERP" stays as it is)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


def amount_unit(label: InputKey) -> str:
    """The unit of an input for :func:`simulator.analysis.describe.format_values`: "auto" for a
    variable, money for an item's amount (a year of a list too) and resale value, a number for
    its event frequency, percent for its growth, probability or margin."""
    if label.is_variable:
        return "auto"
    if label.field in ("amount", "residual_value"):   # an entry of a yearly list is an amount too
        return "money"
    return "number" if label.field == "frequency" else "percent"


def input_amount(label: InputKey, scenario: "Scenario"):
    """The amount behind an input, and the item it belongs to (or None)."""
    if label.is_variable:
        return get_amount(scenario, label), None
    where = locate(scenario, label)
    if where is None:
        return None, None
    return get_amount(scenario, label), scenario.alternatives[where[0]].items[where[1]]


def format_input(values: Sequence[float], label: InputKey, scenario: "Scenario") -> list[str]:
    unit = amount_unit(label)
    if unit == "auto":
        amount, _ = input_amount(label, scenario)
        sk = sketch(amount, scenario) if amount is not None else None
        unit = resolve_unit("auto", [sk.p5, sk.p95] if sk else list(values))
    return format_values(list(values), unit, scenario.currency)


# ---------------------------------------------------------------------------------------
# Building the facts
# ---------------------------------------------------------------------------------------

def report_date() -> str:
    """Today's date (ISO), or the date of ``SOURCE_DATE_EPOCH`` for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).date().isoformat()
    return _dt.date.today().isoformat()


def build(results: "Results", source_file: str | os.PathLike | None = None, source_text: str | None = None) -> Facts:
    """The report's facts. ``source_text`` is the scenario file's text: the comments beside
    its inputs become their sources (:func:`simulator.model.scenario.key_comments`)."""
    scenario = results.scenario
    s = results.summary
    cur = scenario.currency
    comments = key_comments(source_text)
    facts = Facts(
        results=results,
        scenario=scenario,
        title=scenario.title or "Untitled scenario",
        source_name=Path(source_file).name if source_file else "unsaved scenario",
        date=report_date(),
        version=__version__,
        currency=cur,
        decision=_decision(results),
        recommendation=recommendation(results),
        key_rows=_key_rows(results),
        drivers="",
        worth_knowing="",
        caveat="",
        warnings=insights.precision_warnings(results),
        frame=_frame(results, comments["baseline"]),
        variables=_variables(scenario, comments["variables"]),
        correlations=[f"{c.between[0]} and {c.between[1]} move together with a rank correlation of {c.rank:+.2f}"
                      + (" (when one is high, the other tends to be low)" if c.rank < 0 else
                         " (when one is high, the other tends to be high too)")
                      for c in scenario.correlations],
        alternatives=_alternatives(results),
        cash=_cash(results),
        method=[],
        glossary=[],
        precision=[(a.name, 2 * a.npv.se) for a in s.alternatives],
        cash_note=yearly_subset_text(results, "The P10, median and P90 of each year come from",
                                     "the averages from").strip(),
        notes=comments["variables"],
        cautions=[c.line() for c in cautions(scenario)],
    )
    facts.drivers, facts.caveat = _drivers_and_caveat(results, facts)
    facts.worth_knowing = _worth_knowing(results)
    facts.command = _command(results, facts.source_name)
    facts.method = _method(results, facts)
    facts.glossary = _glossary(results)
    if scenario.portfolio is not None:
        facts.portfolio, facts.portfolio_problem = _portfolio(results)
    facts.board = board(results, facts)
    return facts


def _portfolio(results: "Results"):
    """The recommended set of projects, or None and the reason no set meets the table."""
    from simulator.model.errors import ScenarioError
    from simulator.analysis.portfolio import analyse

    try:
        return analyse(results), ""
    except ScenarioError as exc:
        return None, "; ".join(p.line() for p in exc.problems)


def _decision(results: "Results") -> str:
    sc = results.scenario
    alts = sc.alternatives
    named = [a.name + (f" ({a.category})" if a.category else "") for a in alts]
    frame = (f"judged over {sc.horizon_years} years at a discount rate of {sc.discount_rate:.1%} a year, "
             + (f"after tax at {sc.tax_rate:.0%}, " if sc.tax_rate else "")
             + (f"in nominal money ({sc.inflation:.1%} inflation a year), " if sc.inflation else "")
             + f"across {results.iterations:,} simulated futures")
    if len(named) == 1:
        return f"Whether to go ahead with {named[0]}, {frame}."
    if len(named) == 2:
        which = f"{named[0]} or {named[1]}"
    else:
        which = ", ".join(named[:-1]) + " or " + named[-1]
    return f"Which to fund: {which}, {frame}."


def recommendation(results: "Results") -> Recommendation:
    """What to do, how sure, in one sentence, and the sentences behind it."""
    s = results.summary
    sc = results.scenario
    comp = s.comparison
    scale = fmt.headline_scale(s.alternatives)
    m = lambda x: fmt.money(x, sc.currency, scale=scale)
    pc = fmt.percent
    best = s.alternative(comp.best)
    details: list[str] = []
    if comp.runner_up is None:
        if best.npv.mean > 0:
            head = (f"Go ahead with {best.name}: it is worth {m(best.npv.mean)} on average and loses money "
                    f"in {pc(best.prob_loss)} of simulated futures.")
        else:
            head = (f"Do not go ahead with {best.name} as planned: on average it is worth {m(best.npv.mean)} "
                    f"at a {sc.discount_rate:.1%} discount rate, and it loses money in {pc(best.prob_loss)} "
                    "of simulated futures.")
        return Recommendation(head, tuple(details))
    second = s.alternative(comp.runner_up)
    beats = comp.prob_beats[best.name][second.name]
    many = len(s.alternatives) > 2
    if best.npv.mean <= 0:
        if best.npv.std == 0 and best.npv.mean == 0:
            head = (f"Keep the money ({best.name}): no alternative is expected to pay for itself at a "
                    f"{sc.discount_rate:.1%} discount rate; the closest, {second.name}, is worth "
                    f"{m(second.npv.mean)} on average.")
        else:
            head = (f"No alternative is expected to pay for itself at a {sc.discount_rate:.1%} discount rate; "
                    f"{best.name} loses least ({m(best.npv.mean)} on average) and loses money in "
                    f"{pc(best.prob_loss)} of simulated futures.")
    elif beats >= 0.75:
        head = (f"Choose {best.name}: it beats {second.name} in {pc(beats)} of simulated futures and loses money "
                f"in {pc(best.prob_loss)}.")
    elif beats >= 0.6:
        head = (f"Choose {best.name}, with moderate confidence: it beats {second.name} in {pc(beats)} of simulated "
                f"futures and loses money in {pc(best.prob_loss)}.")
    elif beats >= 0.5:
        head = (f"A close call, leaning to {best.name}: it beats {second.name} in only {pc(beats)} of simulated "
                f"futures and loses money in {pc(best.prob_loss)}.")
    else:
        head = (f"A close call: {best.name} has the higher expected value ({m(best.npv.mean)} vs "
                f"{m(second.npv.mean)}), but {second.name} comes out ahead in {pc(1 - beats)} of simulated "
                f"futures; {best.name} loses money in {pc(best.prob_loss)}.")
    if best.npv.mean > 0:
        details.append(f"{best.name} is worth {m(best.npv.mean)} on average against {m(second.npv.mean)} for "
                       f"{second.name}" + (f", and it is the best of the {len(s.alternatives)} alternatives in "
                                           f"{pc(comp.prob_best[best.name])} of futures." if many else "."))
    details.append(insights.dominance(results, best.name, second.name).sentence)
    return Recommendation(head, tuple(details))


def _key_rows(results: "Results") -> list[KeyRow]:
    s = results.summary
    sc = results.scenario
    scale = fmt.headline_scale(s.alternatives)   # one unit for the table's money
    m = lambda x: fmt.money(x, sc.currency, scale=scale)
    alts = s.alternatives
    rows = [
        KeyRow("Expected NPV (average)", tuple(m(a.npv.mean) for a in alts)),
        KeyRow("Middle 80% of futures (P10 to P90)", tuple(middle_80(a, sc.currency, scale) for a in alts)),
        KeyRow("Chance of losing money", tuple(fmt.percent(a.prob_loss) for a in alts)),
    ]
    if len(alts) > 1:
        rows.append(KeyRow("Chance of being the best choice",
                           tuple(fmt.percent(s.comparison.prob_best[a.name]) for a in alts)))
    rows += [
        KeyRow(f"Return on investment ({roi_label(sc.horizon_years)})",
               tuple("n/a (no costs)" if a.roi_of_expected is None else
                     f"{fmt.rate(a.roi_of_expected)} (median future {fmt.rate(a.roi_p50)})" for a in alts)),
        KeyRow("Internal rate of return (IRR), median of all futures",
               tuple(_irr_cell(a) for a in alts)),
        KeyRow("Payback, median", tuple(fmt.payback(a.payback_p50, a.payback_within, sc.horizon_years) for a in alts)),
    ]
    if any(a.margin_pp for a in alts):
        year = max(a.margin_pp[-1].year for a in alts if a.margin_pp)
        rows.append(KeyRow(f"Operating margin impact by year {year}",
                           tuple(fmt.points(a.margin_pp[-1].mean) if a.margin_pp else "n/a" for a in alts)))
    rows.append(KeyRow("Present value of benefits / of costs",
                       tuple(f"{m(a.pv_benefits)} / {m(a.pv_costs)}" for a in alts)))
    if sc.tax_rate:
        rows.append(KeyRow("Taxes, present value (+ paid, \u2212 saved)", tuple(m(a.pv_taxes) for a in alts)))
    if any(a.result is not None and a.result.terminal_value is not None for a in alts):
        rows.append(KeyRow(f"Value beyond the horizon (in year {sc.horizon_years}, included above)",
                           tuple(m(a.terminal_value) if a.result is not None and a.result.terminal_value is not None
                                 else "none" for a in alts)))
    return rows


def _irr_cell(a: "AlternativeSummary") -> str:
    """"12.2% (18% never pay back)", or why there is no median rate."""
    text = a.irr.median_text().removesuffix(" median")
    if a.irr.never_back_text():
        text += f" ({fmt.percent(a.irr.share_never_back)} never pay back)"
    return text


def middle_80(a: "AlternativeSummary", currency: str, scale: "fmt.Scale | None" = None) -> str:
    """"−$793k to $1.6M", or "always $0" when every future gives the same NPV (see
    :func:`simulator.analysis.formatting.middle_80`)."""
    return fmt.middle_80(a.npv.p10, a.npv.p90, currency, scale=scale)


def _describe_input(label: InputKey, scenario: "Scenario", comments: dict[str, str]) -> tuple[str, str]:
    """(amount in words, source) for a sensitivity input."""
    amount, item = input_amount(label, scenario)
    unit = amount_unit(label)
    words = describe_amount(amount, unit=unit, currency=scenario.currency, scenario=scenario) if amount is not None else ""
    if item is not None:
        source = item.note
    else:
        source = comments.get(label.item, "")
    return words, source


def name(label: InputKey) -> str:
    """An input as the engine's own sentences write it ("line units")."""
    return input_label(label)


def _drivers_and_caveat(results: "Results", facts: Facts) -> tuple[str, str]:
    s = results.summary
    sc = results.scenario
    m = lambda x: fmt.money(x, sc.currency)
    comp = s.comparison
    pair = comp.runner_up is not None
    target = Target(comp.best, comp.runner_up) if pair else Target(comp.best)
    tor = insights.tornado(results, target)
    bars = [b for b in tor.bars if b.swing > 0]
    if not bars:
        text = ("Every input is a fixed number, so the result does not depend on any uncertain input."
                if not tor.bars else "No single input moves the result noticeably.")
        return text, "Key assumption: every figure is fixed, so the result is only as good as those figures."
    top = bars[0]
    lo_v, hi_v = format_input([top.low_value, top.high_value], top.input, sc)
    if pair:
        a, b = comp.best, comp.runner_up

        def lead(d: float) -> str:
            if abs(d) < 0.005 * max(abs(top.low_mean), abs(top.high_mean), 1.0):
                return f"{a} and {b} come out about level"
            return f"{a} comes out ahead by {m(d)}" if d > 0 else f"{b} comes out ahead by {m(-d)}"

        text = (f"The choice between {a} and {b} turns most on {name(top.input)}: in the futures where it is below "
                f"{lo_v} (its lowest tenth), {lead(top.low_mean)} on average; where it is above {hi_v} "
                f"(its highest tenth), {lead(top.high_mean)}.")
    else:
        text = (f"The value of {comp.best} depends most on {name(top.input)}: from {m(top.low_mean)} on average in the "
                f"futures where it is below {lo_v} (its lowest tenth) to {m(top.high_mean)} where it is above "
                f"{hi_v} (its highest tenth).")
    text += f" It accounts for about {fmt.percent(top.variance_share)} of the uncertainty in the outcome."
    others = [name(b.input) for b in bars[1:3] if b.swing > 0.2 * top.swing]
    if others:
        text += f" Next {'comes' if len(others) == 1 else 'come'} {' and '.join(others)}."
    words, source = _describe_input(top.input, sc, facts.notes)
    caveat = f"Key assumption: {name(top.input)}"
    if words:
        caveat += f", {_lower_first(words.rstrip('.'))}"
    caveat += "."
    if source:
        caveat += f" Source: {_sentence(source)}"
    caveat = caveat.rstrip(".") + (". More than any other figure, if this one is wrong the ranking may change." if pair else
               ". More than any other figure, if this one is wrong so is the expected value.")
    return text, caveat


def _worth_knowing(results: "Results") -> str:
    s = results.summary
    if s.comparison.runner_up is None:
        return ("With a single alternative there is no choice between alternatives to inform; \u201cwhat drives "
                "the result\u201d above shows which figures to firm up first.")
    voi = insights.value_of_information(results)
    text = voi.sentence
    if voi.inputs and voi.inputs[0].value > voi.inputs[0].precision and voi.evpi > 0:
        top = voi.inputs[0]
        text += (f" If {name(top.input)} can be found out (a pilot, a survey, a firm quote) for less than about "
                 f"{fmt.money(top.value, results.scenario.currency)} before the decision, it is worth doing first.")
    return text


def _frame(results: "Results", baseline_notes: dict[str, str]) -> list[tuple[str, str]]:
    sc = results.scenario
    m = lambda x: fmt.money(x, sc.currency)
    rows = [
        ("Planning horizon", f"{sc.horizon_years} years. Year 0 is today; later cash flows fall at the end of each "
                             "year. Nothing is counted after the last year."),
        ("Discount rate", f"{sc.discount_rate:.1%} a year: the return the company requires of its money"
                          + (" (nominal: it includes inflation)." if sc.inflation else ".")),
        ("Currency", f"{sc.currency}; amounts are per year where the item says so."),
    ]
    if sc.tax_rate:
        rows.append(("Tax", f"After tax: {sc.tax_rate:.1%} of each year's profit effect (benefits less running costs, "
                            "risks and depreciation, plus gains on resale); a loss is a tax saving that year. Working "
                            "capital is not taxed."))
    if sc.inflation:
        rows.append(("Inflation", f"Nominal: amounts are written in today's prices and rise {sc.inflation:.1%} a year, "
                                  "except fixed-price items."))
    b = sc.baseline
    if b is not None:
        text = f"Revenue {m(b.revenue)} a year, operating margin {b.operating_margin:.1%}"
        if b.revenue_growth:
            text += f", revenue growing {b.revenue_growth:.1%} a year"
        text += "."
        notes = [f"{k.replace('_', ' ')}: {v}" for k, v in baseline_notes.items() if v]
        if notes:
            text += " Sources: " + "; ".join(notes) + "."
        rows.append(("The business today (baseline)", text))
    else:
        rows.append(("The business today (baseline)", "Not given, so the report shows no operating-margin impact."))
    rows.append(("Simulation", f"{results.iterations:,} simulated futures, seed {results.seed}, "
                               f"{SAMPLING_WORDS.get(results.sampling, results.sampling)}."))
    return rows


def _numbers(amount, unit: str, scenario: "Scenario") -> tuple[float | None, float | None, float | None, str]:
    if amount is None:
        return None, None, None, unit
    if isinstance(amount, (int, float)) and not isinstance(amount, bool):
        v = float(amount)
        return v, v, v, resolve_unit(unit, [v])
    sk = sketch(amount, scenario)
    if sk is None:
        return None, None, None, unit
    return sk.p5, sk.p50, sk.p95, resolve_unit(unit, [sk.p5, sk.p95])


def _variables(scenario: "Scenario", comments: dict[str, str]) -> list[InputRow]:
    rows = []
    for name, amount in scenario.variables:
        words = describe_amount(amount, unit="auto", currency=scenario.currency, scenario=scenario)
        low, mid, high, unit = _numbers(amount, "auto", scenario)
        rows.append(InputRow(name, words, _source(comments.get(name, ""), comments),
                             low, mid, high, unit))
    return rows


def _share(value) -> str:
    if isinstance(value, (int, float)):
        return f"{value:.0%}" if abs(value * 100 - round(value * 100)) < 1e-9 else f"{value:.1%}"
    return "an uncertain share"


def timing(item: "Item", horizon: int, currency: str = "USD", scenario: "Scenario | None" = None) -> str:
    """The kind and timing of an item in words: "Running cost, years 1-7, growing 4% a year"."""
    if item.kind == "investment":
        text = f"Investment, paid in year {item.year}" if item.year else "Investment, paid today (year 0)"
        if not isinstance(item.depreciation, str):
            text += f"; depreciated by a {len(item.depreciation)}-year schedule"
        elif item.life_years:
            text += f"; depreciated over {item.life_years} years"
        if item.residual_value is not None:
            text += f"; sold in year {horizon} (residual value)"
        if not item.indexed:
            text += "; price fixed (not raised with inflation)"
        return text
    if item.kind == "working_capital":
        last = item.last_year(horizon)
        text = f"Working capital, tied up in years {item.start_year}\u2013{last}"
        text += f", back in year {last + 1}" if last < horizon else ", not released within the horizon"
        return text
    if item.kind == "benefit":
        if item.effect == "revenue":
            cm = item.contribution_margin
            text = "Benefit: extra revenue"
            text += f", kept at a {_share(cm)} contribution margin" if cm is not None else ", counted in full"
        else:
            text = "Benefit: cost saving"
    else:
        text = KIND_WORDS[item.kind]
    end = min(item.last_year(horizon), horizon)
    if item.start_year > end:
        text += ", outside the horizon"
    elif item.start_year == end:
        text += f", year {end} only"
    else:
        text += f", years {item.start_year}\u2013{end}"
    if item.ramp_years and item.ramp_years > 1:
        text += f"; builds up over {item.ramp_years} years"
    if item.growth is not None:
        if isinstance(item.growth, (int, float)):
            if item.growth:
                text += f"; {'grows' if item.growth > 0 else 'shrinks'} {abs(item.growth):.1%} a year".replace(".0%", "%")
        else:
            text += "; grows at an uncertain rate"
    if item.probability is not None:
        if isinstance(item.probability, (int, float)):
            text += f"; a {_share(item.probability)} chance each year"
        else:
            text += "; an uncertain chance each year"
    if item.frequency is not None:
        if isinstance(item.frequency, (int, float)):
            text += f"; about {item.frequency:g} times a year (amount per event)"
        else:
            text += "; an uncertain number of times a year (amount per event)"
    if not item.indexed:
        text += "; fixed price (not raised with inflation)"
    if item.vary == "yearly":
        text += "; amount drawn afresh each year"
    if item.kind == "benefit" and item.driver:
        text += f"; driver: {item.driver}"
    return text


def _alternatives(results: "Results") -> list[AlternativeFacts]:
    sc = results.scenario
    s = results.summary
    out = []
    for alt in sc.alternatives:
        r = results.alternative(alt.name)
        items = []
        for it in alt.items:
            words = describe_amount(it.amount, unit="money", currency=sc.currency, scenario=sc)
            if it.is_annual:
                lead = "Extra revenue per year" if (it.kind == "benefit" and it.effect == "revenue") else "Per year"
                words = f"{lead}: {_lower_first(words)}"
            elif it.kind == "working_capital":
                words = f"Level tied up: {_lower_first(words)}"
            extra = []
            if isinstance(it.probability, Distribution):
                extra.append("Chance each year: " + _lower_first(describe_amount(it.probability, unit="percent",
                                                                                  currency=sc.currency)))
            if isinstance(it.growth, Distribution):
                extra.append("Growth a year: " + _lower_first(describe_amount(it.growth, unit="percent",
                                                                               currency=sc.currency)))
            if isinstance(it.contribution_margin, Distribution):
                extra.append("Contribution margin: " + _lower_first(
                    describe_amount(it.contribution_margin, unit="percent", currency=sc.currency)))
            if extra:
                words += " " + " ".join(extra)
            low, mid, high, _ = _numbers(it.amount, "money", sc)
            items.append(ItemRow(it.name, it.kind, timing(it, sc.horizon_years, sc.currency, sc), words,
                                 float(r.item_pv.get(it.name, 0.0)), it.note, low, mid, high))
        out.append(AlternativeFacts(alt.name, alt.category, alt.description, tuple(alt.drivers), tuple(items),
                                    s.alternative(alt.name)))
    return out


def _cash(results: "Results") -> dict[str, list[CashRow]]:
    out = {}
    for a in results.summary.alternatives:
        cum = a.cumulative_cash
        margin = {y.year: y.mean for y in a.margin_pp}
        out[a.name] = [CashRow(y.year, y.mean, y.p10, y.p50, y.p90, cum[i].mean, margin.get(y.year))
                       for i, y in enumerate(a.cash_by_year)]
    return out


def _command(results: "Results", source_name: str) -> str:
    name = source_name if re.fullmatch(r"[\w.\-/]+", source_name) else '"' + source_name.replace('"', '\\"') + '"'
    text = f"investsim run {name} --iterations {results.iterations} --seed {results.seed}"
    if results.sampling != results.scenario.sampling:
        text += f" --sampling {results.sampling}"
    return text + " --json"


def _method(results: "Results", facts: Facts) -> list[tuple[str, str]]:
    sc = results.scenario
    n = results.iterations
    m = lambda x: fmt.money(x, sc.currency)
    sampling = SAMPLING_WORDS.get(results.sampling, results.sampling)
    out = [
        ("How the numbers were made",
         "Each alternative is described as line items: one-off investments, running costs, benefits and risks. "
         "Each amount is a fixed number, a range, a distribution or a formula over shared inputs (see "
         f"Assumptions). investsim simulated {n:,} possible futures ({sampling}). In each future it drew every "
         "uncertain input once (or once a year where an item says so), worked out every alternative's yearly cash "
         "and profit from those same draws, and from them its net present value, return on investment, internal "
         "rate of return, payback and operating-margin impact. Because all alternatives are judged on the same "
         "futures, a statement such as \u201cbeats the other in 60% of futures\u201d compares like with like."),
        ("Conventions",
         f"Year 0 is today; later cash flows fall at the end of each year and are discounted at "
         f"{sc.discount_rate:.1%} a year. A range \u201c90% sure between A and B\u201d means a 5% chance below A and "
         "a 5% chance above B. Benefits that add revenue count only their contribution margin as cash and profit; "
         "cost savings count in full. In the cash view investments count when they are paid; in the margin view "
         f"they are depreciated in equal parts over their useful life. Nothing is counted after year "
         f"{sc.horizon_years}, for any alternative."),
    ]
    prec = "; ".join(f"{name} \u00b1{m(pm)}" for name, pm in facts.precision)
    text = (f"With {n:,} futures, each expected NPV is known to within about two standard errors: {prec}. "
            "Running more futures narrows these margins; it does not change what the ranges in the assumptions "
            "say about the world.")
    if facts.warnings:
        text += " " + " ".join(facts.warnings)
    out.append(("How precise the figures are", text))
    out.append(("Reproducing these numbers",
                f"The same scenario file, number of futures and seed always give the same figures. This report: "
                f"{facts.source_name}, {n:,} futures, seed {results.seed}, {sampling}, investsim {facts.version}. "
                "The command line gives the same figures:"))
    if facts.cautions:
        out.append(("Unusual inputs",
                    "The scenario was simulated as written, but these inputs are unusual; check that they are "
                    "meant: " + "; ".join(facts.cautions) + "."))
    out.append(("What the model leaves out",
                "The results are only as good as the ranges put in. Inputs are independent of each other except "
                "where a correlation is stated. Taxes, financing and value beyond the horizon are not modelled "
                "unless the scenario includes them as items."))
    return out


def _glossary(results: "Results") -> list[tuple[str, str]]:
    sc = results.scenario
    rate = f"{sc.discount_rate:.1%}"
    terms = [
        ("Simulated future", "One complete set of draws of every uncertain input: one way the next "
                             f"{sc.horizon_years} years could turn out. The report summarises {results.iterations:,}."),
        ("Net present value (NPV)", "All cash in and out over the horizon, each year's amount discounted to "
                                    "today's money. Above zero, the investment earns more than the discount rate."),
        ("Expected NPV", "The average NPV over all simulated futures."),
        ("Discount rate", f"The yearly return the company requires of its money (here {rate}); cash due in a year "
                          "is worth that much less than cash today."),
        ("P10, P50 (median), P90", "The values below which 10%, 50% and 90% of simulated futures fall; "
                                   "between P10 and P90 lie the middle 80% of futures."),
        ("Chance of losing money", "The share of simulated futures in which NPV is below zero."),
        ("Chance of being the best", "The share of simulated futures in which an alternative has the highest NPV "
                                     "of all; \u201cbeats B in 60%\u201d is the share in which its NPV is above B's."),
        ("Return on investment (ROI)", "Present value of benefits minus present value of costs, divided by the "
                                       "present value of costs: what each unit of money spent returns on top of "
                                       f"itself, in today's money, over the whole {sc.horizon_years}-year horizon "
                                       "(not a yearly figure). The headline is the expected NPV divided by the "
                                       "expected present value of costs, so its sign always agrees with the "
                                       "expected NPV; the median future and P10 to P90 show the spread."),
        ("Internal rate of return (IRR)", "The discount rate at which NPV would be exactly zero. An IRR above the "
                                          f"discount rate ({rate}) means the investment earns more than required. "
                                          "The median is taken over every future: futures whose money never comes "
                                          "back count as lower than any rate, futures with nothing invested as "
                                          "higher; when the median falls among them, the report says so (n/a)."),
        ("Payback", "The first year in which cumulative cash turns positive (years can be fractions). "
                    "\u201cNot within the horizon\u201d is a real answer, not an error."),
        ("Operating margin impact (pp)", "The change in operating profit as a share of revenue, against the "
                                         "business today, in percentage points: +0.25 pp turns an 11.00% margin "
                                         "into 11.25%."),
        ("Contribution margin", "The share of extra revenue left after the costs that grow with sales "
                                "(materials, energy, freight)."),
        ("Sensitivity", "How much the outcome moves between the futures where an input is in its lowest tenth "
                        "and those where it is in its highest tenth; the largest movers drive the result."),
        ("Value of perfect information (EVPI)", "What knowing exactly how the future turns out, before choosing, "
                                                "would be worth: the average of the best NPV in each future minus "
                                                "the best expected NPV. No study can be worth more."),
        ("Value of knowing one input (EVPPI)", "The same for a single input: what learning it before choosing "
                                               "would be worth, an upper limit on what a pilot, survey or firm "
                                               "quote for it is worth."),
        ("P5 and the worst 5% of futures", "P5 is the NPV that 5% of simulated futures fall below. The worst 5% "
                                           "of futures are those futures; their average (also called CVaR 5%) "
                                           "says how much is lost, on average, when things go badly."),
        ("Risk appetite", "The most risk the board accepts, written in the scenario file's [appetite] table: a "
                          "highest chance of loss and a largest average loss in the worst 5% of futures."),
        ("Break-even value", "The value of an input at which the recommendation would change: where the two "
                             "leading alternatives would be worth the same on average, or where one would stop "
                             "paying for itself."),
        ("Standard error", "How far an average over this many futures may be from the average over infinitely "
                           "many; two standard errors either side cover about 95% of such runs."),
    ]
    if len(results.alternatives) < 2:   # no choice between alternatives: no comparison terms
        drop = ("Chance of being the best", "Value of perfect information (EVPI)", "Value of knowing one input (EVPPI)")
        terms = [t for t in terms if t[0] not in drop]
    if results.sampling == "lhs":
        terms.append(("Latin hypercube sampling", "A way of drawing the futures that covers each input's range "
                                                  "evenly, so fewer futures give steady results."))
    if sc.correlations:
        terms.append(("Rank correlation", "How strongly two inputs move together, from \u22121 (one high, the "
                                          "other low) through 0 (unrelated) to +1 (high together)."))
    return terms



# ---------------------------------------------------------------------------------------
# The board pack (issue 21): recommendation, assumptions as entered, risks, sensitivity,
# strategic fit. Every figure comes from simulator.analysis.recommendation / risk /
# sensitivity, the same functions behind ``run --json``'s "board".
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EnteredRow:
    """An input as its author wrote it."""

    name: str          # plain words (input_label), never a code name
    entered: str       # "Three-point estimate: lowest 3%, most likely 10%, highest 18%"
    unit: str          # "money (USD)", "percent", "number"
    source: str


@dataclass
class Board:
    action: str                         # fund | pilot | nothing
    choice: str | None
    headline: str                       # what to do, one sentence
    request: str                        # the decision requested, one sentence
    reasons: list[tuple[str, str]]      # three: (lead, sentence)
    risks: list[tuple[str, str]]        # the main risks: (what, sentence)
    changes: list[str]                  # what would change the recommendation
    rule: str                           # the rule in words (Method)
    #: Where the pilot engineer's ``pilot_paragraph(...)`` goes (a staged alternative's plan).
    pilot_text: str = ""
    entered: list[EnteredRow] = field(default_factory=list)
    downside: list[Any] = field(default_factory=list)          # simulator.analysis.risk.Downside
    register: list[Any] = field(default_factory=list)          # simulator.analysis.risk.RiskItem
    rates: tuple[float, ...] = ()
    rate_npv: dict[str, list[float]] = field(default_factory=dict)
    flip: list[float] = field(default_factory=list)
    flip_sentence: str = ""
    horizon_npv: dict[str, list[float]] = field(default_factory=dict)
    horizon_sentence: str = ""
    break_evens: list[Any] = field(default_factory=list)       # simulator.analysis.sensitivity.BreakEven
    fit_rows: list[tuple[str, ...]] = field(default_factory=list)     # alternative, category, drivers, NPV
    driver_rows: list[tuple[str, ...]] = field(default_factory=list)  # driver, value per alternative
    category_rows: list[tuple[str, ...]] = field(default_factory=list)
    fit_sentence: str = ""
    appetite_text: str = ""


def _pct(x: float) -> str:
    """A rate as the author would write it: 10%, 5.5%, 0.25%."""
    v = x * 100
    digits = 0 if abs(v - round(v)) < 1e-9 else 1 if abs(v * 10 - round(v * 10)) < 1e-9 else 2
    return fmt.percent(x, digits=digits)


def _value(x: float, unit: str, currency: str) -> str:
    if unit == "money":
        return fmt.money(x, currency)
    if unit == "percent":
        return _pct(x)
    return format_values([x], "number", currency)[0]


UNIT_WORDS = {"money": "money", "percent": "percent", "number": "number"}


def entered(amount, unit: str, currency: str, scenario: "Scenario | None" = None) -> str:
    """An amount in the form its author wrote it: a fixed value, a range, a three-point
    estimate with its most likely value, a list, or a formula as a readable expression."""
    from simulator.model.expressions import Formula

    if amount is None:
        return "\u2014"
    if isinstance(amount, Formula):
        text = amount.text
        for nm, start, end in sorted(amount.name_spans, key=lambda t: -t[1]):
            text = text[:start] + input_label(InputKey(None, nm)) + text[end:]
        text = text.replace("**", "^").replace("*", "\u00d7").replace("/", "\u00f7").replace("-", "\u2212")
        return "Formula: " + " ".join(text.split())
    if isinstance(amount, (list, tuple)):
        return "By year: " + ", ".join(entered(a, unit, currency, scenario).removeprefix("Fixed: ") for a in amount)
    if not isinstance(amount, Distribution):
        return "Fixed: " + _value(float(amount), unit, currency)
    d = amount.describe()
    v = lambda key: _value(float(d[key]), unit, currency)
    kind = d.get("dist")
    if "low" in d and "high" in d:
        text = f"Range, 90% sure: {v('low')} to {v('high')}" + (" (lognormal)" if kind == "lognormal" else "")
    elif kind in ("pert", "triangular"):
        text = (f"Three-point estimate ({'PERT' if kind == 'pert' else 'triangular'}): lowest {v('min')}, "
                f"most likely {v('mode')}, highest {v('max')}")
    elif kind == "uniform":
        text = f"Anywhere from {v('min')} to {v('max')}, evenly"
    elif kind in ("normal", "lognormal", "gamma"):
        text = f"{kind.capitalize()}: average {v('mean')}, standard deviation {v('sd')}"
    elif kind == "bernoulli":
        text = f"Yes or no: a {_pct(float(d['p']))} chance"
    elif kind == "poisson":
        text = f"A count, {format_values([float(d['mean'])], 'number', currency)[0]} on average"
    elif kind == "discrete":
        vals = [_value(float(x), unit, currency) for x in d.get("values", [])]
        probs = d.get("probabilities") or d.get("p") or d.get("weights")
        if probs and len(probs) == len(vals):
            text = "List: " + ", ".join(f"{x} ({_pct(float(q))})" for x, q in zip(vals, probs))
        else:
            text = "List: one of " + ", ".join(vals)
    elif kind == "beta":
        text = f"Beta: a = {d['a']:g}, b = {d['b']:g}"
    else:
        text = ", ".join(f"{k} {val}" for k, val in d.items())
    extra = []
    if d.get("floor") is not None:
        extra.append(f"never below {_value(float(d['floor']), unit, currency)}")
    if d.get("cap") is not None:
        extra.append(f"never above {_value(float(d['cap']), unit, currency)}")
    return text + ("; " + ", ".join(extra) if extra else "")


def _unit_of(amount, unit: str, scenario: "Scenario") -> str:
    if unit == "auto":
        _, _, _, unit = _numbers(amount, "auto", scenario)
    return {"money": f"money ({scenario.currency})", "percent": "percent"}.get(unit, "number")


def _source(note: str, notes: dict[str, str]) -> str:
    """The author's note, with "See the note on X" replaced by X's note itself."""
    m_ = re.fullmatch(r"See the note on (\w+)\.?", note.strip())
    if m_ and notes.get(m_.group(1)) and not notes[m_.group(1)].startswith("See the note on"):
        return notes[m_.group(1)]
    return note


def _entered_rows(sc: "Scenario", notes: dict[str, str]) -> list[EnteredRow]:
    rows = []
    for nm, amount in sc.variables:
        _, _, _, unit = _numbers(amount, "auto", sc)
        rows.append(EnteredRow(input_label(InputKey(None, nm)), entered(amount, unit, sc.currency, sc),
                               sc.unit_of(nm) or _unit_of(amount, "auto", sc), _source(notes.get(nm, ""), notes)))
    return rows


def item_entered(it: "Item", sc: "Scenario") -> str:
    """An item's amount (and uncertain chance, growth, margin) as the author wrote them."""
    text = entered(it.amount, "money", sc.currency, sc)
    if it.is_annual:
        text += " a year"
    for label, value in (("chance each year", it.probability), ("growth a year", it.growth),
                         ("contribution margin", it.contribution_margin)):
        if isinstance(value, Distribution):
            text += f"; {label}: " + _lower_first(entered(value, "percent", sc.currency, sc))
    return text


RULE = ("The recommendation follows one rule, set before the figures were seen: fund the alternative with the "
        "highest expected NPV, unless its chance of loss or its downside (the average of the worst 5% of futures) "
        "goes beyond the risk appetite given in the scenario file; then the next one within it. If none within "
        "the appetite is expected to pay for itself, do nothing. If the choice beats the next alternative in fewer "
        "than 60% of futures and learning one input first is worth at least a tenth of its expected NPV, run a "
        "pilot first to learn that input.")


def board(results: "Results", facts: Facts) -> Board:
    from simulator.analysis import recommendation as rec
    from simulator.analysis import risk, sensitivity

    sc = results.scenario
    s = results.summary
    cur = sc.currency
    m = lambda x: fmt.money(x, cur)
    pc = fmt.percent
    d = rec.decide(results)
    downs = {x.name: x for x in risk.downside(results)}
    register = risk.register(results)
    evens = sensitivity.break_evens(results)
    flips = sensitivity.flip_rates(results)
    ap = sc.appetite
    if ap is None or (ap.max_loss_probability is None and ap.max_downside is None):
        appetite_text = ("The scenario file sets no risk appetite, so every alternative is within it and the rule "
                         "is the highest expected NPV.")
    else:
        limits = []
        if ap.max_loss_probability is not None:
            limits.append(f"a chance of loss of at most {pc(ap.max_loss_probability)}")
        if ap.max_downside is not None:
            limits.append(f"an average loss of at most {m(ap.max_downside)} in the worst 5% of futures")
        appetite_text = "The risk appetite in the scenario file: " + " and ".join(limits) + "."
    names = results.names
    n_alt = len(names)

    # -- what to do, and the decision requested -------------------------------------
    if d.choice is None:
        headline = "Do nothing now: fund none of the alternatives as they stand."
        if n_alt == 1:
            request = (f"The board is asked not to approve {names[0]} as planned, and to ask for a revised case.")
        else:
            request = (f"The board is asked to fund none of the {n_alt} alternatives as they stand, and to ask for "
                       "revised cases.")
    else:
        c = s.alternative(d.choice)
        if d.action == "pilot":
            headline = f"Run a pilot first: learn {d.pilot_input} before committing to {d.choice}."
            request = (f"The board is asked to approve a pilot that establishes {d.pilot_input}, and to decide on "
                       f"{d.choice} (present value of costs {m(c.pv_costs)}) once it reports.")
        elif (test := rec.staged(sc, d.choice)) is not None:
            headline = f"Test first: {d.choice}."
            request = (f"The board is asked to approve the test ({d.choice}) and to decide on {test.stage_of} "
                       f"when it reports, by the go / no-go rule below; expected NPV of the plan {m(c.npv.mean)}.")
        else:
            headline = f"Fund {d.choice}."
            request = (f"The board is asked to approve {d.choice}, whose costs are worth {m(c.pv_costs)} in "
                       f"today's money over {sc.horizon_years} years, for an expected NPV of {m(c.npv.mean)}.")

    # -- three reasons --------------------------------------------------------------
    reasons: list[str] = []
    if d.choice is not None:
        c = s.alternative(d.choice)
        dn = downs[d.choice]
        if d.runner_up is not None:
            r2 = s.alternative(d.runner_up)
            reasons.append(f"Value\x1f{d.choice} is worth {m(c.npv.mean)} on average (the middle 80% of futures "
                           f"{middle_80(c, cur)}), against {m(r2.npv.mean)} for {d.runner_up}.")
            beats = s.comparison.prob_beats[d.choice][d.runner_up]
            reasons.append(f"Confidence\x1fIt beats {d.runner_up} in {pc(beats)} of simulated futures and loses "
                           f"money in {pc(c.prob_loss)}; its median IRR is {_irr_cell(c)}.")
        else:
            reasons.append(f"Value\x1f{d.choice} is worth {m(c.npv.mean)} on average (the middle 80% of futures "
                           f"{middle_80(c, cur)}) at a {sc.discount_rate:.1%} discount rate.")
            reasons.append(f"Confidence\x1fIt loses money in {pc(c.prob_loss)} of simulated futures; its median "
                           f"IRR is {_irr_cell(c)}.")
        risk_reason = (f"Risk\x1fIn the worst 5% of futures it loses {m(-dn.cvar)} on average (P5 {m(dn.p5)})"
                       if dn.cvar < 0 else f"Risk\x1fEven the worst 5% of futures average {m(dn.cvar)}")
        if ap is not None and (ap.max_loss_probability is not None or ap.max_downside is not None):
            risk_reason += ", within the risk appetite."
        else:
            risk_reason += "; the file sets no risk appetite."
        if d.best_value and d.best_value != d.choice:
            risk_reason += (f" {d.best_value} has a higher expected NPV but is passed over: "
                            + "; ".join(d.breaches.get(d.best_value, ())) + ".")
        reasons.append(risk_reason)
        if d.action == "pilot":
            reasons[1] += (f" That is a close call, and learning {d.pilot_input} first is worth up to "
                           f"{m(d.pilot_value)}: more than a tenth of the expected NPV.")
    else:
        best = s.alternative(s.comparison.best)
        reasons.append(f"Value\x1fThe best expected NPV is {m(best.npv.mean)} ({best.name}); "
                       + ("no alternative is expected to pay for itself."
                          if best.npv.mean <= 0 else "but it is not within the risk appetite."))
        for nm, why in list(d.breaches.items())[:2]:
            reasons.append(f"Risk\x1f{nm} is outside the appetite: " + "; ".join(why) + ".")
        while len(reasons) < 3:
            reasons.append(f"Chance of loss\x1f{best.name} loses money in {pc(best.prob_loss)} of simulated futures."
                           if len(reasons) == 1 else
                           f"Downside\x1fIn the worst 5% of futures {best.name} loses "
                           f"{m(-downs[best.name].cvar)} on average.")
    reasons_out = [tuple(x.split("\x1f", 1)) for x in reasons[:3]]

    # -- main risks -----------------------------------------------------------------
    risks: list[str] = []
    focus = d.choice or s.comparison.best
    own = sorted((r for r in register if r.alternative == focus and r.expected_per_year is not None),
                 key=lambda r: -abs(r.expected_per_year))
    for r in own[:2]:
        how = (f"a {pc(r.chance)} chance each year" if r.chance is not None else
               f"about {r.frequency:.2g} times a year" if r.frequency is not None
               else "every year")
        risks.append(f"{r.name}\x1f{how[:1].upper() + how[1:]}, costing {m(r.impact_low)} to {m(r.impact_high)} when it happens "
                     f"(expected {m(r.expected_per_year)} a year).")
    tor = insights.tornado(results, Target(focus))
    bars = [b for b in tor.bars if b.swing > 0]
    if bars:
        b = bars[0]
        lo_v, hi_v = format_input([b.low_value, b.high_value], b.input, sc)
        risks.append(f"{input_label(b.input)}\x1fThe value of {focus} depends on it most: {m(b.low_mean)} on "
                     f"average where it is below {lo_v}, {m(b.high_mean)} where it is above {hi_v}.")
    dn = downs[focus]
    risks.append(f"Downside\x1f{focus} loses money in {pc(dn.prob_loss)} of futures; the worst 5% of futures "
                 f"average {m(dn.cvar)}.")

    # -- what would change it -------------------------------------------------------
    changes: list[str] = []
    for be in evens:
        if be.value is None:
            continue
        unit = amount_unit(be.input)
        if unit == "auto":
            unit = resolve_unit("auto", [be.low, be.high])
        val = _value(be.value, unit, cur)
        now = _value(be.mean, unit, cur)
        direction = "below" if be.slope > 0 else "above"
        if be.target.b is not None:
            changes.append(f"If {input_label(be.input)} turned out {direction} {val} (expected {now}), "
                           f"{be.target.b} would be worth more than {be.target.a} on average.")
        else:
            changes.append(f"If {input_label(be.input)} turned out {direction} {val} (expected {now}), "
                           f"{be.target.a} would no longer be expected to pay for itself.")
    if not changes and evens:
        changes.append("No single input within its stated range reverses the ranking on its own.")
    pair = s.comparison.runner_up
    if flips:
        a, b = s.comparison.best, pair
        r0 = flips[0]
        side = "below" if r0 > sc.discount_rate else "above"
        probe = r0 - 1e-3 if side == "below" else r0 + 1e-3
        ahead = a if sensitivity.npv_at(results, a, probe) < sensitivity.npv_at(results, b, probe) else b
        ahead = b if ahead == a else a
        changes.append(f"A different discount rate: at {_pct_rate(r0)} the expected NPVs of {a} and {b} are equal, "
                       f"and {side} it {ahead} is worth more (this case uses {sc.discount_rate:.1%}).")
    elif pair is not None:
        changes.append(f"{s.comparison.best} stays ahead of {pair} at every discount rate from 0% to 100%.")
    if d.choice is not None and ap is not None:
        dn = downs[d.choice]
        changes.append(f"A stricter risk appetite: a loss limit below {pc(dn.prob_loss)} or a downside limit "
                       f"below {m(-dn.cvar)} would rule {d.choice} out.")

    if facts.portfolio is not None:   # a [portfolio] scenario: the decision is the set of projects
        res = facts.portfolio
        pc_ = res.choice
        chosen = ", ".join(res.selected)
        headline = f"Fund the set: {chosen}."
        request = (f"The board is asked to approve these {len(res.selected)} projects, using {m(pc_.capital)} of "
                   f"the {m(res.spec.budget)} budget, for an expected NPV of {m(pc_.expected_npv)}.")
        reasons = [f"Value\x1fTogether they are worth {m(pc_.expected_npv)} on average (the middle 80% of futures "
                   f"{m(res.npv['p10'])} to {m(res.npv['p90'])}): the most any set within the budget is worth.",
                   f"Confidence\x1fThe set loses money in {pc(pc_.prob_loss)} of simulated futures"
                   + ("." if res.spec.max_loss_probability is None else
                      f", within the limit of {pc(res.spec.max_loss_probability)} in the portfolio table."),
                   "Fit\x1fThe projects left out are listed with the reason under \u201cWhich projects to "
                   "fund\u201d."]
        reasons_out = [tuple(x.split("\x1f", 1)) for x in reasons]
        d = rec.Decision("fund", chosen, d.best_value, d.runner_up)
        changes = ["A different budget: the best set at other budgets is listed under \u201cWhich projects to "
                   "fund\u201d (the frontier)."]
        if res.spec.max_loss_probability is not None:
            changes.append(f"A stricter loss limit than {pc(res.spec.max_loss_probability)} may leave projects out.")
    risks_out = [tuple(x.split("\x1f", 1)) for x in risks]
    out = Board(d.action, d.choice, headline, request, reasons_out, risks_out, changes, RULE, appetite_text=appetite_text)
    out.entered = _entered_rows(sc, facts.notes)
    out.downside = [downs[nm] for nm in names]
    out.register = register
    out.rates = sensitivity.RATES
    out.rate_npv = sensitivity.rate_curve(results)
    out.flip = flips
    if pair is not None:
        out.flip_sentence = (f"{s.comparison.best} and {pair} are worth the same at a discount rate of "
                             + " and ".join(_pct_rate(r) for r in flips) + "." if flips else
                             f"{s.comparison.best} stays ahead of {pair} at every discount rate from 0% to 100%.")
    out.horizon_npv = {nm: sensitivity.horizon_curve(results, nm) for nm in names}
    first_pos = {nm: next((h + 1 for h, v in enumerate(vals) if v > 0 and all(w > 0 for w in vals[h:])), None)
                 for nm, vals in out.horizon_npv.items()}
    out.horizon_sentence = " ".join(
        f"{nm} needs a horizon of {yr} year{'s' if yr != 1 else ''} to be expected to pay for itself."
        if yr is not None else
        f"{nm} is not expected to pay for itself within {sc.horizon_years} years."
        for nm, yr in first_pos.items())
    out.break_evens = evens
    _fit(results, out)
    return out


def _pct_rate(r: float) -> str:
    return fmt.percent(r, digits=2)


def _fit(results: "Results", out: Board) -> None:
    sc = results.scenario
    s = results.summary
    cur = sc.currency
    m = lambda x: fmt.money(x, cur)
    by = insights.by_driver(results)
    for alt in sc.alternatives:
        drivers = list(alt.drivers)
        for it in alt.items:
            if it.kind == "benefit" and it.driver and it.driver not in drivers:
                drivers.append(it.driver)
        out.fit_rows.append((alt.name, alt.category or "\u2014", ", ".join(drivers) or "none named",
                             m(s.alternative(alt.name).npv.mean)))
    all_drivers = []
    for vals in by.values():
        for k in vals:
            if k not in all_drivers:
                all_drivers.append(k)
    for k in all_drivers:
        out.driver_rows.append((k,) + tuple(m(by[a.name].get(k, 0.0)) if k in by[a.name] else "\u2014"
                                            for a in sc.alternatives))
    cats: dict[str, list[str]] = {}
    for a in sc.alternatives:
        cats.setdefault(a.category or "uncategorised", []).append(a.name)
    for cat, members in cats.items():
        best = max(members, key=lambda nm: s.alternative(nm).npv.mean)
        out.category_rows.append((cat, ", ".join(members), m(s.alternative(best).npv.mean),
                                  fmt.percent(s.alternative(best).prob_loss)))
    top = {}
    for a in sc.alternatives:
        vals = by[a.name]
        if vals:
            k = max(vals, key=lambda key: vals[key])
            top[a.name] = (k, vals[k])
    sentences = [f"{nm} earns most through {k} ({m(v)} of its benefits in today's money)." for nm, (k, v) in top.items()
                 if k != insights.UNSPECIFIED]
    if len(cats) > 1:
        sentences.append("IT and non-IT options are compared on the same futures and the same rule: "
                         + "; ".join(f"{cat}: best {row[2]} expected NPV" for cat, row in
                                     zip(cats, out.category_rows)) + ".")
    out.fit_sentence = " ".join(sentences)
