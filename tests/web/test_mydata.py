"""The data pages and the document access log: /me/data (what is held, who looked at the
file, the export), the desk's postal export and its download, and the deletion of
documents by the candidate (not verified yet) and by the desk (with a reason)."""

from __future__ import annotations

import html
import io
import zipfile
from datetime import timedelta

import pytest
from babel.support import Translations
from sqlalchemy import func, select

from onboarding import ROOT
from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import AuditEvent, DataExport, Document, DocumentAccess, User, utcnow
from onboarding.services import documents, jobs, reminders
from tests.factories import make_candidate, make_user
from tests.mail import text_of

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def catalog(locale: str) -> Translations:
    return Translations.load(str(ROOT / "translations"), [locale])


def shown(response) -> str:
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


@pytest.fixture
def world(data):
    """Staff, a mentor with a mentee (Dutch) who uploaded a passport, another candidate."""
    with data() as session:
        staff = make_user("staff", name="Desk Dirk")
        mentor = make_user("mentor", name="Mentor Mieke")
        candidate = make_candidate(name="Anna Shikongo", locale="nl", mentor=mentor,
                                   phase="mentoring")  # fmt: skip
        other = make_candidate(name="Tendai Moyo")
        passport = documents.upload(candidate.user, "passport", PDF, "paspoort.pdf")
        session.commit()
        return {
            "staff": staff.email,
            "mentor": mentor.email,
            "candidate": candidate.user.email,
            "other": other.user.email,
            "candidate_id": candidate.id,
            "passport": passport.id,
            "stored": passport.stored_name,
        }


def access_rows(data, candidate_id: int) -> list[tuple[str, str, int | None]]:
    with data() as session:
        rows = session.scalars(
            select(DocumentAccess)
            .where(DocumentAccess.candidate_id == candidate_id)
            .order_by(DocumentAccess.id)
        )
        return [(row.viewer_role, row.action, row.document_id) for row in rows]


def test_staff_and_mentor_views_are_logged_the_candidates_are_not(
    world, client, make_client, login, data
):
    cid, doc = world["candidate_id"], world["passport"]
    login(client, world["candidate"])
    assert client.get("/me/documents").status_code == 200
    assert client.get(f"/documents/{doc}").status_code == 200
    assert access_rows(data, cid) == []
    staff = login(make_client(), world["staff"])
    assert staff.get(f"/desk/candidates/{cid}/documents").status_code == 200
    assert staff.get(f"/documents/{doc}").status_code == 200
    mentor = login(make_client(), world["mentor"])
    assert mentor.get(f"/mentor/mentees/{cid}/documents").status_code == 200
    assert mentor.get(f"/documents/{doc}").status_code == 200
    assert access_rows(data, cid) == [
        ("staff", "listed", None),
        ("staff", "downloaded", doc),
        ("mentor", "listed", None),
        ("mentor", "downloaded", doc),
    ]
    # a refused download (another candidate's mentor) writes nothing
    with data():
        outsider = make_user("mentor").email
    assert login(make_client(), outsider).get(f"/documents/{doc}").status_code == 404
    assert len(access_rows(data, cid)) == 4

    page = shown(client.get("/me/data"))
    assert "Desk Dirk" in page and "Mentor Mieke" in page
    t = catalog("nl")
    assert t.gettext("Welcome desk") in page and t.gettext("Mentor") in page
    assert "paspoort.pdf" in page
    assert page.index("Mentor Mieke") < page.index("Desk Dirk")  # newest first


def test_the_log_is_paged(world, client, login, data):
    with data() as session:
        viewer = session.scalar(select(User).where(User.email == world["staff"]))
        for minute in range(30):
            session.add(DocumentAccess(candidate_id=world["candidate_id"], viewer_id=viewer.id,
                                       viewer_role="staff", action="listed",
                                       at=utcnow() - timedelta(minutes=minute)))  # fmt: skip
        session.commit()
    login(client, world["candidate"])
    first = client.get("/me/data").get_data(as_text=True)
    assert first.count('class="access"') == 25 and 'rel="next"' in first
    second = client.get("/me/data?page=2").get_data(as_text=True)
    assert second.count('class="access"') == 5 and 'rel="prev"' in second


def test_the_data_page_shows_what_is_held_in_the_candidates_language(world, client, login):
    login(client, world["candidate"])
    response = client.get("/me/data")
    page = shown(response)
    assert '<html lang="nl"' in response.get_data(as_text=True)
    assert "Anna Shikongo" in page and world["candidate"] in page and "paspoort.pdf" in page
    settings = client.get("/settings").get_data(as_text=True)
    assert 'href="/me/data"' in settings


def test_a_candidate_asks_downloads_and_nobody_else_can(world, client, make_client, login, data):
    login(client, world["candidate"])
    assert client.post("/me/data/exports").status_code == 302
    assert 'data-state="queued"' in client.get("/me/data").get_data(as_text=True)
    assert client.post("/me/data/exports").status_code == 422  # one at a time
    with data():
        jobs.work()
        export = db.session.scalars(select(DataExport)).one()
        export_id = export.id
    assert 'data-state="ready"' in client.get("/me/data").get_data(as_text=True)
    response = client.get(f"/me/data/exports/{export_id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert "data.json" in archive.namelist()
    with data():
        assert db.session.get(DataExport, export_id).downloaded_at is not None
    for email in (world["other"], world["mentor"], world["staff"]):
        other = login(make_client(), email)
        assert other.get(f"/me/data/exports/{export_id}").status_code == 404


def test_an_expired_download_is_a_translated_410(world, client, login, data):
    login(client, world["candidate"])
    client.post("/me/data/exports")
    with data() as session:
        jobs.work()
        export = session.scalars(select(DataExport)).one()
        export.expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
        export_id = export.id
    response = client.get(f"/me/data/exports/{export_id}")
    assert response.status_code == 410
    assert '<html lang="nl"' in response.get_data(as_text=True)
    assert catalog("nl").gettext("Download expired") in shown(response)


def test_the_desk_answers_a_postal_request(world, client, login, data, outbox):
    cid = world["candidate_id"]
    login(client, world["staff"])
    assert client.post(f"/desk/candidates/{cid}/data", data={"note": ""}).status_code == 422
    response = client.post(f"/desk/candidates/{cid}/data",
                           data={"note": "Letter received 2 December"})  # fmt: skip
    assert response.status_code == 302
    with data():
        jobs.work()
        export = db.session.scalars(select(DataExport)).one()
        assert export.for_user.email == world["staff"]
        export_id = export.id
        reminders.dispatch(now=utcnow() + timedelta(seconds=1), worker="w", until_empty=True)
    page = client.get(f"/desk/candidates/{cid}/data").get_data(as_text=True)
    assert "Letter received 2 December" in page and f"/me/data/exports/{export_id}" in page
    assert client.get(f"/me/data/exports/{export_id}").status_code == 200
    [message] = [m for m in outbox.messages if m["To"] == world["staff"]]
    assert f"/desk/candidates/{cid}/data" in text_of(message)
    desk_page = client.get(f"/desk/candidates/{cid}").get_data(as_text=True)
    assert f'href="/desk/candidates/{cid}/data"' in desk_page


def stored_path(data, name: str):
    with data():
        return documents.folder() / name


def document_count(data, doc_id: int) -> int:
    with data() as session:
        return session.scalar(select(func.count(Document.id)).where(Document.id == doc_id))


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_a_candidate_deletes_a_document_not_yet_verified(world, client, login, data, status):
    with data() as session:
        session.get(Document, world["passport"]).status = status
        session.commit()
    path = stored_path(data, world["stored"])
    login(client, world["candidate"])
    mine = client.get("/me/documents").get_data(as_text=True)
    assert f'action="/me/documents/{world["passport"]}/delete"' in mine
    assert client.post(f"/me/documents/{world['passport']}/delete").status_code == 422
    assert path.exists()
    response = client.post(f"/me/documents/{world['passport']}/delete", data={"confirmed": "y"})
    assert response.status_code == 302
    assert document_count(data, world["passport"]) == 0
    assert not path.exists()
    with data() as session:
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.candidate_id == world["candidate_id"])).all()  # fmt: skip
        assert "document_deleted" in actions


def test_a_verified_document_is_refused(world, client, login, data):
    with data() as session:
        session.get(Document, world["passport"]).status = "verified"
        session.commit()
    login(client, world["candidate"])
    response = client.post(f"/me/documents/{world['passport']}/delete", data={"confirmed": "y"})
    assert response.status_code == 422
    assert '<html lang="nl"' in response.get_data(as_text=True)
    assert document_count(data, world["passport"]) == 1
    assert stored_path(data, world["stored"]).exists()


def test_a_rolled_back_deletion_keeps_the_file(world, app, data):
    path = stored_path(data, world["stored"])
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == world["candidate"]))
        with pytest.raises(RuntimeError), transaction():
            documents.delete_own(user, world["passport"])
            raise RuntimeError("rolled back")
        db.session.remove()
    assert path.exists()
    assert document_count(data, world["passport"]) == 1


def test_the_desk_removes_any_document_with_a_reason(world, client, login, data):
    with data() as session:
        session.get(Document, world["passport"]).status = "verified"
        session.commit()
    path = stored_path(data, world["stored"])
    login(client, world["staff"])
    cid = world["candidate_id"]
    assert f'action="/desk/documents/{world["passport"]}/delete"' in client.get(
        f"/desk/candidates/{cid}/documents").get_data(as_text=True)  # fmt: skip
    bare = client.post(f"/desk/documents/{world['passport']}/delete", data={"confirmed": "y"})
    assert bare.status_code == 422 and path.exists()
    reason = "Wrong person's passport"
    response = client.post(f"/desk/documents/{world['passport']}/delete",
                           data={"confirmed": "y", "reason": reason})  # fmt: skip
    assert response.status_code == 302
    assert document_count(data, world["passport"]) == 0 and not path.exists()
    with data() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "document_removed")).one()  # fmt: skip
        assert event.reason == "Wrong person's passport" and event.detail == "passport"


def test_the_candidate_sees_the_desks_download_of_their_data(world, client, make_client, login,
                                                             data):  # fmt: skip
    cid = world["candidate_id"]
    staff = login(make_client(), world["staff"])
    staff.post(f"/desk/candidates/{cid}/data", data={"note": "Letter received 2 December"})
    with data():
        jobs.work()
        export_id = db.session.scalars(select(DataExport)).one().id
    assert staff.get(f"/me/data/exports/{export_id}").status_code == 200
    assert access_rows(data, cid) == [("staff", "downloaded", None)]
    login(client, world["candidate"])
    page = shown(client.get("/me/data"))
    line = catalog("nl").gettext("downloaded the copy of all your data (a request by post)")
    assert line in page and "Desk Dirk" in page


def test_the_data_page_says_when_a_documents_file_is_gone(world, client, login, data):
    stored_path(data, world["stored"]).unlink()
    login(client, world["candidate"])
    page = shown(client.get("/me/data"))
    assert catalog("nl").gettext("file not found") in page
    assert (
        catalog("nl").ngettext(
            "The file of %(num)s document could not be found, so it is not in the copy of your "
            "data. Please tell the welcome desk.",
            "The files of %(num)s documents could not be found, so they are not in the copy of "
            "your data. Please tell the welcome desk.",
            1,
        )
        % {"num": 1}
        in page
    )
