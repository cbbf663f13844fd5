"""Access-matrix rows for what belongs to the whole site: the favicon answers everyone."""

from tests.web.access_rows.row import Row

ROLES = ("anonymous", "candidate", "other_candidate", "mentor", "other_mentor", "staff",
         "company", "other_company")  # fmt: skip

ROWS = [Row(role, "GET", "/favicon.ico", 200) for role in ROLES]
