"""Sentences a board reads: true for every alternative compared (a "Do nothing" reference
included), one subject per clause, English possessives, one wording per fact (issue 12)."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path


from simulator.analysis import formatting as fmt
from simulator.analysis.summary import verdict
from simulator.sim.engine import run
from simulator.model.scenario import load, loads

ROOT = Path(__file__).resolve().parents[1]

HEADER = """
format = 1
title = "Words"
currency = "USD"
horizon_years = 5
discount_rate = 0.08
iterations = 3000
seed = 5
"""

LOSER = """
[[alternatives]]
name = "{name}"
[[alternatives.items]]
name = "Build"
kind = "investment"
amount = {{ low = 900_000, high = 1_100_000 }}
[[alternatives.items]]
name = "Savings"
kind = "benefit"
amount = {{ low = {low}, high = {high} }}
"""

DO_NOTHING = """
[[alternatives]]
name = "Do nothing"
category = "reference"
"""


def clauses(text: str) -> list[str]:
    return [c.strip() for c in re.split(r"[.;]\s+", text.rstrip(".")) if c.strip()]


def test_verdict_of_the_bundled_three_way_choice_keeps_one_subject_per_clause():
    results = run(load(ROOT / "scenarios" / "marketing-vs-disaster-recovery.toml"), 4000, 7)
    s = results.summary
    text = s.verdict
    names = results.names
    # Every clause opens with the alternative it is about (or "It" for the one before).
    for clause in clauses(text):
        assert any(clause.startswith(n) for n in names) or clause.startswith(("It ", "No ")), clause
    assert " of them" not in text                       # no "them" that could mean futures or options
    by = {a.name: a for a in s.alternatives}
    best = s.comparison.best
    assert f"{best} loses money in {fmt.percent(by[best].prob_loss)} of futures" in text
    # The reference never loses money: the verdict does not call anyone "the safest".
    assert "safest" not in text and "Do nothing loses" not in text


def test_verdict_when_every_option_that_invests_loses_money_on_average():
    text = (HEADER + LOSER.format(name="Plan A", low=150_000, high=250_000)
            + LOSER.format(name="Plan B", low=120_000, high=280_000) + DO_NOTHING)
    results = run(loads(text), 3000, 5)
    s = results.summary
    assert s.comparison.best == "Do nothing"
    losses = {a.name: a.prob_loss for a in s.alternatives if a.name != "Do nothing"}
    safest = min(losses, key=losses.get)
    assert f"Of the options that invest, {safest} loses money least often: in " in s.verdict
    assert "No option that invests is expected to pay for itself at this discount rate." in s.verdict
    # The same words come out of the function itself, from the summary's parts.
    assert verdict(s.alternatives, s.comparison, "USD") == s.verdict


def test_possessives_and_payback_words():
    assert fmt.possessive("Two more sales reps") == "Two more sales reps'"
    assert fmt.possessive("Finance") == "Finance's"
    assert fmt.payback(0.0, 1.0, 5) == fmt.NOTHING_TO_PAY_BACK == "nothing to pay back"
    assert fmt.payback(2.84, 0.71, 5) == "2.8 years (median); 71% of futures pay back within 5 years"
    beyond = fmt.payback(math.inf, 0.4, 7)
    assert beyond == "beyond 7 years in most futures; 40% pay back within 7 years"
    assert "median" not in beyond and "not within the horizon" not in beyond
    assert fmt.payback(math.inf, 0.0, 5) == "never within 5 years"


def test_one_minus_sign_and_one_unit():
    assert fmt.money(-816_000) == "\u2212$816k" and fmt.money(-2.3e6) == "\u2212$2.3M"
    assert fmt.points(-0.25) == "\u22120.25 pp" and fmt.percent(-0.12) == "\u221212%"
    # A table's amounts share the unit of their typical size: no "$0.5M" beside "$559k".
    scale = fmt.money_scale([-559e3, 1.206e6, 298e3, 290e3, -246e3, 1.16e6])
    assert [fmt.money(v, scale=scale) for v in (-559e3, 1.206e6, 0.0)] == ["\u2212$559k", "$1,206k", "$0"]
    scale = fmt.money_scale([2.4e6, 3.1e6, -0.5e6])
    assert [fmt.money(v, scale=scale) for v in (2.4e6, -0.5e6, 43e3)] == ["$2.4M", "\u2212$0.50M", "$0.043M"]
    assert fmt.ascii_text(fmt.money(-5e5)) == "-$500k"


def test_command_line_payback_words_match_the_app():
    out = subprocess.run([sys.executable, "-m", "cli", "run",
                          str(ROOT / "scenarios" / "marketing-vs-disaster-recovery.toml"), "-n", "2000"],
                         capture_output=True, text=True, encoding="utf-8", cwd=ROOT)
    assert out.returncode == 0, out.stderr
    do_nothing = out.stdout.split("Do nothing")[1].split("\n\n")[0]
    assert "Payback             nothing to pay back" in do_nothing
    assert "immediate" not in out.stdout and "not within the horizon median" not in out.stdout
    assert "\u2212$" in out.stdout and not re.search(r"(?<![\w])-\$", out.stdout)


def test_command_line_falls_back_to_ascii_minus_on_a_legacy_terminal():
    out = subprocess.run([sys.executable, "-m", "cli", "run",
                          str(ROOT / "scenarios" / "marketing-vs-disaster-recovery.toml"), "-n", "2000"],
                         capture_output=True, cwd=ROOT, env={"PYTHONIOENCODING": "cp1252", "PATH": ""})
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode("cp1252")
    assert "\u2212" not in text and re.search(r"-\$\d", text)
