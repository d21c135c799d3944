"""The PDF report of every bundled scenario, read back as a board member's PDF viewer would:
its text, its figures, its footer on every page, its fonts and its vector charts."""

from __future__ import annotations

import dataclasses

import pytest
from pypdf import PdfReader

from reportcases import ITERATIONS, NON_ASCII_TITLE, SCENARIOS, SEED, pdf_pages, squash
from simulator import __version__
from simulator.analysis import formatting as fmt
from simulator.model.keys import input_label, variable
from ui.charts import ANALYTICS_CHARTS, CHARTS
from ui.report.facts import middle_80, recommendation

STEMS = [p.stem for p in SCENARIOS]


@pytest.mark.parametrize("stem", STEMS)
def test_pdf_states_the_recommendation_and_every_alternatives_figures(stem, bundled_results, bundled_pdf_text):
    results = bundled_results[stem]
    text = squash(" ".join(bundled_pdf_text[stem]))
    cur = results.scenario.currency
    assert squash(recommendation(results).headline) in text
    assert squash(results.scenario.title) in text
    scale = fmt.headline_scale(results.summary.alternatives)    # one money unit for the key figures
    for a in results.summary.alternatives:
        assert squash(a.name) in text
        for figure in (fmt.money(a.npv.mean, cur, scale=scale), fmt.money(a.npv.p10, cur, scale=scale),
                       fmt.money(a.npv.p90, cur, scale=scale), fmt.percent(a.prob_loss)):
            assert squash(figure) in text, (a.name, figure)
        # the executive summary's row of figures, in the order of the table
        assert squash(middle_80(a, cur, scale)) in text


@pytest.mark.parametrize("stem", STEMS)
def test_every_page_has_the_footer_and_the_page_count_is_sane(stem, bundled_results, bundled_pdf_text):
    results = bundled_results[stem]
    pages = bundled_pdf_text[stem]
    n = len(pages)
    assert 5 <= n <= 28   # the board pack: recommendation, summary, sections and one page per chart
    for i, page in enumerate(pages, 1):
        flat = squash(page)
        assert squash(f"Page {i} of {n}") in flat
        assert squash(results.scenario.title) in flat
        assert squash(f"{stem}.toml") in flat
        assert squash(f"{ITERATIONS:,} simulated futures") in flat and squash(f"seed {SEED}") in flat
        assert squash(f"investsim {__version__}") in flat


@pytest.mark.parametrize("stem", STEMS)
def test_sections_come_in_the_order_of_the_brief(stem, bundled_pdf_text):
    pages = bundled_pdf_text[stem]
    first = squash(pages[0])
    assert squash("Recommendation") in first and squash("What would change the recommendation") in first
    summary = squash(pages[1])
    assert squash("The decision.") in summary and squash("What drives the result.") in summary
    assert squash("What is worth finding out") in summary and squash("Key assumption:") in summary
    text = squash(" ".join(pages))
    at = 0
    for title in ("Recommendation", "Summary", "Assumptions", "Risk register", "Sensitivity", "Strategic fit",
                  "What the simulation shows", "Cash flows by year", "Method", "Glossary"):
        at = text.index(squash(title), at)   # each after the one before
    for spec in CHARTS + ANALYTICS_CHARTS:   # every chart the app has, under its own title
        assert squash(f"{spec.title.upper()}") in text
    assert "could not be drawn" not in " ".join(pages)
    for term in ("Net present value (NPV)", "Internal rate of return (IRR)", "Return on investment (ROI)",
                 "P10, P50 (median), P90", "(EVPI)"):
        assert squash(term) in text


@pytest.mark.parametrize("stem", STEMS)
def test_every_assumption_and_item_is_listed_with_its_source(stem, bundled_results, bundled_pdf_text):
    sc = bundled_results[stem].scenario
    text = squash(" ".join(bundled_pdf_text[stem]))
    for name, _ in sc.variables:   # by its label, never its code name
        assert squash(input_label(variable(name))) in text
    for alt in sc.alternatives:
        for item in alt.items:
            assert squash(item.name) in text
            if item.note:
                assert squash(item.note) in text
    assert squash(f"{sc.discount_rate:.1%}") in text and squash(f"{sc.horizon_years} years") in text


def test_fonts_are_embedded_and_charts_are_vectors(bundled_results, bundled_reports):
    reader = PdfReader(str(bundled_reports["erp-vs-production-line"]["pdf"]))
    fonts = {}
    images = 0
    for page in reader.pages:
        res = page["/Resources"]
        for ref in (res.get("/Font") or {}).values():
            font = ref.get_object()
            desc = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)["/FontDescriptor"]
            fonts[font["/BaseFont"]] = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        for ref in (res.get("/XObject") or {}).values():
            if ref.get_object().get("/Subtype") == "/Image":
                images += 1
    assert fonts and all(fonts.values()), fonts
    # The only raster images are the ones a chart is made of (a heat map drawn with imshow);
    # everything else (curves, text, shading) is vector.
    from ui.report.charts import render

    charts = render(bundled_results["erp-vs-production-line"])
    expected = sum(len(ax.images) for c in charts if c.figure is not None for ax in c.figure.axes)
    assert images == expected


def test_a_non_ascii_title_and_names_survive(bundled_results, tmp_path):
    from ui.report import write_report

    base = bundled_results["erp-vs-production-line"]
    scenario = dataclasses.replace(base.scenario, title=NON_ASCII_TITLE)
    results = dataclasses.replace(base, scenario=scenario)
    results.__dict__.pop("summary", None)
    target = tmp_path / "übernahme.pdf"
    write_report(results, target, source_file="café—plan.toml")
    pages = pdf_pages(target)
    assert all(squash(NON_ASCII_TITLE) in squash(p) for p in pages)
    assert squash("café—plan.toml") in squash(pages[-1])


def test_a_long_assumptions_table_splits_by_rows_with_its_header_repeated(tmp_path):
    from simulator.sim.engine import run
    from simulator.model.scenario import loads
    from ui.report import write_report

    lines = ["format = 1", 'title = "Many inputs"', "horizon_years = 3", "discount_rate = 0.08", "[variables]"]
    names = [f"input_{i:03d}" for i in range(90)]
    for i, name in enumerate(names):
        lines.append(f"# The source of input {i}: a survey of {i + 3} suppliers, 2024, with a longer note "
                     "so that the row wraps onto a second line in the table.")
        lines.append(f"{name} = {{ low = {1000 + i}, high = {2000 + 3 * i} }}")
    total = " + ".join(names)
    lines += ["[[alternatives]]", 'name = "Big sum"', "[[alternatives.items]]", 'name = "Cost"',
              'kind = "investment"', "amount = 100000", "[[alternatives.items]]", 'name = "Gain"', 'kind = "benefit"',
              f'amount = "{total}"']
    results = run(loads("\n".join(lines)), 500, 1)
    target = tmp_path / "long.pdf"
    pages = write_report(results, target)
    texts = pdf_pages(target)
    assert len(texts) == pages
    with_header = [i for i, t in enumerate(texts) if squash("Input As entered Unit Source") in squash(t)]
    assert len(with_header) >= 3, "the 90-row table should run over several pages, each with its header"
    assert with_header == list(range(with_header[0], with_header[-1] + 1))
    text = squash(" ".join(texts))
    for name in names:
        assert text.count(squash(input_label(variable(name)))) >= 1
    # every row is on exactly one page: the first and the last input are there once
    # (inputs are shown by their labels, "input 000", and as entered: "Range, 90% sure: ...")
    assert sum(squash(input_label(variable(names[0])) + "Range, 90%") in squash(t) for t in texts) == 1
    assert sum(squash(input_label(variable(names[-1])) + "Range, 90%") in squash(t) for t in texts) == 1
