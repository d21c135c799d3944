"""Help -> About: the version, the project's licence and the licences of the parts it bundles.

``show_about(parent)`` opens the dialog (window-modal, without a nested event loop) and
returns it; ``AboutDialog`` can be built on its own for tests and screenshots
(``python -m ui.about``). :data:`PARTS` is the list of bundled parts; the versions shown are
the ones actually loaded, so the packaged app reports what it ships.

``app_icon()`` is the application icon (``assets/icons``) from the source tree or from the
packaged app's bundled data, for the window and the About dialog.
"""

from __future__ import annotations

from dataclasses import dataclass
import html
import importlib
from pathlib import Path
import platform
import sys

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QTextBrowser, QVBoxLayout,
                               QWidget)

from simulator import __version__


@dataclass(frozen=True)
class Part:
    """One bundled component: shown name, the module whose version is shown, licence, source."""

    name: str
    module: str          # "" when the version is not a module attribute (Qt itself, Python)
    licence: str
    url: str


#: What the packaged app bundles, the main parts first. Licences as published by each project.
PARTS: tuple[Part, ...] = (
    Part("Qt", "", "LGPL-3.0 (the Qt libraries are separate shared libraries in the program's "
                   "folder and may be replaced)", "https://www.qt.io/licensing/open-source-lgpl-obligations"),
    Part("Qt for Python (PySide6, Shiboken6)", "PySide6", "LGPL-3.0", "https://code.qt.io/cgit/pyside/pyside-setup.git"),
    Part("Matplotlib", "matplotlib", "Matplotlib License (PSF-based, BSD-compatible); DejaVu fonts: "
                                     "Bitstream Vera licence; STIX fonts: SIL OFL 1.1", "https://matplotlib.org"),
    Part("NumPy", "numpy", "BSD-3-Clause; bundled OpenBLAS: BSD-3-Clause; libgfortran: GPL-3.0 with the "
                           "GCC Runtime Library Exception", "https://numpy.org"),
    Part("tomlkit", "tomlkit", "MIT", "https://github.com/python-poetry/tomlkit"),
    Part("openpyxl", "openpyxl", "MIT", "https://foss.heptapod.net/openpyxl/openpyxl"),
    Part("HiGHS (highspy)", "highspy", "MIT", "https://github.com/ERGO-Code/HiGHS"),
    Part("Pillow", "PIL", "MIT-CMU (HPND)", "https://python-pillow.org"),
    Part("Python", "", "PSF License 2.0", "https://www.python.org"),
    Part("contourpy, kiwisolver, cycler", "", "BSD-3-Clause", "https://github.com/matplotlib"),
    Part("fontTools, pyparsing, et_xmlfile", "", "MIT", "https://pypi.org"),
    Part("python-dateutil, packaging", "", "Apache-2.0 or BSD", "https://pypi.org"),
)


def app_icon() -> QIcon:
    """The application icon at every size there is (an empty icon when the files are missing)."""
    from simulator.resources import folder as bundled

    icon = QIcon()
    folder = bundled("icons")
    for png in sorted(folder.glob("investsim-*.png")):
        icon.addFile(str(png))
    if icon.isNull() and (folder / "investsim.svg").is_file():
        icon.addFile(str(folder / "investsim.svg"))
    return icon


def version_of(part: Part) -> str:
    """The loaded version of ``part`` ("" when it has none to show, "not found" when missing)."""
    if part.name == "Qt":
        from PySide6.QtCore import qVersion

        return qVersion()
    if part.name == "Python":
        return platform.python_version()
    if not part.module:
        return ""
    try:
        module = importlib.import_module(part.module)
    except ImportError:
        return "not found"
    return str(getattr(module, "__version__", ""))


def about_html() -> str:
    rows = []
    for part in PARTS:
        version = version_of(part)
        rows.append(f"<tr><td><a href='{html.escape(part.url)}'>{html.escape(part.name)}</a></td>"
                    f"<td>{html.escape(version)}</td><td>{html.escape(part.licence)}</td></tr>")
    return (
        "<p>investsim is free software under the MIT licence. The program bundles these parts, "
        "each under its own licence:</p>"
        "<table cellspacing='0' cellpadding='3'>"
        "<tr><th align='left'>Part</th><th align='left'>Version</th><th align='left'>Licence</th></tr>"
        + "".join(rows) + "</table>"
        "<p>The packaged program was made with PyInstaller (GPL-2.0 with its bootloader exception, "
        "which allows any licence for the program it runs).</p>" + licence_folder_html())


def licence_folder_html() -> str:
    """A link to the full licence texts the packaged app carries (nothing from source)."""
    folder = Path(getattr(sys, "_MEIPASS", "")) / "licenses" if getattr(sys, "frozen", False) else None
    if folder is None or not folder.is_dir():
        return ""
    url = QUrl.fromLocalFile(str(folder)).toString()
    return f"<p>The full licence texts are in <a href='{html.escape(url)}'>{html.escape(str(folder))}</a>.</p>"


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About investsim")
        icon = app_icon()
        if not icon.isNull():
            self.setWindowIcon(icon)

        head = QHBoxLayout()
        picture = QLabel()
        picture.setObjectName("icon")
        if not icon.isNull():
            picture.setPixmap(icon.pixmap(64, 64))
        head.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
        self.title = QLabel(
            f"<h2 style='margin:0'>investsim {html.escape(__version__)}</h2>"
            "<p>Compare IT and non-IT investments on one scale by Monte Carlo simulation: "
            "NPV, chance of loss, ROI, payback and operating-margin impact.</p>"
            "<p>© The investsim developers · MIT licence</p>")
        self.title.setObjectName("version")
        self.title.setWordWrap(True)
        self.title.setOpenExternalLinks(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        head.addWidget(self.title, 1)

        self.licences = QTextBrowser()
        self.licences.setObjectName("licences")
        self.licences.setOpenExternalLinks(True)
        self.licences.setHtml(about_html())

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy version details", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.licences, 1)
        layout.addWidget(buttons)
        self.resize(640, 520)

    def details(self) -> str:
        """Plain-text versions, for a bug report."""
        frozen = " (packaged)" if getattr(sys, "frozen", False) else ""
        lines = [f"investsim {__version__}{frozen}", f"{platform.platform()}"]
        lines += [f"{p.name} {v}" for p in PARTS if (v := version_of(p))]
        return "\n".join(lines)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details())


def show_about(parent: QWidget | None = None) -> AboutDialog:
    """Open the About dialog over ``parent`` and return it (deleted when closed)."""
    dialog = AboutDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


if __name__ == "__main__":  # pragma: no cover
    from ._demo import run_demo

    sys.exit(run_demo(AboutDialog))
