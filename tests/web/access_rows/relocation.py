"""Access-matrix rows for the relocation plan: the candidate's own plan page and its step
forms (nobody else enters /me)."""

from __future__ import annotations

from tests.web.access_rows.row import Row

CANDIDATES = {"candidate", "other_candidate"}
DONE = {"done_on": "2026-01-15"}

AREAS = [
    (
        [
            ("GET", "/me/plan"),
            ("POST", "/me/plan"),
            ("POST", "/me/plan/bank_account/done"),
            ("POST", "/me/plan/bank_account/reopen"),
        ],
        CANDIDATES,
    ),
]

ROWS = [
    Row("candidate", "GET", "/me/plan", 200),
    Row("candidate", "POST", "/me/plan", 302, {"arrival_on": "2026-01-10",
        "home_municipality": "Genk"}, "/me/plan"),
    Row("candidate", "POST", "/me/plan", 422, {"home_municipality": "Paris"}),
    Row("candidate", "POST", "/me/plan", 422, {"arrival_on": "yesterday"}),
    Row("candidate", "POST", "/me/plan/bank_account/done", 302, DONE, "/me/plan"),
    Row("candidate", "POST", "/me/plan/bank_account/done", 422),  # no date
    Row("candidate", "POST", "/me/plan/bank_account/done", 422, {"done_on": "2999-01-01"}),
    # the company's step, a step proved by a document, a step that does not exist
    Row("candidate", "POST", "/me/plan/single_permit/done", 422, DONE),
    Row("candidate", "POST", "/me/plan/residence_card/done", 422, DONE),
    Row("candidate", "POST", "/me/plan/nonsense/done", 422, DONE),
    Row("candidate", "POST", "/me/plan/bank_account/reopen", 302, {}, "/me/plan"),
    Row("other_candidate", "GET", "/me/plan", 200),
    Row("other_candidate", "POST", "/me/plan", 302, {"arrival_on": "2026-01-10"}, "/me/plan"),
    Row("other_candidate", "POST", "/me/plan/bank_account/done", 302, DONE, "/me/plan"),
    Row("other_candidate", "POST", "/me/plan/bank_account/reopen", 302, {}, "/me/plan"),
]  # fmt: skip
