"""The command line, ``investsim run | validate | report | gui``: the composition root.

It may import every layer (the engine ``simulator``, the report ``ui.report`` and the app
``ui.app``); no layer imports it. ``cli.main`` parses the arguments and runs a command,
``cli.report`` writes a report, ``cli.progress`` draws the progress bar of long runs.
"""
