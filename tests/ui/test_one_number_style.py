"""One number style everywhere: the app's Overview cards, the command line's ``run`` text, the
HTML report and the workbook print the same figures, in the same words and with the same
minus sign, for a bundled scenario (issue 12, point 5).

The expected texts are made here from the run's summary through ``simulator.analysis.formatting``
(the one home of the style); each surface must show exactly those.
"""

from __future__ import annotations

from html.parser import HTMLParser
import re

from openpyxl import load_workbook
import pytest

from simulator.analysis import formatting as fmt
from cli.main import main as cli_main
from simulator.sim.engine import run
from simulator.model.scenario import load
from uihelpers import DEFAULT
from ui.overview import OverviewPage
from ui.palette import colors_for
from ui.report import write_report

SCENARIO = DEFAULT.parent / "marketing-vs-disaster-recovery.toml"   # three alternatives, "Do nothing" too
ITERATIONS, SEED = 4000, 7

#: A hyphen-minus used as a minus sign: before a digit or a currency sign, not inside a word
#: or a date ("Disaster-recovery", "2026-12-03").
ASCII_MINUS = re.compile(r"(?<![\w])-(?=[$€£¥\d])")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def expected_figures(results) -> dict[str, dict[str, str]]:
    """{alternative: {figure: text}} made from the summary by the formatting module."""
    s = results.summary
    sc = results.scenario
    scale = fmt.headline_scale(s.alternatives)
    out = {}
    for a in s.alternatives:
        out[a.name] = {
            "npv": fmt.money(a.npv.mean, sc.currency, scale=scale),
            "range": fmt.middle_80(a.npv.p10, a.npv.p90, sc.currency, scale=scale),
            "loss": fmt.percent(a.prob_loss),
            "payback": fmt.payback(a.payback_p50, a.payback_within, sc.horizon_years),
            "margin": fmt.points(a.margin_pp[-1].mean),
            "best": fmt.percent(s.comparison.prob_best[a.name]),
        }
    return out


@pytest.fixture(scope="module")
def results():
    return run(load(SCENARIO), ITERATIONS, SEED)


def test_app_command_line_report_and_workbook_print_the_same_figures(results, qtbot, capsys, tmp_path):
    expected = expected_figures(results)
    names = results.names
    assert "Do nothing" in names and any(f["range"].startswith(fmt.MINUS) for f in expected.values())

    # The app: the Overview's cards.
    page = OverviewPage()
    qtbot.addWidget(page)
    page.set_results(results, False, colors_for(names))
    app_text = []
    for name, fig in expected.items():
        card = page.card(name)
        if card.idle:           # "Do nothing": one sentence with its value and its chance of being best
            assert f"{fig['npv']} in every future" in card.idle_text.text()
            assert f"best choice in {fig['best']} of futures" in card.idle_text.text()
            continue
        assert card.npv.text() == fig["npv"]
        shown = {key: card.values[key].text() for key in ("range", "loss", "best", "payback")}
        assert shown == {key: fig[key] for key in ("range", "loss", "best", "payback")}
        assert card.values["margin"].text().startswith(fig["margin"] + " by year")
        app_text += [card.npv.text(), *(v.text() for v in card.values.values())]
    app_text += [page.verdict.text(), page.evpi.text(), page.insight.text()]

    # The command line: ``investsim run`` as text.
    assert cli_main(["run", str(SCENARIO), "--iterations", str(ITERATIONS), "--seed", str(SEED)]) == 0
    cli_text = capsys.readouterr().out
    blocks = re.split(r"\n\n", cli_text)
    for name, fig in expected.items():
        block = next(b for b in blocks if b.split("\n")[0].split("  [")[0] == name)
        for key in ("npv", "range", "loss", "payback", "margin", "best"):
            assert fig[key] in block, (name, key, fig[key], block)
    assert results.summary.verdict in cli_text                   # the same verdict as the app's

    # The report (HTML): its key-figures table.
    write_report(results, tmp_path / "case.html", source_file=SCENARIO)
    parser = _Text()
    parser.feed((tmp_path / "case.html").read_text(encoding="utf-8"))
    report_text = " ".join(" ".join(parser.parts).split())
    for name, fig in expected.items():
        for key in ("npv", "range", "loss", "payback", "margin", "best"):
            assert fig[key] in report_text, (name, key, fig[key])
    assert results.summary.verdict not in ("",)

    # The workbook: raw numbers in the cells, shown with the same minus sign; the words
    # where a cell is not a number are the app's.
    write_report(results, tmp_path / "case.xlsx", source_file=SCENARIO)
    ws = load_workbook(tmp_path / "case.xlsx")["Summary"]
    head = {ws.cell(4, c).value: c for c in range(1, ws.max_column + 1)}
    rows = {ws.cell(r, 1).value: r for r in range(5, 5 + len(names))}
    scale = fmt.headline_scale(results.summary.alternatives)
    cur = results.scenario.currency
    for name, fig in expected.items():
        def cell(title, name=name):
            return ws.cell(rows[name], head[title])

        assert fmt.money(cell("Expected NPV").value, cur, scale=scale) == fig["npv"]
        assert fmt.middle_80(cell("NPV P10").value, cell("NPV P90").value, cur, scale=scale) == fig["range"]
        assert fmt.percent(cell("Chance of losing money").value) == fig["loss"]
        assert fmt.percent(cell("Chance of being the best").value) == fig["best"]
        assert fmt.points(cell("Operating margin impact, last year").value) == fig["margin"]
        payback = cell("Payback median (years)").value
        if isinstance(payback, str):
            assert payback == fig["payback"] == fmt.NOTHING_TO_PAY_BACK or fig["payback"].startswith(payback)
        else:
            assert fig["payback"].startswith(fmt.years(payback))
        for title in ("Expected NPV", "Operating margin impact, last year"):
            negative = cell(title).number_format.split(";")[1]
            assert fmt.MINUS in negative and "-" not in negative

    # One minus sign: the typographic one on every surface for people, never a hyphen.
    for surface, text in (("app", " ".join(app_text)), ("command line", cli_text), ("report", report_text)):
        assert fmt.MINUS in text, surface
        assert not ASCII_MINUS.findall(text), (surface, [text[max(0, m.start() - 30):m.end() + 10]
                                                         for m in ASCII_MINUS.finditer(text)][:3])
