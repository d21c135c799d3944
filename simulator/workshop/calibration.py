"""Calibration training: 90% ranges for questions with known answers, scored and tracked.

In the style of Hubbard's calibration training. Each participant gives, for every question of
a round, a *low* and a *high* value they are 90% sure the true answer lies between. The score
is the number of true answers inside the ranges (ends included). A calibrated estimator has
about 90% inside; fewer means the ranges are too narrow (overconfidence), all or nearly all
means they may be too wide (underconfidence).

No Qt, no matplotlib. The parts:

* :func:`load_questions` reads the question file (``assets/calibration/questions.toml``,
  found by :func:`questions_path` in the source tree, an installed wheel or a PyInstaller
  bundle) into frozen :class:`Question` objects.
* :func:`draw_round` picks the questions of a round with an explicit random generator,
  avoiding questions the participants have already seen while that is possible.
* :func:`check_estimates` turns low/high pairs into :class:`Estimate` objects or raises
  :class:`EstimateError` naming every question that needs fixing.
* :func:`score_round` gives a frozen :class:`RoundScore`: hits, hit rate, the range of hits a
  calibrated person plausibly gets (:func:`plausible_hits`), a width measure and feedback.
* :class:`CalibrationHistory` records rounds per participant, ranks the leaderboard by
  calibration (not knowledge) and saves/loads itself as JSON at a path the caller gives
  (the app passes a file in the user's data folder; tests pass a temporary folder).
* :class:`Workshop` is the plain model the dialog edits: participants, the round being
  answered, who has submitted, and the reveal.

Conventions: a hit is ``low <= answer <= high``. Hit rates are fractions in [0, 1]. Widths
are fractions of the true value (``(high - low) / |answer|``) for quantities and a number of
years for dates; NaN means "no such answers" and is shown as "n/a".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from fractions import Fraction
import json
import math
import os
from pathlib import Path
import statistics
import tomllib
from typing import Iterable, Mapping, Sequence

import numpy as np

from simulator.atomic import write_text
from simulator.sim.sampling import make_rng

__all__ = [
    "TARGET", "MIN_ROUND", "DEFAULT_ROUND", "HISTORY_FILE", "QUESTIONS_FORMAT", "HISTORY_FORMAT",
    "MEASURES", "BUSINESS_CATEGORIES", "MAX_DATE_SHARE",
    "TOO_NARROW", "SLIGHTLY_NARROW", "ABOUT_RIGHT", "POSSIBLY_WIDE", "TOO_WIDE", "NO_ANSWERS",
    "CalibrationError", "QuestionFileError", "EstimateError", "HistoryError",
    "Question", "Estimate", "QuestionResult", "RoundScore", "RoundRecord", "LeaderboardRow",
    "questions_path", "load_questions", "parse_questions", "draw_round", "check_estimate",
    "check_estimates", "plausible_hits", "chance_of_hits", "verdict_for", "score_round",
    "feedback_text", "format_compact", "format_range", "score_headline", "advice_text", "usual_text", "short_advice", "width_text", "format_value", "clean_name", "parse_names",
    "calibration_gap", "CalibrationHistory", "Workshop", "SESSION_FORMAT", "SESSION_KIND",
]

#: The share of answers a calibrated estimator gets inside 90% ranges.
TARGET = 0.9
#: Fewest questions in a round: below ten, luck swamps the signal.
MIN_ROUND = 10
DEFAULT_ROUND = 10
#: Name of the history file inside the folder the app chooses.
HISTORY_FILE = "calibration-history.json"
QUESTIONS_FORMAT = 1
HISTORY_FORMAT = 1
SESSION_FORMAT = 1
SESSION_KIND = "investsim calibration session"

_QUESTION_FIELDS = ("id", "text", "answer", "unit", "source", "category")
#: The kinds of number a question may ask for (the optional ``measure`` key).
MEASURES = ("price", "amount", "volume", "count", "rate", "share", "duration", "size", "date")
#: Categories whose quantities are business estimates.
BUSINESS_CATEGORIES = ("business", "economics", "technology")
#: At most this share of a round (and of the bundled bank) are "In what year..." questions.
MAX_DATE_SHARE = 0.25
QUESTIONS_FILE = "questions.toml"


class CalibrationError(ValueError):
    """Something about the calibration exercise that the user or the data can fix."""


class QuestionFileError(CalibrationError):
    """The question file is missing or malformed; ``problems`` lists each entry at fault."""

    def __init__(self, problems: Sequence[str], file: str | Path | None = None):
        self.problems = tuple(problems)
        self.file = str(file) if file else None
        head = f"{self.file}: " if self.file else ""
        super().__init__(head + "; ".join(self.problems))


class EstimateError(CalibrationError):
    """Ranges that cannot be scored. ``problems`` maps question index (0-based) to a message."""

    def __init__(self, problems: Mapping[int, str], who: str | None = None):
        self.problems = dict(problems)
        self.who = who
        lines = [f"Question {i + 1}: {msg}" for i, msg in sorted(self.problems.items())]
        prefix = f"{who}: " if who else ""
        super().__init__(prefix + "; ".join(lines))


class HistoryError(CalibrationError):
    """The history file cannot be read or written."""


# --- Questions ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    """One question with a known numeric answer.

    ``answer`` is in ``unit``; ``unit == "year"`` marks a date (shown without thousands
    separators, and its range width measured in years).
    """

    id: str
    text: str
    answer: float
    unit: str
    source: str
    category: str
    #: What kind of number it is (one of :data:`MEASURES`); "" when the file does not say.
    measure: str = ""

    @property
    def is_year(self) -> bool:
        return self.unit.strip().lower() == "year"

    @property
    def is_business_quantity(self) -> bool:
        """A business, economics or technology quantity (a price, amount, volume, rate, share,
        duration...), not a date: the kind of estimate managers make for a business case."""
        return self.category in BUSINESS_CATEGORIES and not self.is_year


def questions_path() -> Path:
    """The bundled question file (:func:`simulator.resources.folder`): inside the installed or
    packaged package, else ``assets/calibration`` of the source tree. Raises QuestionFileError
    naming the places looked at."""
    from simulator.resources import folder, places

    path = folder("calibration") / QUESTIONS_FILE
    if path.is_file():
        return path
    raise QuestionFileError(["the calibration questions are missing; looked in "
                             + ", ".join(str(p / QUESTIONS_FILE) for p in places("calibration"))])


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def parse_questions(data: Mapping, file: str | Path | None = None) -> tuple[Question, ...]:
    """Questions from the parsed TOML document; QuestionFileError lists every problem."""
    problems: list[str] = []
    fmt = data.get("format", QUESTIONS_FORMAT)
    if fmt != QUESTIONS_FORMAT:
        raise QuestionFileError([f"format {fmt!r} is not supported (this version reads format "
                                 f"{QUESTIONS_FORMAT})"], file)
    entries = data.get("question")
    if not isinstance(entries, list) or not entries:
        raise QuestionFileError(["no [[question]] entries"], file)
    out: list[Question] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"question {i + 1}" + (f" ({entry.get('id')})" if isinstance(entry, dict) and entry.get("id") else "")
        if not isinstance(entry, dict):
            problems.append(f"{where}: not a table")
            continue
        qid = entry.get("id")
        if isinstance(qid, str) and qid.strip():
            if qid.strip() in seen:
                problems.append(f"{where}: id {qid!r} is used twice")
            seen.add(qid.strip())
        missing = [f for f in _QUESTION_FIELDS if f not in entry]
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)}")
            continue
        bad = [f for f in _QUESTION_FIELDS if f != "answer" and not (isinstance(entry[f], str) and entry[f].strip())]
        if bad:
            problems.append(f"{where}: {', '.join(bad)} must be non-empty text")
            continue
        if not _is_number(entry["answer"]):
            problems.append(f"{where}: answer must be a finite number, not {entry['answer']!r}")
            continue
        measure = entry.get("measure", "")
        if measure != "" and measure not in MEASURES:
            problems.append(f"{where}: measure {measure!r} is not one of {', '.join(MEASURES)}")
            continue
        out.append(Question(id=entry["id"].strip(), text=entry["text"].strip(), answer=float(entry["answer"]),
                            unit=entry["unit"].strip(), source=entry["source"].strip(),
                            category=entry["category"].strip(), measure=measure))
    if problems:
        raise QuestionFileError(problems, file)
    return tuple(out)


def load_questions(path: str | Path | None = None) -> tuple[Question, ...]:
    """Read the question file (default: :func:`questions_path`)."""
    path = Path(path) if path is not None else questions_path()
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise QuestionFileError(["file not found"], path) from None
    except tomllib.TOMLDecodeError as exc:
        raise QuestionFileError([f"not valid TOML ({exc})"], path) from None
    return parse_questions(data, path)


def draw_round(questions: Sequence[Question], n: int = DEFAULT_ROUND, seed=None,
               seen: Iterable[str] = ()) -> tuple[Question, ...]:
    """``n`` different questions, unseen ones first, at most a quarter of them dates.

    Questions whose id is in ``seen`` are used only when fewer than ``n`` unseen ones are
    left (then the round is topped up at random from the seen ones). Dates ("In what year...")
    fill at most ``floor(n * MAX_DATE_SHARE)`` places while other questions are left (the
    rest of the round are quantities: prices, volumes, rates, durations, shares). ``seed`` is
    anything :func:`simulator.sim.sampling.make_rng` takes; the same seed and inputs give the
    same round.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < MIN_ROUND:
        raise CalibrationError(f"a round needs at least {MIN_ROUND} questions (asked for {n!r})")
    if n > len(questions):
        raise CalibrationError(f"a round of {n} questions needs at least {n} questions in the file, "
                               f"there are {len(questions)}")
    rng = make_rng(seed)
    seen = set(seen)
    fresh = [questions[i] for i in rng.permutation(len(questions)) if questions[i].id not in seen]
    old = [questions[i] for i in rng.permutation(len(questions)) if questions[i].id in seen]
    max_dates = int(n * MAX_DATE_SHARE)
    picked: list[Question] = []
    dates = 0
    # Unseen before seen (a repeated question teaches less than one more date); within each,
    # in random order, a date only while under the cap, then dates after all if too few
    # quantities are left.
    for pool, capped in ((fresh, True), (fresh, False), (old, True), (old, False)):
        for q in pool:
            if len(picked) == n:
                break
            if q in picked or (capped and q.is_year and dates >= max_dates):
                continue
            picked.append(q)
            dates += q.is_year
    return tuple(picked[i] for i in rng.permutation(len(picked)))


# --- Estimates and scoring ---------------------------------------------------------------------

@dataclass(frozen=True)
class Estimate:
    """A 90% range: the person is 90% sure the answer is between ``low`` and ``high``."""

    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


def check_estimate(low, high) -> Estimate:
    """An Estimate, or CalibrationError in plain words (missing value, not a number, swapped)."""
    if low is None and high is None:
        raise CalibrationError("enter a low and a high value")
    if low is None:
        raise CalibrationError("enter a low value")
    if high is None:
        raise CalibrationError("enter a high value")
    for name, value in (("low", low), ("high", high)):
        if not _is_number(value):
            raise CalibrationError(f"the {name} value must be a number")
    if low > high:
        raise CalibrationError(f"the low value ({format_value(low)}) is above the high value "
                               f"({format_value(high)}): swap them or correct one")
    return Estimate(float(low), float(high))


def check_estimates(pairs: Sequence, n: int | None = None, who: str | None = None) -> tuple[Estimate, ...]:
    """Check every (low, high) pair; EstimateError names all the questions at fault at once.

    ``pairs`` items may be Estimate objects, (low, high) tuples or None (not answered).
    ``n`` is the number of questions expected (a shorter list means missing answers).
    """
    n = len(pairs) if n is None else n
    items = list(pairs) + [None] * (n - len(pairs))
    problems: dict[int, str] = {}
    out: list[Estimate] = []
    for i, item in enumerate(items[:n]):
        if isinstance(item, Estimate):
            item = (item.low, item.high)
        low, high = (None, None) if item is None else item
        try:
            out.append(check_estimate(low, high))
        except CalibrationError as exc:
            problems[i] = str(exc)
    if problems:
        raise EstimateError(problems, who)
    return tuple(out)


def _log_pmf(k: int, n: int, p: float) -> float:
    if p <= 0.0:
        return 0.0 if k == 0 else -math.inf
    if p >= 1.0:
        return 0.0 if k == n else -math.inf
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
            + k * math.log(p) + (n - k) * math.log1p(-p))


def chance_of_hits(k: int, n: int, target: float = TARGET) -> float:
    """Probability that a calibrated estimator gets exactly ``k`` of ``n`` inside."""
    if not 0 <= k <= n:
        return 0.0
    return math.exp(_log_pmf(k, n, target))


def plausible_hits(n: int, target: float = TARGET, coverage: float = 0.9) -> tuple[int, int]:
    """The hit counts a calibrated estimator lands in ``coverage`` of the time: the most likely
    counts of Binomial(n, target), taken until their chances add up to ``coverage`` (a
    contiguous range, since the binomial has a single peak). For n = 10 it is (8, 10): 93%."""
    if n <= 0:
        return (0, 0)
    mode = min(n, int(math.floor((n + 1) * target)))
    lo = hi = mode
    total = chance_of_hits(mode, n, target)
    while total < coverage and (lo > 0 or hi < n):
        left = chance_of_hits(lo - 1, n, target) if lo > 0 else -1.0
        right = chance_of_hits(hi + 1, n, target) if hi < n else -1.0
        if right >= left:
            hi += 1
            total += right
        else:
            lo -= 1
            total += left
    return (lo, hi)


#: Verdicts, from too narrow to too wide.
TOO_NARROW = "too narrow"
SLIGHTLY_NARROW = "about right, on the narrow side"
ABOUT_RIGHT = "about right"
POSSIBLY_WIDE = "possibly too wide"
TOO_WIDE = "too wide"
NO_ANSWERS = "no answers yet"


def verdict_for(hits: int, n: int, target: float = TARGET) -> str:
    """One of the verdict strings above, judged against :func:`plausible_hits`."""
    if n <= 0:
        return NO_ANSWERS
    lo, hi = plausible_hits(n, target)
    if hits < lo:
        return TOO_NARROW
    if hits > hi:
        return TOO_WIDE
    if hits == n:
        return POSSIBLY_WIDE
    if hits < target * n:
        return SLIGHTLY_NARROW
    return ABOUT_RIGHT


def _pct(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:.0f}%"


def score_headline(hits: int, n: int) -> str:
    """"7 of 10 inside your ranges (70%)"."""
    if n <= 0:
        return "No answers yet"
    return f"{hits} of {n} inside your ranges ({_pct(hits / n)})"


def usual_text(n: int, target: float = TARGET) -> str:
    """"A calibrated estimator usually gets 8 to 10 of 10" (90% of calibrated people do)."""
    lo, hi = plausible_hits(n, target)
    return (f"A calibrated estimator usually gets {lo} to {hi} of {n}" if lo < hi
            else f"A calibrated estimator usually gets {lo} of {n}")


_SHORT_ADVICE = {
    TOO_NARROW: "too narrow: widen your ranges",
    SLIGHTLY_NARROW: "about right, on the narrow side",
    ABOUT_RIGHT: "about right: keep that feeling",
    POSSIBLY_WIDE: "possibly too wide: try narrowing a little",
    TOO_WIDE: "too wide: narrow your ranges",
    NO_ANSWERS: "no answers yet",
}


def short_advice(verdict: str) -> str:
    """A few words for a verdict, for a leaderboard or a summary line."""
    return _SHORT_ADVICE.get(verdict, verdict)


def advice_text(hits: int, n: int, target: float = TARGET) -> str:
    """What the score means and what to do next, in plain words (after the headline)."""
    if n <= 0:
        return "No answers to score yet."
    usual = usual_text(n, target)
    verdict = verdict_for(hits, n, target)
    if verdict == TOO_NARROW:
        strong = "much " if hits / n < 0.6 else ""
        return (f"{usual}. Your ranges are {strong}too narrow: you are overconfident. Widen them "
                "until you feel 90% sure: betting on your range should feel as good as a bet that "
                "wins 9 times in 10.")
    if verdict == TOO_WIDE:
        return (f"{usual}. Your ranges are too wide: you are underconfident. Narrow them until "
                "you feel just 90% sure, not certain.")
    if verdict == POSSIBLY_WIDE:
        chance = chance_of_hits(n, n, target)
        return (f"{usual}, and about {_pct(chance)} of them get all {n}: this may be luck, or your "
                "ranges are possibly too wide. Try narrowing them a little until you feel just "
                "90% sure.")
    if verdict == SLIGHTLY_NARROW:
        return (f"{usual}, so this is within what chance gives a calibrated person, but on the "
                "narrow side. If it happens again, widen your ranges a little.")
    return f"{usual}: your ranges are about right. Keep that feeling of 90% sure."


def feedback_text(hits: int, n: int, target: float = TARGET) -> str:
    """Headline and advice: "7 of 10 inside your ranges (70%). A calibrated estimator usually
    gets 8 to 10 of 10. Your ranges are too narrow: you are overconfident. Widen them..."."""
    if n <= 0:
        return "No answers to score yet."
    return f"{score_headline(hits, n)}. {advice_text(hits, n, target)}"


def format_value(value: float, unit: str = "") -> str:
    """A value as the room reads it: years plain (``1869``), others with thousands separators
    and up to nine significant digits (``299,792.458``, ``9.80665``, ``-273.15``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "unbounded" if value > 0 else "-unbounded"
    if unit.strip().lower() == "year" and abs(value) < 1e6:
        return str(int(value)) if float(value).is_integer() else f"{value:.9g}"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1e6:
        return f"{round(value):,}"
    return f"{value:,.9g}"


def format_compact(value: float, unit: str = "", digits: int = 3) -> str:
    """Short text for big values (``4.29B``, ``21M``, ``1.5T``); others as :func:`format_value`."""
    if value is None or not math.isfinite(value) or abs(value) < 1e6 or unit.strip().lower() == "year":
        return format_value(value, unit)
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if abs(value) >= scale:
            text = f"{value / scale:.{digits}g}"
            return text + suffix
    return format_value(value, unit)  # pragma: no cover


def format_range(low: float, high: float, unit: str = "") -> tuple[str, str]:
    """Texts for the two ends of a range: compact for big values unless that would make the
    ends look equal (``4.29B`` and ``4.29B``), then with more digits or in full."""
    for digits in (3, 4, 6):
        lo, hi = format_compact(low, unit, digits), format_compact(high, unit, digits)
        if lo != hi or low == high:
            return lo, hi
    return format_value(low, unit), format_value(high, unit)


@dataclass(frozen=True)
class QuestionResult:
    """One question of a scored round, for one participant."""

    question_id: str
    answer: float
    unit: str
    low: float
    high: float

    @property
    def inside(self) -> bool:
        return self.low <= self.answer <= self.high

    @property
    def is_year(self) -> bool:
        return self.unit.strip().lower() == "year"

    @property
    def relative_width(self) -> float:
        """``(high - low) / |answer|`` for quantities; NaN for dates and zero answers."""
        if self.is_year or self.answer == 0:
            return math.nan
        return (self.high - self.low) / abs(self.answer)

    @property
    def year_span(self) -> float:
        """``high - low`` in years for dates; NaN for quantities."""
        return self.high - self.low if self.is_year else math.nan


def _median(values: Iterable[float]) -> float:
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else math.nan


@dataclass(frozen=True)
class RoundScore:
    """The score of one participant's round (or of several rounds pooled).

    ``plausible`` is the (low, high) hit count a calibrated estimator gets 90% of the time.
    ``median_width`` is the median of ``(high - low) / |answer|`` over quantity questions;
    ``median_year_span`` the median range in years over date questions (NaN when none).
    """

    results: tuple[QuestionResult, ...]
    target: float = TARGET

    @property
    def n(self) -> int:
        return len(self.results)

    @property
    def hits(self) -> int:
        return sum(r.inside for r in self.results)

    @property
    def hit_rate(self) -> float:
        return self.hits / self.n if self.n else math.nan

    @property
    def plausible(self) -> tuple[int, int]:
        return plausible_hits(self.n, self.target)

    @property
    def verdict(self) -> str:
        return verdict_for(self.hits, self.n, self.target)

    @property
    def feedback(self) -> str:
        return feedback_text(self.hits, self.n, self.target)

    @property
    def median_width(self) -> float:
        return _median(r.relative_width for r in self.results)

    @property
    def median_year_span(self) -> float:
        return _median(r.year_span for r in self.results)

    @property
    def headline(self) -> str:
        return score_headline(self.hits, self.n)

    @property
    def advice(self) -> str:
        return advice_text(self.hits, self.n, self.target)

    @property
    def width_text(self) -> str:
        return width_text(self.median_width, self.median_year_span)

    @property
    def gap(self) -> Fraction:
        return calibration_gap(self.hits, self.n, self.target)


def width_text(median_width: float, median_year_span: float) -> str:
    """"Typical width: ranges 60% of the true value wide; dates 40 years wide." (parts that
    have no answers are left out; empty text when neither has)."""
    parts = []
    if not math.isnan(median_width):
        parts.append(f"quantities {_pct(median_width) if median_width < 10 else f'{median_width:.0f}×'}"
                     " of the true value wide")
    if not math.isnan(median_year_span):
        years = round(median_year_span)
        parts.append(f"dates {years:,} year{'s' if years != 1 else ''} wide")
    return ("Typical range: " + "; ".join(parts) + ".") if parts else ""


def score_round(questions: Sequence[Question], estimates: Sequence, target: float = TARGET) -> RoundScore:
    """Score ``estimates`` (checked with :func:`check_estimates`) against ``questions``."""
    checked = check_estimates(estimates, len(questions))
    return RoundScore(tuple(QuestionResult(q.id, q.answer, q.unit, e.low, e.high)
                            for q, e in zip(questions, checked)), target)


def calibration_gap(hits: int, n: int, target: float = TARGET) -> Fraction:
    """|hits/n - target| as an exact fraction (no float ties); 1 when there are no answers."""
    if n <= 0:
        return Fraction(1)
    return abs(Fraction(hits, n) - Fraction(target).limit_denominator(1000))


# --- Participants, history, leaderboard --------------------------------------------------------

def clean_name(name: str) -> str:
    """A participant name with surrounding and repeated spaces removed."""
    return " ".join(str(name).split())


def parse_names(text: str) -> list[str]:
    """Names typed as "Ana, Ben; Chloé" or one per line; duplicates (any case) dropped."""
    out: list[str] = []
    keys: set[str] = set()
    for part in text.replace(";", ",").replace("\n", ",").split(","):
        name = clean_name(part)
        if name and name.casefold() not in keys:
            keys.add(name.casefold())
            out.append(name)
    return out


@dataclass(frozen=True)
class RoundRecord:
    """One round as stored: when, which questions (id, answer, unit), and each participant's
    ranges in question order."""

    number: int
    time: str
    questions: tuple[tuple[str, float, str], ...]
    answers: Mapping[str, tuple[tuple[float, float], ...]]

    def score_for(self, name: str, target: float = TARGET) -> RoundScore | None:
        ranges = self.answers.get(name)
        if ranges is None:
            return None
        return RoundScore(tuple(QuestionResult(qid, ans, unit, lo, hi)
                                for (qid, ans, unit), (lo, hi) in zip(self.questions, ranges)), target)

    def to_json(self) -> dict:
        return {"number": self.number, "time": self.time,
                "questions": [{"id": q, "answer": a, "unit": u} for q, a, u in self.questions],
                "answers": {name: [[lo, hi] for lo, hi in ranges] for name, ranges in self.answers.items()}}

    @classmethod
    def from_json(cls, data: Mapping) -> "RoundRecord":
        questions = tuple((str(q["id"]), float(q["answer"]), str(q.get("unit", ""))) for q in data["questions"])
        answers = {}
        for name, ranges in dict(data["answers"]).items():
            pairs = tuple((float(lo), float(hi)) for lo, hi in ranges)
            if len(pairs) != len(questions):
                raise ValueError(f"round {data.get('number')}: {name} has {len(pairs)} ranges for "
                                 f"{len(questions)} questions")
            answers[clean_name(name)] = pairs
        return cls(int(data["number"]), str(data.get("time", "")), questions, answers)


@dataclass(frozen=True)
class LeaderboardRow:
    """One participant on the leaderboard (all their rounds pooled).

    ``rank`` starts at 1; participants with equal gap and equal answers share a rank.
    ``rates`` is the hit rate of each of their rounds, oldest first.
    """

    rank: int
    name: str
    rounds: int
    answers: int
    hits: int
    gap: Fraction
    verdict: str
    rates: tuple[float, ...]
    median_width: float = math.nan
    median_year_span: float = math.nan

    @property
    def hit_rate(self) -> float:
        return self.hits / self.answers if self.answers else math.nan

    @property
    def gap_points(self) -> float:
        """Distance from 90% in percentage points."""
        return float(self.gap) * 100 if self.answers else math.nan


class CalibrationHistory:
    """Every round played, per participant, saved as JSON at ``path`` (None: kept in memory).

    Names match whatever their case and spacing ("ana  " is "Ana"); the first spelling is kept.
    """

    def __init__(self, path: str | Path | None = None, rounds: Sequence[RoundRecord] = ()):
        self.path = Path(path) if path is not None else None
        self.rounds: list[RoundRecord] = list(rounds)
        #: A message for the user when the file could not be read and was set aside.
        self.warning: str | None = None

    # names
    def participants(self) -> list[str]:
        """Everyone who has played a round, in order of first appearance."""
        out: list[str] = []
        keys: set[str] = set()
        for rnd in self.rounds:
            for name in rnd.answers:
                if name.casefold() not in keys:
                    keys.add(name.casefold())
                    out.append(name)
        return out

    def canonical(self, name: str) -> str:
        """The stored spelling of ``name`` if this person played before, else ``name`` cleaned."""
        name = clean_name(name)
        for known in self.participants():
            if known.casefold() == name.casefold():
                return known
        return name

    def _answers_of(self, rnd: RoundRecord, name: str):
        key = clean_name(name).casefold()
        for stored in rnd.answers:
            if stored.casefold() == key:
                return stored
        return None

    def seen_question_ids(self, names: Iterable[str]) -> set[str]:
        """Ids of the questions any of ``names`` has already answered."""
        names = list(names)
        seen: set[str] = set()
        for rnd in self.rounds:
            if any(self._answers_of(rnd, n) is not None for n in names):
                seen.update(q for q, _, _ in rnd.questions)
        return seen

    def scores_of(self, name: str) -> list[RoundScore]:
        """Each round score of ``name``, oldest first."""
        out = []
        for rnd in self.rounds:
            stored = self._answers_of(rnd, name)
            if stored is not None:
                out.append(rnd.score_for(stored))
        return out

    def progress(self, name: str) -> list[float]:
        """Hit rate of each round of ``name``, oldest first."""
        return [s.hit_rate for s in self.scores_of(name)]

    # recording
    def record_round(self, questions: Sequence[Question], estimates: Mapping[str, Sequence],
                     when: datetime | None = None) -> dict[str, RoundScore]:
        """Score and store one round: ``estimates`` maps each participant to their ranges.
        Checks everything before storing anything; returns each participant's score."""
        if not estimates:
            raise CalibrationError("nobody has answered this round")
        checked: dict[str, tuple[Estimate, ...]] = {}
        keys: set[str] = set()
        for name, pairs in estimates.items():
            stored = self.canonical(name)
            if not stored:
                raise CalibrationError("every participant needs a name")
            if stored.casefold() in keys:
                raise CalibrationError(f"{stored} appears twice in this round")
            keys.add(stored.casefold())
            checked[stored] = check_estimates(pairs, len(questions), who=stored)
        when = when or datetime.now(timezone.utc)
        record = RoundRecord(
            number=len(self.rounds) + 1,
            time=when.isoformat(timespec="seconds"),
            questions=tuple((q.id, q.answer, q.unit) for q in questions),
            answers={name: tuple((e.low, e.high) for e in ests) for name, ests in checked.items()},
        )
        self.rounds.append(record)
        return {name: record.score_for(name) for name in checked}

    def clear(self) -> None:
        self.rounds.clear()

    # leaderboard
    def leaderboard(self, names: Iterable[str] | None = None, target: float = TARGET) -> list[LeaderboardRow]:
        """Participants ranked by calibration over all their answers, not by knowledge.

        The rule: smallest gap between their hit rate and 90% first (exact fractions); on an
        equal gap, more answers first (the same closeness over more questions is stronger
        evidence); then name. Range width and the number of questions a person "knew" play no
        part: someone who is always right with absurdly wide ranges has a 100% hit rate, a gap
        of 10 points, and ranks below anyone closer to 90%. People without answers come last.
        ``names`` limits the board to those people (e.g. today's room).
        """
        wanted = None if names is None else {clean_name(n).casefold() for n in names}
        rows = []
        for name in self.participants():
            if wanted is not None and name.casefold() not in wanted:
                continue
            scores = self.scores_of(name)
            results = tuple(r for s in scores for r in s.results)
            pooled = RoundScore(results, target)
            rows.append((name, len(scores), pooled, tuple(s.hit_rate for s in scores)))
        if wanted is not None:
            known = {r[0].casefold() for r in rows}
            for n in names:
                n = clean_name(n)
                if n and n.casefold() not in known:
                    known.add(n.casefold())
                    rows.append((n, 0, RoundScore((), target), ()))
        rows.sort(key=lambda r: (r[2].n == 0, r[2].gap, -r[2].n, r[0].casefold()))
        out: list[LeaderboardRow] = []
        for i, (name, rounds, pooled, rates) in enumerate(rows):
            rank = i + 1
            if out and out[-1].answers == pooled.n and out[-1].gap == pooled.gap and pooled.n:
                rank = out[-1].rank
            out.append(LeaderboardRow(rank, name, rounds, pooled.n, pooled.hits, pooled.gap,
                                      pooled.verdict, rates, pooled.median_width, pooled.median_year_span))
        return out

    # persistence
    def to_json(self) -> dict:
        return {"format": HISTORY_FORMAT, "kind": "investsim calibration history",
                "rounds": [r.to_json() for r in self.rounds]}

    def save(self, path: str | Path | None = None) -> Path:
        """Write the history atomically (temporary file, then rename). HistoryError on failure."""
        path = Path(path) if path is not None else self.path
        if path is None:
            raise HistoryError("no file to save the calibration history to")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text(path, json.dumps(self.to_json(), indent=1, ensure_ascii=False))
        except OSError as exc:
            raise HistoryError(f"could not save the calibration history to {path}: {exc.strerror or exc}") from None
        self.path = path
        return path

    @classmethod
    def from_json(cls, data: Mapping, path: str | Path | None = None) -> "CalibrationHistory":
        if not isinstance(data, Mapping) or data.get("format") != HISTORY_FORMAT:
            fmt = data.get("format") if isinstance(data, Mapping) else None
            raise HistoryError(f"unknown calibration history format {fmt!r}")
        try:
            rounds = [RoundRecord.from_json(r) for r in data.get("rounds", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise HistoryError(f"damaged calibration history ({exc})") from None
        return cls(path, rounds)

    @classmethod
    def load(cls, path: str | Path) -> "CalibrationHistory":
        """The history stored at ``path``; an empty one if the file does not exist yet.
        HistoryError if it exists but cannot be read."""
        path = Path(path)
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise HistoryError(f"could not read the calibration history {path}: {exc}") from None
        return cls.from_json(data, path)

    @classmethod
    def open(cls, path: str | Path) -> "CalibrationHistory":
        """Like :meth:`load`, but a damaged file is renamed aside (``*.damaged-<time>.json``) and
        an empty history returned, with :attr:`warning` saying so: the exercise can go on."""
        path = Path(path)
        try:
            return cls.load(path)
        except HistoryError as exc:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            aside = path.with_name(f"{path.stem}.damaged-{stamp}{path.suffix}")
            try:
                os.replace(path, aside)
                moved = f" It was kept as {aside.name}."
            except OSError:
                moved = ""
            history = cls(path)
            history.warning = f"The earlier calibration results could not be read and start afresh ({exc}).{moved}"
            return history


# --- The exercise as the dialog sees it --------------------------------------------------------

@dataclass
class Workshop:
    """The state of a calibration session: who plays, the round being answered, the reveal.

    A round is shared by the whole room (one question list). Each participant submits their
    ranges; when everyone has (or the facilitator reveals early), :meth:`reveal` scores and
    records the round in the history and saves it when the history has a path.

    ``history`` is this session's (what the leaderboard shows). ``archive``, when given, is the
    record of every session on this computer: each revealed round is appended to it (and saved
    when it has a path), its questions are avoided for the same people, but its rounds join the
    session's only when :meth:`load_earlier` is called: a new workshop starts with no names
    and no scores from earlier workshops.
    """

    history: CalibrationHistory
    questions: tuple[Question, ...]
    participants: list[str] = field(default_factory=list)
    round_size: int = DEFAULT_ROUND
    round: tuple[Question, ...] = ()
    submitted: dict[str, tuple[Estimate, ...]] = field(default_factory=dict)
    scores: dict[str, RoundScore] = field(default_factory=dict)
    rng: np.random.Generator | None = None
    archive: CalibrationHistory | None = None
    #: The archive's rounds from earlier sessions have been added to this session's history.
    earlier_loaded: bool = False
    _archived_now: int = field(default=0, repr=False)

    @property
    def answering(self) -> bool:
        return bool(self.round) and not self.scores

    @property
    def revealed(self) -> bool:
        return bool(self.scores)

    def set_participants(self, names: Iterable[str] | str) -> list[str]:
        names = parse_names(names) if isinstance(names, str) else parse_names(",".join(names))
        if not names:
            raise CalibrationError("enter at least one participant name")
        self.participants = [self.history.canonical(n) for n in names]
        return self.participants

    def start_round(self, n: int | None = None, seed=None) -> tuple[Question, ...]:
        """Draw the next round for the room (avoiding questions anyone here has seen)."""
        if not self.participants:
            raise CalibrationError("enter at least one participant name")
        if n is not None:
            self.round_size = n
        if seed is not None or self.rng is None:
            self.rng = make_rng(seed)
        seen = self.history.seen_question_ids(self.participants)
        if self.archive is not None:
            seen |= self.archive.seen_question_ids(self.participants)
        self.round = draw_round(self.questions, self.round_size, self.rng, seen)
        self.submitted = {}
        self.scores = {}
        return self.round

    def pending(self) -> list[str]:
        return [n for n in self.participants if n not in self.submitted]

    def submit(self, name: str, pairs: Sequence) -> tuple[Estimate, ...]:
        """Check and keep ``name``'s ranges; EstimateError (nothing kept) if any is invalid."""
        if not self.answering:
            raise CalibrationError("there is no round being answered")
        if name not in self.participants:
            raise CalibrationError(f"{name} is not taking part in this round")
        estimates = check_estimates(pairs, len(self.round), who=name)
        self.submitted[name] = estimates
        return estimates

    def reveal(self) -> dict[str, RoundScore]:
        """Score everyone who submitted, record the round and save. Returns the scores; raises
        CalibrationError if nobody submitted, HistoryError (scores kept) if saving failed."""
        if not self.answering:
            raise CalibrationError("there is no round being answered")
        if not self.submitted:
            raise CalibrationError("nobody has submitted ranges for this round yet")
        ordered = {n: self.submitted[n] for n in self.participants if n in self.submitted}
        self.scores = self.history.record_round(self.round, ordered)
        if self.archive is not None:
            self.archive.rounds.append(replace(self.history.rounds[-1], number=len(self.archive.rounds) + 1))
            self._archived_now += 1
            if self.archive.path is not None:
                self.archive.save()
        elif self.history.path is not None:
            self.history.save()
        return self.scores

    def earlier_rounds(self) -> list[RoundRecord]:
        """The archive's rounds played before this session."""
        if self.archive is None:
            return []
        return self.archive.rounds[:len(self.archive.rounds) - self._archived_now]

    def load_earlier(self) -> int:
        """Add the rounds of earlier sessions (from the archive) before this session's, so the
        leaderboard and progress pool them. Returns how many rounds were added (0 when already
        loaded or there are none)."""
        if self.earlier_loaded:
            return 0
        earlier = self.earlier_rounds()
        rounds = list(earlier) + [r for r in self.history.rounds]
        self.history.rounds = [replace(r, number=i) for i, r in enumerate(rounds, start=1)]
        self.earlier_loaded = True
        return len(earlier)

    def new_session(self) -> None:
        """Forget this session (names, rounds, scores); the archive keeps its record."""
        self.history = CalibrationHistory()
        self.participants = []
        self.round, self.submitted, self.scores = (), {}, {}
        self.earlier_loaded = False
        if self.archive is not None:      # what this session added is now "earlier"
            self._archived_now = 0

    # ----- the session as a file (the facilitator's "Save session")
    def session_state(self) -> dict:
        """This session as JSON-able data: the people, every revealed round with each person's
        ranges, and each person's pooled score. A round being answered is left out: its ranges
        are private until the reveal."""
        scores = {}
        for row in self.history.leaderboard(self.participants or None):
            scores[row.name] = {"rounds": row.rounds, "answers": row.answers, "hits": row.hits,
                                "hit_rate": None if not row.answers else row.hits / row.answers,
                                "verdict": row.verdict}
        return {"format": SESSION_FORMAT, "kind": SESSION_KIND, "participants": list(self.participants),
                "round_size": self.round_size, "earlier_loaded": self.earlier_loaded,
                "rounds": [r.to_json() for r in self.history.rounds], "scores": scores}

    def restore_session_state(self, state: Mapping) -> None:
        """Put back a session saved by :meth:`session_state` (an empty mapping: a new session).
        CalibrationError naming what is wrong if it cannot be read; nothing changes then."""
        if not state:
            self.new_session()
            return
        if not isinstance(state, Mapping) or state.get("format") != SESSION_FORMAT:
            fmt = state.get("format") if isinstance(state, Mapping) else None
            raise CalibrationError(f"calibration session: unknown format {fmt!r} (this version reads "
                                   f"format {SESSION_FORMAT})")
        try:
            rounds = [RoundRecord.from_json(r) for r in state.get("rounds", [])]
            names = [clean_name(n) for n in state.get("participants", [])]
            size = int(state.get("round_size", DEFAULT_ROUND))
        except (KeyError, TypeError, ValueError) as exc:
            raise CalibrationError(f"calibration session: damaged rounds ({exc})") from None
        self.history = CalibrationHistory(None, rounds)
        self.participants = [n for n in names if n]
        self.round_size = max(MIN_ROUND, size)
        self.round, self.submitted, self.scores = (), {}, {}
        self.earlier_loaded = bool(state.get("earlier_loaded", False))
