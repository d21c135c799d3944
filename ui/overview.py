"""The Overview tab: one card per alternative and the verdict, in plain words.

Pure Qt (no matplotlib), so the first results appear before the chart code is even imported.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout,
                               QWidget)

from simulator.analysis import formatting as fmt
from simulator.analysis import insights
from simulator.analysis.summary import roi_detail, roi_label

from .palette import colors_for

_ROWS = (
    ("range", "Middle 80% of futures",
     "The middle 80% of the simulated futures: one in ten ends below the first number, one in ten above "
     "the second."),
    ("loss", "Chance of losing money",
     "Share of simulated futures in which the investment is worth less than nothing today (NPV below zero)."),
    ("roi", "Return on investment",
     "Expected NPV divided by the expected cost, both in today's money, over the whole planning horizon "
     "(not a yearly figure); its sign agrees with the expected NPV. The median future shows how a typical "
     "future does."),
    ("payback", "Payback",
     "Typical (median) number of years until the cumulative cash turns positive, and how often that happens "
     "within the planning horizon."),
    ("margin", "Operating margin",
     "Change in the company's operating margin by the last year of the plan, in percentage points, "
     "on average."),
    ("best", "Chance of being the best choice",
     "Share of simulated futures in which this alternative has the highest NPV of all."),
)

_ROI_TIP = dict((key, tip) for key, _, tip in _ROWS)["roi"]


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class AlternativeCard(QFrame):
    """The key figures of one alternative."""

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        self.name = name
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 14)
        outer.setSpacing(4)
        head = QHBoxLayout()
        self.title = QLabel(name)
        self.title.setObjectName("cardTitle")
        self.title.setWordWrap(True)
        f = self.title.font()
        f.setPointSizeF(f.pointSizeF() * 1.35)
        f.setBold(True)
        self.title.setFont(f)
        self.category = QLabel()
        self.category.setObjectName("category")
        self.category.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.title, 1)
        head.addWidget(self.category, 0)
        outer.addLayout(head)
        # A reference that spends and earns nothing ("Do nothing") gets one sentence instead
        # of figures that say nothing (n/a, nothing to pay back, 0.00 pp): see set_summary.
        self.idle_text = QLabel()
        self.idle_text.setObjectName("idle")
        self.idle_text.setWordWrap(True)
        self.idle_text.setVisible(False)
        outer.addWidget(self.idle_text)
        self.idle = False
        caption = QLabel("Expected value today (NPV)")
        caption.setObjectName("caption")
        caption.setToolTip("Average net present value over all simulated futures: what the investment is worth "
                           "today, after all its costs, with future money discounted.")
        outer.addWidget(caption)
        self.npv_caption = caption
        self.npv = QLabel("…")
        self.npv.setObjectName("npv")
        f = self.npv.font()
        f.setPointSizeF(f.pointSizeF() * 2.3)
        f.setWeight(QFont.Weight.DemiBold)
        self.npv.setFont(f)
        self.npv.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.npv)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(5)
        self.values: dict[str, QLabel] = {}
        self.labels: dict[str, QLabel] = {}
        for row, (key, label, tip) in enumerate(_ROWS):
            lab = QLabel(label)
            lab.setObjectName("rowLabel")
            lab.setToolTip(tip)
            val = QLabel("…")
            val.setObjectName(key)
            val.setToolTip(tip)
            val.setWordWrap(True)
            val.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(lab, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(val, row, 1)
            self.values[key] = val
            self.labels[key] = lab
        grid.setColumnStretch(1, 1)
        outer.addLayout(grid)
        self.items_caption = QLabel("Where the value comes from (today's money, on average)")
        self.items_caption.setObjectName("caption")
        self.items_caption.setToolTip("The average present value of each line: money in (+) and money out (−). "
                                      "Together they add up to the expected NPV.")
        outer.addSpacing(6)
        outer.addWidget(self.items_caption)
        self.items = QLabel()
        self.items.setObjectName("items")
        self.items.setTextFormat(Qt.TextFormat.RichText)
        self.items.setWordWrap(True)
        self.items.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.items.setMinimumWidth(200)
        outer.addWidget(self.items)

    def set_color(self, color: str) -> None:
        if getattr(self, "_color", None) == color:
            return   # restyling is slow: only when the colour changes
        self._color = color
        self.setStyleSheet(
            f"QFrame#card {{ background: palette(base); border: 1px solid #d0d0d0; border-radius: 6px;"
            f" border-top: 6px solid {color}; }}"
            " QLabel#caption, QLabel#rowLabel { color: #555555; }"
            " QLabel#category { color: #555555; }")

    def set_items(self, item_pv, currency: str, top: int = 5) -> None:
        """The largest contributions to the NPV, signed, biggest first, in one money unit."""
        rows = sorted(item_pv.items(), key=lambda kv: -abs(kv[1]))
        shown, rest = rows[:top], rows[top:]
        if rest:
            shown.append((f"{len(rest)} other item{'s' if len(rest) > 1 else ''}", sum(v for _, v in rest)))
        scale = fmt.money_scale(v for _, v in shown)
        self.items_caption.setVisible(bool(shown) and not self.idle)
        self.items.setVisible(not self.idle)
        html = ["<table width='100%' cellspacing='0' cellpadding='1'>"]
        for name, value in shown:
            color = "#1B5E20" if value >= 0 else "#B71C1C"
            text = fmt.money(value, currency, sign=True, scale=scale)
            html.append(f"<tr><td>{_esc(name)}</td><td align='right' style='color:{color}'>{text}</td></tr>")
        html.append("</table>")
        self.items.setText("".join(html) if shown else "<i>No items: nothing is spent or gained.</i>")

    def set_summary(self, a, prob_best: float | None, currency: str, horizon: int,
                    scale: fmt.Scale | None = None) -> None:
        """``scale``: the run's headline money unit (:func:`simulator.analysis.formatting.headline_scale`)."""
        m = lambda x: fmt.money(x, currency, scale=scale)
        self.category.setText(a.category or "")
        self.npv.setText(m(a.npv.mean))
        self.values["range"].setText(fmt.middle_80(a.npv.p10, a.npv.p90, currency, scale=scale))
        self.values["loss"].setText(fmt.percent(a.prob_loss))
        self.labels["roi"].setText(roi_label(horizon))
        if a.roi_of_expected is None:
            self.values["roi"].setText("n/a (no costs)")
        else:
            self.values["roi"].setText(f"{fmt.rate(a.roi_of_expected)} (median future {fmt.rate(a.roi_p50)})")
            self.values["roi"].setToolTip(f"{_ROI_TIP}\n\nPer future: {roi_detail(a)}.\nIRR: "
                                          f"{a.irr.median_text()} over all futures"
                                          + (f" ({a.irr.never_back_text()})." if a.irr.never_back_text() else "."))
        self.values["payback"].setText(fmt.payback(a.payback_p50, a.payback_within, horizon))
        if a.margin_pp:
            last = a.margin_pp[-1]
            self.values["margin"].setText(f"{fmt.points(last.mean)} by year {last.year}")
        else:
            self.values["margin"].setText("add the business today (Baseline) to see this")
        self.values["best"].setText(fmt.percent(prob_best) if prob_best is not None else "—")
        # A reference that spends and earns nothing ("Do nothing"): its rows would say nothing
        # ("n/a", "nothing to pay back", 0.00 pp), so its card is one sentence with the figures
        # it is compared on; the page then fits a 1400x900 window (and, with two options that
        # invest, a 1280x720 one) without scrolling.
        self.idle = idle = a.pv_costs == 0 and a.pv_benefits == 0 and a.npv.std == 0
        if idle:
            never = ", so it never loses money" if a.prob_loss == 0 else ""
            best = "" if prob_best is None else f" It is the best choice in {fmt.percent(prob_best)} of futures."
            self.idle_text.setText(f"Nothing is spent or gained: {m(a.npv.mean)} in every future{never}.{best}")
        self.idle_text.setVisible(idle)
        for w in (self.npv_caption, self.npv, self.items_caption, self.items, *self.labels.values(),
                  *self.values.values()):
            w.setVisible(not idle)
        # The precision of each simulated figure (one standard error), where the reader looks.
        self.npv.setToolTip(f"Expected NPV {m(a.npv.mean)} ± {m(a.npv.se)} (one standard error of the "
                            "simulation: run more futures to narrow it).")
        self.values["loss"].setToolTip(f"{fmt.percent(a.prob_loss, digits=1)} ± "
                                       f"{a.prob_loss_se * 100:.1f} points (one standard error).")
        if prob_best is not None and a.npv.se > 0:
            n = max(round((a.npv.std / a.npv.se) ** 2), 1)
            se_best = (prob_best * (1 - prob_best) / n) ** 0.5
            self.values["best"].setToolTip(f"{fmt.percent(prob_best, digits=1)} ± {se_best * 100:.1f} points "
                                           "(one standard error).")


class OverviewPage(QScrollArea):
    """The verdict and a card per alternative."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("overview")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)   # cards wrap instead
        body = QWidget()
        body.setObjectName("overviewBody")
        self.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(10)
        self.heading = QLabel("Simulating…")
        self.heading.setObjectName("heading")
        f = self.heading.font()
        f.setPointSizeF(f.pointSizeF() * 1.15)
        self.heading.setFont(f)
        self.heading.setStyleSheet("color: #555555;")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.verdict = QLabel("")
        self.verdict.setObjectName("verdict")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        f = self.verdict.font()
        f.setPointSizeF(f.pointSizeF() * 1.35)
        f.setWeight(QFont.Weight.DemiBold)
        self.verdict.setFont(f)
        layout.addWidget(self.verdict)
        self.cards_box = QWidget()
        self.cards_layout = QGridLayout(self.cards_box)
        self.cards_layout.setContentsMargins(0, 6, 0, 0)
        self.cards_layout.setHorizontalSpacing(14)
        self.cards_layout.setVerticalSpacing(14)
        layout.addWidget(self.cards_box)
        self.evpi = QLabel("")
        self.evpi.setObjectName("evpi")
        self.evpi.setWordWrap(True)
        self.evpi.setToolTip("Expected value of perfect information: the most it would be worth to know how the "
                             "future turns out before choosing. A small figure means more research will not "
                             "change the decision much.")
        layout.addWidget(self.evpi)
        self.insight = QLabel("")
        self.insight.setObjectName("insight")
        self.insight.setWordWrap(True)
        self.insight.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.insight.setToolTip("Whether one alternative is better at every level of risk, and which unknown "
                                "would be worth measuring before deciding (see the Drivers of uncertainty and "
                                "Worth finding out tabs).")
        layout.addWidget(self.insight)
        self.precision = QLabel("")
        self.precision.setObjectName("precision")
        self.precision.setWordWrap(True)
        self.precision.setStyleSheet("color: #8a4b00;")
        self.precision.setToolTip("Monte Carlo figures carry sampling noise; these say where more simulated futures "
                                  "are needed before quoting a figure (Simulate -> Run until precise).")
        layout.addWidget(self.precision)
        layout.addStretch(1)
        self.cards: dict[str, AlternativeCard] = {}
        self._names: tuple[str, ...] = ()
        self.results = None
        self.preview = False

    def card(self, name: str) -> AlternativeCard:
        return self.cards[name]

    def _columns(self, n: int) -> int:
        """As many columns (up to 3) as fit the width without scrolling sideways."""
        width = self.viewport().width() - 36           # the body's margins
        spacing = self.cards_layout.horizontalSpacing()
        card = max((c.minimumSizeHint().width() for c in self.cards.values()), default=340)
        fit = max(1, (width + spacing) // (max(card, 300) + spacing))
        return max(1, min(n, fit, 3))

    def _rebuild_cards(self, names: tuple[str, ...]) -> None:
        for card in self.cards.values():
            card.setParent(None)
            card.deleteLater()
        self.cards = {}
        for name in names:
            self.cards[name] = AlternativeCard(name, self.cards_box)
        self._names = names
        self._place_cards()

    def _place_cards(self) -> None:
        while self.cards_layout.count():
            self.cards_layout.takeAt(0)
        cols = self._columns(len(self._names))
        for i, name in enumerate(self._names):
            self.cards_layout.addWidget(self.cards[name], i // cols, i % cols, Qt.AlignmentFlag.AlignTop)
        for c in range(3):
            self.cards_layout.setColumnStretch(c, 1 if c < cols else 0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._names and self.cards_layout.columnCount() and self._columns(len(self._names)) != \
                self._placed_cols():
            self._place_cards()

    def _placed_cols(self) -> int:
        cols = 0
        for i in range(self.cards_layout.count()):
            r, c, _, _ = self.cards_layout.getItemPosition(i)
            cols = max(cols, c + 1)
        return cols

    def set_waiting(self, text: str) -> None:
        self.heading.setText(text)

    def mark_stopped(self) -> None:
        """The run in flight was stopped: say what the figures on screen are."""
        if self.results is None:
            self.heading.setText("Stopped before the first results. Press Ctrl+R to simulate.")
        elif self.preview:
            self.heading.setText(f"{self.results.scenario.title} — quick preview from {self.results.iterations:,} "
                                 "futures; the full run was stopped (Ctrl+R runs it again).")

    def clear(self, text: str = "Simulating…") -> None:
        """No results (another scenario is being simulated)."""
        self._rebuild_cards(())
        self.results = None
        self.heading.setText(text)
        self.verdict.setText("")
        self.evpi.setText("")
        self.insight.setText("")
        self.precision.setText("")

    def set_results(self, results, preview: bool, colors: dict[str, str]) -> None:
        """Show ``results`` (their summary is already computed by the worker)."""
        self.results = results
        self.preview = preview
        s = results.summary
        sc = results.scenario
        names = tuple(a.name for a in s.alternatives)
        if names != self._names:
            self._rebuild_cards(names)
        scale = fmt.headline_scale(s.alternatives)
        for a in s.alternatives:
            card = self.cards[a.name]
            card.set_color(colors.get(a.name, "#888888"))
            best = s.comparison.prob_best.get(a.name) if len(names) > 1 else None
            card.set_summary(a, best, sc.currency, sc.horizon_years, scale)
            values = dict(results.alternative(a.name).item_pv)
            for step in insights.waterfall(results, a.name):   # taxes, value beyond the horizon: own lines
                if step.kind in ("tax", "terminal"):
                    values[step.label] = step.value
            card.set_items(values, sc.currency)
        how = (f"{results.iterations:,} simulated futures over {sc.horizon_years} years, "
               f"discounted at {sc.discount_rate:.1%}")
        if sc.tax_rate:
            how += f", after tax ({sc.tax_rate:.0%})"
        if sc.inflation:
            how += f", nominal ({sc.inflation:.1%} inflation)"
        if preview:
            how = f"Quick preview from {results.iterations:,} futures; the full run of {sc.iterations:,} follows…"
        self.heading.setText(f"{sc.title} — {how}")
        self.verdict.setText(s.verdict)
        if len(names) > 1:
            self.evpi.setText(f"Knowing the future before choosing would be worth at most "
                              f"{fmt.money(s.comparison.evpi, sc.currency, scale=scale)} (value of perfect information).")
        else:
            self.evpi.setText("")
        if preview:  # the analytics come with the full run
            self.insight.setText("")
            self.precision.setText("")
            return
        from simulator.analysis.insights import overview_lines

        lines = overview_lines(results)  # computed by the worker; cached on the results
        self.insight.setText("\n".join(t for t in (lines["dominance"], lines["worth"], lines.get("pilot")) if t))
        self.precision.setText("\n".join(f"⚠ {w}" for w in lines["warnings"]))


def demo(path: str | None = None) -> OverviewPage:
    """The Overview of a bundled (or given) scenario, on its own."""
    from ._demo import demo_results

    page = OverviewPage()
    results = demo_results(path)
    page.set_results(results, False, colors_for(results.names))
    page.resize(1000, 700)
    return page


if __name__ == "__main__":  # a quick look: python -m ui.overview [FILE]
    from ._demo import run_demo

    run_demo(demo)
