"""Saving keeps each comment with the entry it explains, whatever moved, appeared or went.

The author's comments are their reasoning ("# vendor quote"); a save after moving, removing,
inserting or renaming an alternative, an item or a correlation must leave every comment on
the entry it was written for. Comments are read back here by a small line-based reader of
the saved text (independent of the writer): a comment block directly above a header, and
every comment inside the table, belong to that table.
"""

from __future__ import annotations

from dataclasses import replace
import re

import pytest

from simulator.model.scenario import Correlation, dumps, loads

TEXT = '''\
format = 1
title = "Comments"
horizon_years = 3
discount_rate = 0.1

[variables]
units = { low = 100, high = 300 }    # sales: 2024 range
price = { low = 18, high = 24 }
cost = { low = 5, high = 9 }

# strong market: more units at better prices
[[correlations]]
between = ["units", "price"]
rank = 0.4

# dearer inputs squeeze the price we can ask
[[correlations]]
between = ["cost", "price"]   # procurement's view
rank = -0.3

# ===== the ERP =====
[[alternatives]]
name = "ERP"   # the option IT argues for
category = "IT"

# vendor quote
[[alternatives.items]]
name = "Licence"
kind = "investment"
amount = 100   # list price, Q3

# payroll: two admins
[[alternatives.items]]
name = "Staff"
kind = "running_cost"
amount = 50    # HR estimate

# finance: stock 2024
[[alternatives.items]]
name = "Less stock"
kind = "benefit"
amount = "units * price"

# ===== the line =====
[[alternatives]]
name = "Line"
category = "non-IT"

# supplier quote for the line
[[alternatives.items]]
name = "Licence"
kind = "investment"
amount = 200   # tooling licence, not the ERP one

# crew of four
[[alternatives.items]]
name = "Staff"
kind = "running_cost"
amount = 80

# end of file: reviewed by finance in May
'''


def sections(text: str) -> list[tuple[str, str, list[str]]]:
    """(header, identity, comments) for every [[...]] table in ``text``, in file order.

    A run of comment lines directly above a header (no blank line in between) and every
    comment inside the table (own lines and line ends) belong to that table; the identity is
    its ``name``, or the ``between`` pair of a correlation.
    """
    out: list[tuple[str, str, list[str]]] = []
    pending: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[["):
            out.append((stripped, "", pending))
            pending = []
        elif stripped.startswith("[") and out:   # a plain table after the lists ([portfolio]): its own entry
            out.append((stripped, stripped, pending))
            pending = []
        elif stripped.startswith("#"):
            pending.append(stripped)
        elif not stripped:
            if out:  # comments followed by a blank line stay with the table above
                out[-1][2].extend(pending)
            pending = []
        else:
            if out:
                out[-1][2].extend(pending)
            pending = []
            code = re.sub(r'"[^"]*"', '""', line)  # no '#' inside strings in this file's values
            if "#" in code and out:
                out[-1][2].append(line[len(line) - len(code) + code.index("#"):].strip())
            match = re.match(r'\s*(name|between)\s*=\s*(.*?)\s*(#.*)?$', line)
            if match and out:
                header, _, comments = out[-1]
                value = match.group(2).strip('"') if match.group(1) == "name" else match.group(2)
                out[-1] = (header, value, comments)
    if out:
        out[-1][2].extend(pending)
    return out


def comments_by_entry(text: str) -> dict[tuple[str, str], list[str]]:
    """{(parent alternative or table kind, identity): comments}; items are keyed by their
    alternative, so the two "Licence" items stay apart."""
    out: dict[tuple[str, str], list[str]] = {}
    alternative = ""
    for header, identity, comments in sections(text):
        if header == "[[alternatives]]":
            alternative = identity
            key = ("alternative", identity)
        elif header == "[[alternatives.items]]":
            key = (alternative, identity)
        elif not header.startswith("[["):
            key = ("table", identity)
        else:
            key = ("correlation", identity)
        assert key not in out, f"two entries read as {key}"
        out[key] = comments
    return out


ORIGINAL = comments_by_entry(TEXT)


def with_items(scenario, alt_name: str, items):
    alts = tuple(replace(a, items=tuple(items)) if a.name == alt_name else a for a in scenario.alternatives)
    return replace(scenario, alternatives=alts)


def saved(scenario, source=TEXT):
    """Save ``scenario`` over the file whose text is ``source``: (the text, its comments by entry)."""
    text = dumps(scenario, source)
    assert loads(text) == scenario  # the content is exactly what was asked for
    return text, comments_by_entry(text)


def test_the_reader_sees_every_comment_where_the_author_put_it():
    assert ORIGINAL[("ERP", "Licence")] == ["# vendor quote", "# list price, Q3"]
    assert ORIGINAL[("ERP", "Staff")] == ["# payroll: two admins", "# HR estimate"]
    assert ORIGINAL[("alternative", "ERP")] == ["# ===== the ERP =====", "# the option IT argues for"]
    assert ORIGINAL[("correlation", '["cost", "price"]')] == [
        "# dearer inputs squeeze the price we can ask", "# procurement's view"]
    assert ORIGINAL[("Line", "Staff")] == ["# crew of four", "# end of file: reviewed by finance in May"]
    s = loads(TEXT)
    assert dumps(s, TEXT) == TEXT  # nothing changed: byte for byte the same


def test_moving_an_item_keeps_its_comments():
    s = loads(TEXT)
    licence, staff, stock = s.alternatives[0].items
    text, got = saved(with_items(s, "ERP", [staff, licence, stock]))
    # the case: "# vendor quote" must not end up on "Staff"
    assert got[("ERP", "Licence")] == ORIGINAL[("ERP", "Licence")]
    assert got[("ERP", "Staff")] == ORIGINAL[("ERP", "Staff")]
    assert got[("ERP", "Less stock")] == ORIGINAL[("ERP", "Less stock")]
    assert text.index('name = "Staff"') < text.index('name = "Licence"')
    # moving it back restores the file byte for byte
    assert dumps(with_items(loads(text), "ERP", [licence, staff, stock]), text) == TEXT


def test_moving_the_last_item_keeps_the_end_of_file_comment_at_the_end():
    s = loads(TEXT)
    licence, staff = s.alternatives[1].items
    text, got = saved(with_items(s, "Line", [staff, licence]))
    assert text.rstrip().endswith("# end of file: reviewed by finance in May")
    assert got[("Line", "Staff")] == ["# crew of four"]
    assert got[("Line", "Licence")] == ORIGINAL[("Line", "Licence")] + ["# end of file: reviewed by finance in May"]


def test_moving_alternatives_and_correlations_keeps_their_comments():
    s = loads(TEXT)
    swapped = replace(s, alternatives=s.alternatives[::-1], correlations=s.correlations[::-1])
    text, got = saved(swapped)
    assert text.index('name = "Line"') < text.index('name = "ERP"')
    for key, comments in ORIGINAL.items():
        if key == ("Line", "Staff") or key == ("ERP", "Less stock"):
            continue  # these two also gain or lose the end-of-file comment, checked below
        assert got[key] == comments, key
    assert text.rstrip().endswith("# end of file: reviewed by finance in May")
    # a correlation is the same whichever way round its pair is written
    flipped = replace(s, correlations=(s.correlations[0], Correlation(("price", "cost"), -0.3)))
    _, got = saved(flipped)
    assert got[("correlation", '["price", "cost"]')] == ORIGINAL[("correlation", '["cost", "price"]')]


def test_removing_an_item_takes_only_its_own_comments():
    s = loads(TEXT)
    licence, staff, stock = s.alternatives[0].items
    text, got = saved(with_items(s, "ERP", [licence, stock]))
    assert "payroll" not in text and "HR estimate" not in text
    assert got[("ERP", "Licence")] == ORIGINAL[("ERP", "Licence")]
    assert got[("ERP", "Less stock")] == ORIGINAL[("ERP", "Less stock")]
    # the first one goes: its comment goes with it, not onto the one that is now first
    text, got = saved(with_items(s, "ERP", [staff, stock]))
    assert "vendor quote" not in text and "list price" not in text
    assert got[("ERP", "Staff")] == ORIGINAL[("ERP", "Staff")]
    # a correlation goes
    text, got = saved(replace(s, correlations=s.correlations[1:]))
    assert "strong market" not in text
    assert got[("correlation", '["cost", "price"]')] == ORIGINAL[("correlation", '["cost", "price"]')]


def test_removing_an_alternative_keeps_the_others_comments():
    s = loads(TEXT)
    text, got = saved(replace(s, alternatives=s.alternatives[1:]))
    assert "===== the ERP" not in text and "vendor quote" not in text
    for key in (("alternative", "Line"), ("Line", "Licence"), ("Line", "Staff")):
        assert got[key] == ORIGINAL[key]
    assert got[("correlation", '["cost", "price"]')] == ORIGINAL[("correlation", '["cost", "price"]')]


def test_inserting_an_item_takes_no_ones_comments():
    s = loads(TEXT)
    licence, staff, stock = s.alternatives[0].items
    new = replace(staff, name="Training", amount=20.0)
    text, got = saved(with_items(s, "ERP", [new, licence, staff, stock]))
    assert got[("ERP", "Training")] == []
    for name in ("Licence", "Staff", "Less stock"):
        assert got[("ERP", name)] == ORIGINAL[("ERP", name)]
    # in the middle too
    _, got = saved(with_items(s, "ERP", [licence, new, staff, stock]))
    assert got[("ERP", "Training")] == []
    assert got[("ERP", "Staff")] == ORIGINAL[("ERP", "Staff")]


def test_renaming_keeps_the_comments_even_with_an_edit_in_the_same_save():
    s = loads(TEXT)
    licence, staff, stock = s.alternatives[0].items
    _, got = saved(with_items(s, "ERP", [licence, replace(staff, name="Admin staff"), stock]))
    assert got[("ERP", "Admin staff")] == ORIGINAL[("ERP", "Staff")]
    _, got = saved(with_items(s, "ERP", [licence, replace(staff, name="Admin staff", amount=60.0), stock]))
    assert got[("ERP", "Admin staff")] == ORIGINAL[("ERP", "Staff")]  # the changed line keeps its comment too
    renamed_alt = replace(s, alternatives=(replace(s.alternatives[0], name="Cloud ERP"), s.alternatives[1]))
    _, got = saved(renamed_alt)
    assert got[("alternative", "Cloud ERP")] == ORIGINAL[("alternative", "ERP")]
    assert got[("Cloud ERP", "Licence")] == ORIGINAL[("ERP", "Licence")]


def test_the_same_item_name_in_two_alternatives_keeps_each_its_own_comments():
    s = loads(TEXT)
    erp_licence, staff, stock = s.alternatives[0].items
    line_licence, crew = s.alternatives[1].items
    s2 = with_items(with_items(s, "ERP", [staff, stock, erp_licence]), "Line", [crew, line_licence])
    _, got = saved(s2)
    assert got[("ERP", "Licence")] == ["# vendor quote", "# list price, Q3"]
    assert got[("Line", "Licence")][:2] == ["# supplier quote for the line", "# tooling licence, not the ERP one"]


def test_duplicating_an_item_gives_the_copy_no_comments():
    s = loads(TEXT)
    licence, staff, stock = s.alternatives[0].items
    copy = replace(licence, name="Licence (copy)")
    _, got = saved(with_items(s, "ERP", [licence, copy, staff, stock]))
    assert got[("ERP", "Licence")] == ORIGINAL[("ERP", "Licence")]
    assert got[("ERP", "Licence (copy)")] == []


def test_duplicate_names_in_one_list_pair_in_order():
    # an unsaved document may hold two items of one name for a moment (the file check refuses
    # them, the writer must not mix them up): the k-th of a name continues the k-th
    s = loads(TEXT)
    licence, staff, stock = s.alternatives[0].items
    twin = replace(stock, name="Staff")
    text = dumps(with_items(s, "ERP", [licence, staff, twin]), TEXT)
    kept = [comments for header, identity, comments in sections(text) if identity == "Staff"]
    assert kept[0] == ORIGINAL[("ERP", "Staff")]  # the first "Staff" is the original one
    assert kept[1] == ["# finance: stock 2024"]     # the second continues the renamed third item


def _bundled():
    from pathlib import Path

    return sorted((Path(__file__).parent.parent / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", _bundled(), ids=lambda p: p.stem)
def test_bundled_scenarios_keep_every_comment_on_its_item_when_everything_is_reversed(path):
    text = path.read_text(encoding="utf-8")
    s = loads(text)
    original = comments_by_entry(text)
    flipped = replace(s, correlations=s.correlations[::-1], alternatives=tuple(
        replace(a, items=a.items[::-1]) for a in s.alternatives[::-1]))
    out, got = saved(flipped, text)
    assert got == original
    # and back again: the author's file byte for byte
    assert dumps(replace(loads(out), correlations=s.correlations, alternatives=s.alternatives), out) == text
