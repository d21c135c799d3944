"""Render the application icon from its SVG source into every format the platforms need.

    .venv/bin/python build/make_icons.py

reads ``assets/icons/investsim.svg`` and writes, next to it:

* ``investsim-<N>.png`` for N in :data:`PNG_SIZES` (Linux icon themes, the window icon);
* ``investsim.ico`` with :data:`ICO_SIZES` (Windows: the .exe and the taskbar);
* ``investsim.icns`` with :data:`ICNS_SIZES` in pixels (macOS app bundle; the 16 pt and
  32 pt icons at 1x and 2x, 128 to 512 pt at 1x and 2x).

The SVG is drawn by Qt's own SVG renderer (the one the app uses), the ICO and ICNS are packed
by Pillow (installed with matplotlib). The outputs are committed, so a build never needs this
script; run it after editing the SVG. ``tests/packaging`` checks the files and their sizes.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
import sys

ICONS = Path(__file__).resolve().parent.parent / "assets" / "icons"
SVG = ICONS / "investsim.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (32, 64, 128, 256, 512, 1024)   # ICNS types ic07-ic14, as Pillow writes them


def render(size: int) -> bytes:
    """The SVG as a ``size`` x ``size`` PNG (bytes), transparent outside the rounded square."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {SVG} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return bytes(data)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (kept alive)
    images = {}
    for size in sorted(set(PNG_SIZES) | set(ICO_SIZES) | set(ICNS_SIZES)):
        images[size] = Image.open(io.BytesIO(render(size))).convert("RGBA")
        images[size].load()
    for size in PNG_SIZES:
        out = ICONS / f"investsim-{size}.png"
        images[size].save(out, optimize=True)
        print(f"wrote {out.relative_to(ICONS.parent.parent)}")
    # Pillow packs each size given in append_images as is (rendered from the SVG, not scaled).
    biggest = images[max(ICO_SIZES)]
    biggest.save(ICONS / "investsim.ico", format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                 append_images=[images[s] for s in ICO_SIZES if s != max(ICO_SIZES)])
    print("wrote assets/icons/investsim.ico")
    images[max(ICNS_SIZES)].save(ICONS / "investsim.icns", format="ICNS",
                                 append_images=[images[s] for s in ICNS_SIZES if s != max(ICNS_SIZES)])
    print("wrote assets/icons/investsim.icns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
