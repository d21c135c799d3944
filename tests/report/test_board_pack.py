"""The board pack (issue 21): recommendation, downside, sensitivity, assumptions as entered,
section titles, a CJK title. Figures are checked against ``run --json`` and independent
computations (a brute-force mean of the worst futures, numpy-financial NPVs)."""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import numpy as np
import numpy_financial as npf
import pytest

from reportcases import investsim, pdf_pages, squash
from simulator.analysis import formatting as fmt
from simulator.analysis import recommendation as rec
from simulator.analysis import risk, sensitivity
from simulator.model.scenario import Appetite, dumps, loads, read, read_text
from simulator.sim.engine import run

SMALL = """
format = 1
title = "Board pack check"
currency = "EUR"
horizon_years = 6
discount_rate = 0.08
iterations = 3000
seed = 5

[variables]
# Share of orders we win (sales pipeline review, 2025).
win_rate = { dist = "pert", min = 0.03, mode = 0.10, max = 0.18 }
market_size = 40_000_000
reach = "market_size * win_rate"

[[alternatives]]
name = "Web shop"
category = "IT"
drivers = ["revenue growth"]

[[alternatives.items]]
name = "Build"
kind = "investment"
year = 0
amount = { low = 1_500_000, high = 2_200_000 }
note = "agency quote"

[[alternatives.items]]
name = "Online sales"
kind = "benefit"
effect = "revenue"
contribution_margin = 0.2
amount = "reach"
driver = "revenue growth"

[[alternatives.items]]
name = "Outage"
kind = "risk"
probability = 0.1
amount = { dist = "triangular", min = 50_000, mode = 100_000, max = 300_000 }
note = "hosting history"

[[alternatives]]
name = "Showroom"
category = "non-IT"
drivers = ["brand"]

[[alternatives.items]]
name = "Fit-out"
kind = "investment"
year = 0
amount = 900_000

[[alternatives.items]]
name = "Showroom sales"
kind = "benefit"
effect = "cost_saving"
amount = { low = 150_000, high = 330_000 }
driver = "brand"
"""

N, SEED = 3000, 5


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("board")
    path = folder / "board-pack.toml"
    path.write_text(SMALL, encoding="utf-8")
    sc, _ = read(path)
    return path, run(sc, N, SEED)


def _json(path, n=N, seed=SEED) -> dict:
    out = investsim("run", str(path), "--iterations", str(n), "--seed", str(seed), "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


# -- the downside ---------------------------------------------------------------------

def test_cvar_is_the_mean_of_the_worst_five_percent_by_brute_force(small):
    _, results = small
    for a in results.alternatives:
        x = sorted(float(v) for v in a.npv)
        k = math.ceil(0.05 * len(x))
        assert risk.cvar(a.npv) == pytest.approx(sum(x[:k]) / k, rel=1e-12)
        assert risk.cvar(a.npv) <= np.percentile(a.npv, 5) + 1e-9   # the worst 5% average is below P5


def test_cvar_leaves_out_undefined_futures_and_reads_sorted_npvs_alike(small):
    """NaN and infinite futures are left out (brute force over the finite ones); the board's
    figure, read off the run's sorted NPVs, is the same as from the NPVs themselves."""
    rng = np.random.default_rng(11)
    x = np.r_[rng.normal(0, 1e6, 997), np.nan, np.inf, -np.inf]
    rng.shuffle(x)
    finite = sorted(float(v) for v in x if math.isfinite(v))
    k = math.ceil(0.05 * len(finite))
    assert risk.cvar(x) == pytest.approx(sum(finite[:k]) / k, rel=1e-12)
    assert math.isnan(risk.cvar(np.array([np.nan, np.inf])))
    _, results = small
    for a in results.alternatives:
        assert risk.worst_average(a) == (risk.cvar(a.npv), math.ceil(0.05 * a.npv.size))


def test_run_json_board_matches_the_engine_and_brute_force(small):
    path, results = small
    data = _json(path)
    board = data["board"]
    for d, a in zip(board["downside"], results.alternatives):
        x = np.sort(a.npv)
        assert d["cvar_5"] == pytest.approx(float(x[:math.ceil(0.05 * x.size)].mean()), rel=1e-9)
        assert d["prob_loss"] == pytest.approx(float((a.npv < 0).mean()))
    reg = board["risk_register"]
    assert [r["item"] for r in reg] == ["Outage"]
    # triangular mean (50k + 100k + 300k) / 3, at a 10% chance a year
    assert reg[0]["expected_cost_per_year"] == pytest.approx(0.1 * 450_000 / 3, rel=1e-9)
    assert board["recommendation"]["choice"] == rec.decide(results).choice


# -- sensitivity -------------------------------------------------------------------------

def test_npv_against_the_rate_is_numpy_financial_on_the_expected_cash(small):
    _, results = small
    sc = results.scenario
    for name in results.names:
        cash = sensitivity.expected_cash(results, name)
        for r in sensitivity.RATES:
            assert sensitivity.npv_at(results, name, r) == pytest.approx(npf.npv(r, cash), rel=1e-12, abs=1e-6)
        # at the file's own rate it is the expected NPV of the run (float32 yearly cash kept)
        assert sensitivity.npv_at(results, name, sc.discount_rate) == pytest.approx(
            results.summary.alternative(name).npv.mean, rel=1e-5)


def test_the_flip_rate_equalises_numpy_financial_npvs(small):
    _, results = small
    a, b = results.summary.comparison.best, results.summary.comparison.runner_up
    ca, cb = sensitivity.expected_cash(results, a), sensitivity.expected_cash(results, b)
    flips = sensitivity.flip_rates(results)
    # brute force: the sign changes of the difference on a fine grid of rates
    grid = np.linspace(0, 1, 100_001)
    diff = np.array([npf.npv(r, ca) - npf.npv(r, cb) for r in grid[::50]])
    assert len(flips) == int((np.sign(diff[1:]) != np.sign(diff[:-1])).sum())
    assert flips, "the constructed case has a flip (the web shop pays back later)"
    for r in flips:
        scale = max(abs(npf.npv(r, ca)), abs(npf.npv(r, cb)), 1.0)
        assert abs(npf.npv(r, ca) - npf.npv(r, cb)) <= 1e-9 * scale
        lo, hi = r - 1e-4, r + 1e-4
        assert (npf.npv(lo, ca) - npf.npv(lo, cb)) * (npf.npv(hi, ca) - npf.npv(hi, cb)) < 0


def test_a_closed_form_flip_rate():
    # A: -100 today and +121 in year 2; B: nothing. A's NPV is zero at exactly 10%.
    text = """
format = 1
title = "Closed form"
horizon_years = 2
discount_rate = 0.05
[[alternatives]]
name = "A"
[[alternatives.items]]
name = "Pay"
kind = "investment"
year = 0
amount = 100
[[alternatives.items]]
name = "Get"
kind = "benefit"
start_year = 2
amount = 121
[[alternatives]]
name = "B"
"""
    sc, _ = read_text(text)
    results = run(sc, 200, 1)
    assert sensitivity.flip_rates(results) == [pytest.approx(0.10, abs=1e-12)]


def test_break_even_of_a_linear_input_is_the_closed_form(small):
    _, results = small
    evens = sensitivity.break_evens(results)
    be = next(b for b in evens if b.label == "win rate")
    # web shop minus showroom is linear in win_rate: slope = market x margin x annuity factor
    sc = results.scenario
    annuity = sum(1.08 ** -t for t in range(1, sc.horizon_years + 1))
    assert be.slope == pytest.approx(40_000_000 * 0.2 * annuity, rel=0.02)
    if be.value is not None:
        mean_diff = float(np.mean(results.alternative(be.target.a).npv - results.alternative(be.target.b).npv))
        assert be.value == pytest.approx(be.mean - mean_diff / be.slope, rel=1e-9)


# -- the recommendation rule ---------------------------------------------------------------

C = rec.Candidate


def test_rule_highest_expected_npv_without_an_appetite():
    d = rec.choose([C("A", 5, 0.4, -9), C("B", 3, 0.1, -1)], None)
    assert (d.action, d.choice, d.runner_up) == ("fund", "A", "B")


def test_rule_passes_over_a_loss_chance_breach():
    d = rec.choose([C("A", 5, 0.4, -9), C("B", 3, 0.1, -1)], Appetite(max_loss_probability=0.2))
    assert (d.action, d.choice, d.best_value) == ("fund", "B", "A")
    assert "chance of loss" in d.breaches["A"][0]


def test_rule_passes_over_a_downside_breach():
    d = rec.choose([C("A", 5, 0.1, -9), C("B", 3, 0.1, -1)], Appetite(max_downside=5))
    assert d.choice == "B" and "worst 5%" in d.breaches["A"][0]
    # exactly at the limit is within it
    assert rec.choose([C("A", 5, 0.1, -5)], Appetite(max_downside=5)).choice == "A"


def test_rule_does_nothing_when_nothing_within_the_appetite_pays():
    assert rec.choose([C("A", 5, 0.5, -9), C("B", -1, 0.1, -1)], Appetite(0.2)).action == "nothing"
    assert rec.choose([C("A", -2, 0.6, -9)], None).action == "nothing"


def test_rule_proposes_a_pilot_on_a_close_call_with_valuable_information():
    beats = {"A": {"B": 0.55}, "B": {"A": 0.45}}
    cands = [C("A", 10, 0.2, -3), C("B", 9, 0.2, -3)]
    assert rec.choose(cands, None, beats=beats, best_info=("demand", 2.0)).action == "pilot"
    assert rec.choose(cands, None, beats=beats, best_info=("demand", 0.5)).action == "fund"   # worth < 10%
    clear = {"A": {"B": 0.8}, "B": {"A": 0.2}}
    assert rec.choose(cands, None, beats=clear, best_info=("demand", 2.0)).action == "fund"


# -- the [appetite] table ---------------------------------------------------------------------

def test_appetite_reads_writes_and_changes_the_recommendation(small, tmp_path):
    path, results = small
    best = results.summary.comparison.best
    pl = results.summary.alternative(best).prob_loss
    text = SMALL + f"\n[appetite]\nmax_loss_probability = {max(pl - 0.01, 0.0):.4f}\nmax_downside = 1e12\n"
    sc, _ = read_text(text)
    assert sc.appetite == Appetite(round(max(pl - 0.01, 0.0), 4), 1e12)
    assert loads(dumps(sc)).appetite == sc.appetite
    d = rec.decide(run(sc, N, SEED))
    assert d.choice != best and best in d.breaches


@pytest.mark.parametrize("body, field", [
    ("max_loss_probability = 1.5", "appetite.max_loss_probability"),
    ("max_loss_probability = \"low\"", "appetite.max_loss_probability"),
    ("max_downside = -5", "appetite.max_downside"),
    ("max_downsid = 5", "appetite.max_downsid"),
])
def test_bad_appetite_exits_2_naming_the_field(tmp_path, body, field):
    path = tmp_path / "bad.toml"
    path.write_text(SMALL + f"\n[appetite]\n{body}\n", encoding="utf-8")
    out = investsim("validate", str(path))
    assert out.returncode == 2
    assert field in out.stderr and "Traceback" not in out.stderr


# -- the report ------------------------------------------------------------------------------

TITLES = ("Recommendation", "Summary", "Assumptions", "Risk register", "Sensitivity", "Strategic fit",
          "Drivers of uncertainty", "Worth finding out", "Where value comes from", "Method", "Glossary")


@pytest.fixture(scope="module")
def small_reports(small, tmp_path_factory):
    from ui.report import write_report

    path, results = small
    folder = tmp_path_factory.mktemp("board-reports")
    out = {}
    for ext in ("pdf", "html"):
        out[ext] = folder / f"board.{ext}"
        write_report(results, out[ext], source_file=path, source_text=path.read_text(encoding="utf-8"))
    return out


def _pdftotext(path) -> str:
    if shutil.which("pdftotext") is None:   # poppler-utils (.ci/run installs it)
        return "\n".join(pdf_pages(path))
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _html_text(path) -> str:
    import html
    import re

    raw = path.read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<svg.*?</svg>", " ", re.sub(r"<style>.*?</style>", " ", raw, flags=re.S),
                                flags=re.S).replace("<", " <"))


def test_section_titles_in_pdf_and_html(small_reports):
    for text in (_pdftotext(small_reports["pdf"]), _html_text(small_reports["html"])):
        flat = squash(text)
        at = 0
        for title in TITLES:
            assert squash(title) in flat[at:], title
            at = flat.index(squash(title), at)


def test_report_figures_equal_run_json(small, small_reports):
    path, results = small
    data = _json(path)
    board = data["board"]
    cur = data["currency"]
    texts = [squash(_pdftotext(small_reports["pdf"])), squash(_html_text(small_reports["html"]))]
    for text in texts:
        for d in board["downside"]:
            assert squash(fmt.money(d["cvar_5"], cur)) in text, d
            assert squash(fmt.money(d["p5"], cur)) in text
        for r in board["sensitivity"]["flip_rates"]["rates"]:
            assert squash(fmt.percent(r, digits=2)) in text
        choice = board["recommendation"]["choice"]
        assert choice is None or squash(choice) in text
        for row in board["risk_register"]:
            assert squash(fmt.money(row["expected_cost_per_year"], cur)) in text
        for name in board["sensitivity"]["npv_by_discount_rate"]["expected_npv"]:
            assert squash(name) in text
        assert squash("the worst 5% of futures") in text.lower()


def test_assumptions_as_entered(small_reports):
    for text in (_pdftotext(small_reports["pdf"]), _html_text(small_reports["html"])):
        flat = squash(text)
        assert squash("lowest 3%, most likely 10%, highest 18%") in flat
        assert squash("Formula: market size × win rate") in flat
        assert "See the note on" not in text
        assert "win_rate" not in text and "market_size" not in text   # no code names


def test_cjk_title_renders_with_embedded_fonts(small, tmp_path):
    from ui.report import write_report
    from ui.report._qt import cjk_font_files
    from pypdf import PdfReader

    if not cjk_font_files():
        pytest.skip("no CJK font installed (.ci/run installs fonts-wqy-microhei)")
    path, results = small
    title = "工厂自动化 投资案例"
    sc = results.scenario.__class__(**{**results.scenario.__dict__, "title": title})
    cjk = run(sc, 500, SEED)
    pdf, html_ = tmp_path / "cjk.pdf", tmp_path / "cjk.html"
    write_report(cjk, pdf, source_file=path)
    write_report(cjk, html_, source_file=path)
    first = pdf_pages(pdf)[0]
    assert "工厂自动化" in first and "投资案例" in first
    fonts = set()
    for page in PdfReader(str(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for desc in font.get("/DescendantFonts", []):
                fd = desc.get_object()["/FontDescriptor"].get_object()
                assert "/FontFile2" in fd or "/FontFile3" in fd or "/FontFile" in fd   # embedded
                fonts.add(str(fd["/FontName"]))
    assert any(f.lstrip("/").split("+")[-1].startswith(("WenQuanYi", "NotoSansCJK", "DroidSans")) for f in fonts), fonts
    raw = html_.read_text(encoding="utf-8")
    assert title in raw and "WenQuanYi Micro Hei" in raw
