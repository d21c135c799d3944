"""Help -> About: the version and the licences of the bundled parts."""

from __future__ import annotations

from PySide6.QtCore import Qt

from simulator import __version__
from ui.about import PARTS, AboutDialog, app_icon, show_about


def test_about_shows_the_version_and_the_licences(qtbot):
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert f"investsim {__version__}" in dialog.title.text()
    text = dialog.licences.toPlainText()
    for name in ("Qt", "PySide6", "Matplotlib", "NumPy", "tomlkit", "openpyxl"):
        assert name in text
    assert "LGPL-3.0" in text and "MIT" in text and "BSD-3-Clause" in text


def test_about_shows_the_loaded_versions(qtbot):
    import matplotlib
    import numpy

    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    details = dialog.details()
    assert details.splitlines()[0].startswith(f"investsim {__version__}")
    assert f"Matplotlib {matplotlib.__version__}" in details
    assert f"NumPy {numpy.__version__}" in details
    assert "not found" not in details
    assert {p.name for p in PARTS} >= {"Qt", "Matplotlib", "NumPy", "tomlkit", "openpyxl"}


def test_show_about_opens_without_blocking_and_goes_away(qtbot):
    dialog = show_about()
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    assert dialog.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    with qtbot.waitSignal(dialog.finished, timeout=2000):
        dialog.reject()
    assert not dialog.isVisible()


def test_the_application_icon_is_found(qapp):
    icon = app_icon()
    assert not icon.isNull()
    assert max(s.width() for s in icon.availableSizes()) >= 256
