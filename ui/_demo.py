"""Helpers to run one window or widget on its own, for quick looks (``python -m ui.<module>``)."""

from __future__ import annotations

import sys
from typing import Callable

from PySide6.QtWidgets import QApplication, QWidget


def demo_scenario(path: str | None = None):
    from simulator.bundled import default_scenario
    from simulator.model.scenario import load

    if path is None and len(sys.argv) > 1:
        path = sys.argv[1]
    return load(path or default_scenario())


def demo_results(path: str | None = None, iterations: int | None = None):
    from simulator.sim.engine import run

    results = run(demo_scenario(path), iterations)
    _ = results.summary
    return results


def run_demo(factory: Callable[[], QWidget]) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("investsim-demo")
    app.setApplicationName("investsim-demo")
    widget = factory()
    widget.show()
    return app.exec()
