"""Access-matrix rows for the documents area.

The routes sit under /me, /desk and /mentor but belong to the documents blueprint, so they
are listed here with the roles that may enter them. Downloads are open to every signed-in
role and decided per object: the candidate themself, their mentor and staff; anyone else
gets 404.

The matrix fills every body value with `value.format(**values)`; `Upload` answers that with
a (file, name) pair, so the test client sends a real multipart file.
"""

from __future__ import annotations

import io

from onboarding.services import documents
from tests.web.access_rows.row import Row

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


class Upload(str):
    """A body value that becomes a file when the matrix fills in the placeholders."""

    def __new__(cls, content: bytes, name: str):
        self = super().__new__(cls, name)
        self.content = content
        return self

    def format(self, *args, **kwargs):
        return (io.BytesIO(self.content), str(self))


CANDIDATES = {"candidate", "other_candidate"}
MENTORS = {"mentor", "other_mentor"}
LOGGED_IN = {"candidate", "other_candidate", "mentor", "other_mentor", "staff"}

AREAS = [
    ([("GET", "/me/documents"), ("POST", "/me/documents")], CANDIDATES),
    ([("GET", "/documents/{doc_c1}")], LOGGED_IN),
    (
        [
            ("GET", "/desk/candidates/{c1}/documents"),
            ("POST", "/desk/documents/{doc_c1}/review"),
        ],
        {"staff"},
    ),
    ([("GET", "/mentor/mentees/{c1}/documents")], MENTORS),
]

UPLOAD = {"kind": "cv", "file": Upload(PDF, "cv.pdf")}
RENAMED_EXECUTABLE = {"kind": "diploma", "file": Upload(EXECUTABLE, "diploma.pdf")}
VERIFY = {"decision": "verified"}
REJECT = {"decision": "rejected", "reason": "The scan is unreadable."}

ROWS = [
    # the candidate's own page: list, upload, refusals
    *[
        row
        for role in sorted(CANDIDATES)
        for row in (
            Row(role, "GET", "/me/documents", 200),
            Row(role, "POST", "/me/documents", 302, UPLOAD, "/me/documents"),
            Row(role, "POST", "/me/documents", 422),
            Row(role, "POST", "/me/documents", 422, RENAMED_EXECUTABLE),
        )
    ],
    # download: the candidate, their mentor and staff; nobody else learns it exists
    Row("candidate", "GET", "/documents/{doc_c1}", 200),
    Row("candidate", "GET", "/documents/{doc_c2}", 404),
    Row("candidate", "GET", "/documents/{unknown}", 404),
    Row("other_candidate", "GET", "/documents/{doc_c1}", 404),
    Row("other_candidate", "GET", "/documents/{doc_c2}", 200),
    Row("mentor", "GET", "/documents/{doc_c1}", 200),
    Row("mentor", "GET", "/documents/{doc_c2}", 404),
    Row("other_mentor", "GET", "/documents/{doc_c1}", 404),
    Row("staff", "GET", "/documents/{doc_c1}", 200),
    Row("staff", "GET", "/documents/{doc_c2}", 200),
    Row("staff", "GET", "/documents/{unknown}", 404),
    # the desk's review
    Row("staff", "GET", "/desk/candidates/{c1}/documents", 200),
    Row("staff", "GET", "/desk/candidates/{c2}/documents", 200),
    Row("staff", "GET", "/desk/candidates/{unknown}/documents", 404),
    Row("staff", "POST", "/desk/documents/{doc_c1}/review", 302, VERIFY,
        "/desk/candidates/{c1}/documents"),
    Row("staff", "POST", "/desk/documents/{doc_c1}/review", 302, REJECT,
        "/desk/candidates/{c1}/documents"),
    Row("staff", "POST", "/desk/documents/{doc_c1}/review", 422),
    Row("staff", "POST", "/desk/documents/{doc_c1}/review", 422, {"decision": "rejected"}),
    Row("staff", "POST", "/desk/documents/{doc_c1}/review", 422, {"decision": "lost"}),
    Row("staff", "POST", "/desk/documents/{unknown}/review", 404, VERIFY),
    # the mentor reads their own mentees' documents only
    Row("mentor", "GET", "/mentor/mentees/{c1}/documents", 200),
    Row("mentor", "GET", "/mentor/mentees/{c2}/documents", 404),
    Row("mentor", "GET", "/mentor/mentees/{unknown}/documents", 404),
    Row("other_mentor", "GET", "/mentor/mentees/{c1}/documents", 404),
]  # fmt: skip

NUMERIC_PLACEHOLDERS = ["doc_c1", "doc_c2"]


def world(session, values: dict, people: dict) -> dict:
    """A passport for candidate 1 (mentee of mentor A) and one for candidate 2."""
    c1 = documents.upload(people["c1"].user, "passport", PDF, "passport.pdf")
    c2 = documents.upload(people["c2"].user, "passport", PDF, "passport.pdf")
    return {"doc_c1": c1.id, "doc_c2": c2.id}
