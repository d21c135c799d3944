"""What the board is asked to decide: fund one alternative, run a pilot first, or do nothing.

The rule (stated in the report's Method):

1. Take the alternative with the highest expected NPV **within the risk appetite** of the
   file's ``[appetite]`` table: its chance of loss at most ``max_loss_probability`` and the
   average of its worst 5 % of futures a loss of at most ``max_downside``. An alternative that
   breaches the appetite is passed over, however high its expected NPV. Without the table
   every alternative is within it.
2. If no alternative within the appetite has an expected NPV above zero: **do nothing**.
3. If the choice is a close call against the next alternative within the appetite (it beats
   it in fewer than :data:`CLOSE_CALL` of futures) and learning one input before deciding is
   worth at least :data:`PILOT_SHARE` of the choice's expected NPV (its EVPPI): **run a pilot
   first**, to learn that input.
4. Otherwise: **fund** the choice.

:func:`choose` is the rule on plain numbers; :func:`decide` applies it to a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from simulator.model.scenario import Appetite
    from simulator.sim.engine import Results

#: Below this chance of beating the next alternative the choice is a close call.
CLOSE_CALL = 0.6
#: A pilot is proposed when learning one input is worth at least this share of the choice's expected NPV.
PILOT_SHARE = 0.10


@dataclass(frozen=True)
class Candidate:
    name: str
    expected_npv: float
    prob_loss: float
    cvar: float                 # average NPV of the worst 5 % of futures


@dataclass(frozen=True)
class Decision:
    action: str                 # "fund" | "pilot" | "nothing"
    choice: str | None          # the alternative funded (or piloted); None for "nothing"
    best_value: str | None      # the highest expected NPV, within the appetite or not
    runner_up: str | None       # the next alternative within the appetite
    #: Per alternative the limits it breaches, in words ("chance of loss 34% above 20%").
    breaches: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pilot_input: str = ""       # the input a pilot would learn (its label)
    pilot_value: float = 0.0    # what learning it is worth (EVPPI)
    beats: float | None = None  # chance the choice beats the runner-up


def breaches(c: Candidate, appetite: "Appetite | None", fmt_money=None, fmt_percent=None) -> tuple[str, ...]:
    """The limits of ``appetite`` that ``c`` breaches, in words."""
    if appetite is None:
        return ()
    money = fmt_money or (lambda x: f"{x:,.0f}")
    pct = fmt_percent or (lambda p: f"{p:.0%}")
    out = []
    if appetite.max_loss_probability is not None and c.prob_loss > appetite.max_loss_probability:
        out.append(f"its chance of loss, {pct(c.prob_loss)}, is above the {pct(appetite.max_loss_probability)} "
                   "the board accepts")
    if appetite.max_downside is not None and c.cvar < -appetite.max_downside:
        out.append(f"in the worst 5% of futures it loses {money(-c.cvar)} on average, more than the "
                   f"{money(appetite.max_downside)} the board accepts")
    return tuple(out)


def choose(candidates: Sequence[Candidate], appetite: "Appetite | None", *,
           beats: dict[str, dict[str, float]] | None = None, best_info: tuple[str, float] | None = None,
           fmt_money=None, fmt_percent=None) -> Decision:
    """The rule on plain numbers. ``beats[a][b]`` is the chance a beats b; ``best_info`` the
    input most worth learning and its EVPPI."""
    ranked = sorted(candidates, key=lambda c: c.expected_npv, reverse=True)
    br = {c.name: breaches(c, appetite, fmt_money, fmt_percent) for c in ranked}
    within = [c for c in ranked if not br[c.name]]
    best_value = ranked[0].name if ranked else None
    positive = [c for c in within if c.expected_npv > 0]
    if not positive:
        return Decision("nothing", None, best_value, within[0].name if within else None,
                        {k: v for k, v in br.items() if v})
    choice = positive[0]
    others = [c for c in within if c.name != choice.name]
    runner = others[0].name if others else None
    p = beats[choice.name][runner] if (beats and runner) else None
    action = "fund"
    pilot_input, pilot_value = "", 0.0
    if p is not None and p < CLOSE_CALL and best_info is not None and \
            best_info[1] >= PILOT_SHARE * choice.expected_npv:
        action, (pilot_input, pilot_value) = "pilot", best_info
    return Decision(action, choice.name, best_value, runner, {k: v for k, v in br.items() if v},
                    pilot_input, pilot_value, p)


def candidates(results: "Results") -> list[Candidate]:
    from simulator.analysis.risk import worst_average

    s = results.summary
    return [Candidate(a.name, s.alternative(a.name).npv.mean, s.alternative(a.name).prob_loss, worst_average(a)[0])
            for a in results.alternatives]


def decide(results: "Results") -> Decision:
    """The rule applied to a run (money and chances in words through
    :mod:`simulator.analysis.formatting`)."""
    from simulator.analysis import formatting as fmt
    from simulator.analysis.insights import value_of_information
    from simulator.model.keys import input_label

    sc = results.scenario
    comp = results.summary.comparison
    info = None
    if len(results.alternatives) > 1:
        voi = value_of_information(results)
        if voi.inputs:
            info = (input_label(voi.inputs[0].input), voi.inputs[0].value)
    def rule(best_info):
        return choose(candidates(results), sc.appetite, beats=comp.prob_beats, best_info=best_info,
                      fmt_money=lambda x: fmt.money(x, sc.currency), fmt_percent=fmt.percent)

    d = rule(info)
    if d.action == "pilot" and d.choice is not None and staged(sc, d.choice) is not None:
        d = rule(None)   # the choice is itself "test first, then decide": no pilot before the pilot
    return d


def staged(scenario, name: str):
    """The alternative ``name`` when it is "test first, then decide" (``stage_of``), else None."""
    return next((a for a in scenario.alternatives if a.name == name and a.is_staged), None)


def to_json(results: "Results") -> dict[str, Any]:
    d = decide(results)
    ap = results.scenario.appetite
    return {"action": d.action, "choice": d.choice, "highest_expected_npv": d.best_value, "runner_up": d.runner_up,
            "beats_runner_up": d.beats, "breaches": {k: list(v) for k, v in d.breaches.items()},
            "pilot_input": d.pilot_input or None, "pilot_value": d.pilot_value if d.pilot_input else None,
            "appetite": None if ap is None else {"max_loss_probability": ap.max_loss_probability,
                                                 "max_downside": ap.max_downside}}
