"""The bundled data, found in one way wherever the app runs: the example scenarios, the
guided set-up's templates, the calibration questions and the app's icons.

Inside the package they live under :data:`PACKAGED` (``importlib.resources`` finds them): the
wheel puts them there (``[tool.hatch.build.targets.wheel.force-include]`` in pyproject.toml)
and so does the packaged app (``build/investsim.spec`` reads this table). In a source checkout
the same data are the repository's folders of :data:`SOURCE`, which is where they are edited;
:func:`folder` falls back to them when the package holds no copy.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: Where each kind of bundled data lives inside the ``simulator`` package (wheel, packaged app).
PACKAGED: dict[str, str] = {
    "scenarios": "_bundled_scenarios",
    "templates": "_templates",
    "calibration": "_bundled_assets/calibration",
    "icons": "_bundled_assets/icons",
}
#: The same data in a source checkout, relative to the repository root.
SOURCE: dict[str, str] = {
    "scenarios": "scenarios",
    "templates": "assets/templates",
    "calibration": "assets/calibration",
    "icons": "assets/icons",
}
#: The repository root of a source checkout (the folder above the package).
SOURCE_ROOT = Path(__file__).resolve().parent.parent


def folder(kind: str) -> Path:
    """The folder of bundled ``kind`` (a key of :data:`PACKAGED`): inside the installed or
    packaged ``simulator`` package, else in the source checkout. The path may not exist (a
    broken installation): callers say what is missing."""
    packaged = resources.files(__package__).joinpath(*PACKAGED[kind].split("/"))
    if packaged.is_dir():
        return Path(str(packaged))   # a real folder: wheels and PyInstaller unpack their data
    return SOURCE_ROOT / SOURCE[kind]


def places(kind: str) -> list[Path]:
    """Where :func:`folder` looks for ``kind``, in order (for messages about missing data)."""
    return [Path(str(resources.files(__package__))) / PACKAGED[kind], SOURCE_ROOT / SOURCE[kind]]
