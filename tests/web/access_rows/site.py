"""Access-matrix rows for what belongs to the whole site: the favicon answers everyone, and
so do the health checks (no worker ticks in the matrix's world: /healthz is 503) and the
metrics page (404 without ONTHAAL_METRICS_TOKEN, whoever asks)."""

from tests.web.access_rows.row import ROLES, Row

ROWS = [
    *(Row(role, "GET", "/favicon.ico", 200) for role in ROLES),
    *(Row(role, "GET", "/healthz", 503) for role in ROLES),
    *(Row(role, "GET", "/readyz", 200) for role in ROLES),
    *(Row(role, "GET", "/metrics", 404) for role in ROLES),
]
