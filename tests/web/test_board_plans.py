"""The board's statements use indexes (issue 15): on a seeded table, the query plan of every
statement a board page issues reads `candidates` through an index, never by a sequential
scan (PostgreSQL's EXPLAIN) or a scan of the whole table (SQLite's EXPLAIN QUERY PLAN) —
for the plain board, a search, a phase and a country, a mentor, each order, a later page.
(A page deep inside a phase — an OFFSET of most of its rows — may rightly be read by a scan
and a top-N sort: the planner's choice; keyset paging would lift that.)
The rows are inserted in bulk and the planner's statistics refreshed, as on a real desk."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, func, insert, select, text

from onboarding.extensions import db
from onboarding.models import Candidate, User
from tests.factories import make_user

ROWS = 20_000
PHASES = ["outreach", "language_immersion", "mentoring", "company_placement", "placed"]
NAMES = ["Johanna", "Tendai", "Pieter", "Nomsa", "Thabo", "Anke", "Lerato", "Sipho", "Marike"]
PAGES = [
    "/desk/",
    "/desk/?q=botha+1234",
    "/desk/?phase=mentoring&country=ZA",
    "/desk/?mentor={mentor}",
    "/desk/?sort=name",
    "/desk/?sort=-since",
    "/desk/?sort=country",
    "/desk/?page=20",
]


def seed(mentor_id: int) -> None:
    rng = random.Random(15)
    now = datetime.now(UTC)
    first = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    users = [{"id": first + n, "email": f"plan{n}@example.org",
              "name": f"{rng.choice(NAMES)} Botha {n}", "role": "candidate", "locale": "en",
              "active": True, "created_at": now} for n in range(ROWS)]  # fmt: skip
    candidates = [{"user_id": first + n, "country_code": rng.choice(["NA", "ZA", "BW", "NL"]),
                   "origin_institution": "UNAM", "stem_field": "physics",
                   "graduation_date": date(2025, 6, 30), "outreach_channel": "partner_referral",
                   "phase": rng.choice(PHASES), "version_id": 1,
                   "phase_entered_at": now - timedelta(days=rng.randint(0, 300)),
                   "mentor_id": mentor_id if n % 200 == 0 else None}
                  for n in range(ROWS)]  # fmt: skip
    db.session.execute(insert(User), users)
    db.session.execute(insert(Candidate), candidates)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('users', 'id'), "
                                "(SELECT max(id) FROM users))"))  # fmt: skip
        db.session.execute(text("ANALYZE candidates"))
        db.session.execute(text("ANALYZE users"))
        db.session.execute(text("ANALYZE board_counts"))
    else:
        db.session.execute(text("ANALYZE"))
    db.session.commit()


def full_scans(connection, statement: str, parameters) -> list[str]:
    """The lines of the statement's plan that read `candidates` without an index."""
    if connection.dialect.name == "postgresql":
        plan = [row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)]
        return [line for line in plan if "Seq Scan on candidates" in line]
    plan = [row[3] for row in connection.exec_driver_sql(
        f"EXPLAIN QUERY PLAN {statement}", parameters)]  # fmt: skip
    return [line for line in plan if line.strip() in ("SCAN candidates", "SCAN c")]


def test_every_board_statement_reads_candidates_through_an_index(client, data, login, rollback):
    with data():
        staff = make_user("staff")
        mentor = make_user("mentor", mentor_capacity=500)
        email, mentor_id = staff.email, mentor.id
        seed(mentor_id)
    login(client, email)
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "candidates" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    found = {}
    for page in PAGES:
        statements.clear()
        event.listen(rollback, "before_cursor_execute", record)
        try:
            response = client.get(page.format(mentor=mentor_id))
        finally:
            event.remove(rollback, "before_cursor_execute", record)
        assert response.status_code == 200
        assert 'data-candidate="' in response.get_data(as_text=True), page
        for statement, parameters in statements:
            if scans := full_scans(rollback, statement, parameters):
                found.setdefault(page, []).append((statement.split("\n")[0][:120], scans))
    assert found == {}
