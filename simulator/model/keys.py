"""Identities of a run's inputs and comparison targets, as small frozen types.

An uncertain input is named by an :class:`InputKey` built once by the engine
(:attr:`simulator.sim.engine.Results.inputs` is keyed by it) and carried unchanged through the
analytics, the what-if shifts, the report and the charts. Nothing downstream joins names
with a separator and splits them again, so an alternative called "X / Y" and an item called
"Y / Z" can never be mistaken for one another.

A comparison :class:`Target` is one alternative (its NPV) or an ordered pair of them (the
NPV of ``a`` minus the NPV of ``b``).

Text for people comes from one function each: :func:`input_label` ("ERP system / Licences:
growth", "line units") and :meth:`Target.label` ("A vs B"). Labels are for display only;
they are never parsed back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
import hashlib
import json

__all__ = ["FIELDS", "FIELD_WORDS", "PILOT", "PILOT_FIELDS", "InputKey", "Target", "current_labels", "get_amount",
           "input_label", "item_input", "locate", "replace_amount", "set_default_labels", "use_labels", "variable"]

#: The fields of an item that can be uncertain inputs; ``occurs`` is the yearly occurrence
#: draw of a chance event and ``events`` the yearly draw of an event count (``frequency``):
#: bare uniforms, never kept per future.
FIELDS = ("amount", "growth", "probability", "contribution_margin", "occurs", "residual_value", "frequency",
          "events", "pilot_cost", "pilot_error")
#: The fields of a staged alternative's pilot (key: ``InputKey(alternative, PILOT, field)``).
PILOT = "pilot"
PILOT_FIELDS = {"pilot_cost": "cost", "pilot_error": "error"}

#: The field in words, as shown after an item's name.
FIELD_WORDS = {"amount": "amount", "growth": "growth", "probability": "probability",
               "contribution_margin": "contribution margin", "occurs": "occurs",
               "residual_value": "residual value", "frequency": "frequency", "events": "events",
               "pilot_cost": "cost", "pilot_error": "reading error"}

#: Fields that are bare yearly uniforms of the engine, not amounts of the scenario.
_DRAWS = ("occurs", "events")


@dataclass(frozen=True)
class InputKey:
    """One uncertain input: a shared variable (``alternative`` is None, ``item`` is the
    variable's name, ``field`` is "amount") or a field of one item of one alternative.
    ``year`` names one entry of an item's list of yearly amounts (the entry of that year).
    """

    alternative: str | None
    item: str
    field: str = "amount"
    year: int | None = None

    def __post_init__(self):
        if self.field not in FIELDS:
            raise ValueError(f"unknown input field {self.field!r}; one of {', '.join(FIELDS)}")
        if self.alternative is not None and not isinstance(self.alternative, str):
            raise TypeError("alternative must be a name or None")
        if not isinstance(self.item, str):
            raise TypeError("item must be a name")
        if self.year is not None:
            if isinstance(self.year, bool) or not isinstance(self.year, int):
                raise TypeError("year must be a whole number or None")
            if self.alternative is None or self.field != "amount":
                raise ValueError("only an item's amount has entries by year")

    @property
    def is_variable(self) -> bool:
        return self.alternative is None

    @property
    def is_amount(self) -> bool:
        """An item's own amount (money)."""
        return self.alternative is not None and self.field == "amount"

    def digest(self) -> tuple[int, int, int, int]:
        """A 128-bit digest of the whole identity as four 32-bit words (for a random stream's
        spawn key). The identity is encoded unambiguously (a JSON list), so two different
        keys share a digest only by a 2**-128 accident. A key without a year encodes as
        three elements, one with a year as four, so the two never collide."""
        parts: list = [self.alternative, self.item, self.field]
        if self.year is not None:
            parts.append(self.year)
        text = json.dumps(parts, ensure_ascii=False)
        h = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
        return tuple(int.from_bytes(h[i:i + 4], "little") for i in range(0, 16, 4))  # type: ignore[return-value]

    def __str__(self) -> str:  # for messages and debugging only; never parsed
        return input_label(self)


def variable(name: str) -> InputKey:
    """The key of the shared variable ``name``."""
    return InputKey(None, name)


def item_input(alternative: str, item: str, field: str = "amount", year: int | None = None) -> InputKey:
    """The key of ``field`` of ``item`` in ``alternative`` (``year``: one entry of a list of
    yearly amounts)."""
    return InputKey(alternative, item, field, year)


_default_labels: Mapping[str, str] = {}
_block_labels: ContextVar[Mapping[str, str] | None] = ContextVar("investsim_labels", default=None)


def current_labels() -> Mapping[str, str]:
    """The variables' labels :func:`input_label` uses when it is given none: those of the
    scenario of the block of work (:func:`use_labels`, this thread only), else the process-wide
    ones (:func:`set_default_labels`, which the app sets for the scenario it shows)."""
    block = _block_labels.get()
    return _default_labels if block is None else block


def set_default_labels(labels: Mapping[str, str]) -> None:
    global _default_labels
    _default_labels = dict(labels)


@contextmanager
def use_labels(labels: Mapping[str, str]) -> Iterator[None]:
    token = _block_labels.set(dict(labels))
    try:
        yield
    finally:
        _block_labels.reset(token)


def input_label(key: InputKey, *, own: str | None = None, variable_words: bool = True,
                labels: Mapping[str, str] | None = None) -> str:
    """An input in words, for display: ``line_units`` -> "line units" (or its ``label`` from
    ``labels``, the scenario's :attr:`~simulator.model.scenario.Scenario.labels`: "Line units
    a year"); an item's amount ->
    "ERP system / Licences"; another field -> "ERP system / Licences: growth"; a list's
    entry -> "ERP system / Licences: year 3". With ``own``
    (the alternative a sentence is about) that alternative's items drop its name.
    ``variable_words=False`` keeps a variable's name as written."""
    if key.alternative is None:
        labels = current_labels() if labels is None else labels
        if labels.get(key.item):
            return labels[key.item]
        return key.item.replace("_", " ").strip() or key.item if variable_words else key.item
    if key.year is not None:
        what = f"{key.item}: year {key.year}"
    else:
        what = key.item if key.field == "amount" else f"{key.item}: {FIELD_WORDS[key.field]}"
    return what if key.alternative == own else f"{key.alternative} / {what}"


@dataclass(frozen=True)
class Target:
    """What an analysis explains: alternative ``a`` (its NPV), or the pair ``a`` vs ``b``
    (NPV of ``a`` minus NPV of ``b``) when ``b`` is given."""

    a: str
    b: str | None = None

    @property
    def is_pair(self) -> bool:
        return self.b is not None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.a,) if self.b is None else (self.a, self.b)

    def label(self) -> str:
        """For display: "ERP system", "ERP system vs Production line"."""
        return self.a if self.b is None else f"{self.a} vs {self.b}"

    def __str__(self) -> str:  # display only; never parsed
        return self.label()


# ---------------------------------------------------------------------------------------
# Finding and replacing the amount behind a key: the one place a scenario's amount is swapped
# ---------------------------------------------------------------------------------------

def locate(scenario, key: InputKey) -> tuple[int, int] | None:
    """``(alternative index, item index)`` of ``key``'s item (the first one of that name), or
    None when the scenario has no such item. Variables have no location (None)."""
    if key.alternative is None:
        return None
    for i, alt in enumerate(scenario.alternatives):
        if alt.name == key.alternative:
            for j, item in enumerate(alt.items):
                if item.name == key.item:
                    return i, j
            return None
    return None


def get_amount(scenario, key: InputKey):
    """The amount behind ``key`` (None when the scenario has no such variable, item or field).
    A key with a year gives that year's entry of the item's list of yearly amounts."""
    if key.alternative is None:
        return scenario.variable_map.get(key.item)
    if key.field in PILOT_FIELDS:
        alt = next((a for a in scenario.alternatives if a.name == key.alternative), None)
        pilot = getattr(alt, "pilot", None)
        return None if pilot is None else getattr(pilot, PILOT_FIELDS[key.field])
    where = locate(scenario, key)
    if where is None or key.field in _DRAWS:
        return None
    item = scenario.alternatives[where[0]].items[where[1]]
    if key.year is not None:
        k = _list_index(item, key.year)
        return None if k is None else item.amount.values[k]
    return getattr(item, key.field)


def _list_index(item, year: int) -> int | None:
    """The index of ``year``'s entry in ``item``'s list of yearly amounts (None: no such entry)."""
    values = getattr(item.amount, "values", None)
    if not isinstance(values, tuple):
        return None
    k = year - item.start_year
    return k if 0 <= k < len(values) else None


def replace_amount(scenario, key: InputKey, amount, *, at: tuple[int, int] | None = None):
    """The scenario with the amount behind ``key`` replaced by ``amount``; everything else,
    correlations included, as it was. ``at`` = (alternative index, item index) addresses the
    item by position instead of by name (the editor, while two items briefly share a name).
    KeyError when there is no such input."""
    from dataclasses import replace

    if key.alternative is None:
        if key.item not in scenario.variable_map:
            raise KeyError(key)
        return replace(scenario, variables=tuple((n, amount if n == key.item else a) for n, a in scenario.variables))
    if key.field in _DRAWS:
        raise KeyError(key)
    if key.field in PILOT_FIELDS:
        i = next((i for i, a in enumerate(scenario.alternatives) if a.name == key.alternative), None)
        if i is None or getattr(scenario.alternatives[i], "pilot", None) is None:
            raise KeyError(key)
        alt = scenario.alternatives[i]
        alt = replace(alt, pilot=replace(alt.pilot, **{PILOT_FIELDS[key.field]: amount}))
        return replace(scenario, alternatives=scenario.alternatives[:i] + (alt,) + scenario.alternatives[i + 1:])
    where = at if at is not None else locate(scenario, key)
    if where is None:
        raise KeyError(key)
    i, j = where
    alt = scenario.alternatives[i]
    if key.year is not None:
        k = _list_index(alt.items[j], key.year)
        if k is None:
            raise KeyError(key)
        values = alt.items[j].amount.values
        item = replace(alt.items[j], amount=replace(alt.items[j].amount, values=values[:k] + (amount,) + values[k + 1:]))
    else:
        item = replace(alt.items[j], **{key.field: amount})
    alt = replace(alt, items=alt.items[:j] + (item,) + alt.items[j + 1:])
    return replace(scenario, alternatives=scenario.alternatives[:i] + (alt,) + scenario.alternatives[i + 1:])
