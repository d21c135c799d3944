"""The bundled question bank: practice on the estimates managers make, not trivia (issue 18).

At least 150 questions, at most a quarter of them dates, at least 60 business, economics or
technology quantities; each with a unit and a source a reader can find; answers that make
sense for their unit; rounds that keep dates to a quarter.
"""

from __future__ import annotations

from collections import Counter
import math

import numpy as np

from simulator.workshop import calibration as cal

# Units whose answers cannot be zero or negative (prices, counts, sizes, durations, shares).
_SIGNED_UNITS = {"°C"}


def _bank():
    return cal.load_questions()


def test_the_bank_is_big_enough_and_mostly_business_quantities():
    qs = _bank()
    assert len(qs) >= 150
    dates = [q for q in qs if q.is_year]
    assert len(dates) <= 0.25 * len(qs), f"{len(dates)} of {len(qs)} are dates"
    business = [q for q in qs if q.is_business_quantity]
    assert len(business) >= 60
    # the kinds of estimate a business case needs are all there, several of each
    kinds = Counter(q.measure for q in business)
    for kind in ("price", "amount", "volume", "rate", "share", "duration"):
        assert kinds[kind] >= 8, (kind, kinds)


def test_every_question_says_what_kind_of_number_with_a_unit_and_a_findable_source():
    for q in _bank():
        assert q.measure in cal.MEASURES, q.id
        assert (q.measure == "date") == q.is_year, q.id
        assert q.unit and q.unit.strip() == q.unit, q.id
        # a named publication, filing, law or standard, not "web" or "Wikipedia"
        assert len(q.source) >= 15, q.id
        assert "wikipedia" not in q.source.casefold(), q.id
        assert q.text.endswith("?"), q.id


def test_answers_are_plausible_for_their_unit():
    for q in _bank():
        assert math.isfinite(q.answer), q.id
        if q.unit not in _SIGNED_UNITS:
            assert q.answer > 0, q.id
        if q.unit.startswith("%") and q.measure in ("share", "rate"):
            assert q.answer <= 100 or q.id == "flyvbjerg-black-swan-overrun", q.id
        if q.is_year:
            assert q.answer.is_integer() and 1000 <= q.answer <= 2025, q.id


def test_figures_that_drift_are_dated():
    """Company results, memberships, prices: asked 'in 2020' or for a named event, never now."""
    for q in _bank():
        if q.measure in ("price", "amount") and q.category in cal.BUSINESS_CATEGORIES:
            text = q.text.casefold()
            assert any(ch.isdigit() for ch in text) or "formula" in q.source.casefold(), q.id


def test_answers_checked_against_independent_computation():
    by_id = {q.id: q for q in _bank()}
    assert by_id["rule-of-72-exact"].answer == round(math.log(2) / math.log(1.08), 3)
    assert by_id["pv-million-10y-8pct"].answer == round(1e6 / 1.08 ** 10)
    r, n = 0.06 / 12, 360
    assert by_id["mortgage-payment"].answer == round(300_000 * r / (1 - (1 + r) ** -n), 2)
    assert by_id["compound-5pct-10y"].answer == round(100 * 1.05 ** 10, 2)
    assert by_id["four-nines-downtime"].answer == round(365 * 24 * 60 * 1e-4, 2)
    assert by_id["sp500-gfc-fall"].answer == round(100 * (1 - 676.53 / 1565.15), 1)
    assert by_id["nasdaq-dotcom-fall"].answer == round(100 * (1 - 1114.11 / 5048.62), 1)
    assert by_id["sp500-covid-fall"].answer == round(100 * (1 - 2237.40 / 3386.15), 1)
    assert by_id["eoq-example"].answer == round(math.sqrt(2 * 10_000 * 50 / 2), 1)
    assert by_id["euro-pallet-area"].answer == 1.2 * 0.8


def test_a_round_holds_at_most_a_quarter_dates():
    qs = _bank()
    for seed in range(40):
        rnd = cal.draw_round(qs, 10, seed)
        assert sum(q.is_year for q in rnd) <= 2
        assert sum(q.is_business_quantity for q in rnd) >= 5


def test_the_date_cap_gives_way_only_when_quantities_run_out():
    from calibration_helpers import make_questions

    qs = make_questions(12, years=8)            # 4 quantities, 8 dates
    rnd = cal.draw_round(qs, 10, 1)
    assert sum(not q.is_year for q in rnd) == 4 and len(rnd) == 10
    # an unseen date comes before a question already seen
    seen = {q.id for q in qs if not q.is_year}
    rnd = cal.draw_round(qs, 10, 2, seen=seen)
    assert sum(q.is_year for q in rnd) == 8


def test_a_malformed_measure_is_named(tmp_path):
    bad = tmp_path / "q.toml"
    bad.write_text('format = 1\n[[question]]\nid = "a"\ntext = "A?"\nanswer = 1\nunit = "USD"\n'
                   'source = "Some annual report"\ncategory = "business"\nmeasure = "pricey"\n', encoding="utf-8")
    try:
        cal.load_questions(bad)
    except cal.QuestionFileError as exc:
        assert "measure 'pricey'" in str(exc) and "question 1 (a)" in str(exc)
    else:
        raise AssertionError("accepted a bad measure")


def test_rounds_over_the_whole_bank_reach_every_question():
    """Many rounds with the same people eventually show every question (no dead entries)."""
    qs = _bank()
    seen: set[str] = set()
    rng = np.random.default_rng(3)
    for _ in range(len(qs) // 10 + 3):
        seen.update(q.id for q in cal.draw_round(qs, 10, rng, seen))
    assert seen == {q.id for q in qs}
