"""What a finished run means: summaries, comparison and verdict (summary), drivers and
value of information (insights), amounts and numbers in words (describe,
formatting), the capital-budget portfolio (portfolio)."""
