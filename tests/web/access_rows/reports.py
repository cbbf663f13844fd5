"""Access-matrix rows for the reports area."""

AREAS: list = []
ROWS: list = []
