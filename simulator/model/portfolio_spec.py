"""The ``[portfolio]`` table of a scenario file: which of its alternatives to fund together.

A scenario with a ``[portfolio]`` table treats its alternatives as independent candidate
projects, any subset of which may be funded (see :mod:`simulator.analysis.portfolio` for the
optimisation). This module only reads, checks and writes the table; it imports nothing of the
engine, so :mod:`simulator.model.scenario` can use it.

Keys (names kept as the file format documents them in the README):

- ``budget``: the most the funded projects' investment items may add up to (their expected
  amounts, undiscounted, all years), in the scenario's currency. Required, above 0.
- ``budget_by_year``: optional limits for years 0, 1, 2, ... (a list of numbers >= 0; years
  beyond the list have only the overall budget).
- ``max_loss_probability``: optional; the chance (a fraction) that the funded set's total NPV
  is below zero must not exceed it.
- ``must_fund``: names that must be funded.
- ``exclusive``: groups of names; at most one of each group is funded.
- ``requires``: pairs ``[A, B]``: A is funded only if B is.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import Any, Callable, Mapping, Sequence

from simulator.model.errors import Problem, did_you_mean, type_name as _kind

KEYS = ("budget", "budget_by_year", "max_loss_probability", "must_fund", "exclusive", "requires")


@dataclass(frozen=True)
class PortfolioSpec:
    """A validated ``[portfolio]`` table (names are alternatives' names)."""

    budget: float
    budget_by_year: tuple[float, ...] = ()
    max_loss_probability: float | None = None
    must_fund: tuple[str, ...] = ()
    exclusive: tuple[tuple[str, ...], ...] = ()
    requires: tuple[tuple[str, str], ...] = ()




def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def read(raw: Any, fail: Callable[[str, str], None], path: str = "portfolio") -> PortfolioSpec | None:
    """Read the table's plain data (as from ``tomllib``); every problem goes to
    ``fail(field_path, message)``. Names are checked against the alternatives by
    :func:`problems`, since they can change after reading."""
    if not isinstance(raw, Mapping):
        fail(path, f"expected a table [portfolio], found {_kind(raw)}")
        return None
    ok = True
    for key in raw:
        if key not in KEYS:
            fail(f"{path}.{key}", f"unknown key '{key}'{did_you_mean(key, KEYS)}")
            ok = False
    budget = None
    if "budget" not in raw:
        fail(f"{path}.budget", "missing: the capital available, e.g. budget = 5_000_000")
        ok = False
    else:
        budget = _number(raw["budget"])
        if budget is None or budget <= 0:
            fail(f"{path}.budget", f"must be a number above 0 (the capital available), found "
                                   f"{raw['budget'] if budget is not None else _kind(raw['budget'])}")
            ok = False
    by_year: list[float] = []
    if "budget_by_year" in raw:
        value = raw["budget_by_year"]
        if not isinstance(value, list) or not value:
            fail(f"{path}.budget_by_year", f"expected a list of limits for years 0, 1, 2, ..., e.g. "
                                           f"[3_000_000, 2_000_000]; found {_kind(value)}")
            ok = False
        else:
            for i, v in enumerate(value):
                x = _number(v)
                if x is None or x < 0:
                    fail(f"{path}.budget_by_year[{i}]", f"must be a number at least 0 (the limit for year {i}), "
                                                        f"found {v if x is not None else _kind(v)}")
                    ok = False
                else:
                    by_year.append(x)
    max_loss = None
    if "max_loss_probability" in raw:
        max_loss = _number(raw["max_loss_probability"])
        if max_loss is None or not 0 <= max_loss < 1:
            fail(f"{path}.max_loss_probability", "must be a fraction from 0 to below 1 (0.1 = at most a 10% "
                                                 f"chance of losing money), found {raw['max_loss_probability']!r}")
            ok = False
    must = _names(raw.get("must_fund", []), f"{path}.must_fund", fail)
    groups: list[tuple[str, ...]] = []
    exclusive = raw.get("exclusive", [])
    if not isinstance(exclusive, list):
        fail(f"{path}.exclusive", f"expected a list of groups of names, e.g. [[\"A\", \"B\"]], found {_kind(exclusive)}")
        ok = False
    else:
        for i, group in enumerate(exclusive):
            names = _names(group, f"{path}.exclusive[{i}]", fail)
            if names is not None and len(set(names)) < 2:
                fail(f"{path}.exclusive[{i}]", "a group needs at least two different names (at most one of them "
                                               "is funded)")
                names = None
            if names is None:
                ok = False
            else:
                groups.append(names)
    pairs: list[tuple[str, str]] = []
    requires = raw.get("requires", [])
    if not isinstance(requires, list):
        fail(f"{path}.requires", f"expected a list of pairs [A, B] (A only if B), found {_kind(requires)}")
        ok = False
    else:
        for i, pair in enumerate(requires):
            names = _names(pair, f"{path}.requires[{i}]", fail)
            if names is not None and (len(names) != 2 or names[0] == names[1]):
                fail(f"{path}.requires[{i}]", "expected a pair of two different names [A, B]: A is funded only "
                                              "if B is")
                names = None
            if names is None:
                ok = False
            else:
                pairs.append((names[0], names[1]))
    if not ok or must is None or budget is None:
        return None
    return PortfolioSpec(budget, tuple(by_year), max_loss, must, tuple(groups), tuple(pairs))


def _names(value: Any, path: str, fail: Callable[[str, str], None]) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        fail(path, f"expected a list of alternatives' names, found {_kind(value)}")
        return None
    out = []
    for i, v in enumerate(value):
        if not isinstance(v, str) or not v.strip():
            fail(f"{path}[{i}]", f"expected an alternative's name (text), found {_kind(v)}")
            return None
        out.append(v)
    return tuple(out)


def problems(spec: PortfolioSpec, alternatives: Sequence[str], horizon: int,
             path: str = "portfolio") -> list[Problem]:
    """Problems of ``spec`` against the scenario's alternatives' names and horizon."""
    out: list[Problem] = []
    known = list(alternatives)

    def name_ok(name: str, where: str) -> None:
        if name not in known:
            out.append(Problem(where, f"'{name}' is not an alternative's name{did_you_mean(name, known)}"))

    for i, name in enumerate(spec.must_fund):
        name_ok(name, f"{path}.must_fund[{i}]")
    for i, group in enumerate(spec.exclusive):
        for j, name in enumerate(group):
            name_ok(name, f"{path}.exclusive[{i}][{j}]")
    for i, pair in enumerate(spec.requires):
        for j, name in enumerate(pair):
            name_ok(name, f"{path}.requires[{i}][{j}]")
    if len(spec.budget_by_year) > horizon + 1:
        out.append(Problem(f"{path}.budget_by_year", f"has {len(spec.budget_by_year)} limits, but the horizon has "
                                                     f"only years 0 to {horizon}"))
    return out


def to_data(spec: PortfolioSpec) -> dict[str, Any]:
    """Plain data for the table, leaving out keys at their defaults."""
    out: dict[str, Any] = {"budget": spec.budget}
    if spec.budget_by_year:
        out["budget_by_year"] = list(spec.budget_by_year)
    if spec.max_loss_probability is not None:
        out["max_loss_probability"] = spec.max_loss_probability
    if spec.must_fund:
        out["must_fund"] = list(spec.must_fund)
    if spec.exclusive:
        out["exclusive"] = [list(g) for g in spec.exclusive]
    if spec.requires:
        out["requires"] = [list(p) for p in spec.requires]
    return out
