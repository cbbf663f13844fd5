"""Access-matrix rows for the partners area."""

AREAS: list = []
ROWS: list = []
