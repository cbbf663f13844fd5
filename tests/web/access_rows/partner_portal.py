"""Access-matrix rows for the partner portal and the desk's partner accounts.

Role partner: the contact of accepted partner P (University of Namibia), who referred
candidate {referral} and takes part in campaign {p_campaign}; partner Q has an import of
its own ({q_import}). The portal is the partner contact's alone (403 for everyone else, the
desk included); another organisation's import is not found (404).
"""

from __future__ import annotations

from onboarding.models import Campaign, ImportJob, Partner
from tests.factories import make_candidate, make_user
from tests.web.access_rows.row import Row

PORTAL_ROUTES = [
    ("GET", "/partner/"),
    ("GET", "/partner/directory"),
    ("GET", "/partner/listing"),
    ("POST", "/partner/listing"),
    ("GET", "/partner/refer"),
    ("POST", "/partner/refer"),
    ("GET", "/partner/import"),
    ("POST", "/partner/import"),
    ("GET", "/partner/import/template.csv"),
    ("GET", "/partner/import/{p_import}"),
    ("POST", "/partner/import/{p_import}/run"),
]
DESK_ROUTES = [("POST", "/desk/partners/{partner_p}/contacts")]
AREAS = [(PORTAL_ROUTES, {"partner"}), (DESK_ROUTES, {"staff"})]
NUMERIC_PLACEHOLDERS = ["partner_p", "waiting_partner", "p_import", "q_import"]

REFERRAL = {"name": "Thabo Mokoena", "email": "thabo.mokoena@example.org", "country": "ZA",
            "origin_institution": "University of Cape Town", "stem_field": "energy",
            "graduation_date": "2025-06-30", "locale": "af"}  # fmt: skip
LISTING = {"listed": "y", "offers": "Internships in Windhoek", "seeks": "Data projects"}
CONTACT = {"name": "Selma Shilongo", "email": "selma.shilongo@example.org", "locale": "af"}

PARTNER = [
    Row("partner", "GET", "/partner/", 200),
    Row("partner", "GET", "/partner/directory", 200),
    Row("partner", "GET", "/partner/listing", 200),
    Row("partner", "POST", "/partner/listing", 302, LISTING, "/partner/directory"),
    Row("partner", "POST", "/partner/listing", 422, {**LISTING, "offers": "x" * 2001}),
    Row("partner", "GET", "/partner/refer", 200),
    Row("partner", "POST", "/partner/refer", 302, REFERRAL, "/partner/"),
    Row("partner", "POST", "/partner/refer", 422),
    Row("partner", "POST", "/partner/refer", 422, {**REFERRAL, "country": "XX"}),
    Row("partner", "POST", "/partner/refer", 422,
        {**REFERRAL, "campaign_id": "{q_campaign}"}),  # not one of theirs
    Row("partner", "GET", "/partner/import", 200),
    Row("partner", "POST", "/partner/import", 422),  # no file
    Row("partner", "GET", "/partner/import/template.csv", 200),
    Row("partner", "GET", "/partner/import/{p_import}", 200),
    Row("partner", "GET", "/partner/import/{q_import}", 404),  # another organisation's
    Row("partner", "GET", "/partner/import/{unknown}", 404),
    Row("partner", "POST", "/partner/import/{q_import}/run", 404),
    # The file has a bad row: nothing to run.
    Row("partner", "POST", "/partner/import/{p_import}/run", 422),
]  # fmt: skip

STAFF = [
    Row("staff", "POST", "/desk/partners/{partner_p}/contacts", 302, CONTACT,
        "/desk/partners/{partner_p}#contacts"),
    Row("staff", "POST", "/desk/partners/{partner_p}/contacts", 422),
    Row("staff", "POST", "/desk/partners/{partner_p}/contacts", 422,
        {**CONTACT, "email": "{partner_email}"}),  # taken
    Row("staff", "POST", "/desk/partners/{waiting_partner}/contacts", 422, CONTACT),
    Row("staff", "POST", "/desk/partners/{unknown}/contacts", 404, CONTACT),
]  # fmt: skip

ROWS = [*PARTNER, *STAFF]


def world(session, values: dict, people: dict) -> dict:
    """Partners P (accepted, with a contact, a campaign, a referral and an import with a bad
    row) and Q (accepted, with its own campaign and import); a partner still waiting."""
    p = Partner(name="University of Namibia", kind="lead", contact_name="Selma Shilongo",
                contact_email="selma@unam.example", status="accepted")  # fmt: skip
    q = Partner(name="University of Botswana", kind="contributing", contact_name="Kagiso",
                contact_email="kagiso@ub.example", status="accepted", listed=True)  # fmt: skip
    waiting = Partner(name="Polytechnic of Namibia", kind="contributing", contact_name="Ina",
                      contact_email="ina@polytechnic.example", status="applied")  # fmt: skip
    session.add_all([p, q, waiting])
    session.flush()
    p_campaign = Campaign(name="Windhoek fair 2026", kind="knowledge_tourism", partners=[p])
    q_campaign = Campaign(name="Gaborone fair 2026", kind="knowledge_tourism", partners=[q])
    session.add_all([p_campaign, q_campaign])
    session.commit()
    contact = make_user("partner", name="Ndeshi Partner", partner_id=p.id)
    referral = make_candidate(name="Hilma Amupolo", partner_id=p.id, campaign_id=p_campaign.id)
    bad_row = [{"row": 2, "problems": [{"code": "required", "column": "email"}]}]
    p_import = ImportJob(created_by_id=contact.id, filename="prospects.csv", partner_id=p.id,
                         status="previewed", rows=[], errors=bad_row, total_rows=1,
                         processed_rows=0)  # fmt: skip
    q_import = ImportJob(created_by_id=people["staff"].id, filename="ub.csv", partner_id=q.id,
                         status="previewed", rows=[], errors=[], total_rows=0,
                         processed_rows=0)  # fmt: skip
    session.add_all([p_import, q_import])
    session.commit()
    return {
        "partner_p": p.id, "partner_q": q.id, "waiting_partner": waiting.id,
        "p_campaign": p_campaign.id, "q_campaign": q_campaign.id,
        "p_import": p_import.id, "q_import": q_import.id, "referral": referral.id,
        "partner_email": contact.email,
    }  # fmt: skip
