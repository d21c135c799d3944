"""Templates and building a scenario from answers: no Qt here."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import norm

from simulator.workshop import templates as tm
from simulator.model.distributions import Z95, Range90
from simulator.sim.engine import run
from simulator.model.scenario import DRIVERS, check, dumps, loads
from simulator.workshop.templates import (AnswerError, Answers, alternative_answer, amount_for, build_scenario, guided_text,
                                 load_templates, read_templates, to_range90)

TODAY = dt.date(2025, 3, 14)
ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = {t.key: t for t in load_templates()}


def answers_for(*keys: str, revenue: float = 120e6, horizon: int = 5, **kw) -> Answers:
    alts = [alternative_answer(TEMPLATES[k], revenue) for k in keys]
    return Answers(title="Test decision", revenue=revenue, operating_margin=0.11, alternatives=alts,
                   horizon_years=horizon, date=TODAY, **kw)


# ---------------------------------------------------------------------------------------
# The bundled templates
# ---------------------------------------------------------------------------------------

def test_the_templates_the_issue_asks_for_are_all_there():
    assert set(TEMPLATES) == {"erp", "crm", "marketing-campaign", "disaster-recovery", "process-automation",
                              "cloud-migration", "production-line", "sales-team", "blank"}
    categories = {k: t.category for k, t in TEMPLATES.items()}
    assert {k for k, c in categories.items() if c == "IT"} == {"erp", "crm", "disaster-recovery",
                                                                "process-automation", "cloud-migration"}
    assert {k for k, c in categories.items() if c == "non-IT"} == {"marketing-campaign", "production-line",
                                                                    "sales-team"}
    assert list(TEMPLATES)[-1] == "blank"  # offered last
    for t in TEMPLATES.values():
        assert t.description and t.items, t.key
        assert set(t.drivers) <= set(DRIVERS)
        for item in t.items:
            assert item.question.rstrip(" )").endswith("?") or "?" in item.question, (t.key, item.name)
        lines = t.path.read_text(encoding="utf-8").splitlines()
        header = "\n".join(line for line in lines[:lines.index("template_format = 1")] if line.startswith("#"))
        for key in ("question", "scale", "confidence", "note", "drivers"):
            assert key in header, f"{t.key}: the format is documented at the top ({key})"


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_template_builds_a_valid_scenario_that_runs(key):
    answers = answers_for(key)
    if key == "blank":
        answers.alternatives[0].drivers = ["margins"]
    scenario = build_scenario(answers)
    assert check(scenario) == []
    assert loads(dumps(scenario)) == scenario          # round trip through the file format
    assert loads(guided_text(scenario, answers.date)) == scenario     # its commented file is the same scenario
    alt = scenario.alternatives[0]
    template = TEMPLATES[key]
    assert alt.drivers == (template.drivers or ("margins",))
    assert alt.category == template.category and alt.description == template.description
    assert len(alt.items) == len(template.items)
    for item in alt.items:
        assert "2025-03-14" in item.note and "sure" in item.note
        if item.kind == "benefit":
            assert item.driver
    results = run(scenario, 2000)
    assert np.isfinite(results.summary.alternatives[0].npv.mean)


def test_first_guesses_are_sized_to_the_company():
    erp = TEMPLATES["erp"].items[0]
    small, big = erp.suggested(50e6), erp.suggested(500e6)
    assert big[0] == pytest.approx(10 * small[0], rel=0.05) and big[1] == pytest.approx(10 * small[1], rel=0.05)
    engineer = next(it for it in TEMPLATES["process-automation"].items if it.scale == "fixed")
    assert engineer.suggested(50e6) == engineer.suggested(500e6) == (90_000, 110_000)


# ---------------------------------------------------------------------------------------
# "How sure are you" -> the 90% range of the file
# ---------------------------------------------------------------------------------------

def test_an_80_percent_interval_is_widened_by_the_normal_z_ratio():
    low, high = to_range90(100, 200, 0.8)
    ratio = 1.6448536 / 1.2815516
    assert tm.widening(0.8) == pytest.approx(ratio, rel=1e-6)
    assert tm.widening(0.8) == pytest.approx(norm.ppf(0.95) / norm.ppf(0.9), rel=1e-9)  # scipy as oracle
    assert low == pytest.approx(150 - 50 * ratio, rel=1e-6) and high == pytest.approx(150 + 50 * ratio, rel=1e-6)
    assert low < 100 and high > 200
    # the 90% range really has 90% inside: the bell curve through it puts 80% inside 100..200
    sd = (high - low) / (2 * Z95)
    assert norm.cdf(200, 150, sd) - norm.cdf(100, 150, sd) == pytest.approx(0.8, abs=1e-6)


@pytest.mark.parametrize("confidence, factor", [(0.5, 2.4387), (0.8, 1.2835), (0.9, 1.0), (0.95, 0.8392)])
def test_each_confidence_level_widens_or_narrows_as_documented(confidence, factor):
    low, high = to_range90(1000, 3000, confidence)
    assert (high - low) / 2000 == pytest.approx(factor, abs=1e-4)
    assert (low + high) / 2 == pytest.approx(2000)


def test_lognormal_answers_are_converted_on_the_logarithms():
    low, high = to_range90(100, 400, 0.8, "lognormal")
    assert math.sqrt(low * high) == pytest.approx(200)           # same geometric centre
    assert math.log(high / low) == pytest.approx(math.log(4) * tm.widening(0.8))
    amount = amount_for(100, 400, 0.8, "lognormal")
    assert isinstance(amount, Range90) and amount.shape == "lognormal"


def test_the_amount_is_tidy_floored_when_needed_and_plain_when_certain():
    amount = amount_for(100_000, 200_000, 0.8)
    assert isinstance(amount, Range90) and amount.floor is None
    exact = to_range90(100_000, 200_000, 0.8)
    assert amount.low == pytest.approx(exact[0], rel=5e-4) and amount.high == pytest.approx(exact[1], rel=5e-4)
    assert amount.describe() == {"low": 85_800, "high": 214_200}
    assert amount_for(0, 1_000_000, 0.8).floor == 0             # would go negative: never below zero
    assert amount_for(250_000, 250_000, 0.5) == 250_000.0       # least == most: a known figure
    fallback = amount_for(0, 500_000, 0.9, "lognormal")         # a lognormal cannot start at zero
    assert isinstance(fallback, Range90) and fallback.shape == "normal" and fallback.floor == 0


def test_the_persons_own_words_are_kept_in_the_note():
    answers = answers_for("erp")
    item = answers.alternatives[0].items[0]
    item.least, item.most, item.confidence = 1_500_000, 2_600_000, 0.8
    scenario = build_scenario(answers)
    note = scenario.alternatives[0].items[0].note
    assert "80% sure" in note and "$1.5M" in note and "$2.6M" in note and "2025-03-14" in note
    assert "We are 80% sure it is between $1.5M and $2.6M" in tm.describe_answer(item)


# ---------------------------------------------------------------------------------------
# Answers that cannot make a scenario
# ---------------------------------------------------------------------------------------

def test_invalid_answers_are_refused_with_every_problem_named():
    answers = answers_for("erp", "production-line")
    answers.title = " "
    answers.revenue = 0
    answers.alternatives[1].name = "erp SYSTEM"
    bad = answers.alternatives[0].items[0]
    bad.least, bad.most = 3e6, 2e6
    answers.alternatives[1].items[-1].probability = 1.5
    with pytest.raises(AnswerError) as caught:
        build_scenario(answers)
    paths = {p.path for p in caught.value.problems}
    assert {"title", "revenue", "alternatives[1].name", "alternatives[0].items[0].most",
            "alternatives[1].items[4].probability"} <= paths
    messages = " ".join(p.message for p in caught.value.problems)
    assert "Below the least" in messages and "already called" in messages


def test_no_alternative_is_refused():
    with pytest.raises(AnswerError, match="at least one alternative"):
        build_scenario(answers_for())


def test_unticked_lines_are_left_out_and_blank_can_be_do_nothing():
    answers = answers_for("erp", "blank")
    answers.alternatives[0].items[-1].include = False
    answers.alternatives[1].name = "Do nothing"
    for it in answers.alternatives[1].items:
        it.include = False
    scenario = build_scenario(answers)
    assert "Disrupted go-live" not in [i.name for i in scenario.alternatives[0].items]
    assert scenario.alternatives[1].items == () and scenario.alternatives[1].drivers == ()
    assert check(scenario) == []


def test_a_blank_benefit_serves_the_first_driver_ticked():
    answers = answers_for("blank")
    answers.alternatives[0].drivers = ["customer experience", "margins"]
    saving = next(i for i in build_scenario(answers).alternatives[0].items if i.kind == "benefit")
    assert saving.driver == "customer experience"


def test_lines_after_a_short_horizon_are_left_out_and_end_years_capped():
    answers = answers_for("marketing-campaign", horizon=1)
    assert tm.left_out(answers) == [("Marketing campaign", "Repeat purchases by new customers")]
    scenario = build_scenario(answers)
    items = {i.name: i for i in scenario.alternatives[0].items}
    assert "Repeat purchases by new customers" not in items
    assert items["Media spend"].end_year == 1
    assert check(scenario) == [] and loads(dumps(scenario)) == scenario


def test_the_file_is_readable():
    answers = answers_for("production-line")
    answers.title = "Line 100000 or not"
    text = guided_text(build_scenario(answers), answers.date)
    assert text.startswith("# Line 100000 or not\n# Created with investsim's guided set-up on 2025-03-14.")
    assert "revenue = 120_000_000" in text
    assert 'title = "Line 100000 or not"' in text     # numbers inside text are left alone


# ---------------------------------------------------------------------------------------
# The loader
# ---------------------------------------------------------------------------------------

GOOD = """
template_format = 1
name = "Test"
category = "IT"
description = "A test template."
drivers = ["margins"]

[[items]]
name = "Cost"
question = "What could it cost?"
kind = "investment"
scale = "fixed"
low = 100
high = 200
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("change, where, words", [
    (("kind = \"investment\"", "kind = \"investmnet\""), "items[0].kind", "did you mean 'investment'"),
    (("scale = \"fixed\"", "scale = \"fixed\"\nquestoin = \"x\""), "items[0].questoin", "did you mean 'question'"),
    (("low = 100", "low = 300"), "items[0].high", "below the least"),
    (("drivers = [\"margins\"]", "drivers = [\"margin\"]"), "drivers", "did you mean 'margins'"),
    (("high = 200", "high = 200\nstart_year = 2"), "items[0].start_year", "applies only to"),
    (("kind = \"investment\"", "kind = \"risk\""), "items[0].probability", "a risk needs"),
    (("high = 200", "high = 200\nnote = \"{when}\""), "items[0].note", "{date}"),
    (("high = 200", "high = 200\nconfidence = 0.85"), "items[0].confidence", "0.8"),
    (("template_format = 1", "template_format = 2"), "template_format", "newer"),
    (("name = \"Test\"\n", ""), "name", "missing"),
])
def test_a_broken_template_is_reported_with_file_field_and_reason(tmp_path, change, where, words):
    write(tmp_path, "good.toml", GOOD)
    write(tmp_path, "broken.toml", GOOD.replace(*change, 1))
    templates, problems = read_templates(tmp_path)
    assert [t.key for t in templates] == ["good"]
    lines = [p.line(f) for f, p in problems]
    assert any(line.startswith(f"broken.toml: {where}: ") and words in line for line in lines), lines
    with pytest.raises(tm.TemplateError) as caught:
        load_templates(tmp_path)
    assert "broken.toml" in str(caught.value)


def test_a_template_that_is_not_toml_is_reported(tmp_path):
    write(tmp_path, "bad.toml", "name = \n")
    _, problems = read_templates(tmp_path)
    assert problems[0][0] == "bad.toml" and "not valid TOML" in problems[0][1].message


def test_an_empty_folder_is_reported(tmp_path):
    templates, problems = read_templates(tmp_path)
    assert templates == [] and "no template files" in problems[0][1].message


def test_templates_are_found_in_a_frozen_app(tmp_path, monkeypatch):
    """Inside the package (the wheel and the packaged app put them there), through
    importlib.resources, before the source tree."""
    import importlib.resources

    package = tmp_path / "bundle" / "simulator"
    (package / "_templates").mkdir(parents=True)
    monkeypatch.setattr(importlib.resources, "files", lambda name: package)
    assert tm.templates_dir() == package / "_templates"


def test_templates_are_found_in_the_source_tree():
    assert tm.templates_dir() == ROOT / "assets" / "templates"


def test_the_template_logic_imports_no_qt():
    code = "import sys, simulator.workshop.templates; sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
