"""One colour per alternative, the same in the outline, the cards and every chart.

The Okabe & Ito colour-blind-safe palette, by position (the first alternative is blue, the
second orange...). It matches ``ui.charts.colors_for`` (a test checks this), but lives here
without matplotlib so the window can colour the outline and the cards before the chart code is
imported; the app passes these colours to every chart.
"""

from __future__ import annotations

from typing import Sequence

OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)


def colors_for(names: Sequence[str]) -> dict[str, str]:
    return {name: OKABE_ITO[i % len(OKABE_ITO)] for i, name in enumerate(names)}
