"""Which projects to fund: the [portfolio] optimiser against brute force over every subset,
its reading of the table, and the ``investsim portfolio`` command."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import numpy as np
import pytest

from helpers import ROOT, SCENARIOS
from simulator.analysis import portfolio as P
from cli.main import main
from simulator.sim.engine import run
from simulator.model.errors import ScenarioError
from simulator.model.scenario import dumps, load, loads

BUNDLED = SCENARIOS / "portfolio-capital-budget.toml"


# ---------------------------------------------------------------------------------------
# Brute force: every subset, checked with plain NumPy, independently of the optimiser
# ---------------------------------------------------------------------------------------

def _instance(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 16)) if seed % 4 else 15
    S = 300
    demand, wage = rng.standard_normal(S), rng.standard_normal(S)
    V = (rng.normal(0.2, 0.6, n) + np.outer(demand, rng.normal(0.5, 0.4, n))
         + np.outer(wage, rng.normal(-0.2, 0.3, n)) + rng.standard_normal((S, n)) * rng.uniform(0.2, 1.0, n)) * 1e6
    cap_y = np.column_stack([rng.uniform(0.2, 2.0, n), rng.uniform(0, 1.0, n) * (rng.random(n) < 0.5)]) * 1e6
    cap = cap_y.sum(axis=1)
    names = tuple(f"P{j}" for j in range(n))
    cands = P.Candidates(names, tuple(rng.choice(["IT", "non-IT"], n)), V, cap, cap_y)
    budget = float(cap.sum() * rng.uniform(0.2, 0.7))
    by_year = (float(cap_y[:, 0].sum() * rng.uniform(0.2, 0.7)),) if rng.random() < 0.5 else ()
    perm = rng.permutation(n)
    exclusive = tuple(tuple(sorted(int(j) for j in perm[i:i + int(rng.integers(2, 4))]))
                      for i in range(0, min(n, 6), 3) if rng.random() < 0.7)
    exclusive = tuple(g for g in exclusive if len(g) >= 2)
    requires = tuple((int(a), int(b)) for a, b in rng.choice(n, size=(int(rng.integers(0, 3)), 2)) if a != b)
    must = frozenset(int(j) for j in rng.choice(n, size=int(rng.integers(0, 2)), replace=False))
    max_loss = None if rng.random() < 0.25 else float(rng.uniform(0.0, 0.25))
    cons = P.Constraints(budget, by_year, max_loss, must, frozenset(), exclusive, requires)
    return cands, cons


def _brute_force(cands, cons):
    """(best expected NPV, feasible mask) over every subset."""
    n = len(cands.names)
    X = np.array(list(itertools.product([False, True], repeat=n)), dtype=bool)
    ok = (X.astype(float) @ cands.capital) <= cons.budget * (1 + 1e-9)
    for t, limit in enumerate(cons.budget_by_year):
        ok &= (X.astype(float) @ cands.capital_by_year[:, t]) <= limit * (1 + 1e-9) + 1e-9
    for j in cons.must:
        ok &= X[:, j]
    for g in cons.exclusive:
        ok &= X[:, list(g)].sum(axis=1) <= 1
    for a, b in cons.requires:
        ok &= ~X[:, a] | X[:, b]
    if cons.max_loss is not None:
        totals = cands.npv @ X.T.astype(float)        # (futures, subsets)
        share = (totals < 0).mean(axis=0)
        ok &= share <= cons.max_loss + 1e-12
    values = X.astype(float) @ cands.npv.mean(axis=0)
    return (values[ok].max() if ok.any() else None), X, ok


@pytest.mark.parametrize("seed", range(40))
def test_optimiser_agrees_with_brute_force_over_every_subset(seed):
    cands, cons = _instance(seed)
    best, X, ok = _brute_force(cands, cons)
    if best is None:
        with pytest.raises(P.PortfolioInfeasible) as info:
            P.optimise(cands, cons)
        assert all(p.path.startswith("portfolio") for p in info.value.problems)
        return
    choice = P.optimise(cands, cons)
    # the same value as the best subset (ties allowed: another set of equal value is fine) ...
    assert choice.expected_npv == pytest.approx(best, rel=1e-9, abs=1e-3)
    # ... and the chosen set is one that brute force also finds allowed
    row = int(np.flatnonzero((X == choice.x).all(axis=1))[0])
    assert ok[row]
    total = cands.npv[:, choice.x].sum(axis=1)
    assert choice.prob_loss == pytest.approx(np.mean(total < 0))
    if cons.max_loss is not None:
        assert choice.prob_loss <= cons.max_loss + 1e-12


def test_a_binding_loss_limit_is_met_exactly_where_the_budget_alone_would_break_it():
    """One instance built so the loss limit changes the answer: the riskiest project is the
    best value per capital, and two hedges make the portfolio safe."""
    rng = np.random.default_rng(5)
    S = 2000
    demand = rng.standard_normal(S)
    V = np.column_stack([3e6 * demand + 1.0e6,           # big, very risky
                         -1.5e6 * demand + 0.3e6,        # hedge
                         0.5e6 + 0.1e6 * rng.standard_normal(S),  # safe
                         1e6 * demand + 0.6e6])
    cap = np.array([1e6, 1e6, 1e6, 1e6])
    cands = P.Candidates(("Risky", "Hedge", "Safe", "Growth"), ("non-IT", "IT", "IT", "non-IT"), V, cap,
                         cap[:, None])
    free = P.optimise(cands, P.Constraints(2e6))
    assert set(free.selected(cands)) == {"Risky", "Growth"}
    limited = P.optimise(cands, P.Constraints(2e6, max_loss=0.05))
    assert limited.binding == "loss limit" and limited.prob_loss <= 0.05
    best, _, _ = _brute_force(cands, P.Constraints(2e6, max_loss=0.05))
    assert limited.expected_npv == pytest.approx(best)


def test_must_fund_over_budget_names_the_budget_and_the_least_that_works():
    cands, _ = _instance(3)
    cons = P.Constraints(float(cands.capital[:2].sum()) * 0.5, must=frozenset({0, 1}))
    with pytest.raises(P.PortfolioInfeasible) as info:
        P.optimise(cands, cons)
    text = str(info.value)
    assert "portfolio.budget" in text and "P0 and P1" in text
    assert f"budget = {cands.capital[:2].sum():,.0f}" in text


def test_a_loss_limit_no_set_meets_names_it_and_the_least_risky_set():
    rng = np.random.default_rng(1)
    V = np.column_stack([rng.normal(1e5, 1e6, 1000), rng.normal(2e5, 1e5, 1000)])
    cands = P.Candidates(("Gamble", "Steady"), ("IT", "non-IT"), V, np.array([1e6, 1e6]), np.array([[1e6], [1e6]]))
    cons = P.Constraints(5e6, max_loss=0.05, must=frozenset({0}))
    with pytest.raises(P.PortfolioInfeasible) as info:
        P.optimise(cands, cons)
    (problem,) = info.value.problems
    assert problem.path == "portfolio.max_loss_probability"
    least = np.mean(V.sum(axis=1) < 0)  # Gamble + Steady loses less often than Gamble alone
    assert least < np.mean(V[:, 0] < 0)
    assert f"{least:.1%}" in problem.message and "Gamble and Steady" in problem.message


# ---------------------------------------------------------------------------------------
# The bundled scenario through the engine
# ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundled_result():
    scenario = load(BUNDLED)
    return P.analyse(run(scenario, 3000, 11))


def test_bundled_portfolio_meets_its_table(bundled_result):
    r = bundled_result
    spec = r.spec
    assert len(r.cands.names) >= 8
    cats = {P._category_key(c) for c in r.cands.categories}
    assert {"IT", "non-IT"} <= cats
    sel = set(r.selected)
    assert set(spec.must_fund) <= sel
    assert r.choice.capital <= spec.budget
    for group in spec.exclusive:
        assert len(sel & set(group)) <= 1
    for a, b in spec.requires:
        assert a not in sel or b in sel
    assert r.choice.prob_loss <= spec.max_loss_probability
    # capital is the expected investment, undiscounted: a fixed amount comes back exactly
    shift = r.cands.index("Second shift")
    assert r.cands.capital[shift] == pytest.approx(250_000)
    assert r.cands.capital_by_year[r.cands.index("ERP replacement"), 1] == pytest.approx(400_000)


def test_frontier_by_category_and_marginal_are_consistent(bundled_result):
    r = bundled_result
    assert len(r.frontier) >= 5
    values = [p.expected_npv for p in r.frontier]
    assert values == sorted(values), "more budget can never lower the best expected NPV"
    assert any(p.budget == r.spec.budget and p.expected_npv == pytest.approx(r.choice.expected_npv)
               for p in r.frontier)
    split = r.by_category
    assert sum(d["capital"] for d in split.values()) == pytest.approx(r.choice.capital)
    assert sum(d["capital_share"] for d in split.values()) == pytest.approx(1.0)
    assert sum(d["expected_npv_share"] for d in split.values()) == pytest.approx(1.0)
    for m in r.marginal:
        j = r.cands.index(m.name)
        e = float(r.cands.expected[j])
        assert m.expected_npv_change == pytest.approx(-e if m.funded else e)
        if m.reoptimised_change is not None:
            assert m.reoptimised_change <= 1e-6  # forcing a change never beats the optimum
        if not m.funded:
            assert m.reason.startswith(m.name)


def test_the_table_survives_saving():
    scenario = load(BUNDLED)
    again = loads(dumps(scenario))
    assert again.portfolio == scenario.portfolio


# ---------------------------------------------------------------------------------------
# Reading the table
# ---------------------------------------------------------------------------------------

BASE = """
format = 1
title = "T"
horizon_years = 3
discount_rate = 0.08
[[alternatives]]
name = "ERP system"
category = "IT"
[[alternatives.items]]
name = "Licence"
kind = "investment"
amount = 100
[[alternatives]]
name = "New line"
category = "non-IT"
[[alternatives.items]]
name = "Machine"
kind = "investment"
amount = 100
"""


@pytest.mark.parametrize("table, path, words", [
    ("[portfolio]\nbudgett = 5", "portfolio.budgett", "did you mean 'budget'"),
    ("[portfolio]\nmax_loss_probability = 0.1", "portfolio.budget", "missing"),
    ("[portfolio]\nbudget = -1", "portfolio.budget", "above 0"),
    ("[portfolio]\nbudget = 5\nmax_loss_probability = 10", "portfolio.max_loss_probability", "fraction"),
    ("[portfolio]\nbudget = 5\nmust_fund = ['ERP sytem']", "portfolio.must_fund[0]", "did you mean 'ERP system'"),
    ("[portfolio]\nbudget = 5\nexclusive = [['ERP system']]", "portfolio.exclusive[0]", "at least two"),
    ("[portfolio]\nbudget = 5\nrequires = [['ERP system', 'Nope']]", "portfolio.requires[0][1]", "not an alternative"),
    ("[portfolio]\nbudget = 5\nrequires = [['ERP system']]", "portfolio.requires[0]", "pair"),
    ("[portfolio]\nbudget = 5\nbudget_by_year = [1, 2, 3, 4, 5]", "portfolio.budget_by_year", "horizon"),
    ("[portfolio]\nbudget = 5\nbudget_by_year = [1, -2]", "portfolio.budget_by_year[1]", "at least 0"),
    ("portfolio = 5", "portfolio", "expected a table"),
])
def test_bad_tables_name_the_field(table, path, words):
    with pytest.raises(ScenarioError) as info:
        loads(table + "\n" + BASE if table.startswith("portfolio =") else BASE + table)
    lines = [p for p in info.value.problems if p.path == path]
    assert lines and words in lines[0].message, info.value.describe()


def test_a_good_table_reads_into_its_spec():
    sc = loads(BASE + "[portfolio]\nbudget = 150\nbudget_by_year = [120]\nmax_loss_probability = 0.1\n"
                      "must_fund = ['ERP system']\nexclusive = [['ERP system', 'New line']]\n"
                      "requires = [['New line', 'ERP system']]")
    p = sc.portfolio
    assert (p.budget, p.budget_by_year, p.max_loss_probability) == (150, (120,), 0.1)
    assert p.must_fund == ("ERP system",) and p.exclusive == (("ERP system", "New line"),)
    assert p.requires == (("New line", "ERP system"),)


# ---------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------

def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_cli_json_has_the_documented_keys():
    out = cli("portfolio", str(BUNDLED), "--json", "--iterations", "2000", "--seed", "3")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)  # nothing else on stdout (HiGHS's banner included)
    for key in ("selected", "expected_npv", "prob_loss", "capital", "npv", "frontier", "by_category", "marginal"):
        assert key in data
    assert set(data["npv"]) == {"p5", "p10", "p50", "p90", "p95"}
    assert data["npv"]["p5"] <= data["npv"]["p50"] <= data["npv"]["p95"]
    assert len(data["frontier"]) >= 5
    for point in data["frontier"]:
        assert {"budget", "selected", "expected_npv", "prob_loss"} <= set(point)
    assert {"IT", "non-IT"} <= set(data["by_category"])
    assert {m["name"] for m in data["marginal"]} == {a.name for a in load(BUNDLED).alternatives}
    assert 0 <= data["prob_loss"] <= 0.04


def test_cli_words(capsys):
    assert main(["portfolio", str(BUNDLED), "--iterations", "2000"]) == 0
    out = capsys.readouterr().out
    for words in ("Fund ", "Capital used", "Expected NPV", "Chance of loss", "Left out:", "At other budgets:"):
        assert words in out


def test_cli_bad_input_exits_2_without_traceback(tmp_path):
    plain = cli("portfolio", str(SCENARIOS / "erp-vs-production-line.toml"))
    assert plain.returncode == 2 and "no [portfolio] table" in plain.stderr and "Traceback" not in plain.stderr
    over = tmp_path / "over.toml"
    over.write_text(BASE + "[portfolio]\nbudget = 150\nmust_fund = ['ERP system', 'New line']\n")
    out = cli("portfolio", str(over), "--iterations", "100")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "over.toml: portfolio.budget:" in out.stderr and "budget = 200" in out.stderr
    bad = cli("portfolio", str(BUNDLED), "--iterations", "0")
    assert bad.returncode == 2 and "--iterations" in bad.stderr


def test_frontier_keeps_five_levels_when_must_fund_rules_out_small_budgets():
    rng = np.random.default_rng(2)
    V = rng.normal(2e5, 3e5, (500, 4))
    cap = np.array([8e5, 2e5, 3e5, 4e5])
    cands = P.Candidates(("Core", "A", "B", "C"), ("IT", "IT", "non-IT", "non-IT"), V, cap, cap[:, None])
    cons = P.Constraints(1e6, must=frozenset({0}))
    points = P._frontier(cands, cons)
    assert len(points) >= 5
    assert all(p.budget >= 8e5 and "Core" in p.selected for p in points)
    values = [p.expected_npv for p in points]
    assert values == sorted(values)
