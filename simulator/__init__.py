"""investsim's engine: scenarios, Monte Carlo simulation and analysis. No Qt, no matplotlib."""

__version__ = "0.1.0"
