"""Access-matrix rows for a person's own account (profile, password, two-factor) and for
account recovery (forgotten password, reset links, the second login step)."""

from tests.web.access_rows.row import ROLES, WITH_ACCOUNT, Row

OWN_ACCOUNT_ROUTES = [
    ("POST", "/settings/profile"),
    ("POST", "/settings/password"),
    ("GET", "/settings/two-factor"),
    ("POST", "/settings/two-factor"),
    ("POST", "/settings/two-factor/disable"),
    ("POST", "/settings/two-factor/recovery-codes"),
]
AREAS = [(OWN_ACCOUNT_ROUTES, set(WITH_ACCOUNT))]

NEW_PASSWORD = "kameeldoring in die Kalahari"
PASSWORD_CHANGE = {"current": "{password}", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}

OWN = [
    row
    for role in WITH_ACCOUNT  # company contacts have no password: 403
    for row in (
        Row(role, "POST", "/settings/profile", 302, {"name": "Anna Renamed", "locale": "af"},
            "/settings"),
        Row(role, "POST", "/settings/profile", 422),
        Row(role, "POST", "/settings/password", 302, PASSWORD_CHANGE, "/settings"),
        Row(role, "POST", "/settings/password", 422,
            {**PASSWORD_CHANGE, "current": "not my password"}),
        Row(role, "GET", "/settings/two-factor", 200),
        Row(role, "POST", "/settings/two-factor", 422, {"code": "000000"}),
        Row(role, "POST", "/settings/two-factor/disable", 422),
        # Two-factor is off for everybody here: there are no recovery codes to replace.
        Row(role, "POST", "/settings/two-factor/recovery-codes", 422,
            {"password": "{password}"}),
    )
]  # fmt: skip

# Recovery is public; its answers are the same for everybody (nothing tells who exists).
RECOVERY = [
    row
    for role in ROLES
    for row in (
        Row(role, "GET", "/forgot-password", 200),
        Row(role, "POST", "/forgot-password", 200, {"email": "{staff_email}"}),
        Row(role, "POST", "/forgot-password", 200, {"email": "nobody@example.org"}),
        Row(role, "POST", "/forgot-password", 422),
        Row(role, "GET", "/reset/{token}", 404),
        Row(role, "POST", "/reset/{token}", 404),
        # Without a right password just before, the second step sends back to log in.
        Row(role, "GET", "/login/code", 302, location="/login"),
        Row(role, "POST", "/login/code", 302, {"code": "123456"}, "/login"),
    )
]

ROWS = [*OWN, *RECOVERY]
