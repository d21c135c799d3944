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

After tax, working capital, residual value, inflation (see :func:`flows` and the README's
section "Tax, working capital, residual value and inflation"):
- yearly kinds may start in year 0 (expensed today); a list amount gives one amount per year
  from ``start_year``; a ``frequency`` multiplies the amount per event by a Poisson count;
- with ``inflation`` an amount of year t is multiplied by ``(1 + inflation) ** t`` (an
  investment by its payment year, a residual value by the horizon year), unless the item
  has ``indexed = false``;
- working capital: each year's cash is minus the change in the level tied up; the level is
  zero outside ``start_year..end_year`` (so it comes back the year after ``end_year``);
- tax in year t (t = 0..H) = ``tax_rate`` x (benefits' profit effect - running costs - risks
  - depreciation + the gain on residual values in year H); negative = a saving;
- value beyond the horizon (``terminal_growth`` g): ``CF_H * (1 + g) / (r - g)`` added in
  year H, ``CF_H`` being year H's net cash after tax.
Cash out (investments, running costs, risks, taxes paid, working capital tied up) is in
``costs``; cash in (benefits, tax savings, working capital released, residual values, value
beyond the horizon, when positive) in ``benefits``: NPV = PV(benefits) - PV(costs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.model.scenario import STRAIGHT_LINE, Item


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
    #: ``(n, W)`` number of events per year (``frequency``), or None.
    count: np.ndarray | None = None
    #: ``(n, 1)`` residual value of an investment (today's prices), or None.
    residual: np.ndarray | None = None
    #: True when ``amount`` is ``(n, H+1)``: one column per year 0..H (a list, a formula of
    #: ``year``).
    by_year: bool = False


@dataclass
class AlternativeFlows:
    """Cash and P&L effects of one alternative for a chunk of futures (see module doc)."""

    benefits: np.ndarray     # (n, H+1) cash in from benefits, >= 0 for positive amounts
    costs: np.ndarray        # (n, H+1) cash out for investments, running costs and risks, as positive numbers
    profit: np.ndarray       # (n, H) change in operating profit, years 1..H
    revenue: np.ndarray      # (n, H) change in revenue, years 1..H
    item_pv: list[np.ndarray]    # per item, (n,) present value, signed (+ in, - out)
    #: (n, H+1) tax per year, signed (+ paid, - saved); None when the scenario is pre-tax.
    tax: np.ndarray | None = None
    #: (n,) value beyond the horizon, in the horizon year (undiscounted); None without one.
    terminal: np.ndarray | None = None

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
        values = _outer(draws.amount, profile)
    else:
        values = draws.amount * profile * (1.0 + draws.growth) ** k
    if draws.occurs is not None:
        np.multiply(values, draws.occurs, out=values)
    return values


def _outer(amount: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """``amount * profile`` for an ``(n, 1)`` or ``(n, H)`` amount and an ``(H,)`` profile, as a
    new ``(n, H)`` array. An ``(n, 1)`` amount is multiplied one year (column) at a time: the
    same products, but NumPy's broadcast over rows of H elements runs ~1.5x slower."""
    if amount.ndim != 2 or amount.shape[1] != 1 or amount.shape[0] < 64:
        return amount * profile
    out = np.empty((amount.shape[0], profile.size), dtype=np.result_type(amount, profile))
    column = amount[:, 0]
    for j, factor in enumerate(profile):
        np.multiply(column, factor, out=out[:, j])
    return out


def _plain(item: Item, draws: ItemDraws, inflation: float) -> bool:
    """Whether an item needs only what the model did before tax, working capital and the
    rest existed (then the old arithmetic runs, so old files give the same bits)."""
    if item.kind == "investment":
        return draws.residual is None and item.depreciation == STRAIGHT_LINE and \
            (inflation == 0 or not item.indexed)
    return (item.is_annual and item.start_year >= 1 and not item.is_list and draws.count is None
            and not draws.by_year and (inflation == 0 or not item.indexed))


def price_index(inflation: float, horizon: int) -> np.ndarray:
    """``(H+1,)`` factors ``(1 + inflation) ** t`` for years 0..H."""
    return (1.0 + inflation) ** np.arange(horizon + 1)


def yearly_values(item: Item, draws: ItemDraws, horizon: int, inflation: float = 0.0) -> np.ndarray:
    """``(n, H+1)`` size of a yearly item (annual kinds, working capital) in years 0..H, a
    positive magnitude: the span ``start_year..last year``, ramp, growth, list amounts, the
    chance or count of events, and inflation (unless ``indexed = false``).

    ``draws.amount`` is ``(n, 1)`` (one draw per future), ``(n, H)`` (years 1..H) or
    ``(n, H+1)`` (years 0..H: a list, a formula of ``year`` or yearly draws from year 0)."""
    years = np.arange(horizon + 1)
    start, last = item.start_year, item.last_year(horizon)
    active = (years >= start) & (years <= last)
    k = years - start + 1
    ramp = np.minimum(k / item.ramp_years, 1.0) if item.ramp_years > 1 else np.ones(horizon + 1)
    profile = np.where(active, ramp, 0.0)
    grown = np.maximum(years - start, 0)

    def full(a: np.ndarray) -> np.ndarray:
        a = np.asarray(a, dtype=float)
        if a.ndim == 2 and a.shape[1] == horizon:  # years 1..H: year 0 is outside the span
            return np.concatenate([np.zeros((a.shape[0], 1)), a], axis=1)
        return a

    values = full(draws.amount) * profile
    if isinstance(draws.growth, float):
        if draws.growth != 0:
            values = values * (1.0 + draws.growth) ** grown
    else:
        values = values * (1.0 + draws.growth) ** grown
    if draws.occurs is not None:
        values = values * full(draws.occurs)
    if draws.count is not None:
        values = values * full(draws.count)
    if inflation != 0 and item.indexed:
        values = values * price_index(inflation, horizon)
    return values


def depreciation_schedule(item: Item, horizon: int) -> np.ndarray:
    """``(H+1,)`` share of an investment's price written off in each year 0..H: straight-line
    over ``life_years`` (default: the horizon) or the item's list, from the year after payment;
    years past the horizon are not taken (what is left is the book value at the horizon)."""
    share = np.zeros(horizon + 1)
    y = item.year
    if item.depreciation == STRAIGHT_LINE:
        life = horizon if item.life_years is None else item.life_years
        first, last = y + 1, min(y + life, horizon)
        if first <= last:
            share[first:last + 1] = 1.0 / life
    else:
        for k, f in enumerate(item.depreciation, start=1):
            if y + k <= horizon:
                share[y + k] = f
    return share


def flows(items: tuple[Item, ...], draws: list[ItemDraws], n: int, horizon: int,
          discount: np.ndarray, *, tax_rate: float = 0.0, inflation: float = 0.0,
          terminal_growth: float | None = None, discount_rate: float | None = None) -> AlternativeFlows:
    """Turn one alternative's items and their draws into cash and P&L arrays.

    ``discount`` holds the ``(H+1,)`` discount factors, used for each item's present value
    per future (``item_pv``): a future's value is the same, bit for bit, whatever ``n``.
    ``tax_rate``, ``inflation`` and ``terminal_growth`` (with the ``discount_rate`` it is
    valued at) follow the rules in the module doc; at their defaults, the arithmetic is the
    pre-tax model's, to the bit.
    """
    if tax_rate or inflation or terminal_growth is not None or \
            not all(_plain(it, d, inflation) for it, d in zip(items, draws)):
        return _full_flows(items, draws, n, horizon, discount, tax_rate, inflation, terminal_growth,
                           discount_rate)
    # Years 1..H are summed in arrays of their own, contiguous (adding to the columns 1..H of
    # an (n, H+1) array is a strided loop, about twice as slow), and year 0 beside them: the
    # same sums in the same order, put together at the end.
    benefits_later = np.zeros((n, horizon))
    costs_now = np.zeros(n)
    costs_later = np.zeros((n, horizon))
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
            if item.year == 0:
                costs_now += amount
            else:
                costs_later[:, item.year - 1] += amount
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
                benefits_later += values
                profit += values
            else:
                costs_later += values
                profit -= values
            # Row by row with einsum, not a BLAS product (whose thread split rounds a few rows
            # differently): a future's value never depends on how many were computed at once.
            pv = np.einsum("ij,j->i", values, discount[1:])
            item_pv.append(pv if item.kind == "benefit" else -pv)
    benefits = np.empty((n, horizon + 1))
    benefits[:, 0] = 0.0
    benefits[:, 1:] = benefits_later
    del benefits_later
    costs = np.empty((n, horizon + 1))
    costs[:, 0] = costs_now
    costs[:, 1:] = costs_later
    return AlternativeFlows(benefits, costs, profit, revenue, item_pv)


def _full_flows(items: tuple[Item, ...], draws: list[ItemDraws], n: int, horizon: int, discount: np.ndarray,
                tax_rate: float, inflation: float, terminal_growth: float | None,
                discount_rate: float | None) -> AlternativeFlows:
    """:func:`flows` with tax, working capital, residual values, inflation, year-0 items,
    list amounts, event counts and value beyond the horizon (module doc)."""
    width = horizon + 1
    benefits = np.zeros((n, width))
    costs = np.zeros((n, width))
    taxable = np.zeros((n, width))      # profit effect for tax, years 0..H
    profit = np.zeros((n, horizon))
    revenue = np.zeros((n, horizon))
    item_pv: list[np.ndarray] = []
    index = price_index(inflation, horizon)
    for item, d in zip(items, draws):
        if item.kind == "investment":
            amount = d.amount[:, 0] * (index[item.year] if item.indexed else 1.0)
            costs[:, item.year] += amount
            pv = -amount * discount[item.year]
            writeoff = amount[:, None] * depreciation_schedule(item, horizon)
            taxable -= writeoff
            profit -= writeoff[:, 1:]
            if d.residual is not None:
                resale = d.residual[:, 0] * (index[horizon] if item.indexed else 1.0)
                book = amount - writeoff.sum(axis=1)
                benefits[:, horizon] += np.maximum(resale, 0.0)
                costs[:, horizon] += np.maximum(-resale, 0.0)
                taxable[:, horizon] += resale - book
                pv = pv + resale * discount[horizon]
            item_pv.append(pv)
            continue
        values = yearly_values(item, d, horizon, inflation)
        if item.kind == "working_capital":
            change = np.diff(values, axis=1, prepend=0.0)   # + tied up, - released
            costs += np.maximum(change, 0.0)
            benefits += np.maximum(-change, 0.0)
            item_pv.append(-np.einsum("ij,j->i", change, discount))
            continue
        if item.kind == "benefit":
            if item.effect == "revenue":
                revenue += values[:, 1:]
                values = values * d.contribution_margin
            benefits += values
            taxable += values
            profit += values[:, 1:]
        else:
            costs += values
            taxable -= values
            profit -= values[:, 1:]
        pv = np.einsum("ij,j->i", values, discount)
        item_pv.append(pv if item.kind == "benefit" else -pv)
    tax = None
    if tax_rate:
        tax = tax_rate * taxable
        costs += np.maximum(tax, 0.0)
        benefits += np.maximum(-tax, 0.0)
    terminal = None
    if terminal_growth is not None:
        r = discount_rate
        last = benefits[:, horizon] - costs[:, horizon]
        terminal = last * (1.0 + terminal_growth) / (r - terminal_growth)
        benefits[:, horizon] += np.maximum(terminal, 0.0)
        costs[:, horizon] += np.maximum(-terminal, 0.0)
    return AlternativeFlows(benefits, costs, profit, revenue, item_pv, tax, terminal)


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
        new_revenue = np.add(revenue, base_rev)              # (same sums as base_rev + revenue)
        impact = np.add(profit, baseline_margin * base_rev)  # in place from here: fewer temporaries
        impact /= new_revenue
        impact -= baseline_margin
        impact *= 100.0
        # No revenue left (or a meaningless ratio): the margin is undefined there, not infinite.
        ok = np.greater(new_revenue, 0, out=np.empty(new_revenue.shape, dtype=bool))
        ok &= np.isfinite(impact)
    np.copyto(impact, np.nan, where=~ok)
    return impact
