"""The report as a flow of blocks, shared by the PDF and HTML writers.

Blocks hold plain text (writers escape it); a paragraph may start with a bold ``lead``. The
order is the report's: executive summary on page one in business words, then the charts,
the assumptions, the cash flows by year, and method and glossary last.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Sequence

from simulator.analysis import formatting as fmt
from simulator.analysis.pilot import pilot_facts, pilot_paragraph

from .charts import ChartImage
from .facts import Facts


@dataclass(frozen=True)
class Title:
    title: str
    subtitle: str


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1          # 1 = section, 2 = subsection
    anchor: str = ""


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = "body"     # body | lead | callout | note | caption | command
    lead: str = ""          # bold words at the start
    keep_with_next: bool = False   # an introduction: never left alone at the foot of a page


@dataclass(frozen=True)
class Column:
    title: str
    align: str = "left"     # left | right
    weight: float | None = None   # fixed share of the width; None = from the content


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    style: str = ""         # "" | total | subhead


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    style: str = "grid"     # grid | key (first column as labels) | definitions (no header)
    font: str = "table"     # table | small


@dataclass(frozen=True)
class FigureBlock:
    number: int
    chart: ChartImage


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Title | Heading | Paragraph | Table | FigureBlock | PageBreak


@dataclass
class Document:
    title: str
    footer_left: str
    footer_facts: str
    blocks: list[Block] = field(default_factory=list)


def money_cells(values: Sequence[float], currency: str) -> tuple[str, ...]:
    return tuple(fmt.money(v, currency) for v in values)


def build(facts: Facts, charts: Sequence[ChartImage], portfolio_chart: ChartImage | None = None) -> Document:
    r = facts.results
    sc = facts.scenario
    s = r.summary
    m = facts.money
    doc = Document(facts.title, f"{facts.title} · {facts.source_name} · {facts.date}", facts.footer_facts)
    add = doc.blocks.append

    from .charts import analytics_keys

    b = facts.board
    analytics = analytics_keys()
    result_charts = [c for c in charts if c.key not in analytics and c.key != "sensitivity"]
    analytic_charts = [c for c in charts if c.key in analytics]
    sens_chart = next((c for c in charts if c.key == "sensitivity"), None)
    number = iter(range(1, 1000))

    pilot_text = pilot_paragraph(pilot_facts(r), facts.currency) or (b.pilot_text if b is not None else "")

    # 1. Recommendation (page one) --------------------------------------------------
    add(Title(facts.title, f"Business case · {facts.date} · {r.iterations:,} simulated futures"))
    if b is not None:
        add(Heading("Recommendation", 1, "recommendation"))
        add(Paragraph(b.request, "callout", lead=b.headline))
        if pilot_text:   # a staged alternative: test first or decide now, and why
            add(Paragraph(pilot_text, lead="Test first or decide now?"))
        add(Heading("Why", 2))
        for lead, text in b.reasons:
            add(Paragraph(text, lead=lead + "."))
        add(Heading("Main risks", 2))
        for lead, text in b.risks:
            add(Paragraph(text, lead=_upper_first(lead) + "."))
        add(Heading("What would change the recommendation", 2))
        for change in b.changes:
            add(Paragraph(change))
        add(Paragraph(b.appetite_text + " The rule behind the recommendation is set out under Method.", "note"))
        add(PageBreak())

    # 2. Summary -------------------------------------------------------------------
    add(Heading("Summary", 1, "summary"))
    add(Paragraph(facts.decision, "lead", lead="The decision."))
    if sc.description.strip():
        add(Paragraph(" ".join(sc.description.split()), "body"))
    if facts.portfolio is not None:   # a [portfolio] scenario: the set to fund comes first
        pc = facts.portfolio.choice
        add(Paragraph(f"Capital {m(pc.capital)} of {m(facts.portfolio.spec.budget)}, expected NPV "
                      f"{m(pc.expected_npv)}, chance of loss {fmt.percent(pc.prob_loss, digits=1)}; see \u201cWhich "
                      "projects to fund\u201d. The comparison below takes each project on its own.", "callout",
                      lead="Fund " + ", ".join(facts.portfolio.selected) + "."))
    if b is None:
        add(Paragraph(" ".join(facts.recommendation.details), "callout", lead=facts.recommendation.headline))
    else:   # the comparison on value alone; the recommendation (page one) also weighs the risk appetite
        comparison = " ".join((facts.recommendation.headline, *facts.recommendation.details))
        if b.choice is not None and b.choice != s.comparison.best:
            comparison += (f" The recommendation is {b.choice} all the same: {s.comparison.best} is beyond the "
                           "risk appetite (see Recommendation).")
        add(Paragraph(comparison, lead="On value alone."))
    alts = s.alternatives
    label_share = 0.5 if len(alts) == 1 else (0.3 if len(alts) <= 3 else 0.24)
    cols = [Column("", "left", weight=label_share)] + [
        Column(a.name + (f" ({a.category})" if a.category else ""), "right", weight=(1 - label_share) / len(alts))
        for a in alts]
    key_table = Table(tuple(cols), tuple(Row((k.label,) + k.cells) for k in facts.key_rows), style="key")
    wide = len(alts) > 5   # many alternatives (a portfolio's candidates): the words first, the tall table after
    if not wide:
        add(key_table)
    add(Paragraph(facts.drivers, lead="What drives the result."))
    add(Paragraph(facts.worth_knowing, lead="What is worth finding out before deciding."))
    if pilot_text and b is None:   # no recommendation page: the plan of the staged alternative here
        add(Paragraph(pilot_text, lead="Test first or decide now?"))
    add(Paragraph(facts.caveat, "note"))
    if wide:
        add(key_table)

    # 3. Assumptions as entered ---------------------------------------------------------
    add(PageBreak())
    add(Heading("Assumptions", 1, "assumptions"))
    add(Paragraph("Every figure the simulation uses, as its author entered it, with its unit and its source. "
                  "A range \u201c90% sure: A to B\u201d leaves a 5% chance below A and 5% above B; a three-point "
                  "estimate gives the lowest, most likely and highest value."))
    add(Heading("The frame", 2))
    add(Table((Column("", weight=0.24), Column("", weight=0.76)), tuple(Row(r_) for r_ in facts.frame),
              style="definitions"))
    if b is not None and b.entered:
        add(Heading("Shared inputs", 2))
        add(Paragraph("Inputs that the items' formulas use. Their sources are the notes written beside them in "
                      "the scenario file.", "note", keep_with_next=True))
        add(Table((Column("Input", weight=0.17), Column("As entered", weight=0.33), Column("Unit", weight=0.1),
                   Column("Source", weight=0.4)),
                  tuple(Row((e.name, e.entered, e.unit, e.source or "\u2014")) for e in b.entered), font="small"))
    if facts.correlations:
        add(Paragraph("; ".join(facts.correlations) + ".", lead="Inputs that move together."))
    for alt, sc_alt in zip(facts.alternatives, sc.alternatives):
        head = alt.name + (f" ({alt.category})" if alt.category else "")
        add(Heading(head, 2))
        intro = alt.description.strip()
        if alt.drivers:
            intro += (" " if intro else "") + f"Business drivers: {', '.join(alt.drivers)}."
        if intro:
            add(Paragraph(intro, keep_with_next=True))
        if not alt.items:
            add(Paragraph("No items: nothing is spent and nothing changes, so its NPV is zero in every future.",
                          "note"))
            continue
        from .facts import item_entered

        scale = fmt.money_scale([it.pv for it in alt.items] + [alt.summary.npv.mean])   # one unit per table
        rows = [Row((it.name, it.timing, item_entered(item, sc), fmt.money(it.pv, facts.currency, sign=True,
                                                                           scale=scale),
                     it.source or "\u2014")) for it, item in zip(alt.items, sc_alt.items)]
        rows.append(Row(("Expected NPV (sum of the items)", "", "", fmt.money(alt.summary.npv.mean, facts.currency,
                                                                                scale=scale), ""), "total"))
        add(Table((Column("Item", weight=0.19), Column("Kind and timing", weight=0.2),
                   Column("As entered", weight=0.25), Column("Worth today", "right", weight=0.1),
                   Column("Source", weight=0.26)), tuple(rows), font="small"))
    add(Paragraph("\u201cWorth today\u201d is each item's average present value over all simulated futures "
                  "(money in is positive, money out negative); the items add up to the expected NPV.", "note"))

    if b is not None:
        _board_sections(facts, add, analytic_charts, sens_chart, number)
    else:
        analytic_charts = []

    # Charts ---------------------------------------------------------------------
    if result_charts or analytic_charts:
        add(PageBreak())
        add(Heading("What the simulation shows", 1, "charts"))
        for chart in analytic_charts + result_charts:
            add(Heading(chart.title, 2))
            add(FigureBlock(next(number), chart))

    if facts.portfolio is not None or facts.portfolio_problem:
        _portfolio_section(facts, add, portfolio_chart, next(number))

    # Cash flows by year ---------------------------------------------------------
    add(Heading("Cash flows by year", 1, "cash"))
    add(Paragraph("Net cash of each alternative in each year (benefits minus costs, not discounted): the "
                  "average over all simulated futures, and the P10, median and P90: in one future in ten the "
                  "year's cash comes out below P10, in one in ten above P90. Averages add up over the years; "
                  "percentiles do not."))
    if facts.cash_note:
        add(Paragraph(facts.cash_note, "note"))
    baseline = sc.baseline is not None
    for alt in facts.alternatives:
        rows_ = facts.cash[alt.name]
        add(Heading(alt.name, 2))
        cols = [Column("Year", weight=1.1)] + [Column(t, "right", weight=1.0) for t in
                                               ("Average", "P10", "Median", "P90", "Cumulative average")]
        if baseline:
            cols.append(Column("Operating margin impact", "right", weight=1.15))
        body = []
        scale = fmt.money_scale(v for c in rows_ for v in (c.mean, c.p10, c.p50, c.p90, c.cumulative_mean))
        mt = functools.partial(fmt.money, currency=facts.currency, scale=scale)  # one unit per table
        for c in rows_:
            cells = [("0 (today)" if c.year == 0 else str(c.year)), mt(c.mean), mt(c.p10), mt(c.p50), mt(c.p90),
                     mt(c.cumulative_mean)]
            if baseline:
                cells.append("\u2014" if c.margin_mean is None else fmt.points(c.margin_mean))
            body.append(Row(tuple(cells)))
        add(Table(tuple(cols), tuple(body)))

    # Method and glossary ----------------------------------------------------------
    add(PageBreak())
    add(Heading("Method", 1, "method"))
    for lead, text in facts.method:
        add(Paragraph(text, lead=lead + "."))
        if lead.startswith("Reproducing"):
            add(Paragraph(facts.command, "command"))
    if b is not None:
        add(Paragraph(b.rule + " " + b.appetite_text, lead="The recommendation rule."))
        add(Paragraph("The downside is the average NPV of the worst 5% of simulated futures (CVaR 5%), shown beside "
                      "P5, the NPV that 5% of futures fall below. NPV against the discount rate is the expected "
                      "yearly cash discounted at each rate, which is exact because NPV is linear in the cash; the "
                      "rate where the ranking flips is where the two curves cross. A break-even value is where the "
                      "straight line fitted through the simulated futures (outcome against the input) crosses zero.",
                      lead="Risk and sensitivity figures."))
    add(Heading("Glossary", 1, "glossary"))
    add(Table((Column("", weight=0.27), Column("", weight=0.73)), tuple(Row(g) for g in facts.glossary),
              style="definitions"))
    return doc


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _board_sections(facts: Facts, add, analytic_charts, sens_chart, number) -> None:
    """Risk register, Sensitivity and Strategic fit (issue 21)."""
    b = facts.board
    sc = facts.scenario
    cur = facts.currency
    m = lambda x: fmt.money(x, cur)
    names = [a.name for a in sc.alternatives]

    add(Heading("Risk register", 1, "risks"))
    add(Paragraph("The downside of each alternative: how often it loses money, the NPV that 5% of futures fall "
                  "below (P5), and the worst 5% of futures, with their average.", keep_with_next=True))
    add(Table((Column("Alternative", weight=0.34), Column("Chance of loss", "right", weight=0.18),
               Column("P5", "right", weight=0.18), Column("The worst 5 % of futures, average", "right", weight=0.3)),
              tuple(Row((d.name, fmt.percent(d.prob_loss), m(d.p5), m(d.cvar))) for d in b.downside)))
    if b.register:
        add(Paragraph("Every risk item in the scenario: how likely it is each year (or how often it happens), "
                      "the range of its cost when it happens (P5 to P95), and its expected cost a year.",
                      keep_with_next=True))
        rows = []
        for r_ in b.register:
            how = (f"{fmt.percent(r_.chance)} a year" if r_.chance is not None else
                   f"{r_.frequency:.2g} times a year" if r_.frequency is not None else "every year")
            years = f"year {r_.first_year}" if r_.first_year == r_.last_year else \
                f"years {r_.first_year}\u2013{r_.last_year}"
            rows.append(Row((r_.alternative, r_.name, how, f"{m(r_.impact_low)} to {m(r_.impact_high)}",
                             m(r_.expected_per_year), years, r_.source or "\u2014")))
        add(Table((Column("Alternative", weight=0.14), Column("Risk", weight=0.17), Column("Chance", weight=0.1),
                   Column("Impact (P5 to P95)", weight=0.15), Column("Expected a year", "right", weight=0.1),
                   Column("When", weight=0.09), Column("Source", weight=0.25)), tuple(rows), font="small"))
    else:
        add(Paragraph("The scenario has no risk items (kind = \"risk\"); the downside above comes from the "
                      "uncertainty of its other inputs.", "note"))

    add(Heading("Sensitivity", 1, "sensitivity"))
    add(Paragraph("How the expected NPVs move with the discount rate and the planning horizon, and which inputs "
                  "drive the result.", keep_with_next=True))
    wide = len(names) > 4   # many alternatives: one row each, the rates and years across
    scale = fmt.money_scale(v for vals in b.rate_npv.values() for v in vals)
    if wide:
        show = [i for i, r in enumerate(b.rates) if i % 2 == 0 or abs(r - sc.discount_rate) < 1e-9]
        head = [Column("Discount rate", weight=0.22)] + [
            Column(fmt.percent(b.rates[i]) + ("*" if abs(b.rates[i] - sc.discount_rate) < 1e-9 else ""), "right",
                   weight=0.78 / len(show)) for i in show]
        rows = [Row((nm,) + tuple(fmt.money(b.rate_npv[nm][i], cur, scale=scale) for i in show)) for nm in names]
        add(Table(tuple(head), tuple(rows), font="small"))
        add(Paragraph(f"* the rate of this case ({sc.discount_rate:.1%}); every other rate from 4% to 16% is in "
                      "run --json.", "note"))
    else:
        head = [Column("Discount rate", weight=0.2)] + [Column(nm, "right", weight=0.8 / len(names)) for nm in names]
        rows = []
        for i, rate in enumerate(b.rates):
            own = abs(rate - sc.discount_rate) < 1e-9
            rows.append(Row((fmt.percent(rate) + (" (this case)" if own else ""),) +
                            tuple(fmt.money(b.rate_npv[nm][i], cur, scale=scale) for nm in names),
                            "total" if own else ""))
        add(Table(tuple(head), tuple(rows), font="small"))
    if b.flip_sentence:
        add(Paragraph(b.flip_sentence))
    years = len(next(iter(b.horizon_npv.values()), []))
    scale = fmt.money_scale(v for vals in b.horizon_npv.values() for v in vals)
    if wide:
        head = [Column("Cash counted up to year", weight=0.22)] + [Column(str(y + 1), "right", weight=0.78 / years)
                                                                   for y in range(years)]
        add(Table(tuple(head), tuple(Row((nm,) + tuple(fmt.money(v, cur, scale=scale) for v in b.horizon_npv[nm]))
                                     for nm in names), font="small"))
    else:
        head = [Column("Cash counted up to year", weight=0.2)] + [Column(nm, "right", weight=0.8 / len(names))
                                                                for nm in names]
        add(Table(tuple(head), tuple(Row((str(y + 1),) + tuple(fmt.money(b.horizon_npv[nm][y], cur, scale=scale)
                                                                for nm in names)) for y in range(years)),
                  font="small"))
    if b.horizon_sentence:
        add(Paragraph(b.horizon_sentence))
    if sens_chart is not None:
        add(Heading(sens_chart.title, 2))
        add(FigureBlock(next(number), sens_chart))
    if analytic_charts:
        add(Paragraph("Which inputs drive the result, which are worth finding out before deciding, and where "
                      "the value comes from: see " + ", ".join(f"\u201c{c.title}\u201d" for c in analytic_charts)
                      + " below.", "note"))

    add(Heading("Strategic fit", 1, "fit"))
    add(Paragraph("The business drivers each alternative serves, as the scenario names them (its drivers and the "
                  "driver of each benefit), and what each is worth." + (" " + b.fit_sentence if b.fit_sentence else ""),
                  keep_with_next=True))
    add(Table((Column("Alternative", weight=0.25), Column("Category", weight=0.12),
               Column("Business drivers served", weight=0.45), Column("Expected NPV", "right", weight=0.18)),
              tuple(Row(row) for row in b.fit_rows)))
    if b.driver_rows:
        add(Paragraph("Value of the benefits by business driver (present value, average over all futures):",
                      keep_with_next=True))
        if len(names) > 4:   # many alternatives: one row each, its drivers and their value in words
            rows = [Row((nm, "; ".join(f"{row[0]} {row[1 + i]}" for row in b.driver_rows if row[1 + i] != "\u2014")
                         or "\u2014")) for i, nm in enumerate(names)]
            add(Table((Column("Alternative", weight=0.3), Column("Value by business driver", weight=0.7)),
                      tuple(rows), font="small"))
        else:
            add(Table((Column("Business driver", weight=0.3),) + tuple(Column(nm, "right", weight=0.7 / len(names))
                                                                       for nm in names),
                      tuple(Row(row) for row in b.driver_rows)))
    if len(b.category_rows) > 1:
        add(Paragraph("IT against non-IT: the best of each category.", keep_with_next=True))
        add(Table((Column("Category", weight=0.15), Column("Alternatives", weight=0.45),
                   Column("Best expected NPV", "right", weight=0.2), Column("Its chance of loss", "right", weight=0.2)),
                  tuple(Row(row) for row in b.category_rows)))


def _portfolio_section(facts: Facts, add, chart: ChartImage | None, number: int) -> None:
    """Which projects to fund under the [portfolio] table: the set, the candidates, the frontier."""
    from simulator.analysis.portfolio import describe

    add(PageBreak())
    add(Heading("Which projects to fund", 1, "portfolio"))
    res = facts.portfolio
    if res is None:
        add(Paragraph(facts.portfolio_problem, "callout", lead="No set of projects meets the portfolio table."))
        return
    lines = [line.strip() for line in describe(res)]
    spec = res.spec
    c = res.choice
    m = facts.money
    add(Paragraph(lines[2] if len(lines) > 2 else "", "callout",
                  lead=f"Budget {m(spec.budget)}" + ("" if spec.max_loss_probability is None else
                                                     f", at most a {fmt.percent(spec.max_loss_probability)} "
                                                     "chance of loss.")))
    add(Paragraph(f"Capital used {m(c.capital)}; expected NPV {m(c.expected_npv)} (80% between "
                  f"{m(res.npv['p10'])} and {m(res.npv['p90'])}); chance of loss "
                  f"{fmt.percent(c.prob_loss, digits=1)}." + next((" " + ln for ln in lines
                                                                  if ln.startswith("The loss limit")), "")))
    rows = [Row((mg.name, mg.category or "\u2014", "\u2714" if mg.funded else "", m(mg.capital), m(mg.expected_npv),
                 fmt.percent(mg.prob_loss_alone),
                 mg.reason.split(" left out: ", 1)[-1] if not mg.funded else "funded"))
            for mg in res.marginal]
    add(Table((Column("Project", weight=0.2), Column("Category", weight=0.1), Column("Funded", weight=0.08),
               Column("Capital", "right", weight=0.09), Column("Expected NPV", "right", weight=0.1),
               Column("Chance of loss alone", "right", weight=0.1), Column("Why", weight=0.33)),
              tuple(rows), font="small"))
    if res.frontier:
        add(Paragraph("The best set at other budgets (yearly limits scaled alike):", keep_with_next=True))
        add(Table((Column("Budget", "right", weight=0.12), Column("Capital used", "right", weight=0.12),
                   Column("Expected NPV", "right", weight=0.12), Column("Chance of loss", "right", weight=0.1),
                   Column("Funded", weight=0.54)),
                  tuple(Row((m(p.budget), m(p.capital), m(p.expected_npv), fmt.percent(p.prob_loss),
                             ", ".join(p.selected))) for p in res.frontier), font="small"))
    if chart is not None:
        add(FigureBlock(number, chart))


def plain_text(doc: Document) -> str:
    """The document's words without layout (for tests and quick checks)."""
    out = []
    for b in doc.blocks:
        if isinstance(b, Title):
            out += [b.title, b.subtitle]
        elif isinstance(b, Heading):
            out.append(b.text)
        elif isinstance(b, Paragraph):
            out.append(f"{b.lead} {b.text}".strip())
        elif isinstance(b, Table):
            out.append(" ".join(c.title for c in b.columns))
            out += [" ".join(r.cells) for r in b.rows]
        elif isinstance(b, FigureBlock):
            out.append(f"Figure {b.number}. {b.chart.title}: {b.chart.finding}")
    return "\n".join(out)
