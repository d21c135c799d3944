"""investsim's engine: scenarios, Monte Carlo simulation and analysis. No Qt, no matplotlib."""

#: The version: its one home (pyproject.toml reads it from here, as do the app and the reports).
__version__ = "0.1.0"
