"""investsim's desktop app (PySide6). ``ui.charts`` builds the result figures without Qt."""

