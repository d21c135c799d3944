"""Line items -> yearly cash flows and P&L effects, vectorised over simulated futures.

Shapes: ``n`` simulated futures, ``H`` = horizon in years. Cash arrays are ``(n, H+1)``
(column 0 = today, column t = end of year t); P&L arrays are ``(n, H)`` for years 1..H.
Amounts are positive magnitudes; the item's kind gives the sign.

Timing rules (stated in the README):
- an investment is paid once, in its ``year``; in the P&L it is depreciated straight-line
  over ``life_years`` starting the year after it is paid (so an investment made today is
  depreciated from year 1), as far as the horizon reaches;
- an annual item runs from ``start_year`` to ``end_year``; in its k-th year it is at
  ``min(k / ramp_years, 1)`` of full size (ramp 0 or 1: full at once) and has grown by
  ``(1 + growth) ** (k - 1)``; with a ``probability`` it happens in a given year only with
  that chance, independently from year to year;
- a revenue benefit adds its amount to revenue and ``amount * contribution_margin`` to cash
  and profit; a cost saving adds its amount to cash and profit; running costs and risks
  subtract theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scenario import Item


@dataclass
class ItemDraws:
    """The sampled values one item needs for a chunk of ``n`` futures.

    ``amount`` is ``(n, 1)`` (one draw per future) or ``(n, H)`` (a draw per year, for
    ``vary = "yearly"``); ``growth``, ``probability`` and ``contribution_margin`` are
    ``(n, 1)`` or scalars; ``occurs`` is a boolean ``(n, H)`` or None when the item always
    happens.
    """

    amount: np.ndarray
    growth: np.ndarray | float = 0.0
    contribution_margin: np.ndarray | float = 1.0
    occurs: np.ndarray | None = None


@dataclass
class AlternativeFlows:
    """Cash and P&L effects of one alternative for a chunk of futures (see module doc)."""

    benefits: np.ndarray     # (n, H+1) cash in from benefits, >= 0 for positive amounts
    costs: np.ndarray        # (n, H+1) cash out for investments, running costs and risks, as positive numbers
    profit: np.ndarray       # (n, H) change in operating profit, years 1..H
    revenue: np.ndarray      # (n, H) change in revenue, years 1..H
    item_pv: list[np.ndarray]    # per item, (n,) present value, signed (+ in, - out)

    @property
    def net(self) -> np.ndarray:
        return self.benefits - self.costs


def year_profile(item: Item, horizon: int) -> np.ndarray:
    """``(H,)`` factors for years 1..H: 0 outside start..end, the ramp inside."""
    end = horizon if item.end_year is None else item.end_year
    years = np.arange(1, horizon + 1)
    k = years - item.start_year + 1          # the item's k-th year
    active = (years >= item.start_year) & (years <= end)
    ramp = np.minimum(k / item.ramp_years, 1.0) if item.ramp_years > 1 else np.ones(horizon)
    return np.where(active, ramp, 0.0)


def annual_values(item: Item, draws: ItemDraws, horizon: int) -> np.ndarray:
    """``(n, H)`` size of an annual item in years 1..H (a positive magnitude)."""
    profile = year_profile(item, horizon)
    k = np.maximum(np.arange(1, horizon + 1) - item.start_year, 0)
    if isinstance(draws.growth, float):
        if draws.growth != 0:
            profile = profile * (1.0 + draws.growth) ** k
        values = draws.amount * profile
    else:
        values = draws.amount * profile * (1.0 + draws.growth) ** k
    if draws.occurs is not None:
        values = values * draws.occurs
    return values


def flows(items: tuple[Item, ...], draws: list[ItemDraws], n: int, horizon: int,
          discount: np.ndarray) -> AlternativeFlows:
    """Turn one alternative's items and their draws into cash and P&L arrays.

    ``discount`` holds the ``(H+1,)`` discount factors, used for each item's present value
    per future (``item_pv``): a future's value is the same, bit for bit, whatever ``n``.
    """
    benefits = np.zeros((n, horizon + 1))
    costs = np.zeros((n, horizon + 1))
    profit = np.zeros((n, horizon))
    revenue = np.zeros((n, horizon))
    item_pv: list[np.ndarray] = []
    for item, d in zip(items, draws):
        if item.kind == "investment":
            if item.year > horizon:      # paid after the horizon: not counted (a caution says so)
                item_pv.append(np.zeros(n))
                continue
            amount = d.amount[:, 0]
            item_pv.append(-amount * discount[item.year])
            costs[:, item.year] += amount
            life = horizon if item.life_years is None else item.life_years
            first, last = item.year + 1, min(item.year + life, horizon)
            if first <= last:
                profit[:, first - 1:last] -= (amount / life)[:, None]
        else:
            values = annual_values(item, d, horizon)
            if item.kind == "benefit":
                if item.effect == "revenue":
                    revenue += values
                    values = values * d.contribution_margin
                benefits[:, 1:] += values
                profit += values
            else:
                costs[:, 1:] += values
                profit -= values
            # Row by row with einsum, not a BLAS product (whose thread split rounds a few rows
            # differently): a future's value never depends on how many were computed at once.
            pv = np.einsum("ij,j->i", values, discount[1:])
            item_pv.append(pv if item.kind == "benefit" else -pv)
    return AlternativeFlows(benefits, costs, profit, revenue, item_pv)


def margin_impact_pp(profit: np.ndarray, revenue: np.ndarray, baseline_revenue: float,
                     baseline_margin: float, revenue_growth: float) -> np.ndarray:
    """Operating-margin impact in percentage points, ``(n, H)`` for years 1..H.

    Baseline revenue in year t is ``revenue * (1 + growth) ** t`` and baseline profit is
    ``margin`` times that; the impact is ``(profit_t + dP) / (revenue_t + dR) - margin``.
    NaN where the revenue would not be positive (a margin does not exist there).
    """
    horizon = profit.shape[1]
    base_rev = baseline_revenue * (1.0 + revenue_growth) ** np.arange(1, horizon + 1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        new_revenue = base_rev + revenue
        new_margin = (baseline_margin * base_rev + profit) / new_revenue
        impact = (new_margin - baseline_margin) * 100.0
    # No revenue left (or a meaningless ratio): the margin is undefined there, not infinite.
    impact[~(new_revenue > 0) | ~np.isfinite(impact)] = np.nan
    return impact
