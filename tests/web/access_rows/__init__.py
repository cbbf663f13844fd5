"""Access-matrix rows contributed per feature area (one module each), gathered here.

Each module may define:
- AREAS: [(routes, allowed roles)] — anonymous is sent to log in, other roles get 403;
- ROWS: explicit Row(...) entries (see tests/web/test_access_matrix.py);
- NUMERIC_PLACEHOLDERS / TEXT_PLACEHOLDERS: names used in paths, with dummy values for the
  route-coverage check;
- world(session, values, people) -> dict: create the rows the area's routes need and return
  the placeholder values.
"""

from importlib import import_module

MODULES = [
    import_module(f"tests.web.access_rows.{name}")
    for name in ("placements", "documents", "partners", "reports", "accounts", "people", "site")
]

AREAS = [area for module in MODULES for area in getattr(module, "AREAS", [])]
ROWS = [row for module in MODULES for row in getattr(module, "ROWS", [])]
NUMERIC_PLACEHOLDERS = [n for m in MODULES for n in getattr(m, "NUMERIC_PLACEHOLDERS", [])]
TEXT_PLACEHOLDERS = {k: v for m in MODULES for k, v in getattr(m, "TEXT_PLACEHOLDERS", {}).items()}


def world(session, values: dict, people: dict) -> dict:
    extra: dict = {}
    for module in MODULES:
        if hasattr(module, "world"):
            extra.update(module.world(session, values, people))
    return extra
