"""Errors a user can act on: each names the file, the field and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
import difflib
from typing import Iterable


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
        where = ": ".join(part for part in (file, self.path) if part)
        return f"{where}: {self.message}" if where else self.message


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
