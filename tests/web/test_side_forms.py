"""The side forms of the candidate pages, when they are refused.

A wrong field, a refusal of the service or a change by someone else meanwhile does not leave
the candidate page for a bare error page: the same page comes back (422, or 409 on a
conflict) with the message at the form that was sent, each field's error next to that field
(tied to it with aria-describedby), what was typed still in the form, and nothing saved.
Messages are read from the catalogs, so the tests know nothing of a translator's wording.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from babel.support import Translations
from sqlalchemy import func, select

from onboarding import ROOT
from onboarding.models import (
    AuditEvent,
    LanguageAssessment,
    MentoringMeeting,
    Placement,
    Project,
    User,
)
from tests.factories import make_candidate, make_company, make_placement, make_user

LOCALES = ["nl", "af"]
FUTURE = (date.today() + timedelta(days=30)).isoformat()
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()
NEXT_WEEK = (date.today() + timedelta(days=7)).isoformat()

NOT_IN_FUTURE = "This date cannot be in the future."
REQUIRED = "This field is required."
MARKED = "Please correct the marked fields."
CONFLICT = (
    "Someone else changed this candidate in the meantime. "
    "Reload the page to see the latest state; nothing was saved."
)


def catalog(locale: str) -> Translations:
    return Translations.load(str(ROOT / "translations"), [locale])


def text(fragment: str) -> str:
    """Markup as a reader sees it: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def form_at(page: str, action: str, trigger: str | None = None) -> str:
    """The inner markup of the page's form that posts to `action` (and has `trigger`)."""
    for match in re.finditer(r"<form\b([^>]*)>(.*?)</form>", page, re.S):
        attributes, inner = match.groups()
        if f'action="{action}"' not in attributes:
            continue
        if trigger is None or f'data-trigger="{trigger}"' in attributes:
            return inner
    raise AssertionError(f"no form posting to {action} ({trigger}) on the page")


def control(form: str, name: str) -> str:
    """The opening tag (or the whole textarea/select) of the control called `name`."""
    match = re.search(rf'<(select|textarea)\b[^>]*\bname="{name}"[^>]*>.*?</\1>', form, re.S)
    if match:
        return match.group(0)
    match = re.search(rf'<input\b[^>]*\bname="{name}"[^>]*>', form)
    assert match, f"no control {name!r} in the form"
    return match.group(0)


def value(form: str, name: str) -> str:
    tag = control(form, name)
    if tag.startswith("<select"):
        selected = re.search(r'<option selected value="([^"]*)"', tag)
        return html.unescape(selected.group(1)) if selected else ""
    if tag.startswith("<textarea"):
        return html.unescape(re.sub(r"^<textarea[^>]*>(\r?\n)?|</textarea>$", "", tag))
    found = re.search(r'\bvalue="([^"]*)"', tag)
    return html.unescape(found.group(1)) if found else ""


def field_error(form: str, name: str) -> str:
    """The error shown for the field `name`: the element its aria-describedby points at."""
    tag = control(form, name)
    assert 'aria-invalid="true"' in tag, tag
    described = re.search(r'aria-describedby="([^"]+)"', tag).group(1)
    error = re.search(rf'<span class="error" id="{described}">(.*?)</span>', form, re.S)
    assert error, f"no error element {described!r} in the form"
    return text(error.group(1))


def refusal(form: str) -> str:
    """The message at the form (and its details)."""
    match = re.search(r'<div class="flash flash-error form-refusal" role="alert">(.*?)</div>',
                      form, re.S)  # fmt: skip
    assert match, "no message at the form"
    return text(match.group(1))


def is_candidate_page(page: str, name: str) -> bool:
    return f"<h1>{html.escape(name)}</h1>" in page and "error-page" not in page


def counts(data, candidate_id: int) -> dict[str, int]:
    with data() as session:
        return {
            model.__tablename__: session.scalar(
                select(func.count()).select_from(model).where(model.candidate_id == candidate_id)
            )
            for model in (AuditEvent, LanguageAssessment, MentoringMeeting, Placement)
        }


@pytest.fixture(params=LOCALES)
def locale(request):
    return request.param


@pytest.fixture
def world(data, locale):
    """A mentor and staff speaking `locale`; the mentor's mentee Anke in mentoring, with a
    proposed placement at Genk Data (project 'Heat pumps'); Lindiwe in immersion without a
    Dutch assessment; another company with its own open project."""
    with data() as session:
        staff = make_user("staff", locale=locale)
        mentor = make_user("mentor", locale=locale)
        mentee = make_candidate(phase="mentoring", mentor=mentor, name="Anke Pretorius",
                                locale=locale)  # fmt: skip
        immersion = make_candidate(
            phase="language_immersion", mentor=mentor, name="Lindiwe Dube",
            immersion_start=date.today() - timedelta(days=80),
            immersion_planned_end=date.today() + timedelta(days=10),
        )  # fmt: skip
        genk, hasselt = make_company("Genk Data"), make_company("Hasselt Glas", "Hasselt")
        project = Project(company=genk, kind="innovation_project", title="Heat pumps",
                          stem_fields=["engineering"], skills=[], seats=2)  # fmt: skip
        other = Project(company=hasselt, kind="internship", title="Glass recipes",
                        stem_fields=["chemistry"], skills=[], seats=1)  # fmt: skip
        session.add_all([project, other])
        session.commit()
        placement = make_placement(mentee, accepted=False, company=genk)
        return {
            "staff": staff.email,
            "mentor": mentor.email,
            "mentee": mentee.id,
            "mentee_name": mentee.user.name,
            "mentee_email": mentee.user.email,
            "version": mentee.version_id,
            "immersion": immersion.id,
            "immersion_name": immersion.user.name,
            "genk": genk.id,
            "project": project.id,
            "other_project": other.id,
            "placement": placement.id,
        }


@pytest.fixture
def as_mentor(client, login, world):
    return login(client, world["mentor"])


@pytest.fixture
def as_staff(client, login, world):
    return login(client, world["staff"])


# -- the mentor's mentee page ---------------------------------------------------------------


@pytest.mark.parametrize("area", ["mentor", "desk"])
def test_assessment_in_the_future_is_shown_at_the_form(area, client, login, world, data, locale):
    login(client, world["mentor" if area == "mentor" else "staff"])
    base = f"/{area}/{'mentees' if area == 'mentor' else 'candidates'}/{world['mentee']}"
    before = counts(data, world["mentee"])
    typed = {"level": "B2", "assessed_on": FUTURE, "note": "Toets bij het Huis van het Nederlands"}

    response = client.post(f"{base}/assessments", data=typed)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert is_candidate_page(page, world["mentee_name"])
    assert f'<html lang="{locale}">' in page
    form = form_at(page, f"{base}/assessments")
    t = catalog(locale).gettext
    assert field_error(form, "assessed_on") == t(NOT_IN_FUTURE)
    assert refusal(form) == f"{t('The assessment could not be recorded.')} {t(MARKED)}"
    assert {name: value(form, name) for name in typed} == typed
    assert counts(data, world["mentee"]) == before
    # Only the form that was sent shows the error; the page's other forms are blank.
    assert page.count('class="flash flash-error form-refusal"') == 1


@pytest.mark.parametrize(
    ("typed", "field", "msgid"),
    [
        pytest.param({"met_on": FUTURE, "note": "Sollicitatie voorbereid"}, "met_on",
                     NOT_IN_FUTURE, id="future"),
        pytest.param({"met_on": YESTERDAY, "note": ""}, "note", REQUIRED, id="no-note"),
    ],
)  # fmt: skip
def test_meeting_errors_are_shown_at_the_form(as_mentor, world, data, locale, typed, field, msgid):
    action = f"/mentor/mentees/{world['mentee']}/meetings"
    before = counts(data, world["mentee"])

    response = as_mentor.post(action, data=typed)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert is_candidate_page(page, world["mentee_name"])
    form = form_at(page, action)
    t = catalog(locale).gettext
    assert field_error(form, field) == t(msgid)
    assert t("The meeting could not be logged.") in refusal(form)
    assert {name: value(form, name) for name in typed} == typed
    assert counts(data, world["mentee"]) == before


def test_a_step_the_workflow_refuses_is_explained_at_its_form(as_mentor, world, data, locale):
    """No Dutch assessment yet: completing the immersion is refused with the reason why."""
    action = f"/mentor/mentees/{world['immersion']}/transition"
    before = counts(data, world["immersion"])

    response = as_mentor.post(action, data={"trigger": "complete_immersion"})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert is_candidate_page(page, world["immersion_name"])
    message = refusal(form_at(page, action, "complete_immersion"))
    assert message.startswith(catalog(locale).gettext("This step cannot be taken yet."))
    assert len(message) > len(catalog(locale).gettext("This step cannot be taken yet."))
    assert counts(data, world["immersion"]) == before


def test_sign_off_on_a_stale_page_is_a_conflict_shown_at_its_form(as_mentor, world, locale):
    action = f"/mentor/mentees/{world['mentee']}/signoff"

    stale = {"version": str(world["version"] + 7), "confirmed": "y"}
    response = as_mentor.post(action, data=stale)

    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert is_candidate_page(page, world["mentee_name"])
    form = form_at(page, action)
    assert refusal(form) == catalog(locale).gettext(CONFLICT)
    # The page shows the current state, so the form carries the current version.
    assert value(form, "version") == str(world["version"])


def test_a_tampered_hidden_field_is_reported_at_the_form(as_mentor, world, locale):
    action = f"/mentor/mentees/{world['mentee']}/signoff"

    response = as_mentor.post(action, data={"version": "seven"})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    message = refusal(form_at(page, action))
    t = catalog(locale).gettext
    assert t("Readiness could not be signed off.") in message
    assert t("Not a valid integer value.") in message
    assert "Version" not in message


# -- the desk's candidate page --------------------------------------------------------------


def test_placement_for_another_companys_project_is_refused_at_the_form(
    as_staff, world, data, locale
):
    action = f"/desk/candidates/{world['mentee']}/placements"
    typed = {
        "company_id": str(world["genk"]),
        "project_id": str(world["other_project"]),
        "project_title": "Slimme warmtepompen",
        "interview_at": f"{NEXT_WEEK}T10:30",
    }
    before = counts(data, world["mentee"])

    response = as_staff.post(action, data=typed)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert is_candidate_page(page, world["mentee_name"])
    form = form_at(page, action)
    assert refusal(form) == catalog(locale).gettext("Choose one of the company's open projects.")
    assert {name: value(form, name) for name in typed} == typed
    assert counts(data, world["mentee"]) == before


def test_placement_with_a_malformed_interview_keeps_what_was_typed(as_staff, world, locale):
    action = f"/desk/candidates/{world['mentee']}/placements"
    typed = {"company_id": str(world["genk"]), "project_id": str(world["project"]),
             "project_title": "Warmtepompen", "interview_at": "volgende dinsdag"}  # fmt: skip

    response = as_staff.post(action, data=typed)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    form = form_at(page, action)
    t = catalog(locale).gettext
    assert field_error(form, "interview_at") == t("Not a valid datetime value.")
    assert t("The placement could not be recorded.") in refusal(form)
    assert {name: value(form, name) for name in typed} == typed


def test_unknown_mentor_is_refused_at_the_mentor_form(as_staff, world, data, locale):
    action = f"/desk/candidates/{world['mentee']}/mentor"
    before = counts(data, world["mentee"])

    response = as_staff.post(action, data={"mentor_id": "99999", "version": world["version"]})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert is_candidate_page(page, world["mentee_name"])
    assert refusal(form_at(page, action)) == catalog(locale).gettext(
        "Choose one of the listed mentors."
    )
    assert counts(data, world["mentee"]) == before


def test_placement_step_refusal_is_shown_at_that_step(as_staff, world, data, locale):
    """Declining needs a reason: the message appears at the placement's decline form only."""
    action = f"/desk/placements/{world['placement']}/transition"
    before = counts(data, world["mentee"])

    response = as_staff.post(action, data={"trigger": "decline", "reason": "  "})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert is_candidate_page(page, world["mentee_name"])
    decline = form_at(page, action, "decline")
    assert refusal(decline).startswith(catalog(locale).gettext("This step cannot be taken yet."))
    assert "form-refusal" not in form_at(page, action, "schedule_interview")
    assert counts(data, world["mentee"]) == before


def test_placement_step_keeps_the_typed_interview(as_staff, world, locale):
    action = f"/desk/placements/{world['placement']}/transition"

    response = as_staff.post(
        action, data={"trigger": "schedule_interview", "interview_at": "morgen om tien"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    form = form_at(page, action, "schedule_interview")
    assert field_error(form, "interview_at") == catalog(locale).gettext(
        "Not a valid datetime value."
    )
    assert value(form, "interview_at") == "morgen om tien"


def test_a_withdrawal_reason_that_is_too_long_stays_in_its_form(as_staff, world, locale):
    action = f"/desk/candidates/{world['mentee']}/transition"
    reason = "De kandidaat keert terug naar Windhoek. " * 60  # over 2,000 characters

    response = as_staff.post(
        action, data={"trigger": "withdraw", "version": world["version"], "reason": reason}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    form = form_at(page, action, "withdraw")
    expected = catalog(locale).gettext("Use at most %(max)d characters.") % {"max": 2000}
    assert field_error(form, "reason") == expected
    assert value(form, "reason") == reason
    assert value(form_at(page, action, "pause"), "trigger") == "pause"  # the others are blank


def test_a_form_no_longer_offered_gets_its_message_at_the_top(as_staff, world, data, locale):
    """The invitation was accepted meanwhile: the resend form is gone, the reason is shown."""
    with data() as session:
        user = session.scalars(select(User).where(User.email == world["mentee_email"])).one()
        user.password_hash = "set"
        session.commit()

    response = as_staff.post(f"/desk/candidates/{world['mentee']}/invitation", data={})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert is_candidate_page(page, world["mentee_name"])
    expected = catalog(locale).gettext("This candidate has already accepted the invitation.")
    assert page.count('class="flash flash-error form-refusal"') == 1
    heading = page.index("<h1>")
    assert heading < page.index("form-refusal") < page.index('class="card diagram"')
    assert html.escape(expected, quote=False) in page


# -- what goes to the error page -------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("mentor", "/mentor/mentees/{immersion_other}/assessments"),
        ("staff", "/desk/candidates/99999/assessments"),
        ("staff", "/desk/placements/99999/transition"),
    ],
)
def test_a_refused_form_for_a_page_one_may_not_see_is_404(client, login, world, data, who, path):
    with data():
        someone_else = make_candidate(phase="language_immersion", mentor=make_user("mentor"))
        other_id = someone_else.id
    login(client, world[who])
    response = client.post(path.format(immersion_other=other_id), data={"assessed_on": FUTURE})
    assert response.status_code == 404
    assert "error-page" in response.get_data(as_text=True)
