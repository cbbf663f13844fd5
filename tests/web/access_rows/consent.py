"""Access-matrix rows for the privacy notice and consent (the consent blueprint).

The notice (/privacy) is open to everyone, signed in or not. A candidate's own privacy page
(accept, withdraw) is theirs alone; the notice's versions and consent recorded on a
candidate's behalf are the welcome desk's. The world adds a draft version 2 next to the
published version 1 of migration 0011.
"""

from __future__ import annotations

from onboarding.services import consent
from tests.web.access_rows.row import ROLES, Row

CANDIDATES = {"candidate", "other_candidate"}

AREAS = [
    (
        [("GET", "/me/privacy"), ("POST", "/me/privacy"), ("POST", "/me/privacy/withdraw")],
        CANDIDATES,
    ),
    (
        [
            ("GET", "/desk/privacy/notices"),
            ("GET", "/desk/privacy/notices/new"),
            ("POST", "/desk/privacy/notices/new"),
            ("GET", "/desk/privacy/notices/{notice_v1}"),
            ("POST", "/desk/privacy/notices/{notice_v1}"),
            ("POST", "/desk/privacy/notices/{notice_v1}/publish"),
            ("GET", "/desk/candidates/{c1}/consent"),
            ("POST", "/desk/candidates/{c1}/consent"),
        ],
        {"staff"},
    ),
]

TEXT = {"body_en": "## About\n\nText.", "body_nl": "## Over\n\nTekst.", "body_af": "Teks."}

ROWS = [
    # the notice: everyone reads it
    *[Row(role, "GET", "/privacy", 200) for role in ROLES],
    # the candidate's own consent (candidate 1 has consented, candidate 2 has not)
    Row("candidate", "GET", "/me/privacy", 200),
    Row("candidate", "POST", "/me/privacy", 302, {"accept": "y"}, "/me/privacy"),
    Row("candidate", "POST", "/me/privacy", 422, {"share_with_companies": "y"}),
    Row("candidate", "POST", "/me/privacy/withdraw", 302, {"confirm": "y"}, "/me/privacy"),
    Row("candidate", "POST", "/me/privacy/withdraw", 422),
    Row("other_candidate", "GET", "/me/privacy", 200),
    Row("other_candidate", "POST", "/me/privacy", 302, {"accept": "y"}, "/me/privacy"),
    Row("other_candidate", "POST", "/me/privacy/withdraw", 422, {"confirm": "y"}),  # none given
    # the notice's versions: a draft is edited and published, a published one never changes
    Row("staff", "GET", "/desk/privacy/notices", 200),
    Row("staff", "GET", "/desk/privacy/notices/new", 302, {}, "/desk/privacy/notices/{notice_v2}"),
    Row("staff", "POST", "/desk/privacy/notices/new", 422, TEXT),  # the draft must go first
    Row("staff", "POST", "/desk/privacy/notices/new", 422),
    Row("staff", "GET", "/desk/privacy/notices/{notice_v1}", 200),
    Row("staff", "GET", "/desk/privacy/notices/{notice_v2}", 200),
    Row("staff", "GET", "/desk/privacy/notices/{unknown}", 404),
    Row("staff", "POST", "/desk/privacy/notices/{notice_v2}", 302, TEXT,
        "/desk/privacy/notices/{notice_v2}"),
    Row("staff", "POST", "/desk/privacy/notices/{notice_v2}", 422, {"body_en": "Only English."}),
    Row("staff", "POST", "/desk/privacy/notices/{notice_v1}", 409, TEXT),
    Row("staff", "POST", "/desk/privacy/notices/{unknown}", 404, TEXT),
    Row("staff", "POST", "/desk/privacy/notices/{notice_v2}/publish", 302, {"confirm": "y"},
        "/desk/privacy/notices"),
    Row("staff", "POST", "/desk/privacy/notices/{notice_v2}/publish", 422),
    Row("staff", "POST", "/desk/privacy/notices/{notice_v1}/publish", 409, {"confirm": "y"}),
    Row("staff", "POST", "/desk/privacy/notices/{unknown}/publish", 404, {"confirm": "y"}),
    # consent received by the desk, recorded on the candidate's behalf (a note is needed)
    Row("staff", "GET", "/desk/candidates/{c1}/consent", 200),
    Row("staff", "GET", "/desk/candidates/{unknown}/consent", 404),
    Row("staff", "POST", "/desk/candidates/{c2}/consent", 302,
        {"note": "Signed form received by post."}, "/desk/candidates/{c2}"),
    Row("staff", "POST", "/desk/candidates/{c2}/consent", 422, {"share_with_companies": "y"}),
    Row("staff", "POST", "/desk/candidates/{unknown}/consent", 404, {"note": "By phone."}),
]  # fmt: skip

NUMERIC_PLACEHOLDERS = ["notice_v1", "notice_v2"]


def world(session, values: dict, people: dict) -> dict:
    """Version 1 (published by migration 0011) and a draft version 2."""
    current = consent.current_notice()
    assert current is not None
    draft = consent.new_draft(people["staff"], consent.prefill())
    session.commit()
    return {"notice_v1": current.id, "notice_v2": draft.id}
