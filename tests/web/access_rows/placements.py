"""Companies, projects, placements and matching (filled in with those routes)."""

AREAS: list = []
ROWS: list = []
