"""Access-matrix rows for what belongs to the whole site: the favicon answers everyone."""

from tests.web.access_rows.row import ROLES, Row

ROWS = [Row(role, "GET", "/favicon.ico", 200) for role in ROLES]
