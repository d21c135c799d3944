"""The bundled example scenarios, and the one opened by default. Engine-side, so the app, the
command line and the benchmarks share one finder (:func:`simulator.resources.folder`)."""

from __future__ import annotations

from pathlib import Path

from simulator.resources import folder

DEFAULT_SCENARIO = "erp-vs-production-line.toml"


def bundled_dir() -> Path:
    """The folder of bundled example scenarios (installed wheel, packaged app or source tree)."""
    return folder("scenarios")


def default_scenario() -> Path:
    return bundled_dir() / DEFAULT_SCENARIO
