"""Access-matrix rows for the relocation plan: the candidate's own plan page and its step
forms (nobody else enters /me); the desk's plan of a candidate, the rule rows and the help in
each municipality (the desk only)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from onboarding.models import MunicipalityHelp, RelocationRule
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
    (
        [
            ("GET", "/desk/candidates/{c1}/plan"),
            ("POST", "/desk/candidates/{c1}/plan"),
            ("POST", "/desk/candidates/{c1}/plan/bank_account/done"),
            ("POST", "/desk/candidates/{c1}/plan/bank_account/not-needed"),
            ("POST", "/desk/candidates/{c1}/plan/bank_account/reopen"),
            ("GET", "/desk/relocation-rules"),
            ("POST", "/desk/relocation-rules"),
            ("GET", "/desk/relocation-rules/{rule}"),
            ("POST", "/desk/relocation-rules/{rule}"),
            ("POST", "/desk/relocation-rules/{rule}/delete"),
            ("GET", "/desk/municipalities"),
            ("POST", "/desk/municipalities"),
            ("GET", "/desk/municipalities/{help}"),
            ("POST", "/desk/municipalities/{help}"),
            ("POST", "/desk/municipalities/{help}/delete"),
        ],
        {"staff"},
    ),
]
NUMERIC_PLACEHOLDERS = ["rule", "help"]

PLAN = "/desk/candidates/{c1}/plan"
RULE = {
    "key": "municipality_registration",
    "value": "8",
    "effective_from": "2027-01-01",
    "source_url": "https://example.org/decree",
    "checked_on": "2026-12-01",
    "verified": "y",
}
HELP = {
    "municipality": "Genk",
    "kind": "service_desk",
    "name": "Stadhuis Genk",
    "address": "Stadsplein 1, 3600 Genk",
    "hours_en": "Monday to Friday, 9:00 to 12:30",
    "url": "https://www.genk.be",
}


def world(session, values, people) -> dict:
    """A second row of the registration rule (one that may be deleted) and a help entry."""
    rule = RelocationRule(
        key="municipality_registration", value=Decimal(8), effective_from=date(2020, 1, 1),
        source_url="https://example.org/old", checked_on=date(2026, 12, 1),
    )  # fmt: skip
    entry = MunicipalityHelp(
        municipality="Hasselt", kind="expat_centre", name="Expat Centre Limburg",
        address="Kempische Steenweg 293, 3500 Hasselt", hours={"en": "By appointment"},
    )  # fmt: skip
    session.add_all([rule, entry])
    session.commit()
    return {"rule": rule.id, "help": entry.id}


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

    Row("staff", "GET", PLAN, 200),
    Row("staff", "GET", "/desk/candidates/{unknown}/plan", 404),
    Row("staff", "POST", PLAN, 302, {"residence_route": "trainee", "arrival_on": "2026-01-10",
        "home_municipality": "Genk"}, PLAN),
    Row("staff", "POST", PLAN, 422, {"arrival_on": "yesterday"}),
    Row("staff", "POST", PLAN, 422, {"home_municipality": "Paris"}),
    Row("staff", "POST", PLAN, 422, {"residence_route": "tourist"}),
    Row("staff", "POST", PLAN + "/bank_account/done", 302, DONE, PLAN),
    Row("staff", "POST", PLAN + "/bank_account/done", 422),
    Row("staff", "POST", PLAN + "/nonsense/done", 422, DONE),
    Row("staff", "POST", PLAN + "/bank_account/not-needed", 302,
        {"reason": "Keeps the Belgian account of an earlier stay"}, PLAN),
    Row("staff", "POST", PLAN + "/bank_account/not-needed", 422),
    Row("staff", "POST", PLAN + "/bank_account/not-needed", 422, {"reason": "x" * 501}),
    Row("staff", "POST", PLAN + "/bank_account/reopen", 302, {}, PLAN),
    Row("staff", "GET", "/desk/relocation-rules", 200),
    Row("staff", "POST", "/desk/relocation-rules", 302, RULE, "/desk/relocation-rules"),
    Row("staff", "POST", "/desk/relocation-rules", 422),
    Row("staff", "POST", "/desk/relocation-rules", 422, {**RULE, "source_url": "decree"}),
    Row("staff", "POST", "/desk/relocation-rules", 422, {**RULE, "value": "-3"}),
    Row("staff", "POST", "/desk/relocation-rules", 422, {**RULE, "effective_from": "2020-01-01"}),
    Row("staff", "GET", "/desk/relocation-rules/{rule}", 200),
    Row("staff", "GET", "/desk/relocation-rules/{unknown}", 404),
    Row("staff", "POST", "/desk/relocation-rules/{rule}", 302,
        {**RULE, "effective_from": "2020-01-01", "value": "9"}, "/desk/relocation-rules"),
    Row("staff", "POST", "/desk/relocation-rules/{rule}", 422,
        {**RULE, "key": "naric_full_fee"}),
    Row("staff", "POST", "/desk/relocation-rules/{rule}", 422, {**RULE, "value": ""}),
    Row("staff", "POST", "/desk/relocation-rules/{rule}/delete", 302, {},
        "/desk/relocation-rules"),
    Row("staff", "POST", "/desk/relocation-rules/{unknown}/delete", 404),
    Row("staff", "GET", "/desk/municipalities", 200),
    Row("staff", "POST", "/desk/municipalities", 302, HELP, "/desk/municipalities"),
    Row("staff", "POST", "/desk/municipalities", 422),
    Row("staff", "POST", "/desk/municipalities", 422, {**HELP, "municipality": "Brussel"}),
    Row("staff", "POST", "/desk/municipalities", 422, {**HELP, "url": "javascript:alert(1)"}),
    Row("staff", "GET", "/desk/municipalities/{help}", 200),
    Row("staff", "GET", "/desk/municipalities/{unknown}", 404),
    Row("staff", "POST", "/desk/municipalities/{help}", 302, HELP, "/desk/municipalities"),
    Row("staff", "POST", "/desk/municipalities/{help}", 422, {**HELP, "name": ""}),
    Row("staff", "POST", "/desk/municipalities/{help}/delete", 302, {}, "/desk/municipalities"),
    Row("staff", "POST", "/desk/municipalities/{unknown}/delete", 404),
]  # fmt: skip
