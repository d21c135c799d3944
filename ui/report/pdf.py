"""The report as PDF, with Qt's own PDF writer.

Why Qt: it is already a dependency, embeds (subset) fonts, handles any Unicode text, and
paints vector graphics. Text blocks are rich text laid out by ``QTextDocument``; tables are
painted cell by cell, so a long one splits between rows with its header repeated; charts are
the app's matplotlib figures painted straight onto the PDF as vectors by :mod:`.qtrender`
(not via SVG: ``QSvgRenderer`` ignores clip paths, so shading would spill out of the axes). Layout runs first (every block measured, pages decided), then painting,
so each footer can say "page X of Y".

Units: the writer works at :data:`RES` dots per inch; ``pt(x)`` converts points to dots.
"""

from __future__ import annotations

from dataclasses import dataclass
import html
from typing import Callable, Sequence

from . import _qt  # before PySide6: the refcount guard
from PySide6.QtCore import QLocale, QMarginsF, QRectF, Qt
from PySide6.QtGui import (QColor, QFont, QFontMetricsF, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument,
                           QTextOption)
from .document import Document, FigureBlock, Heading, PageBreak, Paragraph, Table, Title
from .qtrender import paint_figure

RES = 720


def pt(x: float) -> float:
    return x * RES / 72.0


# --- The look -----------------------------------------------------------------------------

INK = "#1d2430"
MUTED = "#5b6573"
ACCENT = "#0072B2"          # the first chart colour (Okabe-Ito blue)
HEAD = "#12355b"
RULE = "#c9d1da"
HAIR = "#e1e6ec"
HEADER_BG = "#eef2f6"
CALLOUT_BG = "#eaf3fa"
TOTAL_BG = "#f6f8fa"

BODY_PT = 9.0
LINE = 1.38                 # line height as a multiple of the font size (paragraphs)
SIZES = {"title": 20.0, "subtitle": 9.5, "h1": 14.0, "h2": 10.5, "body": BODY_PT, "lead": BODY_PT,
         "callout": BODY_PT, "note": 8.0, "caption": 7.5, "finding": 9.5, "table": 8.0, "small": 7.2,
         "footer": 6.8}
FOOTER_H = 24.0             # points reserved at the bottom of each page
KEEP_WHOLE_ROWS = 12        # tables up to this many rows (and up to this share of a page)
KEEP_WHOLE_SHARE = 0.35     # are not split across pages


def make_font(family: str, size: float, bold: bool = False) -> QFont:
    """The report's font at ``size`` points. Ligatures are off: with them "fi" becomes one
    glyph (U+FB01) that PDF viewers search and copy badly ("ﬁnding" is not "finding")."""
    font = QFont(family)
    if _qt.FALLBACKS:   # CJK and other scripts DejaVu Sans lacks: glyphs from an installed font
        font.setFamilies([family, *_qt.FALLBACKS])
    font.setPointSizeF(size)
    font.setBold(bold)
    if hasattr(font, "setFeature"):  # Qt >= 6.7
        font.setFeature(QFont.Tag("liga"), 0)
    return font


def paper_size(paper: str = "auto") -> QPageSize:
    """A4, or US Letter where the locale measures in inches (``paper="auto"``)."""
    if paper == "letter" or (paper == "auto" and QLocale.system().measurementSystem()
                             == QLocale.MeasurementSystem.ImperialUSSystem):
        return QPageSize(QPageSize.PageSizeId.Letter)
    return QPageSize(QPageSize.PageSizeId.A4)


# --- Pieces: measured things that can be painted at (x, y) ---------------------------------

class Piece:
    height: float = 0.0

    def paint(self, p: QPainter, x: float, y: float, width: float) -> None:  # pragma: no cover
        raise NotImplementedError


class Spacer(Piece):
    def __init__(self, height: float):
        self.height = height

    def paint(self, p, x, y, width):
        pass


class TextPiece(Piece):
    """Rich text laid out by QTextDocument at a fixed width."""

    def __init__(self, ctx: "Ctx", body_html: str, width: float, *, size: float, color: str = INK,
                 bold: bool = False, line: float = LINE):
        doc = QTextDocument()
        doc.documentLayout().setPaintDevice(ctx.writer)
        doc.setDocumentMargin(0)
        doc.setDefaultFont(make_font(ctx.family, size, bold))
        opt = QTextOption()
        opt.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        doc.setDefaultTextOption(opt)
        doc.setHtml(f'<div style="color:{color}; line-height:{int(line * 100)}%">{body_html}</div>')
        doc.setTextWidth(width)
        self.doc = doc
        self.height = doc.size().height()

    def paint(self, p, x, y, width):
        p.save()
        p.translate(x, y)
        self.doc.drawContents(p)
        p.restore()


class Stack(Piece):
    """Pieces one under the other with gaps, optionally on a tinted box with an accent bar."""

    def __init__(self, parts: Sequence[tuple[float, Piece]], *, fill: str | None = None, bar: str | None = None,
                 pad: float = 0.0, rule_below: str | None = None, rule_width: float = 0.0):
        self.parts = list(parts)
        self.fill, self.bar, self.pad = fill, bar, pad
        self.rule_below, self.rule_width = rule_below, rule_width
        self.height = sum(gap + part.height for gap, part in self.parts) + 2 * pad + (
            pt(4) + rule_width if rule_below else 0)

    def paint(self, p, x, y, width):
        if self.fill:
            p.fillRect(QRectF(x, y, width, self.height), QColor(self.fill))
        if self.bar:
            p.fillRect(QRectF(x, y, pt(3), self.height), QColor(self.bar))
        cy = y + self.pad
        for gap, part in self.parts:
            cy += gap
            part.paint(p, x + self.pad + (pt(3) if self.bar else 0), cy, width - 2 * self.pad)
            cy += part.height
        if self.rule_below:
            cy += pt(4)
            p.fillRect(QRectF(x, cy, width, self.rule_width), QColor(self.rule_below))


class FigurePiece(Piece):
    """A matplotlib figure painted as vectors (see :mod:`.qtrender`)."""

    def __init__(self, figure, width: float, height: float):
        self.figure = figure
        self.width = width
        self.height = height

    def paint(self, p, x, y, width):
        paint_figure(p, self.figure, QRectF(x + (width - self.width) / 2, y, self.width, self.height))


# --- Tables -------------------------------------------------------------------------------

@dataclass
class _Cell:
    text: str
    flags: int
    height: float


class TableLayout:
    """Column widths, fonts and row heights of one table at one width."""

    def __init__(self, ctx: "Ctx", table: Table, width: float):
        self.ctx, self.table, self.width = ctx, table, width
        size = SIZES[table.font]
        self.font = make_font(ctx.family, size)
        self.bold = make_font(ctx.family, size, bold=True)
        self.fm = QFontMetricsF(self.font, ctx.writer)
        self.fmb = QFontMetricsF(self.bold, ctx.writer)
        self.padx, self.pady = pt(4.0), pt(2.6 if table.font == "small" else 3.0)
        self.header = table.style != "definitions" and any(c.title for c in table.columns)
        self.widths = self._widths()
        self.header_cells = self._cells(tuple(c.title for c in table.columns), header=True) if self.header else None
        self.header_h = self._row_height(self.header_cells) if self.header else 0.0
        self.rows = [self._cells(r.cells, style=r.style) for r in table.rows]
        self.heights = [self._row_height(cells) for cells in self.rows]

    def _is_bold(self, col: int, *, header: bool = False, style: str = "") -> bool:
        if header or style in ("total", "subhead"):
            return True
        return self.table.style == "definitions" and col == 0

    def _widths(self) -> list[float]:
        cols = self.table.columns
        n = len(cols)
        inner = self.width
        fixed = [c.weight for c in cols]
        if all(w is not None for w in fixed):
            total = sum(fixed) or 1.0
            return [inner * w / total for w in fixed]
        # Content-based widths (the HTML "auto" table algorithm, simplified): each column's
        # widest line and widest word, then share out what is left.
        most, least = [0.0] * n, [0.0] * n
        texts = [[c.title for c in cols]] if self.header else []
        texts += [list(r.cells) for r in self.table.rows]
        for r_i, cells in enumerate(texts):
            for i, text in enumerate(cells[:n]):
                fm = self.fmb if (self.header and r_i == 0) or self._is_bold(i) else self.fm
                lines = text.split("\n")
                most[i] = max(most[i], max(fm.horizontalAdvance(line) for line in lines) + 2 * self.padx)
                words = text.split()
                if words:
                    least[i] = max(least[i], max(fm.horizontalAdvance(w) for w in words) + 2 * self.padx)
        taken = 0.0
        widths = [0.0] * n
        free = []
        for i, c in enumerate(cols):
            if c.weight is not None:
                widths[i] = inner * c.weight
                taken += widths[i]
            else:
                free.append(i)
        room = inner - taken
        sum_most = sum(most[i] for i in free)
        sum_least = sum(least[i] for i in free)
        if sum_most <= room:
            extra = room - sum_most
            for i in free:
                widths[i] = most[i] + extra * (most[i] / sum_most if sum_most else 1 / len(free))
        elif sum_least <= room:
            span = sum_most - sum_least
            for i in free:
                widths[i] = least[i] + (room - sum_least) * ((most[i] - least[i]) / span if span else 0)
        else:
            for i in free:
                widths[i] = room * (least[i] / sum_least if sum_least else 1 / len(free))
        return widths

    def _cells(self, texts: Sequence[str], *, header: bool = False, style: str = "") -> list[_Cell]:
        out = []
        for i, (text, col) in enumerate(zip(texts, self.table.columns)):
            fm = self.fmb if self._is_bold(i, header=header, style=style) else self.fm
            w = max(self.widths[i] - 2 * self.padx, pt(8))
            align = Qt.AlignmentFlag.AlignRight if col.align == "right" else Qt.AlignmentFlag.AlignLeft
            wrap = Qt.TextFlag.TextWordWrap
            if any(fm.horizontalAdvance(word) > w for word in text.split()):
                wrap = Qt.TextFlag.TextWrapAnywhere
            flags = int(align.value) | int(wrap.value) | int(Qt.AlignmentFlag.AlignTop.value)
            rect = fm.boundingRect(QRectF(0, 0, w, 1e7), flags, text) if text else QRectF(0, 0, 0, fm.height())
            out.append(_Cell(text, flags, max(rect.height(), fm.height())))
        return out

    def _row_height(self, cells: Sequence[_Cell]) -> float:
        return max((c.height for c in cells), default=0.0) + 2 * self.pady


class TablePiece(Piece):
    def __init__(self, lay: TableLayout, first: int, last: int):
        self.lay, self.first, self.last = lay, first, last
        self.height = lay.header_h + sum(lay.heights[first:last])

    def paint(self, p, x, y, width):
        lay = self.lay
        cy = y
        if lay.header:
            p.fillRect(QRectF(x, cy, width, lay.header_h), QColor(HEADER_BG))
            self._paint_cells(p, x, cy, lay.header_cells, lay.header_h, header=True)
            cy += lay.header_h
            p.fillRect(QRectF(x, cy - pt(0.8), width, pt(0.8)), QColor("#9aa5b1"))
        elif self.first == 0 and lay.table.style == "definitions":
            p.fillRect(QRectF(x, cy, width, pt(0.8)), QColor(RULE))
        for i in range(self.first, self.last):
            h = lay.heights[i]
            style = lay.table.rows[i].style
            if style == "total":
                p.fillRect(QRectF(x, cy, width, h), QColor(TOTAL_BG))
                p.fillRect(QRectF(x, cy, width, pt(0.8)), QColor("#9aa5b1"))
            self._paint_cells(p, x, cy, lay.rows[i], h, style=style)
            cy += h
            if style != "total":
                p.fillRect(QRectF(x, cy - pt(0.4), width, pt(0.4)), QColor(HAIR))

    def _paint_cells(self, p, x, y, cells, h, *, header=False, style=""):
        lay = self.lay
        cx = x
        for i, cell in enumerate(cells):
            bold = lay._is_bold(i, header=header, style=style)
            p.setFont(lay.bold if bold else lay.font)
            color = INK
            if header:
                color = HEAD
            elif lay.table.style == "key" and i == 0:
                color = MUTED
            p.setPen(QColor(color))
            w = lay.widths[i]
            p.drawText(QRectF(cx + lay.padx, y + lay.pady, w - 2 * lay.padx, h - 2 * lay.pady + pt(1)),
                       cell.flags, cell.text)
            cx += w


# --- Blocks -> measured pieces -----------------------------------------------------------

class Ctx:
    def __init__(self, writer: QPdfWriter, family: str, width: float, height: float):
        self.writer, self.family, self.width, self.height = writer, family, width, height


def esc(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def para_html(b: Paragraph) -> str:
    lead = f"<b>{esc(b.lead)}</b> " if b.lead else ""
    return lead + esc(b.text)


class Placer:
    """One block's pieces, possibly split across pages."""

    space_before: float = 0.0
    keep_with_next: bool = False

    def min_first(self) -> float:
        return self.height

    def split(self, avail: float, fresh: bool):
        """(piece, rest): what fits in ``avail`` and what is left (None when all fitted);
        piece is None when nothing fits and the page is not fresh."""
        if self.height <= avail or fresh:
            return self.piece, None
        return None, self


class Whole(Placer):
    def __init__(self, piece: Piece, space_before: float, keep_with_next: bool = False):
        self.piece = piece
        self.height = piece.height
        self.space_before = space_before
        self.keep_with_next = keep_with_next


class FigurePlacer(Placer):
    def __init__(self, ctx: Ctx, block: FigureBlock):
        chart = block.chart
        self.space_before = pt(14)
        w = ctx.width
        label = TextPiece(ctx, f"FIGURE {block.number} \u00b7 {esc(chart.title.upper())}", w, size=SIZES["caption"],
                          color=ACCENT, bold=True, line=1.2)
        if chart.error:
            finding = TextPiece(ctx, esc(f"This chart could not be drawn ({chart.error})."), w,
                                size=SIZES["note"], color=MUTED)
            self.parts = [(0.0, label), (pt(3), finding)]
        else:
            finding = TextPiece(ctx, esc(_sentence(chart.finding)), w, size=SIZES["finding"], bold=True, line=1.3)
            self.aspect = chart.height_pt / chart.width_pt
            self.figure = chart.figure
            self.parts = [(0.0, label), (pt(3), finding), (pt(6), FigurePiece(chart.figure, w, w * self.aspect))]
            if chart.caption:
                self.parts.append((pt(4), TextPiece(ctx, esc(chart.caption), w, size=SIZES["caption"], color=MUTED,
                                                    line=1.3)))
        self.piece = Stack(self.parts)
        self.height = self.piece.height

    def split(self, avail, fresh):
        if self.height <= avail:
            return self.piece, None
        if not fresh:
            return None, self
        # Taller than a whole page: shrink the picture to fit.
        index = next((i for i, (_, part) in enumerate(self.parts) if isinstance(part, FigurePiece)), None)
        if index is not None:
            gap, fig_part = self.parts[index]
            other = self.height - fig_part.height
            h = max(avail - other, pt(72))
            self.parts[index] = (gap, FigurePiece(self.figure, h / self.aspect, h))
            self.piece = Stack(self.parts)
        return self.piece, None


class TablePlacer(Placer):
    def __init__(self, ctx: Ctx, table: Table, space_before: float, first: int = 0, lay: TableLayout | None = None):
        self.lay = lay or TableLayout(ctx, table, ctx.width)
        self.ctx, self.table, self.first = ctx, table, first
        self.space_before = space_before
        n = len(self.lay.heights) - first
        # A short table stays whole; a long one leaves at least three rows on each page.
        short = n <= KEEP_WHOLE_ROWS and sum(self.lay.heights[first:]) <= KEEP_WHOLE_SHARE * ctx.height
        self.min_rows = n if (first == 0 and short) else min(n, 3)
        self.height = self.lay.header_h + sum(self.lay.heights[first:])

    def min_first(self) -> float:
        return self.lay.header_h + sum(self.lay.heights[self.first:self.first + self.min_rows])

    def split(self, avail, fresh):
        lay = self.lay
        total = len(lay.heights)
        used = lay.header_h
        last = self.first
        while last < total and used + lay.heights[last] <= avail:
            used += lay.heights[last]
            last += 1
        rows = last - self.first
        if rows < self.min_rows and not fresh:
            return None, self
        if rows == 0:
            last = self.first + 1   # a single row taller than a page: let it run over
        # Do not leave fewer than three rows for the next page.
        if 0 < total - last < 3 and rows > 3:
            last = max(self.first + 3, total - 3)
        piece = TablePiece(lay, self.first, last)
        rest = TablePlacer(self.ctx, self.table, 0.0, last, lay) if last < total else None
        return piece, rest


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def placer(ctx: Ctx, block) -> Placer:
    w = ctx.width
    if isinstance(block, Title):
        title = TextPiece(ctx, esc(block.title), w, size=SIZES["title"], color=HEAD, bold=True, line=1.15)
        sub = TextPiece(ctx, esc(block.subtitle), w, size=SIZES["subtitle"], color=MUTED)
        return Whole(Stack([(0.0, title), (pt(4), sub)], rule_below=ACCENT, rule_width=pt(1.6)), 0.0)
    if isinstance(block, Heading):
        if block.level == 1:
            text = TextPiece(ctx, esc(block.text), w, size=SIZES["h1"], color=HEAD, bold=True, line=1.2)
            return Whole(Stack([(0.0, text)], rule_below=RULE, rule_width=pt(0.8)), pt(18), keep_with_next=True)
        text = TextPiece(ctx, esc(block.text), w, size=SIZES["h2"], color=HEAD, bold=True, line=1.2)
        return Whole(text, pt(12), keep_with_next=True)
    if isinstance(block, Paragraph):
        if block.style == "callout":
            head = TextPiece(ctx, esc(block.lead), w - pt(20), size=10.5, color=HEAD, bold=True, line=1.3)
            parts = [(0.0, head)]
            if block.text:
                parts.append((pt(4), TextPiece(ctx, esc(block.text), w - pt(20), size=SIZES["callout"])))
            return Whole(Stack(parts, fill=CALLOUT_BG, bar=ACCENT, pad=pt(8)), pt(10))
        if block.style == "command":
            text = TextPiece(ctx, f'<span style="white-space:pre-wrap">{esc(block.text)}</span>', w - pt(16),
                             size=SIZES["note"], color=INK, line=1.25)
            return Whole(Stack([(0.0, text)], fill=TOTAL_BG, pad=pt(5)), pt(4))
        size = SIZES.get(block.style, BODY_PT)
        color = MUTED if block.style in ("note", "caption") else INK
        return Whole(TextPiece(ctx, para_html(block), w, size=size, color=color), pt(7),
                     keep_with_next=block.keep_with_next)
    if isinstance(block, Table):
        return TablePlacer(ctx, block, pt(8))
    if isinstance(block, FigureBlock):
        return FigurePlacer(ctx, block)
    raise TypeError(f"unknown block {block!r}")


# --- Layout and painting -----------------------------------------------------------------

def layout(ctx: Ctx, blocks: Sequence) -> list[list[tuple[float, Piece]]]:
    """Decide what goes on which page: a list of pages, each a list of (y, piece)."""
    pages: list[list[tuple[float, Piece]]] = [[]]
    y = 0.0

    def new_page():
        nonlocal y
        if pages[-1]:
            pages.append([])
        y = 0.0

    placers = [None if isinstance(b, PageBreak) else placer(ctx, b) for b in blocks]
    for i, pl in enumerate(placers):
        if pl is None:
            new_page()
            continue
        if pl.keep_with_next and y > 0 and not (i and placers[i - 1] is not None and placers[i - 1].keep_with_next):
            # A heading (and the introductions after it) stays with the start of what follows.
            need, j = 0.0, i
            while j < len(placers) and placers[j] is not None and placers[j].keep_with_next:
                need += placers[j].space_before + placers[j].height
                j += 1
            if j < len(placers) and placers[j] is not None:
                need += placers[j].space_before + placers[j].min_first()
            if y + need > ctx.height and need <= ctx.height:
                new_page()
        current: Placer | None = pl
        while current is not None:
            gap = current.space_before if y > 0 else 0.0
            piece, rest = current.split(ctx.height - y - gap, fresh=(y == 0))
            if piece is None:
                new_page()
                continue
            pages[-1].append((y + gap, piece))
            y += gap + piece.height
            current = rest
            if rest is not None:
                new_page()
    if not pages[-1] and len(pages) > 1:
        pages.pop()
    return pages


def write(doc: Document, path: str, *, paper: str = "auto", step: Callable[[], None] | None = None,
          pages_known: Callable[[int], None] | None = None) -> int:
    """Write ``doc`` as a PDF to ``path``; returns the number of pages. ``step()`` is called
    after the layout and after each page (progress, cancellation); ``pages_known(n)`` once
    the layout has decided the number of pages."""
    _qt.ensure_app()
    family = _qt.ensure_fonts()
    writer = QPdfWriter(path)
    writer.setResolution(RES)
    writer.setPageSize(paper_size(paper))
    writer.setPageMargins(QMarginsF(18, 16, 18, 12), QPageLayout.Unit.Millimeter)
    writer.setTitle(doc.title)
    writer.setCreator(doc.footer_facts.rsplit(" · ", 1)[-1])
    rect = writer.pageLayout().paintRectPixels(RES)
    width, full_h = float(rect.width()), float(rect.height())
    ctx = Ctx(writer, family, width, full_h - pt(FOOTER_H))
    pages = layout(ctx, doc.blocks)
    if pages_known is not None:
        pages_known(len(pages))
    if step is not None:
        step()
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"cannot write {path}: the PDF writer could not open it")
    try:
        for n, page in enumerate(pages):
            if n:
                writer.newPage()
            for y, piece in page:
                piece.paint(painter, 0.0, y, width)
            _footer(painter, ctx, full_h, doc, n + 1, len(pages))
            if step is not None:
                step()
    finally:
        ok = painter.end()
    if not ok:
        raise OSError(f"cannot write {path}: the PDF writer failed to finish the file")
    return len(pages)


def _footer(p: QPainter, ctx: Ctx, full_h: float, doc: Document, page: int, pages: int) -> None:
    font = make_font(ctx.family, SIZES["footer"])
    fm = QFontMetricsF(font, ctx.writer)
    line = fm.height()
    top = full_h - 2 * line - pt(5)
    p.fillRect(QRectF(0, top, ctx.width, pt(0.5)), QColor(RULE))
    p.setFont(font)
    p.setPen(QColor(MUTED))
    right = f"Page {page} of {pages}"
    rw = fm.horizontalAdvance(right)
    left = fm.elidedText(doc.footer_left, Qt.TextElideMode.ElideMiddle, ctx.width - rw - pt(12))
    y1 = top + pt(4)
    p.drawText(QRectF(0, y1, ctx.width - rw - pt(12), line), int(Qt.AlignmentFlag.AlignLeft.value), left)
    p.drawText(QRectF(ctx.width - rw - pt(2), y1, rw + pt(2), line), int(Qt.AlignmentFlag.AlignRight.value), right)
    facts = fm.elidedText(doc.footer_facts, Qt.TextElideMode.ElideRight, ctx.width)
    p.drawText(QRectF(0, y1 + line, ctx.width, line), int(Qt.AlignmentFlag.AlignLeft.value), facts)
