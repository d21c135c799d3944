"""How figures are written for a reader's locale: the decimal mark, the thousands separator,
the currency symbol's place and the words of compact amounts (k, M, B).

A scenario may name its readers' locale (``locale = "de_DE"``); the app uses the system's when
the file names none, the command line and the report en_US. Only the conventions below are
known: a small table written from the Unicode CLDR (v44) number patterns, rather than a
locale library (Babel adds about 30 MB of data to the packaged app for the few fields we use).
A locale outside the table is refused with the list of known ones; a system locale outside it
falls back to its language, then to en_US (:func:`closest`).

Spaces inside numbers are no-break spaces (U+00A0), so "1 234,56 €" never breaks across lines;
CLDR's narrow no-break space of French is written as U+00A0 too, which every bundled font has.
"""

from __future__ import annotations

from dataclasses import dataclass

NBSP = "\u00a0"


@dataclass(frozen=True)
class NumberStyle:
    """The conventions of one locale. ``currency_after``: "1.234,56 €" rather than "$1,234.56";
    ``currency_space``: a space between a prefixed symbol and the number ("€ 1.234,56", nl_NL);
    ``percent_space``: "23 %"; ``compact``: the words of thousand, million and billion after
    a compact amount ("1,2 Mio. €")."""

    code: str
    decimal: str = "."
    group: str = ","
    currency_after: bool = False
    currency_space: bool = False
    percent_space: bool = False
    compact: tuple[str, str, str] = ("k", "M", "B")

    @property
    def language(self) -> str:
        return self.code.split("_")[0]


def _style(code: str, decimal: str = ".", group: str = ",", *, after: bool = False, space: bool = False,
           percent_space: bool = False, compact: tuple[str, str, str] = ("k", "M", "B")) -> NumberStyle:
    return NumberStyle(code, decimal, group, after, space, percent_space, compact)


_DE = (f"{NBSP}Tsd.", f"{NBSP}Mio.", f"{NBSP}Mrd.")
_FR = (f"{NBSP}k", f"{NBSP}M", f"{NBSP}Md")
_ES = (f"{NBSP}mil", f"{NBSP}M", f"{NBSP}mil{NBSP}M")
_IT = (f"{NBSP}K", f"{NBSP}Mln", f"{NBSP}Mrd")
_NL = (f"{NBSP}K", f"{NBSP}mln.", f"{NBSP}mld.")
_NORDIC = (f"{NBSP}t", f"{NBSP}mn", f"{NBSP}md")

#: Every locale investsim can write figures for, by its code (language_TERRITORY).
LOCALES: dict[str, NumberStyle] = {s.code: s for s in (
    _style("en_US"), _style("en_GB"), _style("en_IE"), _style("en_AU"), _style("en_CA"), _style("en_NZ"),
    _style("en_SG"), _style("en_ZA", ",", NBSP),
    _style("de_DE", ",", ".", after=True, percent_space=True, compact=_DE),
    _style("de_AT", ",", NBSP, space=True, percent_space=True, compact=_DE),
    _style("de_CH", ".", "\u2019", space=True, compact=_DE),
    _style("fr_FR", ",", NBSP, after=True, percent_space=True, compact=_FR),
    _style("fr_BE", ",", NBSP, after=True, percent_space=True, compact=_FR),
    _style("fr_CH", ",", NBSP, after=True, percent_space=True, compact=_FR),
    _style("fr_CA", ",", NBSP, after=True, percent_space=True, compact=_FR),
    _style("es_ES", ",", ".", after=True, percent_space=True, compact=_ES),
    _style("es_MX", ".", ",", compact=_ES),
    _style("it_IT", ",", ".", after=True, compact=_IT),
    _style("nl_NL", ",", ".", space=True, compact=_NL),
    _style("nl_BE", ",", ".", after=True, compact=_NL),
    _style("pt_PT", ",", NBSP, after=True),
    _style("pt_BR", ",", ".", space=True),
    _style("sv_SE", ",", NBSP, after=True, percent_space=True, compact=_NORDIC),
    _style("da_DK", ",", ".", after=True, percent_space=True, compact=_NORDIC),
    _style("nb_NO", ",", NBSP, after=True, percent_space=True, compact=_NORDIC),
    _style("fi_FI", ",", NBSP, after=True, percent_space=True, compact=_NORDIC),
    _style("pl_PL", ",", NBSP, after=True),
    _style("ja_JP"), _style("zh_CN"), _style("zh_TW"), _style("ko_KR"),
)}

DEFAULT = LOCALES["en_US"]


def closest(code: str | None) -> NumberStyle:
    """The style for a system locale name ("de_AT.UTF-8", "fr", "C"): the exact one, else the
    first of its language, else en_US."""
    name = (code or "").split(".")[0].split("@")[0].replace("-", "_")
    if name in LOCALES:
        return LOCALES[name]
    language = name.split("_")[0].lower()
    return next((s for s in LOCALES.values() if s.language == language), DEFAULT)
