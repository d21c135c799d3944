"""Driving the guided set-up as a person would: type, tick, press Next."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard

from ui.wizard import (PAGE_ALTERNATIVES, PAGE_DECISION, PAGE_DRIVERS, PAGE_SUMMARY, AlternativesPage,
                       DecisionPage, DriversPage, ItemsPage, NewFromGuideWizard, SummaryPage)

Next = QWizard.WizardButton.NextButton
Finish = QWizard.WizardButton.FinishButton


def can_go_on(wizard: NewFromGuideWizard) -> bool:
    QApplication.processEvents()
    button = wizard.button(Finish if wizard.currentId() == PAGE_SUMMARY else Next)
    return button.isEnabled() and button.isVisible()


def press_next(qtbot, wizard: NewFromGuideWizard) -> None:
    """Click Next (it must be enabled, as for a person)."""
    assert can_go_on(wizard), f"Next is disabled on page {wizard.currentId()}"
    before = wizard.currentId()
    qtbot.mouseClick(wizard.button(Next), Qt.MouseButton.LeftButton)
    assert wizard.currentId() != before


def fill_decision(wizard: NewFromGuideWizard, *, title="ERP vs. new production line", revenue="120M",
                  margin="11%", horizon: int | None = None, rate: str | None = None) -> DecisionPage:
    page = wizard.page(PAGE_DECISION)
    page.title_edit.setText(title)
    page.revenue_edit.setText(revenue)
    page.margin_edit.setText(margin)
    if horizon is not None:
        page.horizon_spin.setValue(horizon)
    if rate is not None:
        page.rate_edit.setText(rate)
    return page


def alternatives_page(wizard) -> AlternativesPage:
    return wizard.page(PAGE_ALTERNATIVES)


def drivers_page(wizard) -> DriversPage:
    return wizard.page(PAGE_DRIVERS)


def summary_page(wizard) -> SummaryPage:
    return wizard.page(PAGE_SUMMARY)


def drive_to_items(qtbot, wizard, choices=(("erp", None), ("production-line", None)), **decision) -> list[ItemsPage]:
    """Fill page 1, tick ``choices`` ((template key, new name or None), ...), accept the
    drivers, and stop on the first items page."""
    fill_decision(wizard, **decision)
    press_next(qtbot, wizard)
    for key, name in choices:
        alternatives_page(wizard).choose(key, name)
    press_next(qtbot, wizard)
    press_next(qtbot, wizard)
    return wizard.item_pages()


def press_finish(qtbot, wizard) -> None:
    assert wizard.currentId() == PAGE_SUMMARY
    assert can_go_on(wizard), "Create scenario is disabled"
    qtbot.mouseClick(wizard.button(Finish), Qt.MouseButton.LeftButton)
