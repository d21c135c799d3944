"""investsim's desktop app (PySide6). ``ui.charts`` builds the result figures without Qt."""

from . import qtfix  # noqa: F401  (first: guards a PySide6 6.12 refcount bug on Python 3.11; no Qt import)
