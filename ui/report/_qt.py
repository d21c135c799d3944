"""Qt for headless report writing: an application object when there is none, and the font.

The report's one typeface is DejaVu Sans, the face matplotlib draws the charts with. It ships
inside matplotlib, so it is there on every machine (and in the frozen app), text and charts
match, and it covers Latin, Greek, Cyrillic and the common currency signs; Qt falls back to
a system font for anything beyond that (CJK, for example).
"""

from __future__ import annotations

import os
from pathlib import Path
import sys
import threading

FAMILY = "DejaVu Sans"
_lock = threading.Lock()
_app = None
_fonts_done = False


def ensure_app():
    """The running Qt application, or a new one. Without a display on Linux/BSD the
    ``offscreen`` platform is used, so reports work on servers and in CI.

    A new one is a QApplication (not just a QGuiApplication), so that widgets created later
    in the same process (the app, pytest-qt) still work: Qt cannot upgrade the application
    object once it exists, and a widget without a QApplication aborts the process."""
    global _app
    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance()
    if app is not None:
        return app
    with _lock:
        app = QCoreApplication.instance()
        if app is None:
            headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
            if headless and sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
                os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
            try:
                from PySide6.QtWidgets import QApplication as App
            except ImportError:  # pragma: no cover - QtWidgets is part of PySide6-Essentials
                from PySide6.QtGui import QGuiApplication as App
            _app = app = App(["investsim-report"])
    return app


def ensure_fonts() -> str:
    """Register matplotlib's DejaVu Sans with Qt (once) and return the family to use."""
    global _fonts_done
    if _fonts_done:
        return FAMILY
    from PySide6.QtGui import QFontDatabase
    import matplotlib

    with _lock:
        if not _fonts_done:
            folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
            if FAMILY not in QFontDatabase.families():
                for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
                             "DejaVuSans-BoldOblique.ttf"):
                    if (folder / name).is_file():
                        QFontDatabase.addApplicationFont(str(folder / name))
            _fonts_done = True
    return FAMILY
