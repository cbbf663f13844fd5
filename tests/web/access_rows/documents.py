"""Access-matrix rows for the documents area."""

AREAS: list = []
ROWS: list = []
