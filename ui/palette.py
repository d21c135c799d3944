"""One colour per alternative, the same in the outline, the cards and every chart.

The Okabe & Ito colour-blind-safe palette, by position (the first alternative is blue, the
second orange...). Its one home: ``ui.charts`` takes it from here. It lives without Qt and
matplotlib so the window can colour the outline and the cards before the chart code is
imported; the app passes these colours to every chart.
"""

from __future__ import annotations

from typing import Sequence

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every common form of
#: colour blindness. Ordered for contrast on a white background and on a washed-out
#: projector; yellow, the weakest on white, comes last.
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
    """One colour-blind-safe colour per alternative, by position: the first alternative is
    always blue, the second orange, and so on (cycling after eight)."""
    return {name: OKABE_ITO[i % len(OKABE_ITO)] for i, name in enumerate(names)}
