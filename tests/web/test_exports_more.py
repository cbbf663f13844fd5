"""The companies list and the reminder queue export to CSV like every other list."""

import csv
import io

from onboarding.models import Project, Reminder, utcnow
from tests.factories import make_candidate, make_company, make_user


def rows(response):
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_companies_and_projects_export(client, data, login):
    with data() as session:
        staff = make_user("staff")
        company = make_company(name="=Genk Robotics", municipality="Genk")
        make_company(name="Lommel Glass", municipality="Lommel")
        session.add(Project(company=company, title="Cobot safety", seats=2, kind="internship"))
        session.commit()
        email = staff.email
    login(client, email)
    table = rows(client.get("/desk/export/companies.csv"))
    assert table[0][:3] == ["Company", "Municipality", "Sector"]
    body = {tuple(row[:1] + row[6:7]) for row in table[1:]}
    # the formula guard: a name starting with "=" is written as text
    assert body == {("'=Genk Robotics", "Cobot safety"), ("Lommel Glass", "")}


def test_reminder_queue_export_with_status_filter(client, data, login):
    with data() as session:
        staff = make_user("staff")
        candidate = make_candidate(phase="language_immersion")
        for status, error in (("failed", "SMTP down"), ("sent", None)):
            session.add(
                Reminder(rule="book_assessment", candidate_id=candidate.id,
                         recipient_id=candidate.user_id, due_at=utcnow(), anchor="2026-12-01",
                         params={"candidate": candidate.name}, status=status, attempts=6,
                         last_error=error)
            )  # fmt: skip
        session.commit()
        email = staff.email
    login(client, email)
    everything = rows(client.get("/desk/export/reminders.csv"))
    assert len(everything) == 3
    failed = rows(client.get("/desk/export/reminders.csv?status=failed"))
    assert len(failed) == 2
    assert failed[1][-1] == "SMTP down"
    assert failed[1][5] == "6"  # due, kind, subject, to, status, attempts
