"""Workshop logic: several teams' versions of one scenario side by side, and gut calls.

No Qt, no matplotlib. The desktop windows (``ui.workshop.teams``, ``ui.workshop.gutcall``)
only show what this module computes.

Teams side by side
------------------
Each team argues from its own copy of the scenario file. :func:`compare_teams` runs every
team's scenario with the same iterations and seed, so inputs with the same name (a variable,
or an item's own amount as ``"alternative / item"``) draw from the same random stream in
every team's run (common random numbers, see :mod:`simulator.sim.engine`): where two teams give
the same range, they see the same futures, and a difference between their results comes from
their assumptions, not from noise.

*Assumptions* are what a team can disagree on: the discount rate, the horizon, the baseline,
each variable (aligned by name), each item and each field of an item (aligned by alternative
and item name), the correlations, and which alternatives and items exist. Titles, notes,
descriptions, drivers and the run settings (iterations, seed, sampling) are not assumptions:
the comparison runs every team with one iteration count and one seed.

*Which disagreement matters?* The first team is the baseline (or the one named). Its two
leading alternatives by expected NPV, A and B, define the *gap*: E[NPV_A - NPV_B] in the
baseline team's currency (positive: A ahead). For each assumption on which the teams differ,
and each other team, the baseline scenario is run again with that one assumption replaced by
the other team's value (same seed, so only that assumption moves). Its *shift* is the change
in the gap; it *changes the choice* when the alternative with the highest expected NPV is no
longer A. Disagreements are ranked: those that change the choice first, then by the largest
shift. A scenario with a single alternative has no gap; the expected NPV of that alternative
is used instead.

Gut calls
---------
:class:`GutCall` records a team's choice and its confidence (0.5-1.0, the chance the team
gives its choice of being the better one) before the results are shown; :func:`judge_calls`
sets them beside the simulation: the alternative with the highest expected NPV, and the share
of futures in which each team's choice is the best (``Comparison.prob_best``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import math
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from simulator.analysis import formatting as fmt
from simulator.analysis.describe import describe_amount
from simulator.model.distributions import Distribution
from simulator.model.errors import Cancelled, ScenarioError
from simulator.model.expressions import Formula
from simulator.model.scenario import Correlation, Item, Scenario, check, load

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

#: The runs that rank the disagreements use at most this many futures: each is one of many
#: re-runs with common random numbers, so the shifts they measure are steady well below the
#: iterations a team's own result needs.
RANKING_ITERATIONS = 10_000

#: Progress of a comparison: ``(runs done, runs in all, what is being simulated)``.
TeamProgress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]

# What each field of an item is called, its unit, in order of display.
_ITEM_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("kind", "kind", "text"),
    ("amount", "amount", "money"),
    ("year", "in year", "year"),
    ("life_years", "useful life", "years"),
    ("start_year", "first year", "year"),
    ("end_year", "last year", "year"),
    ("ramp_years", "ramp-up", "years"),
    ("growth", "growth per year", "percent"),
    ("probability", "chance per year", "percent"),
    ("vary", "drawn", "text"),
    ("effect", "effect", "text"),
    ("contribution_margin", "contribution margin", "percent"),
    ("depreciation", "depreciation for tax", "depreciation"),
    ("residual_value", "resale value at the end", "money"),
    ("indexed", "rises with inflation", "yes/no"),
    ("frequency", "events per year", "number"),
)
_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("currency", "Currency", "text"),
    ("horizon_years", "Planning horizon", "years"),
    ("discount_rate", "Discount rate", "percent"),
    ("tax_rate", "Tax rate (after tax when above 0)", "percent"),
    ("inflation", "Inflation (amounts in today's prices)", "percent"),
)
_BASELINE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("revenue", "Revenue today", "money"),
    ("operating_margin", "Operating margin today", "percent"),
    ("revenue_growth", "Revenue growth without the project", "percent"),
)
_TEXT_WORDS = {"once": "drawn once per future", "yearly": "drawn afresh every year",
               "cost_saving": "a cost saving", "revenue": "extra revenue", "running_cost": "a running cost"}


# ---------------------------------------------------------------------------------------
# Teams and names
# ---------------------------------------------------------------------------------------

def team_name_from_path(path: str | Path) -> str:
    """A team's name from its file name: ``sales.toml`` -> "Sales", ``it.toml`` -> "IT",
    ``finance-team.toml`` -> "Finance team"."""
    stem = re.sub(r"[-_ ]+", " ", Path(path).stem).strip() or "Team"
    if len(stem) <= 3 and " " not in stem:
        return stem.upper()
    return stem[0].upper() + stem[1:]


possessive = fmt.possessive   # "Sales'" and "Finance's": one home, simulator.analysis.formatting


def unique_names(names: Sequence[str]) -> list[str]:
    """The names, with " 2", " 3"... added where one repeats."""
    out: list[str] = []
    for name in names:
        candidate, k = name, 2
        while candidate in out:
            candidate, k = f"{name} {k}", k + 1
        out.append(candidate)
    return out


def load_teams(paths: Iterable[str | Path]) -> list[tuple[str, Scenario]]:
    """``(team name, scenario)`` for each file, named after the file (see
    :func:`team_name_from_path`). Raises ScenarioError (naming the file) for the first file
    that cannot be read."""
    paths = [Path(p) for p in paths]
    names = unique_names([team_name_from_path(p) for p in paths])
    return [(name, load(path)) for name, path in zip(names, paths)]


# ---------------------------------------------------------------------------------------
# Assumptions: aligning the teams' scenarios
# ---------------------------------------------------------------------------------------

#: Key of an assumption:
#: ``("setting", field)``, ``("baseline",)``, ``("baseline", field)``, ``("variable", name)``,
#: ``("alternative", alt)``, ``("item", alt, item)`` (the item as a whole: present or not),
#: ``("item", alt, item, field)``, ``("correlation", name_a, name_b)`` (names sorted).
Key = tuple


@dataclass(frozen=True)
class TeamValue:
    """One team's value for an assumption. ``value`` is None where the team's file does not
    have it (a variable, an item or an alternative it leaves out); ``text`` says it in words."""

    team: str
    value: Any
    text: str


@dataclass(frozen=True)
class Difference:
    """An assumption on which at least two teams differ.

    ``values`` has one entry per team, in team order. ``triable`` is False for differences
    that cannot be tried on their own in the baseline team's scenario (an alternative only
    some teams consider, a different currency): they are listed but not ranked.
    """

    key: Key
    label: str
    values: tuple[TeamValue, ...]
    triable: bool = True

    def value_of(self, team: str) -> TeamValue:
        for v in self.values:
            if v.team == team:
                return v
        raise KeyError(team)


def _words(value: Any, unit: str, scenario: Scenario, *, plain: bool = False) -> str:
    """A value in the words the app uses everywhere, without the closing full stop.
    ``plain``: a fixed number without "Exactly" (settings, where a range is never used)."""
    if value is None:
        return "none" if unit == "correlation" else "not in this file"
    cur = scenario.currency
    if unit == "text":
        return _TEXT_WORDS.get(str(value), str(value).replace("_", " "))
    if unit == "yes/no":
        return "yes" if value else "no (fixed price)"
    if unit == "depreciation":
        if isinstance(value, str):
            return value.replace("_", " ")
        return "schedule " + ", ".join(fmt.percent(f, digits=2) for f in value)
    if unit == "year":
        return f"year {int(value)}"
    if unit == "years":
        n = int(value)
        return f"{n} year{'s' if n != 1 else ''}"
    if unit == "correlation":
        return f"rank correlation {value:+.2f}".replace("-", "\u2212")
    if unit == "item":
        return _words(value.amount, "money", scenario) + f" ({_TEXT_WORDS.get(value.kind, value.kind)})"
    if unit == "alternative":
        n = len(value.items)
        return f"considered ({n} item{'s' if n != 1 else ''})"
    if unit == "baseline":
        return (f"revenue {fmt.money(value.revenue, cur)}, margin {fmt.percent(value.operating_margin, digits=1)}, "
                f"growth {fmt.percent(value.revenue_growth, digits=1)}")
    text = describe_amount(value, unit=unit, currency=cur, scenario=scenario)
    text = text[:-1] if text.endswith(".") else text
    if plain and text.startswith("Exactly "):
        text = text[len("Exactly "):]
    return text


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return float(a) == float(b)
    return a == b


def _pretty_variable(name: str) -> str:
    return name.replace("_", " ")


def assumptions(scenario: Scenario) -> dict[Key, tuple[str, str, Any]]:
    """Every assumption of one scenario: key -> (label, unit, value), in file order."""
    out: dict[Key, tuple[str, str, Any]] = {}
    for attr, label, unit in _SETTINGS:
        out[("setting", attr)] = (label, unit, getattr(scenario, attr))
    if scenario.baseline is not None:
        for attr, label, unit in _BASELINE_FIELDS:
            out[("baseline", attr)] = (label, unit, getattr(scenario.baseline, attr))
    for name, amount in scenario.variables:
        out[("variable", name)] = (_pretty_variable(name), "auto", amount)
    for alt in scenario.alternatives:
        out[("alternative", alt.name)] = (alt.name, "alternative", alt)
        for item in alt.items:
            base = f"{alt.name} / {item.name}"
            out[("item", alt.name, item.name)] = (base, "item", item)
            for attr, words, unit in _ITEM_FIELDS:
                label = base if attr == "amount" else f"{base}: {words}"
                out[("item", alt.name, item.name, attr)] = (label, unit, getattr(item, attr))
    for corr in scenario.correlations:
        a, b = sorted(corr.between)
        out[("correlation", a, b)] = (f"Correlation of {_pretty_variable(a)} and {_pretty_variable(b)}",
                                      "correlation", corr.rank)
    return out


def differences(teams: Sequence[tuple[str, Scenario]]) -> tuple[Difference, ...]:
    """The assumptions on which the teams differ, each team's value in words.

    A whole item (or alternative) present in some files and not others is one difference;
    its fields are then not listed separately. Likewise a baseline that only some files
    have. In the order the assumptions first appear in the teams' files.
    """
    per_team = [(name, scenario, assumptions(scenario)) for name, scenario in teams]
    keys: dict[Key, str] = {}
    for _, _, table in per_team:
        for key, (_, unit, _) in table.items():
            keys.setdefault(key, unit)
    # Baseline: one difference when only some files have one.
    has_baseline = {s.baseline is not None for _, s in teams}
    out: list[Difference] = []
    if len(has_baseline) > 1:
        out.append(Difference(("baseline",), "Baseline (today's business, for the margin view)",
                              tuple(TeamValue(n, s.baseline, _words(s.baseline, "baseline", s)) for n, s in teams)))
    for key, unit in keys.items():
        kind = key[0]
        if kind == "baseline" and len(has_baseline) > 1:
            continue
        values = [table.get(key, (None, unit, None))[2] for _, _, table in per_team]
        present = [v is not None for v in values]
        if kind == "alternative":
            if all(present):
                continue               # its items are compared one by one
        elif kind == "item":
            if not all(("alternative", key[1]) in table for _, _, table in per_team):
                continue               # the alternative as a whole is the difference
            if len(key) == 3 and all(present):
                continue               # the item is compared field by field
            if len(key) == 4 and not all(key[:3] in table for _, _, table in per_team):
                continue               # the item as a whole is the difference
        first = values[0]
        if all(_same(v, first) for v in values[1:]):
            continue
        label = next(table[key][0] for _, _, table in per_team if key in table)
        triable = kind != "alternative" and key != ("setting", "currency")
        plain = kind in ("setting", "baseline")
        out.append(Difference(key, label, tuple(TeamValue(name, value, _words(value, unit, scenario, plain=plain))
                                                for (name, scenario, _), value in zip(per_team, values)),
                              triable))
    return tuple(out)


# ---------------------------------------------------------------------------------------
# Swapping one assumption into another scenario
# ---------------------------------------------------------------------------------------

def _amount_names(value: Any) -> set[str]:
    if isinstance(value, Formula):
        return set(value.names)
    if isinstance(value, Item):
        return set().union(*(_amount_names(getattr(value, a)) for a in ("amount", "growth", "probability",
                                                                         "contribution_margin")))
    return set()


def _with_variables(scenario: Scenario, names: set[str], source: Scenario) -> Scenario:
    """``scenario`` with the variables it lacks among ``names`` (and what they use) copied
    from ``source``: a formula swapped in brings the variables it reads."""
    have = scenario.variable_map
    theirs = source.variable_map
    missing: list[str] = []
    todo = sorted(names)
    while todo:
        name = todo.pop()
        if name in have or name in missing or name not in theirs:
            continue
        missing.append(name)
        todo.extend(sorted(_amount_names(theirs[name])))
    if not missing:
        return scenario
    added = tuple((n, a) for n, a in source.variables if n in missing)
    return replace(scenario, variables=scenario.variables + added)


def swap(scenario: Scenario, key: Key, value: Any, source: Scenario) -> Scenario:
    """``scenario`` with the assumption ``key`` set to ``value`` (None removes it), as in
    ``source``, the scenario the value comes from. Variables a swapped-in formula needs are
    copied from ``source`` too. May return a scenario that does not pass
    :func:`simulator.model.scenario.check` (e.g. a variable removed that a formula still uses)."""
    kind = key[0]
    if kind == "setting":
        return replace(scenario, **{key[1]: value})
    if kind == "baseline" and len(key) == 1:
        return replace(scenario, baseline=value)
    if kind == "baseline":
        return replace(scenario, baseline=replace(scenario.baseline, **{key[1]: value}))
    if kind == "variable":
        name = key[1]
        names = [n for n, _ in scenario.variables]
        if value is None:
            variables = tuple((n, a) for n, a in scenario.variables if n != name)
        elif name in names:
            variables = tuple((n, value if n == name else a) for n, a in scenario.variables)
        else:
            variables = scenario.variables + ((name, value),)
        correlations = scenario.correlations
        if not isinstance(value, Distribution):
            correlations = tuple(c for c in correlations if name not in c.between)
        new = replace(scenario, variables=variables, correlations=correlations)
        return _with_variables(new, _amount_names(value), source)
    if kind == "correlation":
        pair = set(key[1:])
        kept = tuple(c for c in scenario.correlations if set(c.between) != pair)
        if value is None:
            return replace(scenario, correlations=kept)
        return replace(scenario, correlations=kept + (Correlation((key[1], key[2]), float(value)),))
    if kind == "item":
        alt_name, item_name = key[1], key[2]
        alts = []
        found = False
        for alt in scenario.alternatives:
            if alt.name == alt_name:
                found = True
                items = list(alt.items)
                index = next((i for i, it in enumerate(items) if it.name == item_name), None)
                if len(key) == 3:
                    if value is None and index is not None:
                        del items[index]
                    elif value is not None and index is not None:
                        items[index] = value
                    elif value is not None:
                        items.append(value)
                elif index is not None:
                    items[index] = replace(items[index], **{key[3]: value})
                alt = replace(alt, items=tuple(items))
            alts.append(alt)
        if not found:
            raise KeyError(alt_name)
        new = replace(scenario, alternatives=tuple(alts))
        return _with_variables(new, _amount_names(value), source)
    raise ValueError(f"{key!r} cannot be swapped on its own")


# ---------------------------------------------------------------------------------------
# Results of a comparison
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Standing:
    """Where the leading alternatives stand after one run (money in the baseline's currency).

    ``best`` has the highest expected NPV; ``prob_best`` is the share of futures in which it
    is the best of all; ``gap`` is E[NPV_A - NPV_B] for the baseline's leading pair (A, B),
    or NaN when this run lacks one of them; ``prob_a_ahead`` the share of futures in which
    A's NPV is above B's (NaN likewise).
    """

    best: str
    prob_best: float
    gap: float
    prob_a_ahead: float


def standing(results: "Results", pair: tuple[str, str | None]) -> Standing:
    comp = results.summary.comparison
    a, b = pair
    names = results.names
    if a in names and (b is None or b in names):
        x = results.alternative(a).npv
        if b is None:
            gap, ahead = float(np.mean(x)), float(np.mean(x > 0))
        else:
            d = x - results.alternative(b).npv
            gap, ahead = float(np.mean(d)), float(np.mean(d > 0))
    else:
        gap = ahead = math.nan
    return Standing(comp.best, comp.prob_best[comp.best], gap, ahead)


@dataclass(frozen=True)
class TeamResult:
    """One team's scenario, run with the comparison's iterations and seed."""

    name: str
    scenario: Scenario
    results: "Results"
    standing: Standing
    path: str | None = None

    @property
    def verdict(self) -> str:
        """The app's verdict sentence for this team's results."""
        return self.results.summary.verdict

    @property
    def best(self) -> str:
        return self.standing.best

    @property
    def headline(self) -> str:
        """"New production line comes out ahead: best in 64% of futures, expected NPV $1.2M
        against $0.9M for ERP system"."""
        s = self.results.summary
        comp = s.comparison
        cur = self.scenario.currency
        best = s.alternative(comp.best)
        text = f"{comp.best} comes out ahead"
        if comp.runner_up is None:
            return f"{text}: expected NPV {fmt.money(best.npv.mean, cur)}"
        second = s.alternative(comp.runner_up)
        return (f"{text}: best in {fmt.percent(comp.prob_best[comp.best])} of futures, expected NPV "
                f"{fmt.money(best.npv.mean, cur)} against {fmt.money(second.npv.mean, cur)} for {comp.runner_up}")


@dataclass(frozen=True)
class Trial:
    """The baseline scenario with one team's value for one assumption."""

    team: str
    standing: Standing | None      # None when it could not run (see ``problem``)
    shift: float                   # change of the gap against the baseline; NaN if it could not run
    changes_choice: bool
    problem: str = ""
    #: False for the baseline team and teams with the baseline's value (nothing swapped in).
    swapped: bool = False


@dataclass(frozen=True)
class Impact:
    """How much one disagreement moves the verdict, tried one team at a time.

    ``trials`` has one entry per team: the baseline team's own (shift 0) and each other
    team's value swapped into the baseline scenario. ``shift`` is the largest change of the
    gap (in absolute terms, signed: positive moves towards A); ``changes_choice`` is True
    when some team's value alone puts another alternative ahead.
    """

    difference: Difference
    trials: tuple[Trial, ...]

    @property
    def shift(self) -> float:
        shifts = [t.shift for t in self.trials if math.isfinite(t.shift)]
        return max(shifts, key=abs, default=0.0)

    @property
    def changes_choice(self) -> bool:
        return any(t.changes_choice for t in self.trials)

    @property
    def tried(self) -> bool:
        """False when no other team's value could be run in the baseline scenario."""
        return any(t.swapped and t.standing is not None for t in self.trials)

    def trial(self, team: str) -> Trial:
        for t in self.trials:
            if t.team == team:
                return t
        raise KeyError(team)


@dataclass(frozen=True)
class TeamComparison:
    """Everything :func:`compare_teams` found. Money in the baseline team's currency.

    ``teams`` in the order given; ``differences`` in file order; ``impacts`` ranked, the
    disagreement that matters most first (only the triable differences); ``pair`` the
    baseline's leading alternatives (A, B), B None with a single alternative; ``sentence``
    answers "Which disagreement matters?" in words.
    """

    teams: tuple[TeamResult, ...]
    baseline: str
    pair: tuple[str, str | None]
    differences: tuple[Difference, ...]
    impacts: tuple[Impact, ...]
    iterations: int
    seed: int
    ranking_iterations: int
    sentence: str
    warnings: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.teams]

    def team(self, name: str) -> TeamResult:
        for t in self.teams:
            if t.name == name:
                return t
        raise KeyError(name)

    @property
    def verdicts(self) -> dict[str, str]:
        """Each team's verdict sentence, by team."""
        return {t.name: t.verdict for t in self.teams}

    @property
    def currency(self) -> str:
        return self.team(self.baseline).scenario.currency

    @property
    def alternatives(self) -> list[str]:
        """Every alternative of any team, in order of first appearance."""
        out: list[str] = []
        for t in self.teams:
            for name in t.results.names:
                if name not in out:
                    out.append(name)
        return out

    def impact_of(self, key: Key) -> Impact | None:
        for imp in self.impacts:
            if imp.difference.key == key:
                return imp
        return None

    @property
    def teams_agree(self) -> bool:
        return len({t.best for t in self.teams}) == 1


# ---------------------------------------------------------------------------------------
# The comparison
# ---------------------------------------------------------------------------------------

def compare_teams(named_scenarios: Sequence[tuple[str, Scenario]] | Mapping[str, Scenario],
                  iterations: int | None = None, seed: int | None = None, *,
                  baseline: str | None = None, ranking_iterations: int | None = None,
                  paths: Mapping[str, str] | None = None, progress: TeamProgress | None = None,
                  cancel: CancelCheck | None = None) -> TeamComparison:
    """Run each team's scenario and find which of their disagreements matters.

    ``named_scenarios``: ``(team name, scenario)`` pairs (or a mapping), at least one, names
    unique. ``iterations`` and ``seed`` default to the baseline team's file; every team runs
    with both (common random numbers). ``baseline``: the team whose scenario the
    disagreements are tried in (default: the first). ``ranking_iterations``: futures per
    trial run (default: ``iterations``, at most :data:`RANKING_ITERATIONS`).

    ``progress(done, total, what)`` is called after each run; ``cancel()`` is checked
    between runs and inside them (raises :class:`~simulator.model.errors.Cancelled`). Raises
    ScenarioError, naming the team, for a team's scenario that cannot run.
    """
    from simulator.sim.engine import run

    teams = list(named_scenarios.items()) if isinstance(named_scenarios, Mapping) else list(named_scenarios)
    if not teams:
        raise ValueError("compare_teams needs at least one team")
    names = [n for n, _ in teams]
    if len(set(names)) != len(names):
        raise ValueError(f"team names must be unique: {names}")
    base_name = baseline or names[0]
    if base_name not in names:
        raise KeyError(base_name)
    base_scenario = dict(teams)[base_name]
    n = int(iterations if iterations is not None else base_scenario.iterations)
    seed = int(seed if seed is not None else base_scenario.seed)
    n_rank = int(ranking_iterations if ranking_iterations is not None else min(n, RANKING_ITERATIONS))
    paths = dict(paths or {})

    diffs = differences(teams)
    triable = [d for d in diffs if d.triable]
    others = [name for name in names if name != base_name]
    # Runs: each team, the baseline again at the ranking size (if smaller), each trial.
    trials_needed = [(d, t) for d in triable for t in others if not _same(d.value_of(t).value,
                                                                           d.value_of(base_name).value)]
    total = len(teams) + (1 if n_rank != n and trials_needed else 0) + len(trials_needed)
    done = 0

    def step(what: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, what)

    def stopped() -> bool:
        return cancel is not None and cancel()

    def go(scenario: Scenario, iters: int) -> "Results":
        if stopped():
            raise Cancelled()
        results = run(scenario, iters, seed, cancel=cancel)
        _ = results.summary
        return results

    # Each team's own results.
    team_results: dict[str, "Results"] = {}
    for name, scenario in teams:
        try:
            team_results[name] = go(scenario, n)
        except ScenarioError as exc:
            raise ScenarioError(exc.problems, paths.get(name) or name) from None
        step(f"{possessive(name)} file")
    base_comp = team_results[base_name].summary.comparison
    pair = (base_comp.best, base_comp.runner_up)
    teams_out = tuple(TeamResult(name, scenario, team_results[name], standing(team_results[name], pair),
                                 paths.get(name)) for name, scenario in teams)

    # The baseline at the ranking size, then one trial per differing value.
    if n_rank == n or not trials_needed:
        base_rank = teams_out[names.index(base_name)].standing if n_rank == n else None
    else:
        base_rank = standing(go(base_scenario, n_rank), pair)
        step(f"{possessive(base_name)} file again")
    impacts = []
    other_scenarios = dict(teams)
    for d in triable:
        trials = []
        for name in names:
            if name == base_name or _same(d.value_of(name).value, d.value_of(base_name).value):
                trials.append(Trial(name, base_rank, 0.0, False))
                continue
            try:
                trial_scenario = swap(base_scenario, d.key, d.value_of(name).value, other_scenarios[name])
                problems = check(trial_scenario)
                if problems:
                    raise ScenarioError(problems)
                st = standing(go(trial_scenario, n_rank), pair)
                shift = st.gap - base_rank.gap
                trials.append(Trial(name, st, shift, st.best != pair[0], swapped=True))
            except ScenarioError as exc:
                trials.append(Trial(name, None, math.nan, False,
                                    f"cannot be tried on its own: {exc.problems[0].message}", swapped=True))
            except (KeyError, ValueError) as exc:
                trials.append(Trial(name, None, math.nan, False, f"cannot be tried on its own: {exc}", swapped=True))
            step(f"{d.label} as in {possessive(name)} file")
        impacts.append(Impact(d, tuple(trials)))
    impacts.sort(key=lambda imp: (not imp.changes_choice, not imp.tried, -abs(imp.shift)))
    warnings = []
    currencies = {s.currency for _, s in teams}
    if len(currencies) > 1:
        warnings.append(f"The teams' files use different currencies ({', '.join(sorted(currencies))}): "
                        "their values are not comparable until they use one.")
    comparison = TeamComparison(teams_out, base_name, pair, diffs, tuple(impacts), n, seed, n_rank, "",
                                tuple(warnings))
    return replace(comparison, sentence=which_matters(comparison))


# ---------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------

def nice_ceiling(x: float) -> float:
    """The round number (1, 2, 2.5 or 5 times a power of ten) at or above ``x`` > 0."""
    if not math.isfinite(x) or x <= 0:
        return 0.0
    power = 10.0 ** math.floor(math.log10(x))
    for f in (1, 2, 2.5, 5, 10):
        if f * power >= x * (1 - 1e-12):
            return f * power
    return 10 * power  # pragma: no cover


def shift_words(shift: float, pair: tuple[str, str | None], currency: str) -> str:
    """"$420k towards ERP system" (the direction of a change in the gap)."""
    if not math.isfinite(shift):
        return "n/a"
    if fmt.money(abs(shift), currency) == fmt.money(0.0, currency):
        return "next to nothing"
    a, b = pair
    if b is None:
        return f"{fmt.money(shift, currency, sign=True)} for {a}"
    return f"{fmt.money(abs(shift), currency)} towards {a if shift > 0 else b}"


def _join(parts: Sequence[str]) -> str:
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def which_matters(comp: TeamComparison) -> str:
    """The answer to "Which disagreement matters?" in one or two sentences."""
    cur = comp.currency
    a, b = comp.pair
    pct = fmt.percent
    if len(comp.teams) < 2:
        return "Open at least two teams' files to compare them."
    if not comp.differences:
        t = comp.teams[0]
        return (f"The teams' files make the same assumptions, so they reach the same verdict: {t.best} comes out "
                f"ahead (best in {pct(t.standing.prob_best)} of futures).")
    impacts = [imp for imp in comp.impacts if imp.tried]
    if not impacts:
        return ("The teams differ only in what cannot be tried on its own (an alternative only some of them "
                "consider, or the currency); compare their verdicts.")
    top = impacts[0]
    rest = impacts[1:]
    rest_max = max((abs(i.shift) for i in rest), default=0.0)
    if rest_max > 0 and fmt.money(rest_max, cur) != fmt.money(0, cur):
        rest_text = f"the other differences move the result by less than {fmt.money(nice_ceiling(rest_max), cur)}"
    else:
        rest_text = "the other differences hardly move the result"
    if top.changes_choice:
        # One clause per outcome: the teams whose value puts each alternative ahead.
        groups: dict[str, list[Trial]] = {}
        for t in top.trials:
            if t.standing is not None:
                groups.setdefault(t.standing.best, []).append(t)
        clauses = []
        for best, trials in groups.items():
            who = _join([possessive(t.team) for t in trials])
            p = max(t.standing.prob_best for t in trials)
            lo = min(t.standing.prob_best for t in trials)
            share = pct(p) if pct(p) == pct(lo) else f"{pct(lo)} to {pct(p)}"
            figure = "figure" if len(trials) == 1 else "figures"
            # "with IT's figure for line units, ..." - whose figure, for which input (a team's own
            # verdict, beside it, may differ: it uses all of its figures).
            clauses.append(f"with {who} {figure} for {top.difference.label}, {best} comes out ahead (best in "
                           f"{share} of futures)")
        text = f"The disagreement that matters is {top.difference.label}: " + ", ".join(clauses)
        also = [i.difference.label for i in rest if i.changes_choice]
        if also:
            text += f". {_join(also)} also change{'s' if len(also) == 1 else ''} the choice on {'its' if len(also) == 1 else 'their'} own"
            others = [i for i in rest if not i.changes_choice]
            rest_max = max((abs(i.shift) for i in others), default=0.0)
            if others and rest_max > 0:
                text += f"; the rest move the result by less than {fmt.money(nice_ceiling(rest_max), cur)}"
            return text + "."
        return text + (f"; {rest_text}." if rest else ".")
    biggest = f"{top.difference.label}, which moves the expected gap between {a} and {b} by " \
              f"{shift_words(top.shift, comp.pair, cur)}" if b is not None else \
              f"{top.difference.label}, which moves the expected value of {a} by {shift_words(top.shift, comp.pair, cur)}"
    if not comp.teams_agree:
        dissent = [t for t in comp.teams if t.best != a]
        who = _join([possessive(t.name) for t in dissent])
        return (f"No single disagreement changes the choice on its own, but together they do: with {who} whole "
                f"file {dissent[0].best} comes out ahead. The biggest single one is {biggest}.")
    return (f"The teams disagree on {len(comp.differences)} assumption{'s' if len(comp.differences) != 1 else ''}, "
            f"but none changes the choice: {a} comes out ahead with every team's figures. The biggest is {biggest}"
            + (f"; {rest_text}." if rest else "."))


# ---------------------------------------------------------------------------------------
# Gut calls
# ---------------------------------------------------------------------------------------

MIN_CONFIDENCE = 0.5
MAX_CONFIDENCE = 1.0
#: A team this sure (or surer) that turns out wrong gets the calibration note.
VERY_CONFIDENT = 0.8
#: Confidence this far above (or below) the simulation's chance counts as over- (under-) confident.
CALIBRATION_GAP = 0.25
#: A split of the futures inside this band (the leader best in at most 55%, the runner-up in at
#: least 45%) is too close to call: no team is called wrong on a coin toss.
CLOSE_CALL = (0.45, 0.55)


@dataclass(frozen=True)
class GutCall:
    """A team's choice before the results are shown. ``confidence`` is a fraction from 0.5
    (a coin toss) to 1.0 (certain) that its choice is the better one."""

    team: str
    choice: str
    confidence: float

    def __post_init__(self) -> None:
        if not self.team.strip():
            raise ValueError("a gut call needs the team's name")
        c = float(self.confidence)
        if not MIN_CONFIDENCE <= c <= MAX_CONFIDENCE:
            raise ValueError(f"confidence is between 50% and 100%, not {c:.0%}")
        object.__setattr__(self, "confidence", c)


@dataclass(frozen=True)
class CallOutcome:
    """A gut call beside the simulation.

    ``chance``: share of futures in which the team's choice is the best (NaN when the choice
    is not an alternative of the results). ``right``: the choice has the highest expected
    NPV. ``calibration``: "overconfident", "underconfident", "well judged" or "wrong and
    very sure". ``sentence`` and ``note`` say it in words.
    """

    call: GutCall
    answer: str
    chance: float
    right: bool
    calibration: str
    sentence: str
    note: str


@dataclass(frozen=True)
class Reveal:
    answer: str                   # the alternative with the highest expected NPV
    answer_chance: float          # share of futures in which it is the best
    headline: str
    outcomes: tuple[CallOutcome, ...]
    #: The two leaders split the futures inside :data:`CLOSE_CALL`: a call on either is not wrong.
    too_close: bool = False
    #: The two alternatives of a close call (the leader first), else empty.
    close_pair: tuple[str, ...] = ()


def too_close_to_call(results: "Results") -> tuple[str, ...]:
    """The leader and the runner-up when they split the futures inside :data:`CLOSE_CALL`
    (e.g. 52% / 48%), else (): a call on either of them is a coin toss, not a mistake."""
    comp = results.summary.comparison
    if comp.runner_up is None:
        return ()
    lo, hi = CLOSE_CALL
    p_best = comp.prob_best.get(comp.best, 0.0)
    p_next = comp.prob_best.get(comp.runner_up, 0.0)
    if p_best <= hi and p_next >= lo and lo <= p_best and p_next <= hi:
        return (comp.best, comp.runner_up)
    return ()


def team_label(team: str) -> str:
    """"Team Finance" (a name that already says "team" is left as it is)."""
    return team if "team" in team.lower().split() else f"Team {team}"


def _one_in(p: float) -> str:
    """A small chance in words: 0.2 -> "one time in 5"; 0 -> "never"."""
    if p <= 0:
        return "never"
    return f"one time in {max(2, round(1 / p))}"


def judge_calls(calls: Sequence[GutCall], results: "Results") -> Reveal:
    """Set each gut call beside the simulated answer (see the module doc)."""
    comp = results.summary.comparison
    answer = comp.best
    p_answer = comp.prob_best[answer]
    pct = fmt.percent
    close = too_close_to_call(results)
    if comp.runner_up is None:
        headline = f"The simulation has only one alternative to offer: {answer}."
    elif close:
        headline = (f"Too close to call: {close[0]} is best in {pct(comp.prob_best[close[0]])} of futures and "
                    f"{close[1]} in {pct(comp.prob_best[close[1]])}, a coin toss. Neither call is wrong.")
    else:
        headline = (f"The simulation: {answer} comes out ahead, with the higher expected value; it is the best "
                    f"choice in {pct(p_answer)} of futures.")
    outcomes = []
    for call in calls:
        who = team_label(call.team)
        chance = comp.prob_best.get(call.choice, math.nan)
        right = call.choice == answer
        head = f"{who} chose {call.choice} at {pct(call.confidence)} confidence"
        if not math.isfinite(chance):
            sentence = f"{head}; that is not one of the alternatives simulated."
            outcomes.append(CallOutcome(call, answer, chance, False, "not simulated", sentence, ""))
            continue
        sentence = f"{head}; the simulation gives {call.choice} the edge in {pct(chance)} of futures"
        if close and call.choice in close:
            sentence += " - too close to call, so not wrong."
            note = ("A coin toss: the futures split almost evenly, so the confidence matters more than the "
                    "choice." if call.confidence < VERY_CONFIDENT else
                    f"{pct(call.confidence)} sure of a coin toss: the futures split almost evenly.")
            outcomes.append(CallOutcome(call, answer, chance, True, "too close to call", sentence, note))
            continue
        if not right:
            sentence += f", and {answer} in {pct(p_answer)}"
        sentence += "."
        gap = call.confidence - chance
        if not right and call.confidence >= VERY_CONFIDENT:
            calibration = "wrong and very sure"
            note = (f"Very sure and wrong: {who} was {pct(call.confidence)} sure of {call.choice}, but it is the "
                    f"better choice in only {pct(chance)} of futures. Someone well calibrated who says "
                    f"{pct(call.confidence)} is wrong only about {_one_in(1 - call.confidence)}.")
        elif gap >= CALIBRATION_GAP:
            calibration = "overconfident"
            note = (f"More sure than the futures justify: {pct(call.confidence)} confidence for a choice that is best "
                    f"in {pct(chance)} of futures.")
        elif -gap >= CALIBRATION_GAP:
            calibration = "underconfident"
            note = (f"The case is stronger than {who} thought: {pct(chance)} of futures against "
                    f"{pct(call.confidence)} confidence.")
        else:
            calibration = "well judged"
            note = "Confidence in line with the simulation." if right else \
                "A modest confidence, fitting a close call."
        outcomes.append(CallOutcome(call, answer, chance, right, calibration, sentence, note))
    return Reveal(answer, p_answer, headline, tuple(outcomes), bool(close), close)


__all__ = [
    "CallOutcome", "Difference", "GutCall", "Impact", "Reveal", "Standing", "TeamComparison", "TeamResult",
    "TeamValue", "Trial", "assumptions", "compare_teams", "differences", "judge_calls", "load_teams",
    "nice_ceiling", "possessive", "shift_words", "standing", "swap", "team_label", "team_name_from_path",
    "too_close_to_call", "unique_names", "which_matters",
]
