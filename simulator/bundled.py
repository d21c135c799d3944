"""Where the bundled example scenarios are: the source tree, an installed wheel or the
packaged app. Engine-side, so the app, the command line and the benchmarks share one finder."""

from __future__ import annotations

import sys
from pathlib import Path


def bundled_dir() -> Path:
    """The folder of bundled example scenarios (source tree, installed wheel or frozen app)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_bundled_scenarios", here.parent / "scenarios",
                      Path(getattr(sys, "_MEIPASS", here)) / "scenarios"):
        if candidate.is_dir():
            return candidate
    return here.parent / "scenarios"


DEFAULT_SCENARIO = "erp-vs-production-line.toml"


def default_scenario() -> Path:
    return bundled_dir() / DEFAULT_SCENARIO
