"""The candidate's arrival plan page: the arrival form, the registration deadline in working
days in the reader's language, and recording a step."""

from __future__ import annotations

from datetime import timedelta

from onboarding.extensions import db
from tests.factories import make_candidate
from workflows.dates import programme_today
from workflows.relocation import add_working_days


def test_the_candidate_records_arrival_and_sees_the_registration_deadline(ctx, client, login):
    candidate = make_candidate(country="ZA", locale="en")
    login(client, candidate.user.email)
    arrival = programme_today() - timedelta(days=2)
    response = client.post(
        "/me/plan", data={"arrival_on": arrival.isoformat(), "home_municipality": "Genk"}
    )
    assert response.status_code == 302
    db.session.refresh(candidate)
    assert candidate.arrival_on == arrival and candidate.home_municipality == "Genk"
    page = client.get("/me/plan").get_data(as_text=True)
    due = add_working_days(arrival, 8)
    assert f'data-due="{due.isoformat()}"' in page
    assert "Registration at the municipality" in page


def test_a_bad_municipality_is_refused_and_nothing_changes(ctx, client, login):
    candidate = make_candidate(country="ZA")
    login(client, candidate.user.email)
    response = client.post("/me/plan", data={"arrival_on": "", "home_municipality": "Paris"})
    assert response.status_code == 422
    db.session.refresh(candidate)
    assert candidate.home_municipality is None


def test_the_candidate_marks_a_step_done(ctx, client, login):
    candidate = make_candidate(country="NL")
    login(client, candidate.user.email)
    arrival = programme_today() - timedelta(days=5)
    client.post("/me/plan", data={"arrival_on": arrival.isoformat(), "home_municipality": ""})
    page = client.get("/me/plan").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/me/plan/bank_account/done",
        data={"done_on": programme_today().isoformat(), "csrf_token": token},
    )
    assert response.status_code == 302
    page = client.get("/me/plan").get_data(as_text=True)
    assert 'data-step="bank_account"' in page and "status-done" in page
