"""Reading and writing numbers the way people type them: ``1.2M``, ``250k``, ``$3,500``, ``8%``.

No Qt. Units: ``"money"`` (currency amounts), ``"percent"`` (fractions shown as percentages),
``"number"`` (counts and factors), ``"integer"`` (whole numbers).
"""

from __future__ import annotations

import math
import re

_SUFFIX = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "mm": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9,
           "billion": 1e9}
_NUMBER = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?\s*([a-z]*)\s*(%?)$")
_CURRENCY = re.compile(r"[a-z]{0,2}[$€£¥₹]|\b(?:usd|eur|gbp|jpy|chf|cad|aud|nzd|sek|nok|dkk|inr|cny)\b")


class NumberError(ValueError):
    """Text that is not a number, with a plain-words message."""


def parse_number(text: str, unit: str = "number") -> float:
    """The value of ``text``; raises NumberError saying what is wrong.

    Accepts thousands separators (``1,200,000``, ``1 200 000``, ``1_200_000``), a currency sign
    or code, k / M / B suffixes (``2.5M``), exponents (``2.2e6``) and a leading minus or a
    leading "−". For ``"percent"``, ``8%``, ``8`` and ``0.08`` all mean 8% (a number of 1 or
    more without a % sign is read as percent).
    """
    raw = text
    t = (text or "").strip().replace("\u2212", "-").replace("\u00a0", " ")
    if not t:
        raise NumberError("enter a number")
    t = _CURRENCY.sub("", t.lower())
    t = t.replace(",", "").replace("_", "").replace("'", "").strip()
    t = re.sub(r"(?<=\d) (?=\d)", "", t)
    if t.startswith("-") or t.startswith("+"):
        t = t[0] + t[1:].strip()
    m = _NUMBER.match(t)
    if not m:
        raise NumberError(f"'{raw.strip()}' is not a number (examples: 250000, 1.5M, 250k"
                          + (", 8%" if unit == "percent" else "") + ")")
    sign, digits, exp, suffix, pct = m.groups()
    try:
        value = float(digits) * (10.0 ** int(exp) if exp else 1.0)
    except OverflowError:
        raise NumberError("that number is too large") from None
    if suffix:
        if suffix not in _SUFFIX:
            raise NumberError(f"'{suffix}' is not a unit I know: use k (thousand), M (million) or B (billion)")
        value *= _SUFFIX[suffix]
    if sign == "-":
        value = -value
    if pct:
        value /= 100.0
    elif unit == "percent" and abs(value) >= 1:
        value /= 100.0
    if not math.isfinite(value):
        raise NumberError("that number is too large")
    if unit == "integer":
        if not float(value).is_integer():
            raise NumberError("enter a whole number")
    return value


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_number(value: float | None, unit: str = "number") -> str:
    """Text for an input field: exact enough to round-trip, readable (``2,200,000``, ``8%``)."""
    if value is None:
        return ""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if unit == "percent":
        return _trim(f"{value * 100:.6g}" if abs(value * 100) < 1e6 else f"{value * 100:.6e}") + "%"
    if unit == "integer" or (value.is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return _trim(f"{value:,.4f}")
    return _trim(f"{value:.10g}")
