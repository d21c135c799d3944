"""Workshop and editing logic, Qt-free: scenario edits (edits), what-if shifts (whatif),
teams side by side (teams), the calibration trainer (calibration) and the guided
set-up's templates (templates)."""
