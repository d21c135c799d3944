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

    # 1. Executive summary -----------------------------------------------------------
    add(Title(facts.title, f"Business case · {facts.date} · {r.iterations:,} simulated futures"))
    add(Paragraph(facts.decision, "lead", lead="The decision."))
    if sc.description.strip():
        add(Paragraph(" ".join(sc.description.split()), "body"))
    if facts.portfolio is not None:   # a [portfolio] scenario: the set to fund comes first
        pc = facts.portfolio.choice
        add(Paragraph(f"Capital {m(pc.capital)} of {m(facts.portfolio.spec.budget)}, expected NPV "
                      f"{m(pc.expected_npv)}, chance of loss {fmt.percent(pc.prob_loss, digits=1)}; see \u201cWhich "
                      "projects to fund\u201d. The comparison below takes each project on its own.", "callout",
                      lead="Fund " + ", ".join(facts.portfolio.selected) + "."))
    add(Paragraph(" ".join(facts.recommendation.details), "callout", lead=facts.recommendation.headline))
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
    if pilot := pilot_paragraph(pilot_facts(r), facts.currency):   # a staged alternative: test first?
        add(Paragraph(pilot, lead="Test first or decide now?"))
    add(Paragraph(facts.caveat, "note"))
    if wide:
        add(key_table)

    # 2. Charts ---------------------------------------------------------------------
    if charts:
        add(PageBreak())
        add(Heading("What the simulation shows", 1, "charts"))
        for i, chart in enumerate(charts, 1):
            add(FigureBlock(i, chart))

    if facts.portfolio is not None or facts.portfolio_problem:
        _portfolio_section(facts, add, portfolio_chart, len(charts) + 1)

    # 3. Assumptions (no forced page break: a short chart section should not leave half a
    # page empty) ---------------------------------------------------------------------
    add(Heading("Assumptions", 1, "assumptions"))
    add(Paragraph("Every figure the simulation uses, with its range in words and where it comes from. "
                  "A range \u201c90% sure between A and B\u201d leaves a 5% chance below A and 5% above B."))
    add(Heading("The frame", 2))
    add(Table((Column("", weight=0.24), Column("", weight=0.76)), tuple(Row(r_) for r_ in facts.frame),
              style="definitions"))
    if facts.variables:
        add(Heading("Shared inputs", 2))
        add(Paragraph("Inputs that the items' formulas use. Source notes are the comments written beside "
                      "them in the scenario file.", "note", keep_with_next=True))
        add(Table((Column("Input", weight=0.2), Column("What we assume", weight=0.38), Column("Source", weight=0.42)),
                  tuple(Row((v.name, v.words, v.source or "\u2014")) for v in facts.variables), font="small"))
    if facts.correlations:
        add(Paragraph("; ".join(facts.correlations) + ".", lead="Inputs that move together."))
    for alt in facts.alternatives:
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
        scale = fmt.money_scale([it.pv for it in alt.items] + [alt.summary.npv.mean])   # one unit per table
        rows = [Row((it.name, it.timing, it.amount, fmt.money(it.pv, facts.currency, sign=True, scale=scale),
                     it.source or "\u2014")) for it in alt.items]
        rows.append(Row(("Expected NPV (sum of the items)", "", "", fmt.money(alt.summary.npv.mean, facts.currency,
                                                                                scale=scale), ""), "total"))
        add(Table((Column("Item", weight=0.19), Column("Kind and timing", weight=0.2),
                   Column("Amount", weight=0.25), Column("Worth today", "right", weight=0.1),
                   Column("Source", weight=0.26)), tuple(rows), font="small"))
    add(Paragraph("\u201cWorth today\u201d is each item's average present value over all simulated futures "
                  "(money in is positive, money out negative); the items add up to the expected NPV.", "note"))

    # 4. Cash flows by year ---------------------------------------------------------
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

    # 5. Method and glossary ----------------------------------------------------------
    add(Heading("Method and glossary", 1, "method"))
    for lead, text in facts.method:
        add(Paragraph(text, lead=lead + "."))
        if lead.startswith("Reproducing"):
            add(Paragraph(facts.command, "command"))
    add(Heading("What the measures mean", 2))
    add(Table((Column("", weight=0.27), Column("", weight=0.73)), tuple(Row(g) for g in facts.glossary),
              style="definitions"))
    return doc


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
