"""The desk's privacy pages: the overview, the erasure confirmation, legal holds; and the
candidate's request for erasure from their settings."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from onboarding.models import AuditEvent, Candidate, DataPurge, Document, User, utcnow
from onboarding.storage import private_folder
from tests.factories import make_candidate, make_company, make_user


@pytest.fixture
def desk(data, client, login):
    with data():
        staff = make_user("staff", name="Desk Anna", email="anna@desk.example.org")
        staff_id = staff.id
    login(client, "anna@desk.example.org")
    return staff_id


def page(response) -> str:
    """The page's text, without tags."""
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(text).replace(" :", ":").split())


def _candidate(data, **fields) -> tuple[int, Path]:
    with data() as session:
        candidate = make_candidate(name="Johanna Erasmus", phone="+264 81 123 4567", **fields)
        document = Document(candidate_id=candidate.id, kind="passport", original_name="p.pdf",
                            stored_name="retention-web-" + str(candidate.id),
                            content_type="application/pdf", size=8, sha256="0" * 64)  # fmt: skip
        (private_folder("documents") / document.stored_name).write_bytes(b"%PDF-1.4")
        session.add(document)
        session.commit()
        return candidate.id, private_folder("documents") / document.stored_name


def test_the_erasure_is_confirmed_then_done(data, client, desk):
    candidate_id, stored = _candidate(data)
    shown = page(client.get(f"/desk/candidates/{candidate_id}/erase"))
    assert "Erase Johanna Erasmus" in shown
    assert "Documents: 1" in shown
    assert "Stored files (documents, data exports and message attachments): 1" in shown
    refused = client.post(f"/desk/candidates/{candidate_id}/erase", data={})
    assert refused.status_code == 422
    assert "Tick the box to confirm the erasure." in page(refused)
    assert stored.exists()

    done = client.post(f"/desk/candidates/{candidate_id}/erase", data={"confirmed": "y"})
    assert done.status_code == 302 and done.location == "/desk/privacy"
    assert not stored.exists()
    overview = page(client.get("/desk/privacy"))
    assert "The candidate's personal data has been erased." in overview
    assert "Erasure by the welcome desk" in overview and "Desk Anna" in overview
    assert "Johanna" not in overview
    # The purge log names the erased candidate by number, without a link to their page.
    log_html = client.get("/desk/privacy").get_data(as_text=True)
    assert f"No. {candidate_id}" in overview
    assert f'/desk/candidates/{candidate_id}"' not in log_html
    # Nobody finds an erased candidate any more: their pages are gone (404), the board no
    # longer lists them; erasing again finds nobody to erase.
    gone = client.get(f"/desk/candidates/{candidate_id}")
    assert gone.status_code == 404
    assert "This candidate's personal data was erased." in page(gone)
    assert "Johanna" not in page(gone)
    assert f'/desk/candidates/{candidate_id}"' not in client.get("/desk/").get_data(as_text=True)
    again = client.post(f"/desk/candidates/{candidate_id}/erase", data={"confirmed": "y"})
    assert again.status_code == 404
    with data() as session:
        assert session.scalar(select(func.count(DataPurge.id))) == 1


def test_a_legal_hold_is_placed_refuses_erasure_and_is_released(data, client, desk):
    candidate_id, stored = _candidate(data)
    assert client.post(f"/desk/candidates/{candidate_id}/hold", data={}).status_code == 422
    placed = client.post(f"/desk/candidates/{candidate_id}/hold",
                         data={"reason": "Labour court case 12/2026"})  # fmt: skip
    assert placed.status_code == 302
    candidate_page = page(client.get(f"/desk/candidates/{candidate_id}"))
    assert "Labour court case 12/2026" in candidate_page
    assert "Release the legal hold" in candidate_page
    assert "under a legal hold" in page(client.get(f"/desk/candidates/{candidate_id}/erase"))
    refused = client.post(f"/desk/candidates/{candidate_id}/erase", data={"confirmed": "y"})
    assert refused.status_code == 422
    assert stored.exists()
    assert "Labour court case 12/2026" in page(client.get("/desk/privacy"))

    released = client.post(f"/desk/candidates/{candidate_id}/hold/release")
    assert released.status_code == 302
    assert client.post(f"/desk/candidates/{candidate_id}/hold/release").status_code == 409
    with data() as session:
        candidate = session.get(Candidate, candidate_id)
        assert candidate.legal_hold_at is None and candidate.legal_hold_reason is None
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.candidate_id == candidate_id)
        ).all()
        assert "legal_hold_placed" in actions and "legal_hold_released" in actions


def test_the_candidate_asks_for_erasure_and_withdraws_the_request(data, client, login, make_client):
    with data():
        candidate = make_candidate(name="Selma Nghipondoka", email="selma@example.org")
        candidate_id = candidate.id
    login(client, "selma@example.org")
    settings = page(client.get("/settings"))
    assert "Erase my data" in settings and "Ask for erasure" in settings
    refused = client.post("/me/erasure", data={})
    assert refused.status_code == 422
    assert "Tick the box to confirm your request." in page(refused)
    assert client.post("/me/erasure", data={"confirmed": "y"}).status_code == 302
    settings = page(client.get("/settings"))
    assert "You asked for erasure on" in settings and "Withdraw my request" in settings

    # The desk sees the request, on the overview and on the candidate page.
    with data():
        make_user("staff", email="desk@privacy.example.org")
    desk = login(make_client(), "desk@privacy.example.org")
    overview = page(desk.get("/desk/privacy"))
    assert "Selma Nghipondoka" in overview and "asked on" in overview
    assert "The candidate asked for erasure on" in page(
        desk.get(f"/desk/candidates/{candidate_id}")
    )

    assert client.post("/me/erasure/cancel").status_code == 302
    assert "Ask for erasure" in page(client.get("/settings"))
    assert "Selma Nghipondoka" not in page(desk.get("/desk/privacy"))
    assert client.post("/me/erasure/cancel").status_code == 409


def test_the_overview_lists_withdrawn_consent_and_what_is_due(data, client, desk):
    with data() as session:
        withdrew = make_candidate(name="Tuyeni Withdrew", consent=False)
        withdrew.consent_withdrawn_at = utcnow()
        soon = make_candidate(name="Kavena Soon", phase="withdrawn")
        soon.phase_entered_at = utcnow() - timedelta(days=362)
        later = make_candidate(name="Later Person", phase="withdrawn")
        later.phase_entered_at = utcnow() - timedelta(days=300)
        session.commit()
    overview = page(client.get("/desk/privacy"))
    assert "Tuyeni Withdrew" in overview
    assert "Kavena Soon" in overview and "Withdrawn candidate, retention period over" in overview
    assert "Later Person" not in overview


def test_an_erased_accounts_session_ends(data, client, login, make_client):
    with data():
        candidate = make_candidate(email="gone@example.org")
        candidate_id = candidate.id
        make_user("staff", email="desk2@privacy.example.org")
    login(client, "gone@example.org")
    assert client.get("/me/").status_code == 200
    desk = login(make_client(), "desk2@privacy.example.org")
    assert desk.post(f"/desk/candidates/{candidate_id}/erase",
                     data={"confirmed": "y"}).status_code == 302  # fmt: skip
    assert client.get("/me/").status_code == 302  # sent to log in
    with data() as session:
        user = session.scalars(select(User).where(User.email == "gone@example.org")).first()
        assert user is None


def test_nothing_can_be_added_to_an_erased_candidate(data, client, desk):
    """Staff cannot correct, assign, log, record or re-invite on an erased candidate: the
    personal data so added could never be erased (erase refuses them, the purge skips them)."""
    candidate_id, _stored = _candidate(data)
    with data():
        mentor_id = make_user("mentor", email="mentor@erased.example.org").id
        company_id = make_company().id
    assert client.post(f"/desk/candidates/{candidate_id}/erase",
                       data={"confirmed": "y"}).status_code == 302  # fmt: skip
    with data() as session:
        version = session.get(Candidate, candidate_id).version_id
    base = f"/desk/candidates/{candidate_id}"
    attempts = [
        ("get", f"{base}/details", None),
        (
            "post",
            f"{base}/details",
            {"name": "New Name", "email": "new@example.org", "version": version},
        ),  # fmt: skip
        ("get", f"{base}/matches", None),
        ("post", f"{base}/hold", {"reason": "Court case"}),
        ("post", f"{base}/hold/release", {}),
        ("get", f"{base}/erase", None),
    ]
    for method, url, form in attempts:
        response = getattr(client, method)(url, data=form) if form is not None else client.get(url)
        assert response.status_code == 404, (method, url, response.status_code)
    from onboarding.services import candidates
    from onboarding.services.errors import NotFound

    with data() as session:
        staff = session.get(User, desk)
        mentor = session.get(User, mentor_id)
        for call in (
            lambda: candidates.reinvite(staff, candidate_id),
            lambda: candidates.assign_mentor(staff, candidate_id, mentor.id, version),
            lambda: candidates.log_meeting(mentor, candidate_id, date(2026, 1, 5), "a note"),
            lambda: candidates.record_placement(
                staff, candidate_id, company_id=company_id, project_title="Pilot"
            ),
        ):
            with pytest.raises(NotFound):
                call()
        session.rollback()
        candidate = session.get(Candidate, candidate_id)
        assert candidate.mentor_id is None and candidate.user.email.endswith("@erased.invalid")
