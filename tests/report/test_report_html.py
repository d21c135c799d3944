"""The HTML report: the same content as the PDF, in one self-contained, well-formed file."""

from __future__ import annotations

import dataclasses
import html
from html.parser import HTMLParser
import re

import pytest

from reportcases import NON_ASCII_TITLE, SCENARIOS
from simulator.analysis import formatting as fmt
from ui.charts import ANALYTICS_CHARTS, CHARTS
from ui.report.facts import middle_80, recommendation

STEMS = [p.stem for p in SCENARIOS]
VOID = {"meta", "br", "img", "link", "hr", "input", "area", "base", "col", "source", "wbr"}


class _Checker(HTMLParser):
    """Checks that every element is closed in order and collects the visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.svg_depth = 0
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self.svg_depth += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag == "svg":
            self.svg_depth -= 1
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
            return
        self.stack.pop()

    def handle_data(self, data):
        if not self.svg_depth and (not self.stack or self.stack[-1] not in ("style", "script")):
            self.text.append(data)


def parse(text: str) -> _Checker:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    return checker


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("stem", STEMS)
def test_html_has_the_same_content_and_is_self_contained(stem, bundled_results, bundled_reports):
    results = bundled_results[stem]
    raw = bundled_reports[stem]["html"].read_text(encoding="utf-8")
    checker = parse(raw)
    assert not checker.problems and not checker.stack, checker.problems[:5]
    text = words(" ".join(checker.text))
    cur = results.scenario.currency
    assert words(recommendation(results).headline) in text
    scale = fmt.headline_scale(results.summary.alternatives)
    for a in results.summary.alternatives:
        assert a.name in text
        for figure in (fmt.money(a.npv.mean, cur, scale=scale), fmt.percent(a.prob_loss),
                       middle_80(a, cur, scale)):
            assert words(figure) in text
    for title in ("Assumptions", "Cash flows by year", "Method", "Glossary"):
        assert title in text
    # one inline SVG per chart, nothing fetched from elsewhere
    portfolio = 1 if results.scenario.portfolio is not None else 0   # its section adds the portfolio chart
    # every chart the app has, and the discount-rate and horizon chart of the Sensitivity section
    assert raw.count("<svg") == len(CHARTS) + len(ANALYTICS_CHARTS) + 1 + portfolio
    assert not re.search(r"<(script|link|img|iframe)\b", raw)
    assert not re.search(r"""(src|href)=["']https?:""", raw)
    assert "@media print" in raw and "<style>" in raw
    # ids are unique across the inlined charts
    ids = re.findall(r'\bid="([^"]+)"', raw)
    assert len(ids) == len(set(ids))


def test_non_ascii_title_in_html(bundled_results, tmp_path):
    from ui.report import write_report

    base = bundled_results["erp-vs-production-line"]
    results = dataclasses.replace(base, scenario=dataclasses.replace(base.scenario, title=NON_ASCII_TITLE))
    target = tmp_path / "report.html"
    write_report(results, target)
    raw = target.read_text(encoding="utf-8")
    assert f"<title>{html.escape(NON_ASCII_TITLE)}</title>" in raw
    assert raw.count(NON_ASCII_TITLE) >= 3   # title, heading, footer
    assert '<meta charset="utf-8">' in raw
