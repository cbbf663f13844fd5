"""Access-matrix rows for the data pages (/me/data, the export download, the desk's postal
export) and the deletion of documents (the candidate's own, the desk's with a reason).

The download is open to every signed-in role and decided per export: only the person it was
made for (`for_user`) gets it; anyone else — another candidate, a mentor, staff — gets 404,
and an expired one is 410.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from onboarding.models import DataExport, utcnow
from onboarding.services import data_export, documents
from tests.web.access_rows.documents import PDF
from tests.web.access_rows.row import Row

CANDIDATES = {"candidate", "other_candidate"}
LOGGED_IN = {"candidate", "other_candidate", "mentor", "other_mentor", "staff"}

AREAS = [
    (
        [
            ("GET", "/me/data"),
            ("POST", "/me/data/exports"),
            ("POST", "/me/documents/{doc_c1}/delete"),
        ],
        CANDIDATES,
    ),
    ([("GET", "/me/data/exports/{export_c1}")], LOGGED_IN),
    (
        [
            ("GET", "/desk/candidates/{c1}/data"),
            ("POST", "/desk/candidates/{c1}/data"),
            ("POST", "/desk/documents/{doc_c1}/delete"),
        ],
        {"staff"},
    ),
]

CONFIRMED = {"confirmed": "y"}
POSTAL = {"note": "Letter received 2 December"}
REMOVE = {"reason": "Uploaded for the wrong person.", "confirmed": "y"}

ROWS = [
    # the candidate's data page and their request for a copy
    Row("candidate", "GET", "/me/data", 200),
    Row("other_candidate", "GET", "/me/data", 200),
    Row("candidate", "POST", "/me/data/exports", 302, {}, "/me/data"),
    Row("other_candidate", "POST", "/me/data/exports", 422),  # one is being prepared already
    # the download: for_user only
    Row("candidate", "GET", "/me/data/exports/{export_c1}", 200),
    Row("candidate", "GET", "/me/data/exports/{expired_c1}", 410),
    Row("candidate", "GET", "/me/data/exports/{queued_c2}", 404),
    Row("candidate", "GET", "/me/data/exports/{export_staff}", 404),
    Row("candidate", "GET", "/me/data/exports/{unknown}", 404),
    Row("other_candidate", "GET", "/me/data/exports/{export_c1}", 404),
    Row("other_candidate", "GET", "/me/data/exports/{queued_c2}", 404),  # not ready yet
    Row("mentor", "GET", "/me/data/exports/{export_c1}", 404),
    Row("other_mentor", "GET", "/me/data/exports/{export_c1}", 404),
    Row("staff", "GET", "/me/data/exports/{export_c1}", 404),
    Row("staff", "GET", "/me/data/exports/{export_staff}", 200),
    # the desk's copy for a postal request
    Row("staff", "GET", "/desk/candidates/{c1}/data", 200),
    Row("staff", "GET", "/desk/candidates/{c2}/data", 200),
    Row("staff", "GET", "/desk/candidates/{unknown}/data", 404),
    Row("staff", "POST", "/desk/candidates/{c1}/data", 302, POSTAL, "/desk/candidates/{c1}/data"),
    Row("staff", "POST", "/desk/candidates/{c1}/data", 422),  # no note
    Row("staff", "POST", "/desk/candidates/{c2}/data", 422, POSTAL),  # one is being prepared
    Row("staff", "POST", "/desk/candidates/{unknown}/data", 404, POSTAL),
    # the candidate deletes their own documents that are not verified yet
    Row("candidate", "POST", "/me/documents/{doc_c1}/delete", 302, CONFIRMED, "/me/documents"),
    Row("candidate", "POST", "/me/documents/{doc_c1}/delete", 422),  # not confirmed
    Row("candidate", "POST", "/me/documents/{verified_c1}/delete", 422, CONFIRMED),
    Row("candidate", "POST", "/me/documents/{doc_c2}/delete", 404, CONFIRMED),
    Row("candidate", "POST", "/me/documents/{unknown}/delete", 404, CONFIRMED),
    Row("other_candidate", "POST", "/me/documents/{doc_c1}/delete", 404, CONFIRMED),
    # the desk removes any document, with a reason
    Row("staff", "POST", "/desk/documents/{doc_c1}/delete", 302, REMOVE,
        "/desk/candidates/{c1}/documents"),
    Row("staff", "POST", "/desk/documents/{verified_c1}/delete", 302, REMOVE,
        "/desk/candidates/{c1}/documents"),
    Row("staff", "POST", "/desk/documents/{doc_c1}/delete", 422),
    Row("staff", "POST", "/desk/documents/{doc_c1}/delete", 422, CONFIRMED),  # no reason
    Row("staff", "POST", "/desk/documents/{unknown}/delete", 404, REMOVE),
]  # fmt: skip

NUMERIC_PLACEHOLDERS = ["export_c1", "expired_c1", "queued_c2", "export_staff", "verified_c1"]


def _ready(session, candidate, for_user, *, expired: bool = False) -> DataExport:
    stored_name = f"{secrets.token_hex(24)}.zip"
    (data_export.folder() / stored_name).write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    now = utcnow()
    export = DataExport(
        candidate_id=candidate.id, for_user_id=for_user.id, requested_by_id=for_user.id,
        status="ready", stored_name=stored_name, size=22, sha256="0" * 64,
        ready_at=now - timedelta(days=8 if expired else 1),
        expires_at=now - timedelta(days=1) if expired else now + timedelta(days=6),
    )  # fmt: skip
    session.add(export)
    return export


def world(session, values: dict, people: dict) -> dict:
    """A ready export for candidate 1 and an expired one, one made by staff for candidate
    1's postal request, a queued one for candidate 2, and a verified document of candidate 1."""
    c1, c2, staff = people["c1"], people["c2"], people["staff"]
    ready = _ready(session, c1, c1.user)
    expired = _ready(session, c1, c1.user, expired=True)
    for_staff = _ready(session, c1, staff)
    queued = data_export.request_export(c2.user, c2)
    verified = documents.upload(c1.user, "diploma", PDF, "diploma.pdf")
    verified.status = "verified"
    session.commit()
    return {
        "export_c1": ready.id,
        "expired_c1": expired.id,
        "export_staff": for_staff.id,
        "queued_c2": queued.id,
        "verified_c1": verified.id,
    }
