"""Qt for headless report writing: an application object when there is none, and the font.

The report's one typeface is DejaVu Sans, the face matplotlib draws the charts with. It ships
inside matplotlib, so it is there on every machine (and in the frozen app), text and charts
match, and it covers Latin, Greek, Cyrillic and the common currency signs. For anything beyond
that (Chinese, Japanese, Korean names and titles) an installed CJK font is registered too and
named as the fallback of every font the report uses (:data:`FALLBACKS`), in the PDF (embedded,
like DejaVu Sans) and in the charts; the HTML names the same families in its CSS.
"""

from __future__ import annotations

import os
from pathlib import Path
import sys
import threading

FAMILY = "DejaVu Sans"
#: Fonts with CJK glyphs, by family name and the files they are commonly installed as
#: (Debian/Ubuntu fonts-noto-cjk, fonts-wqy-microhei, fonts-droid-fallback; macOS; Windows).
CJK_FONTS = (
    ("Noto Sans CJK SC", ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                          "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc")),
    ("WenQuanYi Micro Hei", ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",)),
    ("Droid Sans Fallback", ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",)),
    ("PingFang SC", ("/System/Library/Fonts/PingFang.ttc",)),
    ("Microsoft YaHei", ("C:/Windows/Fonts/msyh.ttc",)),
)
#: The fallback families registered by :func:`ensure_fonts` (those found on this machine).
FALLBACKS: list[str] = []
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
            for family, path in cjk_font_files():
                if family not in QFontDatabase.families():
                    fid = QFontDatabase.addApplicationFont(path)
                    names = QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
                    family = family if family in names else (names[0] if names else "")
                if family and family not in FALLBACKS:
                    FALLBACKS.append(family)
            _fonts_done = True
    return FAMILY


def cjk_font_files() -> list[tuple[str, str]]:
    """(family, file) of each CJK font of :data:`CJK_FONTS` installed here."""
    out = []
    for family, paths in CJK_FONTS:
        for path in paths:
            if Path(path).is_file():
                out.append((family, path))
                break
    return out
