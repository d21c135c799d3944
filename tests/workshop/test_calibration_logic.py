"""The calibration trainer's engine (no Qt): questions, rounds, scoring, feedback, history,
leaderboard."""

from __future__ import annotations

import json
import math
import tomllib

import pytest

from calibration_helpers import imported_modules, make_questions, ranges_with_hits
from simulator.workshop import calibration as cal
from simulator.workshop.calibration import (
    CalibrationError, CalibrationHistory, Estimate, EstimateError, HistoryError, QuestionFileError,
    Workshop,
)

# --- the question file -------------------------------------------------------------------------


def test_the_bundled_questions_are_complete_numeric_and_sourced():
    path = cal.questions_path()
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert raw["format"] == cal.QUESTIONS_FORMAT
    entries = raw["question"]
    assert len(entries) >= 60
    for entry in entries:
        for key in ("id", "text", "answer", "unit", "source", "category"):
            assert key in entry, (entry.get("id"), key)
        for key in ("id", "text", "unit", "source", "category"):
            assert isinstance(entry[key], str) and entry[key].strip(), (entry["id"], key)
        # a number in the file, not text such as "1,869"
        assert isinstance(entry["answer"], (int, float)) and not isinstance(entry["answer"], bool), entry["id"]
        assert math.isfinite(entry["answer"]), entry["id"]
        assert len(entry["source"]) >= 10, entry["id"]      # names a place to check, not "web"
    questions = cal.load_questions()
    assert len(questions) == len(entries)
    assert len({q.id for q in questions}) == len(questions)
    assert len({q.text.casefold() for q in questions}) == len(questions)
    categories = {q.category for q in questions}
    assert {"business", "economics", "history", "science", "geography", "technology"} <= categories
    assert sum(q.category in ("business", "economics") for q in questions) >= 20


def test_dates_are_whole_years_in_a_sensible_span():
    for q in cal.load_questions():
        if q.is_year:
            assert q.answer.is_integer() and 1000 <= q.answer <= 2025, q.id


def test_a_few_answers_everyone_can_check():
    by_id = {q.id: q for q in cal.load_questions()}
    assert by_id["water-boils-f"].answer == 212
    assert by_id["suez-canal-opened"].answer == 1869
    assert by_id["everest-height"].answer == 8849
    assert by_id["ipv4-addresses"].answer == 2 ** 32
    assert by_id["minutes-in-week"].answer == 7 * 24 * 60


def test_a_malformed_question_file_names_every_entry_at_fault(tmp_path):
    bad = tmp_path / "q.toml"
    bad.write_text(
        'format = 1\n'
        '[[question]]\nid = "a"\ntext = "A?"\nanswer = "1,869"\nunit = "year"\nsource = "S"\ncategory = "c"\n'
        '[[question]]\nid = "b"\ntext = "B?"\nanswer = 3\nunit = "m"\ncategory = "c"\n'
        '[[question]]\nid = "a"\ntext = "C?"\nanswer = 3\nunit = "m"\nsource = "S"\ncategory = "c"\n',
        encoding="utf-8")
    with pytest.raises(QuestionFileError) as err:
        cal.load_questions(bad)
    text = str(err.value)
    assert "question 1 (a): answer must be a finite number" in text
    assert "question 2 (b): missing source" in text
    assert "id 'a' is used twice" in text
    with pytest.raises(QuestionFileError, match="file not found"):
        cal.load_questions(tmp_path / "missing.toml")


def test_the_question_file_is_found_inside_a_pyinstaller_bundle(tmp_path, monkeypatch):
    """Inside the package (the wheel and the packaged app put it there), through
    importlib.resources, before the source tree."""
    import importlib.resources

    package = tmp_path / "_internal" / "simulator"
    target = package / "_bundled_assets" / "calibration" / "questions.toml"
    target.parent.mkdir(parents=True)
    target.write_bytes(cal.questions_path().read_bytes())
    monkeypatch.setattr(importlib.resources, "files", lambda name: package)
    assert cal.questions_path() == target
    assert len(cal.load_questions()) >= 60


def test_the_engine_imports_no_qt_and_no_matplotlib():
    assert imported_modules("import simulator.workshop.calibration") == []


# --- drawing rounds ----------------------------------------------------------------------------


def test_rounds_are_reproducible_with_a_seed_and_have_no_repeats():
    qs = cal.load_questions()
    a = cal.draw_round(qs, 10, seed=42)
    assert a == cal.draw_round(qs, 10, seed=42)
    assert a != cal.draw_round(qs, 10, seed=43)
    assert len({q.id for q in a}) == 10


def test_a_round_has_at_least_ten_questions():
    qs = make_questions(12)
    with pytest.raises(CalibrationError, match="at least 10"):
        cal.draw_round(qs, 9, seed=1)
    with pytest.raises(CalibrationError, match="13 questions"):
        cal.draw_round(qs, 13, seed=1)


def test_seen_questions_come_back_only_when_the_unseen_run_out():
    qs = make_questions(25)
    rng = cal.make_rng(5)
    first = cal.draw_round(qs, 10, rng)
    second = cal.draw_round(qs, 10, rng, seen={q.id for q in first})
    assert not {q.id for q in first} & {q.id for q in second}
    seen = {q.id for q in first + second}
    third = cal.draw_round(qs, 10, rng, seen=seen)
    unseen = {q.id for q in qs} - seen
    assert unseen <= {q.id for q in third}           # all 5 unseen ones are used
    assert len({q.id for q in third}) == 10           # topped up from the seen ones, no repeats


def test_a_participant_does_not_see_a_question_twice_while_possible():
    history = CalibrationHistory()
    w = Workshop(history, make_questions(30))
    w.set_participants("Ana")
    seen: set[str] = set()
    for r in range(3):
        qs = w.start_round(10, seed=7 if r == 0 else None)
        assert not seen & {q.id for q in qs}
        seen |= {q.id for q in qs}
        w.submit("Ana", ranges_with_hits(qs, 9))
        w.reveal()
    assert len(seen) == 30


def test_a_room_avoids_questions_any_of_its_members_has_seen():
    history = CalibrationHistory()
    qs = make_questions(20)
    history.record_round(qs[:10], {"Ana": ranges_with_hits(qs[:10], 9)})
    w = Workshop(history, qs)
    w.set_participants("Ben, ana")                      # Ana, whatever the case
    assert w.participants == ["Ben", "Ana"]
    assert {q.id for q in w.start_round(10, seed=1)} == {q.id for q in qs[10:]}


# --- scoring and feedback ----------------------------------------------------------------------


def test_plausible_hits_for_a_calibrated_estimator():
    assert cal.plausible_hits(10) == (8, 10)
    assert cal.plausible_hits(20) == (16, 20)
    for n in (10, 12, 20, 50, 100):
        lo, hi = cal.plausible_hits(n)
        cover = sum(math.comb(n, k) * 0.9 ** k * 0.1 ** (n - k) for k in range(lo, hi + 1))
        assert cover >= 0.9
        # the range is as short as it can be: dropping the less likely end goes below 90%
        drop = min(cal.chance_of_hits(lo, n), cal.chance_of_hits(hi, n))
        assert cover - drop < 0.9
    lo, hi = cal.plausible_hits(50)
    assert hi < 50                                      # 50 of 50 is too many for 90% ranges


def test_a_round_scored_with_known_answers():
    qs = make_questions(10)
    score = cal.score_round(qs, ranges_with_hits(qs, 7))
    assert (score.hits, score.n, score.hit_rate) == (7, 10, 0.7)
    assert score.verdict == cal.TOO_NARROW
    assert score.headline == "7 of 10 inside your ranges (70%)"
    assert score.feedback.startswith(
        "7 of 10 inside your ranges (70%). A calibrated estimator usually gets 8 to 10 of 10. "
        "Your ranges are too narrow: you are overconfident. Widen them until you feel 90% sure")
    assert [r.inside for r in score.results] == [True] * 7 + [False] * 3


@pytest.mark.parametrize("hits, verdict, words", [
    (10, cal.POSSIBLY_WIDE, ["10 of 10 inside your ranges (100%)", "possibly too wide", "narrowing"]),
    (9, cal.ABOUT_RIGHT, ["9 of 10", "about right"]),
    (8, cal.SLIGHTLY_NARROW, ["8 of 10", "narrow side", "widen your ranges a little"]),
    (4, cal.TOO_NARROW, ["4 of 10", "much too narrow", "overconfident"]),
])
def test_feedback_in_plain_words(hits, verdict, words):
    qs = make_questions(10)
    score = cal.score_round(qs, ranges_with_hits(qs, hits))
    assert score.verdict == verdict
    for w in words:
        assert w in score.feedback


def test_all_inside_over_many_questions_is_underconfidence():
    assert cal.verdict_for(50, 50) == cal.TOO_WIDE
    assert "underconfident" in cal.feedback_text(50, 50)


def test_the_ends_of_a_range_count_as_inside():
    qs = make_questions(10)
    ranges = [(q.answer, q.answer) if i % 2 else (q.answer - 1, q.answer) for i, q in enumerate(qs)]
    assert cal.score_round(qs, ranges).hits == 10


def test_the_width_measure():
    qs = make_questions(10, years=4)                    # 6 quantities, 4 dates
    ranges = [(q.answer * 0.9, q.answer * 1.1) if not q.is_year else (q.answer - 20, q.answer + 20) for q in qs]
    score = cal.score_round(qs, ranges)
    assert score.median_width == pytest.approx(0.2)
    assert score.median_year_span == pytest.approx(40)
    assert score.width_text == "Typical range: quantities 20% of the true value wide; dates 40 years wide."
    only_dates = cal.score_round(qs[6:] * 3, [(q.answer - 5, q.answer + 5) for q in qs[6:] * 3])
    assert math.isnan(only_dates.median_width) and only_dates.width_text == "Typical range: dates 10 years wide."


# --- invalid answers ---------------------------------------------------------------------------


def test_invalid_ranges_are_rejected_with_a_clear_message():
    qs = make_questions(10)
    pairs = ranges_with_hits(qs, 10)
    pairs[2] = (500.0, 200.0)                           # swapped
    pairs[4] = (None, 300.0)                            # no low
    pairs[5] = (100.0, None)                            # no high
    pairs[6] = None                                     # nothing
    pairs[7] = (float("nan"), 3.0)
    with pytest.raises(EstimateError) as err:
        cal.score_round(qs, pairs)
    problems = err.value.problems
    assert set(problems) == {2, 4, 5, 6, 7}
    assert problems[2] == "the low value (500) is above the high value (200): swap them or correct one"
    assert problems[4] == "enter a low value"
    assert problems[5] == "enter a high value"
    assert problems[6] == "enter a low and a high value"
    assert "number" in problems[7]
    assert str(err.value).startswith("Question 3: the low value (500) is above")


def test_too_few_ranges_count_as_missing():
    qs = make_questions(10)
    with pytest.raises(EstimateError) as err:
        cal.score_round(qs, ranges_with_hits(qs, 9)[:8])
    assert set(err.value.problems) == {8, 9}


def test_an_invalid_round_is_not_recorded():
    history = CalibrationHistory()
    qs = make_questions(10)
    bad = ranges_with_hits(qs, 9)
    bad[0] = (5.0, 1.0)
    with pytest.raises(EstimateError, match="Ben: Question 1"):
        history.record_round(qs, {"Ana": ranges_with_hits(qs, 9), "Ben": bad})
    assert history.rounds == []
    with pytest.raises(CalibrationError, match="twice"):
        history.record_round(qs, {"Ana": ranges_with_hits(qs, 9), "ana ": ranges_with_hits(qs, 9)})


def test_the_workshop_refuses_what_it_cannot_score():
    w = Workshop(CalibrationHistory(), make_questions(12))
    with pytest.raises(CalibrationError, match="participant"):
        w.set_participants(" , ;")
    with pytest.raises(CalibrationError, match="participant"):
        w.start_round()
    w.set_participants(["Ana"])
    qs = w.start_round(seed=1)
    with pytest.raises(CalibrationError, match="nobody"):
        w.reveal()
    with pytest.raises(EstimateError):
        w.submit("Ana", [(1.0, 0.0)] * 10)
    assert w.pending() == ["Ana"]
    with pytest.raises(CalibrationError, match="not taking part"):
        w.submit("Zoe", ranges_with_hits(qs, 9))


# --- leaderboard -------------------------------------------------------------------------------


def _play(history, qs, rounds: dict[str, list[int]], width: dict[str, float] | None = None):
    """Rounds of 10 from ``qs``: rounds[name][r] is how many of round r that person gets inside."""
    width = width or {}
    for r in range(max(len(v) for v in rounds.values())):
        batch = qs[10 * r: 10 * r + 10]
        history.record_round(batch, {name: ranges_with_hits(batch, hits[r], width=width.get(name, 0.1))
                                     for name, hits in rounds.items() if r < len(hits)})


def test_the_leaderboard_ranks_calibration_not_knowledge():
    """The rule: smallest |hit rate - 90%| over all answers first; equal gap, more answers first;
    then name. Range width plays no part."""
    history = CalibrationHistory()
    qs = make_questions(20)
    _play(history, qs, {
        "Wide Will": [10, 10],       # always right with absurdly wide ranges: 100%, gap 10
        "Cleo": [9, 9],              # calibrated: 90%, gap 0
        "Eve": [8, 9],               # narrow, knows a lot: 85%, gap 5
        "Otto": [5, 6],              # overconfident: 55%, gap 35
    }, width={"Wide Will": 1000.0, "Eve": 0.01})
    board = history.leaderboard()
    assert [r.name for r in board] == ["Cleo", "Eve", "Wide Will", "Otto"]
    assert board[0].name != "Wide Will"
    assert [r.rank for r in board] == [1, 2, 3, 4]
    assert board[0].hit_rate == 0.9 and board[0].gap_points == 0
    will = board[2]
    assert (will.hits, will.answers, will.gap_points) == (20, 20, pytest.approx(10))
    assert will.verdict == cal.POSSIBLY_WIDE
    assert board[3].verdict == cal.TOO_NARROW
    assert board[0].rates == (0.9, 0.9)


def test_width_and_knowledge_do_not_break_ties_but_evidence_does():
    history = CalibrationHistory()
    qs = make_questions(20)
    # Same hits, very different widths: equal rank, listed by name.
    _play(history, qs, {"Zed": [9, 9], "Amy": [9, 9]}, width={"Zed": 0.01, "Amy": 50.0})
    # Same closeness to 90% over fewer answers ranks below.
    _play(history, qs, {"Bo": [9]})
    # 80% and 100% are equally far from 90%.
    _play(history, qs, {"Low": [8, 8], "High": [10, 10]})
    board = history.leaderboard()
    assert [(r.name, r.rank) for r in board] == [("Amy", 1), ("Zed", 1), ("Bo", 3), ("High", 4), ("Low", 4)]


def test_the_leaderboard_for_the_people_in_the_room():
    history = CalibrationHistory()
    qs = make_questions(10)
    _play(history, qs, {"Ana": [9], "Ben": [7]})
    board = history.leaderboard(["ben", "Newcomer"])
    assert [r.name for r in board] == ["Ben", "Newcomer"]
    assert board[1].answers == 0 and board[1].verdict == cal.NO_ANSWERS and math.isnan(board[1].hit_rate)


# --- history -----------------------------------------------------------------------------------


def test_history_persists_and_reloads(tmp_path):
    path = tmp_path / "data" / cal.HISTORY_FILE
    qs = make_questions(20, years=5)
    w = Workshop(CalibrationHistory(path), qs)
    w.set_participants("Ana, Ben")
    for r, hits in enumerate(((6, 9), (8, 10))):
        batch = w.start_round(10, seed=3 if r == 0 else None)
        w.submit("Ana", ranges_with_hits(batch, hits[0]))
        w.submit("Ben", ranges_with_hits(batch, hits[1]))
        scores = w.reveal()
        assert scores["Ana"].hits == hits[0]
    assert path.exists()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == cal.HISTORY_FORMAT and len(data["rounds"]) == 2

    again = CalibrationHistory.load(path)
    assert again.participants() == ["Ana", "Ben"]
    assert again.progress("ana") == [0.6, 0.8]
    assert again.progress("Ben") == [0.9, 1.0]
    assert again.leaderboard() == w.history.leaderboard()
    assert again.seen_question_ids(["Ana"]) == w.history.seen_question_ids(["Ana"])
    assert again.canonical(" ana ") == "Ana"


def test_a_missing_history_file_is_an_empty_history(tmp_path):
    h = CalibrationHistory.load(tmp_path / "none.json")
    assert h.rounds == [] and h.participants() == [] and h.leaderboard() == []


def test_a_damaged_history_is_set_aside_and_the_exercise_goes_on(tmp_path):
    path = tmp_path / cal.HISTORY_FILE
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(HistoryError, match="could not read"):
        CalibrationHistory.load(path)
    h = CalibrationHistory.open(path)
    assert h.rounds == [] and "could not be read" in h.warning
    assert not path.exists() and len(list(tmp_path.glob("*.damaged-*.json"))) == 1
    path.write_text(json.dumps({"format": 99, "rounds": []}), encoding="utf-8")
    with pytest.raises(HistoryError, match="format 99"):
        CalibrationHistory.load(path)


def test_a_history_that_cannot_be_saved_says_so(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    h = CalibrationHistory(blocker / "sub" / cal.HISTORY_FILE)
    with pytest.raises(HistoryError, match="could not save"):
        h.save()
    with pytest.raises(HistoryError, match="no file"):
        CalibrationHistory().save()


def test_names_are_read_the_way_people_type_them():
    assert cal.parse_names("Ana, Ben; chloé\n  Dan  Smith ,ana") == ["Ana", "Ben", "chloé", "Dan Smith"]
    assert cal.parse_names("") == []


def test_values_are_shown_the_way_the_room_reads_them():
    assert cal.format_value(1869, "year") == "1869"
    assert cal.format_value(299792.458, "km/s") == "299,792.458"
    assert cal.format_value(-273.15) == "-273.15"
    assert cal.format_range(4e9, 4.9e9) == ("4B", "4.9B")
    assert cal.format_range(4294967000, 4294968000) == ("4,294,967,000", "4,294,968,000")
    assert Estimate(1, 3).width == 2 and Estimate(1, 3).contains(3)
