"""Access-matrix rows for the reports area: the welcome desk's dashboard and its CSV files.

Only staff enter; the matrix adds anonymous → log in and every other role → 403 from AREAS.
"""

from tests.web.access_rows.row import Row

NAMES = ("funnel", "countries", "campaigns", "municipalities", "durations", "conversion",
         "immersion")  # fmt: skip

AREAS: list = [
    (
        # An unknown report name is 403 for other roles too: nothing leaks before the role check.
        [
            ("GET", "/desk/reports"),
            ("GET", "/desk/reports/funnel.csv"),
            ("GET", "/desk/reports/unknown.csv"),
        ],
        {"staff"},
    ),
]
ROWS: list = [
    Row("staff", "GET", "/desk/reports", 200),
    *(Row("staff", "GET", f"/desk/reports/{name}.csv", 200) for name in NAMES),
    Row("staff", "GET", "/desk/reports/unknown.csv", 404),
]
