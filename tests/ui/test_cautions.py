"""The app says what is unusual in a scenario (a warning banner) and refuses what cannot be
meant (the error banner of a file that cannot be opened, or an edit that is not applied),
with the same field paths and fixes as the command line (issue 12)."""

from __future__ import annotations

from dataclasses import replace

from helpers import scenario_text
from test_honest_figures import CAUTIONED, REFUSED

from simulator.model.scenario import Item, cautions
from ui.inspector import plain_words


def test_every_caution_is_shown_in_the_banner_and_the_run_goes_ahead(make_window, qtbot, tmp_path):
    window = make_window(None)
    assert window.banner.isHidden()
    for n, (body, kw, path, words) in enumerate(CAUTIONED):
        file = tmp_path / f"odd{n}.toml"
        file.write_text(scenario_text(body, iterations=200, **kw))
        with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
            assert window.open_path(file, ask=False)
        assert window.banner.isVisible() and window.banner.level == "warning", path
        text = window.banner.text()
        assert "Unusual input" in text and words in text, text
        field = path.rsplit(".", 1)[-1]
        assert plain_words(field) in text         # the field, as labelled on screen
        assert window.overview.results.scenario.title == "Test"   # it was simulated


def test_the_caution_follows_edits(window, qtbot):
    assert window.banner.isHidden()
    ordinary = window.doc.scenario
    assert window.doc.propose(replace(ordinary, discount_rate=0.45), "Discount rate") == []
    assert window.banner.isVisible() and window.banner.level == "warning"
    assert "'Discount rate': 45.0% a year is far above" in window.banner.text()
    # a risk that happens most years, added to the first alternative: both are listed
    alt = ordinary.alternatives[0]
    risky = replace(alt, items=alt.items + (Item("Breakdown", "risk", 1000.0, probability=0.8),))
    scenario = replace(window.doc.scenario, alternatives=(risky,) + ordinary.alternatives[1:])
    assert window.doc.propose(scenario, "Add item") == []
    text = window.banner.text()
    assert "2 unusual inputs" in text and f"{alt.name} / Breakdown" in text and "80% a year" in text
    # undone, back to an ordinary scenario: the banner goes
    window.doc.undo_stack.undo()
    window.doc.undo_stack.undo()
    assert window.doc.scenario == ordinary and cautions(ordinary) == ()
    assert window.banner.isHidden()


def test_impossible_input_is_refused_by_the_app_with_the_field_and_the_fix(window, tmp_path):
    shown = window.doc.scenario
    for n, (body, kw, path, fix) in enumerate(REFUSED):
        file = tmp_path / f"bad{n}.toml"
        file.write_text(scenario_text(body, **kw))
        assert not window.open_path(file, ask=False)
        assert window.doc.scenario is shown
        text = window.banner.text()
        assert window.banner.level == "error" and f"Could not open {file.name}" in text
        assert f"{path}: " in text and fix in text, text


def test_an_edit_that_cannot_be_meant_is_not_applied(window):
    before = window.doc.scenario
    alt = before.alternatives[0]
    item = alt.items[0]
    for change, path, fix in ((dict(amount=-45_000.0), "amount", "write 45000"),
                              (dict(kind="benefit", growth=5.0, year=0), "growth", "write 5 % as 0.05")):
        edited = replace(alt, items=(replace(item, **change),) + alt.items[1:])
        problems = window.doc.propose(replace(before, alternatives=(edited,) + before.alternatives[1:]), "edit")
        assert any(p.path == f"alternatives[0].items[0].{path}" and fix in p.message for p in problems), problems
        assert window.doc.scenario is before
