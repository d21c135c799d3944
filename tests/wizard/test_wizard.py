"""The guided set-up, driven as a person would (pytest-qt, offscreen)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWizard

from simulator.model.distributions import Range90
from simulator.sim.engine import run
from simulator.model.scenario import check, dumps, loads
from ui import wizard as wizard_module
from simulator.workshop.templates import to_range90
from ui.wizard import money_text, PAGE_ALTERNATIVES, PAGE_DRIVERS, PAGE_SUMMARY, NewFromGuideWizard, run_new_from_guide

from wizard_helpers import (alternatives_page, can_go_on, drive_to_items, drivers_page, fill_decision, press_finish,
                            press_next, summary_page)

Z_RATIO = 1.6448536 / 1.2815516  # 90% / 80% normal quantiles


def test_guided_set_up_of_erp_vs_production_line_makes_a_scenario_that_runs(qtbot, wizard):
    erp_page, line_page = drive_to_items(qtbot, wizard, choices=(("erp", None), ("production-line", "Second line")),
                                         horizon=7, rate="9%")
    assert [p.alternative.name for p in (erp_page, line_page)] == ["ERP system", "Second line"]
    # The person answers in their own words on the ERP page ...
    erp_page.row("Licences, implementation and data migration").set_answer("1.8M", "3M", 0.8)
    erp_page.row("Disrupted go-live").probability_edit.setText("20%")
    erp_page.row("Faster, reliable quotes win more orders").setChecked(False)
    press_next(qtbot, wizard)
    # ... and on the production-line page, an 80% interval of 100 to 200 for maintenance.
    line_page.row("Maintenance and spare parts").set_answer("100", "200", 0.8)
    line_page.row("Sales from the extra capacity").margin_edit.setText("28%")
    press_next(qtbot, wizard)
    assert wizard.currentId() == PAGE_SUMMARY
    summary = summary_page(wizard).text.toPlainText()
    assert "We are 80% sure it is between $1.8M and $3M" in summary and "Second line" in summary
    press_finish(qtbot, wizard)

    scenario = wizard.scenario()
    assert scenario is not None and wizard.result() == QWizard.DialogCode.Accepted
    assert check(scenario) == []
    assert loads(dumps(scenario)) == scenario
    assert (scenario.title, scenario.horizon_years, scenario.discount_rate) == ("ERP vs. new production line", 7,
                                                                               0.09)
    assert (scenario.baseline.revenue, scenario.baseline.operating_margin) == (120e6, 0.11)
    erp, line, nothing = scenario.alternatives
    assert (erp.name, erp.category, line.name, line.category) == ("ERP system", "IT", "Second line", "non-IT")
    assert nothing.name == "Do nothing" and nothing.items == ()          # offered, ticked by default
    assert erp.drivers == ("margins", "cost reduction", "speed to market")
    assert line.drivers == ("revenue growth", "market share")
    assert all(item.note and "2025-03-14" in item.note for alt in scenario.alternatives for item in alt.items)
    assert all(item.driver for alt in scenario.alternatives for item in alt.items if item.kind == "benefit")
    erp_items = {i.name: i for i in erp.items}
    assert "Faster, reliable quotes win more orders" not in erp_items
    assert erp_items["Disrupted go-live"].probability == 0.2
    assert "80% sure it is between $1.8M and $3M" in erp_items["Licences, implementation and data migration"].note
    line_items = {i.name: i for i in line.items}
    assert line_items["Sales from the extra capacity"].contribution_margin == 0.28

    # The 80% interval 100..200 became a wider 90% range, by the normal z-ratio.
    maintenance = line_items["Maintenance and spare parts"].amount
    assert isinstance(maintenance, Range90)
    assert maintenance.low < 100 and maintenance.high > 200
    assert maintenance.low == pytest.approx(150 - 50 * Z_RATIO, abs=0.06)
    assert maintenance.high == pytest.approx(150 + 50 * Z_RATIO, abs=0.06)

    results = run(scenario, 2000)
    assert [a.name for a in results.summary.alternatives] == ["ERP system", "Second line", "Do nothing"]
    assert all(np.isfinite(a.npv.mean) for a in results.summary.alternatives)


def test_the_first_page_blocks_until_its_answers_make_sense(qtbot, wizard):
    page = fill_decision(wizard, revenue="lots")
    assert not can_go_on(wizard)
    assert page.revenue.error.isVisible() and "not a number" in page.revenue.error.text()
    page.revenue_edit.setText("120M")
    assert not page.revenue.error.isVisible() and can_go_on(wizard)
    page.margin_edit.setText("150%")
    assert "between -100% and 100%" in page.margin.error.text() and not can_go_on(wizard)
    page.margin_edit.setText("11%")
    page.title_edit.setText("")
    page.title_edit.editingFinished.emit()
    assert page.title_error.isVisible() and not can_go_on(wizard)
    page.title_edit.setText("A decision")
    assert can_go_on(wizard)
    assert wizard.answers.discount_rate == 0.08 and wizard.answers.horizon_years == 5  # the defaults


def test_alternatives_need_at_least_one_and_distinct_names(qtbot, wizard):
    fill_decision(wizard)
    press_next(qtbot, wizard)
    page = alternatives_page(wizard)
    assert not can_go_on(wizard) and "at least one" in page.status.text()
    page.choose("crm")
    assert can_go_on(wizard) and page.status.text() == "1 alternative and \u201cDo nothing\u201d to compare."
    page.do_nothing_box.setChecked(False)
    assert can_go_on(wizard) and "clearer with two" in page.status.text()
    page.do_nothing_box.setChecked(True)
    page.choose("sales-team", "crm system")
    assert not can_go_on(wizard)
    assert page.row("sales-team").error.isVisible() and "already called" in page.row("sales-team").error.text()
    page.row("sales-team").name_edit.setText("Four more reps")
    assert can_go_on(wizard) and "2 alternatives" in page.status.text()
    page.row("crm").name_edit.setText("")
    assert not can_go_on(wizard) and "name" in page.row("crm").error.text()


def test_least_above_most_is_shown_next_to_the_field_and_blocks_next(qtbot, wizard):
    erp_page, _ = drive_to_items(qtbot, wizard)
    row = erp_page.row("Subscription and support")
    assert can_go_on(wizard)
    row.set_answer("300k", "200k")
    assert row.most_error.isVisible() and "Below the least" in row.most_error.text()
    assert not can_go_on(wizard)
    row.set_answer("-5k", "200k")
    assert row.least_error.isVisible() and "0 or more" in row.least_error.text() and not can_go_on(wizard)
    row.set_answer("200k", "about 300k")
    assert "not a number" in row.most_error.text() and not can_go_on(wizard)
    row.set_answer("200k", "300k", 0.5)
    assert not row.most_error.isVisible() and can_go_on(wizard)
    assert "We are 50% sure it is between $200k and $300k a year" in row.words.text()
    # an invalid line that is unticked no longer blocks
    row.set_answer("300k", "200k")
    assert not can_go_on(wizard)
    row.setChecked(False)
    assert can_go_on(wizard) and not row.most_error.isVisible()


def test_answers_survive_going_back_and_forth(qtbot, wizard):
    erp_page, _ = drive_to_items(qtbot, wizard)
    erp_page.row("Subscription and support").set_answer("210k", "330k", 0.8)
    drivers_page(wizard)
    wizard.back()
    assert wizard.currentId() == PAGE_DRIVERS
    drivers_page(wizard).set_drivers(0, ["margins", "customer experience"])
    wizard.back()
    assert wizard.currentId() == PAGE_ALTERNATIVES
    press_next(qtbot, wizard)
    assert drivers_page(wizard).boxes[0][2].text() == "customer experience"  # own words kept
    press_next(qtbot, wizard)
    row = wizard.item_pages()[0].row("Subscription and support")
    assert (row.least_edit.text(), row.most_edit.text()) == ("210k", "330k")
    assert row.confidence_combo.currentData() == 0.8
    press_next(qtbot, wizard)
    press_next(qtbot, wizard)
    press_finish(qtbot, wizard)
    assert wizard.scenario().alternatives[0].drivers == ("margins", "customer experience")


def test_a_new_revenue_resizes_the_guesses_the_person_has_not_changed(qtbot, wizard):
    erp_page, _ = drive_to_items(qtbot, wizard, revenue="100M")
    erp_page.row("Subscription and support").set_answer("1M", "2M")
    licences = erp_page.row("Licences, implementation and data migration").least_edit.text()
    for _ in range(3):
        wizard.back()
    wizard.page(0).revenue_edit.setText("1B")
    for _ in range(3):
        press_next(qtbot, wizard)
    page = wizard.item_pages()[0]
    assert page.row("Subscription and support").least_edit.text() == "1M"        # the person's answer stays
    assert page.row("Licences, implementation and data migration").least_edit.text() != licences
    assert page.row("Licences, implementation and data migration").least_edit.text() == "14M"  # 1.4% of 1B


def test_lines_after_a_short_horizon_are_flagged(qtbot, wizard):
    (page,) = drive_to_items(qtbot, wizard, choices=(("marketing-campaign", None),), horizon=2)
    assert "after your 2-year horizon" in page.row("Repeat purchases by new customers").words.text()
    press_next(qtbot, wizard)
    assert "left out" in summary_page(wizard).text.toPlainText()
    press_finish(qtbot, wizard)
    names = [i.name for i in wizard.scenario().alternatives[0].items]
    assert "Repeat purchases by new customers" not in names and check(wizard.scenario()) == []


def test_a_broken_template_is_reported_and_the_others_still_offered(qtbot, no_leftovers, monkeypatch, tmp_path):
    from simulator.workshop.templates import read_templates, templates_dir

    for name in ("erp.toml", "blank.toml"):
        (tmp_path / name).write_text((templates_dir() / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "broken.toml").write_text("template_format = 1\nname = 3\n", encoding="utf-8")
    monkeypatch.setattr(wizard_module, "read_templates", lambda: read_templates(tmp_path))
    w = NewFromGuideWizard()
    qtbot.addWidget(w)
    page = alternatives_page(w)
    assert [r.template.key for r in page.rows] == ["erp", "blank"]
    shown = " ".join(label.text() for label in page.findChildren(type(page.status)) if label.isVisibleTo(page))
    assert "broken.toml: name: expected text" in shown


def test_run_new_from_guide_returns_the_scenario(qtbot, no_leftovers):
    def answer():
        w = QApplication.activeModalWidget()
        assert isinstance(w, NewFromGuideWizard)
        drive_to_items(qtbot, w, choices=(("cloud-migration", None), ("disaster-recovery", None)))
        press_next(qtbot, w)
        press_next(qtbot, w)
        press_finish(qtbot, w)

    QTimer.singleShot(0, answer)
    scenario = run_new_from_guide()
    assert scenario is not None and check(scenario) == []
    assert [a.name for a in scenario.alternatives] == ["Disaster-recovery plan", "Cloud migration", "Do nothing"]
    assert scenario.alternatives[0].drivers == ("risk reduction",)


def test_run_new_from_guide_returns_none_when_cancelled(qtbot, no_leftovers):
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())
    assert run_new_from_guide() is None


def test_every_page_can_be_seen(qtbot, wizard, tmp_path):
    """Pictures of every page (kept in $INVESTSIM_WIZARD_SHOTS when set, for a look)."""
    out = Path(os.environ.get("INVESTSIM_WIZARD_SHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    shots = []

    def shot(name):
        QApplication.processEvents()
        path = out / f"{len(shots)}-{name}.png"
        assert wizard.grab().save(str(path))
        shots.append(path)

    shot("decision")
    erp_page, line_page = drive_to_items(qtbot, wizard)
    wizard.back()
    shot("drivers")
    wizard.back()
    shot("alternatives")
    press_next(qtbot, wizard)
    press_next(qtbot, wizard)
    shot("items-erp")
    press_next(qtbot, wizard)
    shot("items-production-line")
    press_next(qtbot, wizard)
    shot("summary")
    from PySide6.QtGui import QImage

    for path in shots:
        image = QImage(str(path))
        assert not image.isNull() and image.width() >= 600
        colours = {image.pixel(x, y) for x in range(0, image.width(), 29) for y in range(0, image.height(), 17)}
        assert len(colours) > 5, path


def test_the_guide_asks_for_the_tax_rate_and_todays_prices(qtbot, wizard):
    page = fill_decision(wizard)
    assert wizard.answers.tax_rate == 0 and wizard.answers.inflation == 0   # blank: before tax, as written
    page.tax_edit.setText("25")          # a percentage typed as people do
    assert wizard.answers.tax_rate == 0.25
    page.tax_edit.setText("150%")
    assert not can_go_on(wizard) and "tax rate" in page.tax.error.text()
    page.tax_edit.setText("25%")
    assert not page.inflation_edit.isEnabled()
    page.today_prices.setChecked(True)
    assert page.inflation_edit.isEnabled() and wizard.answers.inflation == 0.02
    page.inflation_edit.setText("3%")
    assert can_go_on(wizard)
    erp_page, line_page = drive_to_items_from_decision(qtbot, wizard)
    press_next(qtbot, wizard)
    press_next(qtbot, wizard)
    summary = summary_page(wizard).text.toPlainText()
    assert "after tax at 25%" in summary and "today's prices, rising 3%" in summary
    press_finish(qtbot, wizard)
    scenario = wizard.scenario()
    assert (scenario.tax_rate, scenario.inflation) == (0.25, 0.03)
    assert loads(dumps(scenario)) == scenario


def drive_to_items_from_decision(qtbot, wizard):
    press_next(qtbot, wizard)
    for key in ("erp", "production-line"):
        alternatives_page(wizard).choose(key)
    press_next(qtbot, wizard)
    press_next(qtbot, wizard)
    return wizard.item_pages()



# ---------------------------------------------------------------------------------------
# Counts, possible ranges, every value shown, projector sizes (issue 18)
# ---------------------------------------------------------------------------------------

def test_the_count_scales_the_written_ranges(qtbot, wizard):
    """Two reps where the template's guesses were made for four: the per-rep lines are
    halved in the guide and in the file; the other lines do not move."""
    (page,) = drive_to_items(qtbot, wizard, choices=(("sales-team", None),), revenue="60M")
    assert page.count_spin is not None and page.count_spin.value() == 4
    pay = page.row("Reps' pay, fully loaded")
    mgmt = page.row("Sales management time and travel")
    pay4 = (pay.answer.least, pay.answer.most)
    mgmt4 = (mgmt.answer.least, mgmt.answer.most)
    t = pay.answer.template
    assert pay4 == t.suggested(60e6) == (410_000, 500_000)    # 0.68% to 0.84% of 60M, 2 figures
    page.count_spin.setValue(2)
    assert (pay.answer.least, pay.answer.most) == t.suggested(60e6, 0.5) == (200_000, 250_000)
    assert pay.least_edit.text() == money_text(200_000)                    # the field shows it
    assert (mgmt.answer.least, mgmt.answer.most) == mgmt4
    # a figure the person typed is theirs: the count leaves it alone
    recruiting = page.row("Recruiting and onboarding")
    recruiting.set_answer("50k", "60k")
    page.count_spin.setValue(3)
    assert (recruiting.answer.least, recruiting.answer.most) == (50_000, 60_000)
    assert (pay.answer.least, pay.answer.most) == t.suggested(60e6, 0.75) == (310_000, 380_000)
    press_next(qtbot, wizard)
    assert "Sized for 3 reps." in summary_page(wizard).text.toPlainText()
    press_finish(qtbot, wizard)
    team = wizard.scenario().alternatives[0]
    written = {i.name: i.amount for i in team.items}
    spec = written["Reps' pay, fully loaded"].describe()
    lo, hi = to_range90(310_000, 380_000, 0.9)
    assert (spec["low"], spec["high"]) == (pytest.approx(lo, rel=1e-3), pytest.approx(hi, rel=1e-3))


def test_no_range_shown_or_written_goes_below_zero(qtbot, wizard):
    """"-$22.4k to $542k; never below $0" must not happen: the range itself is possible."""
    (page,) = drive_to_items(qtbot, wizard, choices=(("sales-team", None),), revenue="60M")
    row = page.row("New accounts won")
    for least, most, sure in (("10k", "500k", 0.5), ("0", "500k", 0.8), ("1", "2M", 0.5), ("100k", "120k", 0.5)):
        row.set_answer(least, most, sure)
        assert "−" not in row.words.text() and "-$" not in row.words.text(), row.words.text()
    press_next(qtbot, wizard)
    press_finish(qtbot, wizard)
    for alt in wizard.scenario().alternatives:
        for item in alt.items:
            spec = item.amount.describe() if hasattr(item.amount, "describe") else {"low": item.amount}
            assert spec.get("low", 0) >= 0 and spec.get("min", 0) >= 0, (item.name, spec)


def test_every_value_written_is_shown(qtbot, wizard):
    """Ramp, growth, write-off years and yearly draws: what lands in the file is in the words,
    for every line of every bundled template, and on the guide's own page."""
    from simulator.workshop.templates import describe_answer, item_answer, load_templates

    for template in load_templates():
        for t in template.items:
            words = describe_answer(item_answer(t, 60e6)).casefold()
            if t.ramp_years:
                assert f"full size over {t.ramp_years} year" in words, (t.name, words)
            if t.growth:
                assert ("grows" in words or "shrinks" in words), (t.name, words)
            if t.kind == "investment" and t.life_years:
                assert f"written off over {t.life_years} year" in words, (t.name, words)
            if t.vary == "yearly":
                assert "a fresh figure each year" in words, (t.name, words)
    (page, *_rest) = drive_to_items(qtbot, wizard, choices=(("sales-team", None),), revenue="60M")
    assert "Grows 3% a year." in page.row("Reps' pay, fully loaded").words.text()


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)])
def test_the_guide_fits_a_projector(qtbot, wizard, size):
    """On a 720-line (or 1024x768) screen the guide opens inside it, not at a fixed 860x700 at
    y = 10, and no text of its pages is cut (the item pages scroll)."""
    from PySide6.QtCore import QRect

    from text_fit import clipped_texts

    width, height = size
    wizard.hide()
    wizard.fit_to_screen(area=QRect(0, 0, width, height))      # a projector's screen
    assert wizard.width() <= width and wizard.height() <= height - 40
    assert wizard.y() >= 0 and wizard.y() + wizard.height() + 40 <= height
    wizard.show()
    qtbot.waitExposed(wizard)
    drive_to_items(qtbot, wizard, choices=(("sales-team", None), ("erp", None)), revenue="60M")
    assert wizard.height() <= height - 40
    assert clipped_texts(wizard) == []
