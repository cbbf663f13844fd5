"""Access-matrix rows for the partners area: the public partner call, the desk's partner
review, campaigns, CSV import and exports."""

from onboarding.models import Campaign, ImportJob
from onboarding.services import imports, partners
from tests.web.access_rows.row import ROLES, Row

STAFF_ROUTES = [
    ("GET", "/desk/partners"),
    ("GET", "/desk/partners/{partner}"),
    ("POST", "/desk/partners/{partner}/decision"),
    ("GET", "/desk/campaigns"),
    ("GET", "/desk/campaigns/new"),
    ("POST", "/desk/campaigns/new"),
    ("GET", "/desk/campaigns/{campaign}"),
    ("POST", "/desk/campaigns/{campaign}"),
    ("GET", "/desk/import"),
    ("POST", "/desk/import"),
    ("GET", "/desk/import/{job}"),
    ("POST", "/desk/import/{job}/run"),
    ("GET", "/desk/import/template.csv"),
    ("GET", "/desk/export/candidates.csv"),
    ("GET", "/desk/export/partners.csv"),
    ("GET", "/desk/export/campaigns.csv"),
    ("GET", "/desk/export/companies.csv"),
    ("GET", "/desk/export/reminders.csv"),
]
AREAS = [(STAFF_ROUTES, {"staff"})]

APPLICATION = {
    "name": "Namibia University of Science and Technology",
    "kind": "contributing",
    "contact_name": "Selma Shilongo",
    "email": "selma@nust.example.org",
    "website": "https://nust.example.org",
    "country": "NA",
    "message": "We would like to think along.",
}
CAMPAIGN = {
    "name": "Windhoek inspiration mission",
    "kind": "inspiration_mission",
    "target_countries": "NA",
    "starts_on": "2026-03-01",
    "ends_on": "2026-03-10",
    "partner_ids": "{accepted_partner}",
}
ACCEPT = {"decision": "accept", "note": "Welcome aboard.", "confirmed": "y"}

# The partner call is public: everybody may read it and apply, signed in or not.
PUBLIC = [
    row
    for role in ROLES
    for row in (
        Row(role, "GET", "/partners/apply", 200),
        Row(role, "POST", "/partners/apply", 302, APPLICATION, "/partners/apply/thanks"),
        Row(role, "POST", "/partners/apply", 422),
        Row(role, "GET", "/partners/apply/thanks", 200),
    )
]

STAFF = [
    Row("staff", "GET", "/desk/partners", 200),
    Row("staff", "GET", "/desk/partners/{partner}", 200),
    Row("staff", "GET", "/desk/partners/{unknown}", 404),
    Row("staff", "POST", "/desk/partners/{partner}/decision", 302, ACCEPT,
        "/desk/partners/{partner}"),
    Row("staff", "POST", "/desk/partners/{partner}/decision", 422),
    Row("staff", "POST", "/desk/partners/{partner}/decision", 422,
        {"decision": "accept", "note": "Welcome aboard."}),  # acceptance not confirmed
    # decided once: accepting again is a conflict
    Row("staff", "POST", "/desk/partners/{accepted_partner}/decision", 409, ACCEPT),
    Row("staff", "POST", "/desk/partners/{unknown}/decision", 404, ACCEPT),
    Row("staff", "GET", "/desk/campaigns", 200),
    Row("staff", "GET", "/desk/campaigns/new", 200),
    Row("staff", "POST", "/desk/campaigns/new", 302, CAMPAIGN, "/desk/campaigns/"),
    Row("staff", "POST", "/desk/campaigns/new", 422),
    Row("staff", "POST", "/desk/campaigns/new", 422, {**CAMPAIGN, "ends_on": "2026-02-01"}),
    Row("staff", "GET", "/desk/campaigns/{campaign}", 200),
    Row("staff", "GET", "/desk/campaigns/{unknown}", 404),
    Row("staff", "POST", "/desk/campaigns/{campaign}", 302, CAMPAIGN,
        "/desk/campaigns/{campaign}"),
    Row("staff", "POST", "/desk/campaigns/{campaign}", 422),
    Row("staff", "POST", "/desk/campaigns/{unknown}", 404, CAMPAIGN),
    Row("staff", "GET", "/desk/import", 200),
    Row("staff", "POST", "/desk/import", 422),  # no file (uploads: tests/web/test_partners.py)
    Row("staff", "GET", "/desk/import/{job}", 200),
    Row("staff", "GET", "/desk/import/{unknown}", 404),
    Row("staff", "POST", "/desk/import/{job}/run", 302, {}, "/desk/import/{job}"),
    Row("staff", "POST", "/desk/import/{done_job}/run", 409),
    Row("staff", "POST", "/desk/import/{error_job}/run", 422),
    Row("staff", "POST", "/desk/import/{unknown}/run", 404),
    Row("staff", "GET", "/desk/import/template.csv", 200),
    Row("staff", "GET", "/desk/export/candidates.csv", 200),
    Row("staff", "GET", "/desk/export/partners.csv", 200),
    Row("staff", "GET", "/desk/export/campaigns.csv", 200),
    Row("staff", "GET", "/desk/export/companies.csv", 200),
    Row("staff", "GET", "/desk/export/reminders.csv", 200),
]  # fmt: skip

ROWS = [*PUBLIC, *STAFF]
NUMERIC_PLACEHOLDERS = ["partner", "accepted_partner", "campaign", "job", "done_job", "error_job"]

HEADER = b"name,email,country,origin_institution,stem_field,graduation_date,outreach_channel\n"


def world(session, values: dict, people: dict) -> dict:
    """An application to decide, an accepted partner in a campaign, and three import jobs:
    one ready to run, one already done and one whose preview found errors."""

    staff = people["staff"]
    applied = partners.apply(
        partners.Application(
            name="Stellenbosch Engineering Alumni", kind="lead",
            contact_name="Pieter de Villiers", contact_email="pieter@alumni.example.org",
        )
    )  # fmt: skip
    accepted = partners.apply(
        partners.Application(
            name="University of Namibia", kind="contributing",
            contact_name="Ndapewa Nghipandulwa", contact_email="ndapewa@unam.example.org",
        )
    )  # fmt: skip
    partners.decide(staff, accepted.id, "accept")
    campaign = Campaign(name="Knowledge tourism 2026", kind="knowledge_tourism",
                        target_countries=["NA", "ZA"], partners=[accepted])  # fmt: skip
    session.add(campaign)
    session.commit()
    good = HEADER + b"Hilma Amupolo,hilma@example.org,NA,UNAM,energy,2025-06-30,partner_referral\n"
    bad = HEADER + b"Hilma Amupolo,not-an-email,XX,UNAM,energy,30/06/2025,partner_referral\n"
    job = imports.preview(staff, filename="good.csv", content=good, partner_id=accepted.id,
                          campaign_id=campaign.id)  # fmt: skip
    error_job = imports.preview(staff, filename="bad.csv", content=bad,
                                partner_id=accepted.id, campaign_id=None)  # fmt: skip
    done_job = ImportJob(created_by_id=staff.id, filename="old.csv", partner_id=accepted.id,
                         status="done", total_rows=1, processed_rows=1)  # fmt: skip
    session.add(done_job)
    session.commit()
    return {
        "partner": applied.id,
        "accepted_partner": accepted.id,
        "campaign": campaign.id,
        "job": job.id,
        "done_job": done_job.id,
        "error_job": error_job.id,
    }
