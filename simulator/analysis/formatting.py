"""Numbers in words a board reads: $1.2M, 23%, 2.6 years, +0.8 pp: the one home of the style.

Every surface a person reads (the app, the charts, the command line's text, the HTML and PDF
report, the workbook's text cells and number formats) prints its figures through this module,
so a figure reads the same wherever it appears:

- **Minus sign.** Text for people uses the typographic minus U+2212 (``−$816k``, ``−0.25 pp``),
  as Matplotlib's own tick labels do; machine outputs (``run --json``, CSV, the workbook's cell
  values) carry raw numbers and never go through this module. Input fields read both signs
  (:func:`ui.numbers.parse_number`). :func:`ascii_text` turns the text back into plain ASCII
  minus signs for a terminal that cannot print U+2212.
- **Scale.** A table or a chart and its text use one :class:`Scale` (one unit and one number
  of decimals, :func:`money_scale`), so "$0.5M" on an axis never stands beside "$559k" in the
  text. Without a scale each amount picks its own compact unit.
- **Words.** One phrase per fact: :func:`payback` ("nothing to pay back", "2.8 years (median);
  71% of futures pay back within 5 years"), :func:`middle_80` ("−$559k to $1.2M"),
  :func:`possessive` ("Two more sales reps'").
- **Locale.** Separators, the currency symbol's place and the compact words follow one
  :class:`~simulator.model.locales.NumberStyle` ("1.234.567,89 €" in de_DE): the process-wide
  one (:func:`set_default_locale`, which the app sets from the scenario or the system), or the
  one of a block of work (:func:`use_locale`, which the command line and the report use for
  the scenario's ``locale``; it holds for the thread that entered it only).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator

from simulator.model.locales import DEFAULT, LOCALES, NBSP, NumberStyle, closest

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

#: The minus sign of every text for people (see the module's docstring).
MINUS = "\u2212"

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "AUD": "A$",
            "CAD": "C$", "NZD": "NZ$", "CHF": "CHF ", "SEK": "SEK ", "NOK": "NOK ", "DKK": "DKK "}


def currency_prefix(currency: str) -> str:
    """The symbol written before an amount in en_US style ("$", "€", "CHF ")."""
    code = (currency or "").strip()
    return _SYMBOLS.get(code.upper(), f"{code} " if code else "")


_default_style: NumberStyle = DEFAULT
_block_style: ContextVar[NumberStyle | None] = ContextVar("investsim_number_style", default=None)


def style() -> NumberStyle:
    """The number style figures are written in now (see the module's docstring)."""
    return _block_style.get() or _default_style


def style_for(code: str | None) -> NumberStyle:
    """The style of a scenario's ``locale`` ("" or None: en_US); an unknown code gets its
    language's or en_US (the reader refuses unknown codes in files)."""
    return LOCALES.get(code or "", None) or (closest(code) if code else DEFAULT)


def set_default_locale(code: str | None) -> NumberStyle:
    """Make ``code`` (a scenario's locale, or a system locale name) the process-wide style."""
    global _default_style
    _default_style = style_for(code)
    return _default_style


@contextmanager
def use_locale(code: str | None) -> Iterator[NumberStyle]:
    """Write figures in ``code``'s style inside the block (None or "": en_US), in this thread."""
    token = _block_style.set(style_for(code))
    try:
        yield _block_style.get()
    finally:
        _block_style.reset(token)


def set_default_scenario(scenario) -> None:
    """The app shows ``scenario``: its locale (or, without one, the system's, which the app
    passes as ``scenario.locale`` beforehand) and its variables' labels hold process-wide."""
    from simulator.model.keys import set_default_labels

    set_default_locale(scenario.locale)
    set_default_labels(scenario.labels)


@contextmanager
def use_scenario(scenario) -> Iterator[None]:
    """Inside the block (this thread), figures in ``scenario``'s locale (en_US when it names
    none) and inputs by its variables' labels: the command line and the report."""
    from simulator.model.keys import use_labels

    with use_locale(scenario.locale), use_labels(scenario.labels):
        yield


def localize(text: str) -> str:
    """A number written the Python way ("1,234.5") in the current style ("1.234,5")."""
    st = style()
    if st.decimal == "." and st.group == ",":
        return text
    return text.replace(",", "\0").replace(".", st.decimal).replace("\0", st.group)


def number(value: float, digits: int = 0) -> str:
    """A plain number with thousands separators in the current style: 27,400 / 27.400."""
    text = f"{abs(value):,.{digits}f}"
    return (MINUS if value < 0 and float(text.replace(",", "")) != 0 else "") + localize(text)


def currency_affixes(currency: str) -> tuple[str, str]:
    """What goes before and after an amount of ``currency`` in the current style:
    ("$", "") in en_US, ("", " €") in de_DE, ("€ ", "") in nl_NL."""
    prefix = currency_prefix(currency)
    st = style()
    if st.currency_after:
        return "", NBSP + prefix.strip() if prefix.strip() else ""
    if st.currency_space and prefix.strip():
        return prefix.strip() + NBSP, ""
    return prefix, ""


def _percent_sign() -> str:
    return NBSP + "%" if style().percent_space else "%"


@dataclass(frozen=True)
class Scale:
    """One unit (k, M or B) for every amount of a table or a chart. ``digits`` None: each
    amount keeps two or three significant digits in that unit (``$0.56M``, ``$1.2M``,
    ``$12.5M``; ``$35k``, ``$1,196k``)."""

    divisor: float = 1.0
    suffix: str = ""
    digits: int | None = None


_UNITS = ((1e9, "B"), (1e6, "M"), (1e3, "k"))


def scale_of(amount: float) -> Scale:
    """The unit compact money would choose for ``amount`` on its own."""
    x = abs(amount) if math.isfinite(amount) else 0.0
    for divisor, suffix in _UNITS:
        if x >= divisor * 0.9995:
            return Scale(divisor, suffix)
    return Scale()


def money_scale(values: Iterable[float | None]) -> Scale:
    """The one unit for a set of amounts shown together (a table of key figures): the unit
    of their typical (median) size, so most of them read naturally and none mixes "$559k"
    with "$1.2M". NaN, inf, None and zeros are ignored."""
    sizes = sorted(abs(v) for v in values if v is not None and math.isfinite(v) and v != 0)
    if not sizes:
        return Scale()
    return scale_of(sizes[(len(sizes) - 1) // 2])


def headline_scale(alternatives) -> Scale:
    """The one money unit of a run's headline figures (each alternative's expected NPV, P10
    and P90): every surface (app, command line, report, verdict and the sentences beside
    it) prints those figures in it. ``alternatives``: objects with ``npv.mean/p10/p90``."""
    return money_scale(v for a in alternatives for v in (a.npv.mean, a.npv.p10, a.npv.p90))


def _digits(scaled: float, suffix: str) -> int:
    if scaled < 0.0995 and suffix in ("M", "B"):
        return 3
    if scaled < 0.995:
        return 2
    if scaled < 9.95:
        return 1
    if scaled < 99.5 and suffix in ("M", "B"):
        return 1
    return 0


def money(value: float | None, currency: str = "USD", *, digits: int | None = None, sign: bool = False,
          scale: Scale | None = None) -> str:
    """Compact money: ``$1.2M``, ``−$350k``, ``€2.0B``; "n/a" for None or NaN. With ``scale``,
    in that unit (``$0.56M`` beside ``$1.2M``, ``$1,196k`` beside ``$298k``); zero is ``$0``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "unbounded"
    prefix, after = currency_affixes(currency)
    x = abs(value)
    if scale is None:   # compact: each amount in its own unit
        scale = scale_of(x)
        if digits is None and scale.suffix:
            scaled = x / scale.divisor
            digits = (1 if scaled < 10 else 0) if scale.suffix == "k" else (1 if scaled < 100 else 0)
    scaled = x / scale.divisor
    d = digits if digits is not None else scale.digits if scale.digits is not None else _digits(scaled, scale.suffix)
    if not scale.suffix:
        d = 0 if digits is None else digits
    text = f"{scaled:,.{d}f}"
    if float(text.replace(",", "")) == 0:
        return f"{prefix}0{after}"
    s = MINUS if value < 0 else ("+" if sign and value > 0 else "")
    unit = style().compact[("k", "M", "B").index(scale.suffix)] if scale.suffix else ""
    return f"{s}{prefix}{localize(text)}{unit}{after}"


def money_exact(value: float | None, currency: str = "USD", *, digits: int = 2) -> str:
    """Money to the cent (or ``digits``), every digit shown: ``$1,234,567.89``,
    ``1.234.567,89 €`` in de_DE; "n/a" for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "unbounded"
    prefix, after = currency_affixes(currency)
    text = f"{abs(value):,.{digits}f}"
    s = MINUS if value < 0 and float(text.replace(",", "")) != 0 else ""
    return f"{s}{prefix}{localize(text)}{after}"


def percent(p: float | None, *, digits: int = 0) -> str:
    """A fraction as a percentage: 0.234 -> ``23%``. Tiny non-zero chances show as ``<1%``."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    if digits == 0 and 0 < p < 0.005:
        return "<1" + _percent_sign()
    if digits == 0 and 0.995 < p < 1:
        return ">99" + _percent_sign()
    return localize(f"{p * 100:.{digits}f}").replace("-", MINUS) + _percent_sign()


def rate(x: float | None, *, digits: int = 0) -> str:
    """A rate or return as a signed percentage (ROI, IRR): -0.113 -> ``−11%``; no rounding
    to "<1%" as :func:`percent` does for chances."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return localize(f"{x * 100:.{digits}f}").replace("-", MINUS) + _percent_sign()


def years(value: float | None) -> str:
    """A number of years: ``2.8 years``; "beyond the horizon" for inf (a median payback that
    more than half of the futures do not reach), "n/a" for None/NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "beyond the horizon"
    return f"{localize(f'{value:.1f}')} year{'' if f'{value:.1f}' == '1.0' else 's'}"


#: What a payback of zero means in every surface: no money goes out, so none has to come back.
NOTHING_TO_PAY_BACK = "nothing to pay back"


def payback(p50: float | None, within: float, horizon: int) -> str:
    """The median payback and how often it happens within the horizon, in the one wording of
    every surface: ``2.8 years (median); 71% of futures pay back within 5 years``,
    ``beyond 5 years in most futures; 40% pay back within them``, ``nothing to pay back``."""
    if p50 is None or (isinstance(p50, float) and math.isnan(p50)):
        return "n/a"
    span = f"{horizon} year{'s' if horizon != 1 else ''}"
    if math.isinf(p50):
        if within <= 0:
            return f"never within {span}"
        return f"beyond {span} in most futures; {percent(within)} pay back within {span}"
    if p50 == 0:
        if within >= 0.999:
            return NOTHING_TO_PAY_BACK
        return f"at once in most futures; {percent(within)} pay back within {span}"
    return f"{years(p50)} (median); {percent(within)} of futures pay back within {span}"


def middle_80(p10: float, p90: float, currency: str, *, scale: Scale | None = None) -> str:
    """The middle 80% of futures in one wording: ``−$559k to $1.2M``, or ``always $0`` when
    every future gives the same amount."""
    if p10 == p90:
        return f"always {money(p10, currency, scale=scale)}"
    return f"{money(p10, currency, scale=scale)} to {money(p90, currency, scale=scale)}"


def points(pp: float | None) -> str:
    """Percentage points of margin: ``+0.82 pp``, ``−0.25 pp``."""
    if pp is None or (isinstance(pp, float) and math.isnan(pp)):
        return "n/a"
    if round(pp, 2) == 0:
        return localize("0.00") + " pp"
    return localize(f"{pp:+.2f}").replace("-", MINUS) + " pp"


def possessive(name: str) -> str:
    """English possessive of a name: "Finance's", "Two more sales reps'"."""
    return f"{name}'" if name.endswith(("s", "S")) else f"{name}'s"


def ascii_text(text: str) -> str:
    """``text`` with plain ASCII minus signs, for a stream that cannot encode U+2212."""
    return text.replace(MINUS, "-")


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
