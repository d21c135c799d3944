"""After tax, working capital, residual value, inflation and value beyond the horizon (issue 15).

Every figure is checked against a closed form, numpy-financial, scipy, or a published textbook
case; never against the engine's own earlier output.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest
import scipy.stats as st

from helpers import make, scenario_text
from simulator.analysis.summary import to_json
from cli.main import main
from simulator.model.distributions import from_spec, poisson_ppf
from simulator.sim.engine import run
from simulator.model.errors import ScenarioError
from simulator.analysis.insights import waterfall
from simulator.model.scenario import YearlyAmounts, dumps, load, loads

PUBLISHED = Path(__file__).resolve().parent / "published"


def cash(results, name=None) -> np.ndarray:
    """Mean net cash per year, years 0..H, of the (first) alternative."""
    alt = results.alternatives[0] if name is None else results.alternative(name)
    return np.asarray(alt.cash, dtype=float).mean(axis=0)


def one(body: str, *, horizon=5, rate=0.1, extra="", iterations=20) -> tuple:
    sc = make("[[alternatives]]\nname = \"A\"\n" + body, horizon=horizon, rate=rate, extra=extra,
              iterations=iterations)
    res = run(sc)
    return sc, res, res.alternatives[0]


def npv(rate, flows) -> float:
    return float(npf.npv(rate, flows))


# ---------------------------------------------------------------------------------------
# Published textbook cases
# ---------------------------------------------------------------------------------------

def test_rwj_fundamentals_power_mulcher_is_reproduced_to_the_unit():
    """Ross, Westerfield & Jordan, Fundamentals of Corporate Finance, 6th ed. (McGraw-Hill,
    2002), section 10.4, The Majestic Mulch and Compost Company, Table 10.14 "Projected total
    cash flows, power mulcher project": total project cash flow -$820,000, $107,169, $212,113,
    $250,673, $232,723, $214,040, $189,290, $156,290, $266,204; NPV at 15% $65,488; IRR
    17.24%; payback 4.08 years. Seven-year MACRS, 34% tax, NWC of $20,000 then 15% of sales,
    salvage 20% of cost (fully taxed: the equipment is written off by year 8)."""
    sc = load(PUBLISHED / "rwj-fundamentals-power-mulcher.toml")
    res = run(sc)
    alt = res.alternatives[0]
    published = [-820_000, 107_169, 212_113, 250_673, 232_723, 214_040, 189_290, 156_290, 266_204]
    np.testing.assert_array_equal(np.round(cash(res)), published)
    assert round(float(alt.npv[0])) == 65_488
    assert round(float(alt.irr[0]) * 100, 2) == 17.24
    assert round(float(alt.payback[0]), 2) == 4.08
    # The invariant: NPV = PV of benefits - PV of costs; ROI = NPV / PV of costs.
    assert alt.npv[0] == pytest.approx(alt.pv_benefits[0] - alt.pv_costs[0], abs=1e-6)
    assert alt.roi[0] == pytest.approx(alt.npv[0] / alt.pv_costs[0])


def test_rwj_corporate_finance_baldwin_is_reproduced_to_the_published_figures():
    """Ross, Westerfield & Jaffe, Corporate Finance (McGraw-Hill), "The Baldwin Company: An
    Example" (the chapter on making capital investment decisions), worksheets in $ thousands:
    sales 100.00 163.20 249.72 212.20 129.90; operating costs 50.00 88.00 145.20 133.10 87.84;
    depreciation 20.00 32.00 19.20 11.52 11.52; adjusted basis at year 5 of 5.76; after-tax
    salvage 30 - 0.34 x (30 - 5.76) = 21.76; total cash flow of investment -260.00 (machine,
    warehouse, NWC) and the NWC changes -6.32 -8.65 3.75 21.22; taxes at 34% of 30.00 and
    43.20 thousand (10,200 and 14,688). Source of the worksheets as transcribed:
    https://powershow.com/view/1e2472-OWQxZ/The_Baldwin_Company_An_Example_powerpoint_ppt_presentation
    The warehouse that could be sold for $150,000 after tax is money tied up from year 0 to
    year 4 (a working-capital item), released in year 5."""
    sc = load(PUBLISHED / "rwj-corporate-finance-baldwin.toml")
    res = run(sc)
    alt = res.alternatives[0]
    flows = cash(res)
    sales = np.array([100_000, 163_200, 249_696, 212_241.6, 129_891.8592])
    costs = np.array([50_000, 88_000, 145_200, 133_100, 87_846])
    np.testing.assert_allclose(np.round(sales / 1000, 2), [100.00, 163.20, 249.70, 212.24, 129.89])
    depreciation = np.array([20_000, 32_000, 19_200, 11_520, 11_520])
    tax = 0.34 * (sales - costs - depreciation)
    assert tax[:2].tolist() == pytest.approx([10_200, 14_688])
    nwc = [-10_000, 0, -6_320, -8_649.6, 3_745.44, 21_224.16]
    salvage_after_tax = 30_000 - 0.34 * (30_000 - 5_760)
    assert round(salvage_after_tax / 1000, 2) == 21.76
    expected = np.zeros(6)
    expected[0] = -100_000 - 150_000           # the machine and the warehouse
    expected[1:] = sales - costs - tax
    expected += nwc
    assert expected[0] == -260_000  # published: total cash flow of investment, year 0
    expected[5] += 150_000 + salvage_after_tax  # the warehouse back; the salvage after its tax
    np.testing.assert_allclose(flows, expected, rtol=1e-7)  # (yearly cash is kept in float32)
    # published operating cash flows and totals (companion spreadsheet): 39,800; 60,512; 75,495
    assert [round(v) for v in flows[1:4] - np.array(nwc[1:4])] == [39_800, 60_512, 75_495]
    assert round(flows[2]) == 54_192 and round(flows[3]) == 66_846
    assert float(alt.npv[0]) == pytest.approx(npv(0.10, expected), abs=1e-6)
    assert float(alt.irr[0]) == pytest.approx(float(npf.irr(expected)), abs=1e-9)


# ---------------------------------------------------------------------------------------
# Tax
# ---------------------------------------------------------------------------------------

def test_tax_on_a_straight_line_machine_matches_the_closed_form():
    # CF0 = -I; CF_t = B (1 - t) + t I / H: the depreciation tax shield.
    t, i, b = 0.25, 1000.0, 400.0
    sc, res, alt = one(f"""
[[alternatives.items]]
name = "Machine"
kind = "investment"
amount = {i}
[[alternatives.items]]
name = "Saving"
kind = "benefit"
amount = {b}
""", extra=f"tax_rate = {t}\n")
    flows = [-i] + [b * (1 - t) + t * i / 5] * 5
    np.testing.assert_allclose(cash(res), flows, rtol=1e-6)
    assert alt.npv[0] == pytest.approx(npv(0.1, flows))
    assert alt.pv_taxes[0] == pytest.approx(npv(0.1, [0] + [t * (b - i / 5)] * 5))
    data = to_json(res)
    assert data["tax_rate"] == t and data["inflation"] == 0
    assert data["alternatives"][0]["pv_taxes"]["mean"] == pytest.approx(float(alt.pv_taxes[0]))
    assert data["alternatives"][0]["terminal_value"]["mean"] == 0


def test_a_loss_gives_a_tax_saving_counted_among_the_benefits_and_year_0_is_deductible():
    # A study expensed today (year 0) and a running cost with no benefit: every year is a
    # loss, so every year's tax is a saving of t x the cost.
    t = 0.3
    sc, res, alt = one("""
[[alternatives.items]]
name = "Study"
kind = "running_cost"
amount = 500
start_year = 0
end_year = 0
[[alternatives.items]]
name = "Licence"
kind = "running_cost"
amount = 100
""", extra=f"tax_rate = {t}\n")
    flows = [-500 * (1 - t)] + [-100 * (1 - t)] * 5
    np.testing.assert_allclose(cash(res), flows, rtol=1e-6)
    assert alt.pv_taxes[0] == pytest.approx(-t * npv(0.1, [500] + [100] * 5))
    # the saving is a benefit: PV benefits = the tax saved, PV costs = the costs before tax
    assert alt.pv_benefits[0] == pytest.approx(t * npv(0.1, [500] + [100] * 5))
    assert alt.pv_costs[0] == pytest.approx(npv(0.1, [500] + [100] * 5))
    assert alt.npv[0] == pytest.approx(alt.pv_benefits[0] - alt.pv_costs[0])
    # the waterfall (Where value comes from) gets the taxes as their own step and still sums to NPV
    steps = waterfall(res, "A")
    assert [s.kind for s in steps][-1] == "tax"
    assert sum(s.value for s in steps) == pytest.approx(float(alt.npv.mean()))


def test_revenue_counts_for_tax_at_its_contribution_margin_and_the_margin_view_stays_pre_tax():
    sc, res, alt = one("""
[[alternatives.items]]
name = "Sales"
kind = "benefit"
effect = "revenue"
contribution_margin = 0.4
amount = 1000
""", extra="tax_rate = 0.2\n[baseline]\nrevenue = 100000\noperating_margin = 0.1\n")
    np.testing.assert_allclose(cash(res)[1:], 400 * 0.8)
    pre = run(make("[[alternatives]]\nname = \"A\"\n[[alternatives.items]]\nname = \"Sales\"\nkind = \"benefit\"\n"
                   "effect = \"revenue\"\ncontribution_margin = 0.4\namount = 1000\n",
                   extra="[baseline]\nrevenue = 100000\noperating_margin = 0.1\n", iterations=20))
    np.testing.assert_allclose(alt.margin_pp, pre.alternatives[0].margin_pp)


def test_macrs_list_book_value_and_taxable_gain_on_the_residual_value():
    # 3-year MACRS over a 2-year horizon: 33.33% and 44.45% taken, book value 22.22% of 900.
    sc, res, alt = one("""
[[alternatives.items]]
name = "Server"
kind = "investment"
amount = 900
depreciation = [0.3333, 0.4445, 0.1481, 0.0741]
residual_value = 300
""", horizon=2, extra="tax_rate = 0.25\n")
    d1, d2 = 0.3333 * 900, 0.4445 * 900
    book = 900 - d1 - d2
    flows = [-900, 0.25 * d1, 0.25 * d2 + 300 - 0.25 * (300 - book)]
    np.testing.assert_allclose(cash(res), flows, rtol=1e-6)


def test_residual_value_without_tax_is_its_present_value():
    sc, res, alt = one("""
[[alternatives.items]]
name = "Truck"
kind = "investment"
amount = 1000
residual_value = 250
""", horizon=4, rate=0.08)
    assert alt.npv[0] == pytest.approx(-1000 + 250 / 1.08 ** 4)


# ---------------------------------------------------------------------------------------
# Working capital, lists, year formulas, inflation
# ---------------------------------------------------------------------------------------

def test_working_capital_is_tied_up_then_released_and_not_taxed():
    sc, res, alt = one("""
[[alternatives.items]]
name = "Stock of parts"
kind = "working_capital"
amount = 500
""", horizon=5, rate=0.1, extra="tax_rate = 0.3\n")
    np.testing.assert_allclose(cash(res), [-500, 0, 0, 0, 0, 500])
    assert alt.npv[0] == pytest.approx(-500 + 500 / 1.1 ** 5)
    assert alt.pv_taxes[0] == 0
    assert alt.pv_costs[0] == pytest.approx(500) and alt.pv_benefits[0] == pytest.approx(500 / 1.1 ** 5)


def test_working_capital_from_start_to_end_year_with_inflation_follows_the_level():
    sc, res, alt = one("""
[[alternatives.items]]
name = "Receivables"
kind = "working_capital"
amount = 100
start_year = 1
end_year = 3
""", horizon=5, extra="inflation = 0.1\n")
    level = [0, 110, 121, 133.1, 0, 0]
    np.testing.assert_allclose(cash(res), -np.diff(level, prepend=0.0))


def test_a_yearly_list_gives_each_years_amount_and_ends_with_the_list():
    sc, res, alt = one("""
[[alternatives.items]]
name = "Rollout"
kind = "benefit"
amount = [523, 12_887, { low = 30_000, high = 30_000.001 }]
start_year = 2
""", horizon=6)
    flows = cash(res)
    np.testing.assert_allclose(flows[:5], [0, 0, 523, 12_887, 30_000], rtol=1e-6)
    np.testing.assert_allclose(flows[5:], 0)


def test_a_formula_of_year():
    sc, res, alt = one("""
[[alternatives.items]]
name = "Growing saving"
kind = "benefit"
amount = "100 * year"
""", horizon=4)
    np.testing.assert_allclose(cash(res), [0, 100, 200, 300, 400])


def test_inflation_raises_indexed_amounts_and_leaves_a_fixed_price_contract_alone():
    i, r = 0.03, 0.08
    sc, res, alt = one("""
[[alternatives.items]]
name = "Upgrade"
kind = "investment"
amount = 1000
year = 2
[[alternatives.items]]
name = "Saving"
kind = "benefit"
amount = 500
[[alternatives.items]]
name = "Fixed-price support"
kind = "running_cost"
amount = 100
indexed = false
""", horizon=3, rate=r, extra=f"inflation = {i}\n")
    flows = [0, 500 * 1.03 - 100, 500 * 1.03 ** 2 - 100 - 1000 * 1.03 ** 2, 500 * 1.03 ** 3 - 100]
    np.testing.assert_allclose(cash(res), flows, rtol=1e-6)
    assert alt.npv[0] == pytest.approx(npv(r, flows))


def test_depreciation_is_of_the_price_actually_paid():
    # An investment paid in year 1 at 10% inflation costs 1,100; straight-line over 2 years.
    sc, res, alt = one("""
[[alternatives.items]]
name = "Machine"
kind = "investment"
amount = 1000
year = 1
life_years = 2
""", horizon=3, extra="inflation = 0.1\ntax_rate = 0.5\n")
    np.testing.assert_allclose(cash(res), [0, -1100, 275, 275])


# ---------------------------------------------------------------------------------------
# Value beyond the horizon
# ---------------------------------------------------------------------------------------

def test_terminal_value_is_the_growing_perpetuity_of_the_horizon_years_cash():
    r, g = 0.1, 0.02
    sc, res, alt = one(f"""
terminal_growth = {g}
[[alternatives.items]]
name = "Platform"
kind = "investment"
amount = 1000
[[alternatives.items]]
name = "Saving"
kind = "benefit"
amount = 200
""", horizon=5, rate=r, extra="tax_rate = 0.2\n")
    cf_h = 200 * 0.8 + 0.2 * 200   # after tax, with the depreciation shield (1000 / 5 a year)
    tv = cf_h * (1 + g) / (r - g)
    assert alt.terminal_value[0] == pytest.approx(tv)
    flows = [-1000] + [cf_h] * 4 + [cf_h + tv]
    assert alt.npv[0] == pytest.approx(npv(r, flows))
    data = to_json(res)
    assert data["alternatives"][0]["terminal_value"]["mean"] == pytest.approx(tv)
    steps = waterfall(res, "A")
    assert steps[-1].kind == "terminal" and steps[-1].value == pytest.approx(tv / (1 + r) ** 5)
    assert sum(s.value for s in steps) == pytest.approx(float(alt.npv.mean()))


# ---------------------------------------------------------------------------------------
# Frequency and the new distributions
# ---------------------------------------------------------------------------------------

def test_frequency_gives_a_poisson_count_of_events_each_year():
    lam, amount = 2.5, 100.0
    sc, res, alt = one(f"""
[[alternatives.items]]
name = "Outages"
kind = "risk"
frequency = {lam}
amount = {amount}
""", horizon=3, iterations=40_000)
    counts = -np.asarray(alt.cash, dtype=float)[:, 1:] / amount
    assert np.all(counts == np.round(counts))
    assert counts.mean() == pytest.approx(lam, abs=4 * np.sqrt(lam / counts.size))
    for k in range(6):
        assert np.mean(counts == k) == pytest.approx(st.poisson(lam).pmf(k), abs=0.01)


@pytest.mark.parametrize("spec, ref", [
    ({"dist": "beta", "a": 2, "b": 5}, st.beta(2, 5)),
    ({"dist": "beta", "a": 1.5, "b": 3, "min": 10, "max": 20}, st.beta(1.5, 3, loc=10, scale=10)),
    ({"dist": "gamma", "mean": 100, "sd": 40}, st.gamma((100 / 40) ** 2, scale=16)),
    ({"dist": "gamma", "mean": 2, "sd": 5}, st.gamma((2 / 5) ** 2, scale=12.5)),
    ({"dist": "poisson", "mean": 3.2}, st.poisson(3.2)),
    ({"dist": "poisson", "mean": 400}, st.poisson(400)),
])
def test_new_distributions_match_scipy(spec, ref):
    d = from_spec(spec)
    u = np.linspace(0.0005, 0.9995, 999)
    np.testing.assert_allclose(d.ppf(u), ref.ppf(u), rtol=2e-6, atol=1e-6 * ref.std())
    assert d.mean() == pytest.approx(ref.mean()) and d.sd() == pytest.approx(ref.std())
    assert from_spec(d.describe()) == d


def test_poisson_ppf_with_a_mean_per_future():
    u = np.array([[0.1, 0.5, 0.99], [0.1, 0.5, 0.99]])
    lam = np.array([[0.5], [20.0]])
    np.testing.assert_array_equal(poisson_ppf(u, lam), st.poisson(lam).ppf(u))



@pytest.mark.parametrize("lam", [0.0, 1e-12, 0.3, 1.5, 7.5, 199.9, 250.0, 999.0, 1000.0])
def test_poisson_ppf_of_one_mean_looks_up_the_walk_every_mean_takes(lam):
    """A frequency the same in every future: one walk for all (a table of its sums), the same
    counts bit for bit as the walk of a mean per future, and scipy's counts."""
    rng = np.random.default_rng(1)
    u = rng.random((5000, 4))
    u[0, 0], u[1, 1], u[2, 2] = 0.0, np.nextafter(1.0, 0.0), 5e-324
    one = poisson_ppf(u, lam)
    per_future = np.full((u.shape[0] + 1, 1), lam)
    per_future[-1] = np.nextafter(lam, 0.0) if lam > 0 else 0.0   # (not one mean: the walk)
    walk = poisson_ppf(np.vstack([u, np.full((1, 4), 0.5)]), per_future)[:-1]
    np.testing.assert_array_equal(one, walk)
    np.testing.assert_array_equal(one[3:], st.poisson(lam).ppf(u[3:]) if lam > 0 else 0.0)

# ---------------------------------------------------------------------------------------
# Refusals, saving, the command line
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("extra, body, field, words", [
    ("tax_rate = 25\n", "", "tax_rate", "0.25"),
    ("", "terminal_growth = 0.1\n", "terminal_growth", "discount rate"),
    ("", '[[alternatives.items]]\nname = "M"\nkind = "investment"\namount = 1\ndepreciation = [0.5, 0.4]\n',
     "depreciation", "sum to 1"),
    ("", '[[alternatives.items]]\nname = "B"\nkind = "benefit"\namount = [1, 2]\ngrowth = 0.1\n',
     "growth", "list"),
    ("", '[[alternatives.items]]\nname = "R"\nkind = "risk"\namount = 1\nprobability = 0.1\nfrequency = 2\n',
     "frequency", "not both"),
    ("", '[[alternatives.items]]\nname = "B"\nkind = "benefit"\namount = [1, 2, 3]\nstart_year = 4\n',
     "amount", "after the horizon"),
    ("", '[[alternatives.items]]\nname = "M"\nkind = "investment"\namount = [1, 2]\n', "amount", "investment"),
])
def test_refusals_name_the_field_and_exit_2(tmp_path, capsys, extra, body, field, words):
    text = scenario_text('[[alternatives]]\nname = "A"\n' + body
                         + ('' if "items" in body else '[[alternatives.items]]\nname = "x"\nkind = "benefit"\namount = 1\n'),
                         rate=0.1, extra=extra)
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load(path)
    message = str(err.value)
    assert field in message and words in message, message
    assert main(["validate", str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_new_keys_save_and_load_back():
    text = scenario_text("""
[[alternatives]]
name = "A"
terminal_growth = 0.01

[[alternatives.items]]
name = "Machine"
kind = "investment"
amount = 1000
depreciation = [0.2, 0.32, 0.192, 0.1152, 0.1152, 0.0576]
residual_value = { low = 100, high = 200 }

[[alternatives.items]]
name = "Stock"
kind = "working_capital"
amount = [10, 20, 30]

[[alternatives.items]]
name = "Late stock"
kind = "working_capital"
amount = 5
start_year = 1
indexed = false

[[alternatives.items]]
name = "Outage"
kind = "risk"
frequency = 0.5
amount = "100 * year"
start_year = 0
""", extra="tax_rate = 0.25\ninflation = 0.02\n")
    sc = loads(text)
    assert dumps(sc, text) == text  # nothing changed: the author's file is kept as written
    stock = sc.alternatives[0].items[1]
    assert isinstance(stock.amount, YearlyAmounts) and stock.start_year == 0
    fresh = loads(dumps(sc.__class__(**{**{f: getattr(sc, f) for f in ("title", "horizon_years", "discount_rate")},
                                        "alternatives": sc.alternatives, "tax_rate": sc.tax_rate,
                                        "inflation": sc.inflation})))
    assert fresh.alternatives == sc.alternatives
    assert (fresh.tax_rate, fresh.inflation) == (0.25, 0.02)


def test_cli_text_says_after_tax_and_nominal(capsys):
    path = PUBLISHED / "rwj-fundamentals-power-mulcher.toml"
    assert main(["run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "After tax (34%" in out and "Taxes paid" in out
    assert main(["run", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tax_rate"] == 0.34 and data["inflation"] == 0
    assert round(data["alternatives"][0]["npv"]["mean"]) == 65_488


def test_the_readme_worked_example_gives_the_figures_it_states():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("**A worked example you can check by hand.**", 1)[1]
    body = section.split("```toml", 1)[1].split("```", 1)[0]
    tax_line, items = body.split("\n", 2)[1], body.split("\n", 2)[2]
    sc = loads(scenario_text('[[alternatives]]\nname = "New machine"\n' + items, horizon=3, rate=0.1, iterations=10,
                             extra=tax_line + "\n"))
    res = run(sc)
    alt = res.alternatives[0]
    np.testing.assert_allclose(cash(res), [-1100, 450, 450, 762.5])
    assert round(float(alt.npv[0]), 2) == 253.87 and "**253.87**" in section
    assert round(float(alt.pv_taxes[0]), 2) == 152.52 and "152.52" in section


def test_teams_and_what_if_know_the_new_lines():
    from dataclasses import replace

    from simulator.workshop import teams
    from simulator.workshop import whatif
    from simulator.model.keys import item_input

    sc = load(Path(__file__).resolve().parent.parent / "scenarios" / "packaging-line-after-tax.toml")
    other = replace(sc, tax_rate=0.30, inflation=0.0)
    diffs = {d.key: d for d in teams.differences([("Finance", sc), ("Sales", other)])}
    tax = diffs[("setting", "tax_rate")]
    assert tax.label.startswith("Tax rate") and [v.text for v in tax.values] == ["25%", "30%"]
    assert ("setting", "inflation") in diffs
    # trying the other team's tax rate in this scenario runs, after tax
    tried = teams.swap(sc, ("setting", "tax_rate"), 0.30, other)
    assert tried.tax_rate == 0.30
    label = item_input("Buy the line", "Packaging line", "residual_value")
    assert label in whatif.inputs(sc) and whatif.unit_of(sc, label) == "money"
    shifted = whatif.shift_input(sc, label, 0.2)
    assert whatif.get_amount(shifted, label).high == pytest.approx(1.2 * 900_000)
