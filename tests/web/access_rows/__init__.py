"""Access-matrix rows contributed per feature area (one module each), gathered here.

Each module may define:
- AREAS: [(routes, allowed roles)] — anonymous is sent to log in, other roles get 403;
- ROWS: explicit Row(...) entries (see tests/web/test_access_matrix.py);
- NUMERIC_PLACEHOLDERS / TEXT_PLACEHOLDERS: names used in paths, with dummy values for the
  route-coverage check;
- world(session, values, people) -> dict: create the rows the area's routes need and return
  the placeholder values.
"""

import pkgutil
from importlib import import_module

# Every module in this package but the Row helper: a new area's module is picked up by itself.
MODULES = [
    import_module(f"{__name__}.{info.name}")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name)
    if info.name != "row"
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
