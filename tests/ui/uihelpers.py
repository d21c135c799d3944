"""Paths shared by the UI tests (imported as a plain module: tests/ui is on sys.path)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
DEFAULT = SCENARIOS / "erp-vs-production-line.toml"


def bundled_files() -> list[Path]:
    return sorted(SCENARIOS.glob("*.toml"))
