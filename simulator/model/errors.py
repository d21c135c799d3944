"""Errors a user can act on: each names the file, the field and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
import difflib
import re
from typing import Iterable

#: Characters a terminal acts on instead of showing: C0 and C1 controls (ESC, CR, newline,
#: the CSI of colour codes...), DEL, line/paragraph separators and the bidirectional overrides
#: that reorder what a reader sees.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_KEEP_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match) -> str:
    c = m.group()
    return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def printable(text: str, *, newlines: bool = False) -> str:
    """``text`` safe for a terminal: every control character as a visible escape (``\\x1b``,
    ``\\r``, ``\\n``), so a name or key from a file can neither move the cursor, colour the
    screen nor break "one line per problem". ``newlines=True`` keeps line breaks."""
    return (_CONTROL_KEEP_NEWLINE if newlines else _CONTROL).sub(_escape, text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario.

    ``path`` is a field path such as ``alternatives[1].items[0].amount.max`` (empty for the
    file as a whole); ``message`` says in plain words what is wrong and, where it helps, what
    would be right.
    """

    path: str
    message: str

    def line(self, file: str | None = None) -> str:
        """The problem on one line (control characters from the file shown as escapes)."""
        where = ": ".join(part for part in (file, self.path) if part)
        return printable(f"{where}: {self.message}" if where else self.message)


@dataclass(frozen=True)
class Caution:
    """Something in a scenario that is allowed but unusual enough to be said out loud (a
    discount rate of 40 %, a risk that happens most years): the run goes ahead and every
    surface shows it. Same shape as :class:`Problem`: a field path and a plain-words message."""

    path: str
    message: str

    def line(self, file: str | None = None) -> str:
        where = ": ".join(part for part in (file, self.path) if part)
        return f"{where}: {self.message}" if where else self.message


class ScenarioError(ValueError):
    """A scenario that cannot be loaded or run as written. Carries every problem found."""

    def __init__(self, problems: Iterable[Problem], file: str | None = None):
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.file = file
        super().__init__(self.describe())

    def describe(self) -> str:
        return "\n".join(p.line(self.file) for p in self.problems)

    def with_file(self, file: str) -> "ScenarioError":
        return ScenarioError(self.problems, file)


class Cancelled(Exception):
    """A run stopped because its caller asked it to."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A " (did you mean 'x'?)" hint for a misspelt key, or "" when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def type_name(value) -> str:
    """What a value from a file is, in words ("a number", "text", "a list"…), for messages."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__
