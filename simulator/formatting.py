"""Numbers in words a board reads: $1.2M, 23%, 2.6 years, +0.8 pp."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from simulator.engine import Results

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "AUD": "A$",
            "CAD": "C$", "NZD": "NZ$", "CHF": "CHF ", "SEK": "SEK ", "NOK": "NOK ", "DKK": "DKK "}


def currency_prefix(currency: str) -> str:
    code = (currency or "").strip()
    return _SYMBOLS.get(code.upper(), f"{code} " if code else "")


def money(value: float | None, currency: str = "USD", *, digits: int | None = None, sign: bool = False) -> str:
    """Compact money: ``$1.2M``, ``-$350k``, ``€2.0B``; "n/a" for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "unbounded"
    prefix = currency_prefix(currency)
    neg = value < 0
    x = abs(value)
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if x >= scale * 0.9995 or (suffix == "k" and x >= 1e3):
            scaled = x / scale
            d = digits if digits is not None else (1 if scaled < 100 and suffix != "k" else 0)
            if suffix == "k" and digits is None and scaled < 10:
                d = 1
            text = f"{scaled:.{d}f}{suffix}"
            break
    else:
        text = f"{x:.0f}"
    s = "-" if neg else ("+" if sign and value > 0 else "")
    return f"{s}{prefix}{text}"


def percent(p: float | None, *, digits: int = 0) -> str:
    """A fraction as a percentage: 0.234 -> ``23%``. Tiny non-zero chances show as ``<1%``."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    if digits == 0 and 0 < p < 0.005:
        return "<1%"
    if digits == 0 and 0.995 < p < 1:
        return ">99%"
    return f"{p * 100:.{digits}f}%"


def years(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "not within the horizon"
    if value == 0:
        return "immediate"
    return f"{value:.1f} years"


def points(pp: float | None) -> str:
    """Percentage points of margin: ``+0.8 pp``."""
    if pp is None or (isinstance(pp, float) and math.isnan(pp)):
        return "n/a"
    return f"{pp:+.2f} pp"


def yearly_kept(results: "Results") -> int | None:
    """How many futures (the first ones) kept their yearly cash and margin paths, when a run
    too big for the engine's yearly budget kept fewer than all; None when every future did."""
    kept = results.yearly_futures
    return kept if kept < results.iterations else None


def yearly_subset_text(results: "Results", subset: str, rest: str) -> str:
    """"" when every future kept its yearly paths; else a sentence saying what was worked out
    from the first futures only and what from all of them, e.g. with ``subset`` "The bands come
    from" and ``rest`` "the averages from": " The bands come from the first 32,768 of the
    1,000,000 futures (the run was too big to keep every year of every future); the averages
    from all of them." """
    kept = yearly_kept(results)
    if kept is None:
        return ""
    return (f" {subset} the first {kept:,} of the {results.iterations:,} futures (the run was too big to keep "
            f"every year of every future); {rest} all of them.")


def cash_basis(tax_rate: float, inflation: float) -> str:
    """How the cash figures are meant, when it is not plain pre-tax today's money:
    "After tax (25%); nominal: amounts rise with 2.0% inflation a year, the discount rate is
    nominal." Empty for a pre-tax scenario without inflation."""
    parts = []
    if tax_rate:
        parts.append(f"after tax ({tax_rate * 100:.4g}% on the profit effect)")
    if inflation:
        parts.append(f"nominal: amounts rise with {inflation:.1%} inflation a year and the discount rate is nominal")
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."
