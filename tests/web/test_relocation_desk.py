"""The desk's side of the arrival plan: a candidate's route, arrival and steps, the board's
"overdue steps" filter and its red flag for an expired permit, the rule rows (a change moves
every plan's deadline, with its history) and the help in each municipality, which the
candidate sees in their own language. The mentor sees the mentees' overdue steps."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from onboarding.extensions import db
from onboarding.models import Document, RelocationRule, RelocationRuleChange, RelocationStep
from onboarding.services import relocation
from tests.factories import make_candidate, make_user
from workflows.dates import programme_today
from workflows.relocation import add_working_days


def staff_client(client, login):
    staff = make_user("staff")
    return login(client, staff.email)


def permit(candidate, until: date) -> Document:
    document = Document(
        candidate_id=candidate.id, kind="single_permit", status="verified",
        stored_name=f"{candidate.id:032x}", original_name="permit.pdf",
        content_type="application/pdf", size=10, sha256="0" * 64, valid_until=until,
    )  # fmt: skip
    db.session.add(document)
    db.session.commit()
    return document


def test_the_desk_sets_route_and_arrival_and_records_steps(ctx, client, login):
    candidate = make_candidate(country="ZA", phase="mentoring")
    staff_client(client, login)
    arrival = programme_today() - timedelta(days=30)
    response = client.post(
        f"/desk/candidates/{candidate.id}/plan",
        data={"residence_route": "highly_skilled", "arrival_on": arrival.isoformat(),
              "home_municipality": "Hasselt"},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(candidate)
    assert candidate.residence_route == "highly_skilled" and candidate.arrival_on == arrival

    # Registration was due 8 working days after arrival: overdue now.
    page = client.get(f"/desk/candidates/{candidate.id}/plan").get_data(as_text=True)
    due = add_working_days(arrival, 8)
    assert f'data-due="{due.isoformat()}"' in page and "Overdue" in page
    assert 'data-flag="overdue-steps"' in client.get("/desk/?overdue=steps").get_data(as_text=True)

    url = f"/desk/candidates/{candidate.id}/plan"
    done = {"done_on": (arrival + timedelta(days=3)).isoformat()}
    assert client.post(f"{url}/municipality_registration/done", data=done).status_code == 302
    reason = {"reason": "Works for the employer from day one"}
    assert client.post(f"{url}/vdab_registration/not-needed", data=reason).status_code == 302
    row = db.session.get(RelocationStep, (candidate.id, "vdab_registration"))
    assert row is not None and row.skipped_reason == "Works for the employer from day one"
    page = client.get(url).get_data(as_text=True)
    assert "Works for the employer from day one" in page

    # A reason is required; a route for an EU candidate is refused and changes nothing.
    assert client.post(f"{url}/bank_account/not-needed", data={"reason": ""}).status_code == 422
    assert client.post(f"{url}/vdab_registration/reopen", data={}).status_code == 302
    db.session.expire_all()
    assert db.session.get(RelocationStep, (candidate.id, "vdab_registration")) is None
    belgian = make_candidate(country="NL")
    response = client.post(
        f"/desk/candidates/{belgian.id}/plan",
        data={"residence_route": "trainee", "arrival_on": "", "home_municipality": ""},
    )
    assert response.status_code == 422
    db.session.refresh(belgian)
    assert belgian.residence_route is None


def test_the_board_filters_overdue_steps_and_flags_an_expired_permit(ctx, client, login):
    late = make_candidate(country="NA", phase="mentoring")
    late.arrival_on = programme_today() - timedelta(days=60)
    on_time = make_candidate(country="NA", phase="mentoring")
    on_time.arrival_on = programme_today()
    placed = make_candidate(country="BW", phase="placed")
    db.session.commit()

    relocation.refresh_many([late, on_time])
    db.session.commit()
    permit(placed, programme_today() - timedelta(days=1))
    staff_client(client, login)

    filtered = client.get("/desk/?overdue=steps").get_data(as_text=True)
    assert f'data-candidate="{late.id}"' in filtered
    assert f'data-candidate="{on_time.id}"' not in filtered
    board = client.get("/desk/").get_data(as_text=True)
    row = board.split(f'data-candidate="{placed.id}"')[1].split("</tr>")[0]
    assert 'data-flag="permit-expired"' in row
    page = client.get(f"/desk/candidates/{placed.id}").get_data(as_text=True)
    assert 'data-flag="permit-expired"' in page
    page = client.get(f"/desk/candidates/{late.id}").get_data(as_text=True)
    assert 'data-step="municipality_registration"' in page


def test_a_rule_row_change_moves_the_deadline_and_is_kept_in_history(ctx, client, login):
    candidate = make_candidate(country="ZA", phase="mentoring")
    arrival = programme_today() - timedelta(days=1)
    candidate.arrival_on = arrival
    db.session.commit()
    staff_client(client, login)
    response = client.post(
        "/desk/relocation-rules",
        data={"key": "municipality_registration", "value": "10",
              "effective_from": (arrival - timedelta(days=10)).isoformat(),
              "source_url": "https://example.org/new-law", "checked_on": "",
              "verified": "y", "note": "A new decree"},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    step = db.session.get(RelocationStep, (candidate.id, "municipality_registration"))
    assert step is not None and step.open_due_on == add_working_days(arrival, 10)
    page = client.get("/desk/relocation-rules").get_data(as_text=True)
    assert "https://example.org/new-law" in page and "row added" in page

    # The same key and day twice is refused; a bad address too; nothing is added.
    before = db.session.scalar(select(db.func.count(RelocationRule.id)))
    for data in (
        {"key": "municipality_registration", "value": "12",
         "effective_from": (arrival - timedelta(days=10)).isoformat(),
         "source_url": "https://example.org/x"},
        {"key": "municipality_registration", "value": "12", "effective_from": "2026-01-01",
         "source_url": "not an address"},
        {"key": "municipality_registration", "value": "-1", "effective_from": "2026-01-01",
         "source_url": "https://example.org/x"},
    ):  # fmt: skip
        assert client.post("/desk/relocation-rules", data=data).status_code == 422
    assert db.session.scalar(select(db.func.count(RelocationRule.id))) == before

    new_row = db.session.scalar(
        select(RelocationRule).where(RelocationRule.source_url == "https://example.org/new-law")
    )
    assert client.post(f"/desk/relocation-rules/{new_row.id}/delete", data={}).status_code == 302
    step = db.session.get(RelocationStep, (candidate.id, "municipality_registration"))
    db.session.refresh(step)
    assert step.open_due_on == add_working_days(arrival, 8)
    actions = db.session.scalars(select(RelocationRuleChange.action)).all()
    assert sorted(actions) == ["created", "deleted"]
    # The only row of a rule stays.
    only = db.session.scalar(
        select(RelocationRule).where(RelocationRule.key == "civic_integration_registration")
    )
    assert client.post(f"/desk/relocation-rules/{only.id}/delete", data={}).status_code == 422


def test_help_entries_show_on_the_plan_in_the_readers_language(ctx, client, login):
    staff_client(client, login)
    response = client.post(
        "/desk/municipalities",
        data={"municipality": "Genk", "kind": "service_desk", "name": "Stadhuis Genk",
              "address": "Stadsplein 1, 3600 Genk", "hours_nl": "Maandag tot vrijdag",
              "hours_af": "Maandag tot Vrydag", "hours_en": "Monday to Friday",
              "url": "https://www.genk.be"},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    bad = client.post("/desk/municipalities", data={"municipality": "Paris", "kind": "x"})
    assert bad.status_code == 422
    client.post("/logout")
    candidate = make_candidate(country="ZA", locale="af")
    candidate.home_municipality = "Genk"
    db.session.commit()
    login(client, candidate.user.email)
    page = client.get("/me/plan").get_data(as_text=True)
    assert "Stadhuis Genk" in page and "Maandag tot Vrydag" in page
    assert "Monday to Friday" not in page


def test_the_mentor_sees_the_mentees_overdue_steps(ctx, client, login):
    mentor = make_user("mentor")
    candidate = make_candidate(country="ZA", phase="mentoring")
    candidate.mentor_id = mentor.id
    candidate.arrival_on = programme_today() - timedelta(days=60)
    db.session.commit()

    relocation.refresh_many([candidate])
    db.session.commit()
    login(client, mentor.email)
    home = client.get("/mentor/").get_data(as_text=True)
    assert 'class="overdue-step" data-step="municipality_registration"' in home
    page = client.get(f"/mentor/mentees/{candidate.id}").get_data(as_text=True)
    assert 'data-step="municipality_registration"' in page
