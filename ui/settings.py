"""Window state and recent files in QSettings (nothing about scenarios: those live in files).

The keys carry a version so a later release can migrate them. Tests point QSettings at a
temporary folder; nothing here writes outside QSettings.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

SETTINGS_VERSION = 1
MAX_RECENT = 8


def settings() -> QSettings:
    s = QSettings()
    if s.value("version") is None:
        s.setValue("version", SETTINGS_VERSION)
    return s


def recent_files() -> list[str]:
    value = settings().value("recent/files", [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or []) if v]


def add_recent(path: str | Path) -> None:
    path = str(Path(path).resolve())
    files = [f for f in recent_files() if f != path]
    files.insert(0, path)
    settings().setValue("recent/files", files[:MAX_RECENT])


def remove_recent(path: str | Path) -> None:
    path = str(path)
    settings().setValue("recent/files", [f for f in recent_files() if f != path])


def clear_recent() -> None:
    settings().setValue("recent/files", [])
