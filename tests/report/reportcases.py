"""Shared helpers for the report tests (a module with its own name, not conftest, so test
files can import it without clashing with other folders' conftest modules)."""

from __future__ import annotations

import os
from pathlib import Path
import re
import subprocess
import sys

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
DEFAULT = ROOT / "scenarios" / "erp-vs-production-line.toml"
ITERATIONS = 2000
SEED = 7
NON_ASCII_TITLE = "Übernahme — café ERP ¥€"


def squash(text: str) -> str:
    """Text without any whitespace: PDF extraction breaks lines (and puts tabs between
    words) wherever the layout did, so compare with all whitespace removed."""
    return re.sub(r"\s+", "", text)


def pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def headless_env() -> dict[str, str]:
    """The environment of a server: no display, and no QT_QPA_PLATFORM either (the report
    must choose offscreen by itself)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def investsim(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, env=headless_env())
