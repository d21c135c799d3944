"""The scenario and its file: the frozen model (scenario), the formula language
(expressions), the distributions, the identities of inputs (keys), the [portfolio]
table (portfolio_spec) and the errors with their field paths. Imports nothing of the
other subpackages."""
