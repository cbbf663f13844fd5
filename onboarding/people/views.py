"""People: the welcome desk's list of accounts, inviting colleagues and mentors, a person's
page with their account events and actions, and the account audit log (/desk/people)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from onboarding.db import rollback
from onboarding.forms import BaseForm, VersionForm, form_errors
from onboarding.pages import send_invitation
from onboarding.people.forms import CapacityForm, InvitePersonForm
from onboarding.services import account_events, people
from onboarding.services.errors import Conflict, Refused
from onboarding.vocabulary import (
    ACCOUNT_EVENT_KINDS,
    ACCOUNT_EVENT_LABELS,
    ACCOUNT_STATUS_LABELS,
    ACCOUNT_STATUSES,
    ROLE_LABELS,
)
from onboarding.web import (
    claim_once,
    finish_once,
    page_arg,
    role_required,
    sent_before,
    text_arg,
)
from workflows.onboarding import ROLES

bp = Blueprint("people", __name__, url_prefix="/desk/people")

PERSON_EVENTS = 50  # the newest events on a person's page; the log has them all
LABELS = {"role": ROLE_LABELS, "status": ACCOUNT_STATUS_LABELS, "kind": ACCOUNT_EVENT_LABELS}


@bp.before_request
@role_required("staff")
def staff_only():
    return None


def _choice(args: MultiDict[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    value = args.get(name)
    return value if value in allowed else None


@bp.get("/", endpoint="index")
def index():
    filters = people.PeopleFilter(
        search=text_arg(request.args, "q", people.SEARCH_LENGTH),
        role=_choice(request.args, "role", ROLES),
        status=_choice(request.args, "status", ACCOUNT_STATUSES),
        page=page_arg(request.args),
    )
    return render_template(
        "people/index.html",
        filter=filters,
        page=people.people_page(filters, current_app.config["BOARD_PAGE_SIZE"]),
        roles=ROLES,
        statuses=ACCOUNT_STATUSES,
        status_of=people.status_of,
        labels=LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
def invite():
    form = InvitePersonForm()
    if form.is_submitted() and (earlier := sent_before(form)) is not None:
        return earlier
    message = None
    if form.validate_on_submit():
        claim_once(form)
        try:
            user, token = people.invite(
                current_user,
                people.Invitee(
                    name=form.name.data,
                    email=form.email.data,
                    locale=form.locale.data,
                    role=form.role.data,
                    mentor_capacity=form.mentor_capacity.data,
                ),
            )
        except Refused as error:
            rollback()
            return render_template("people/invite.html", form=form, message=error.message), 422
        flash(_("An account has been created for %(name)s.", name=user.name), "success")
        send_invitation(user, token)
        return finish_once(form, url_for("people.person", user_id=user.id))
    if form.errors:
        message = _("The person could not be invited.")
    status = 422 if form.errors else 200
    return render_template("people/invite.html", form=form, message=message), status


# -- a person's page -------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """A form of the person's page that was refused: its message shown at that form."""

    name: str
    message: str
    details: tuple[str, ...] = ()


def person_page(user_id: int, *, refused: Refusal | None = None, capacity_form=None):
    user = people.person(user_id)
    is_mentor = user.role == "mentor"
    return render_template(
        "people/person.html",
        person=user,
        candidate=user.candidate,
        status=people.status_of(user),
        events=account_events.events(
            account_events.EventFilter(user_id=user.id), limit=PERSON_EVENTS
        ),
        load=people.mentor_load(user) if is_mentor else None,
        mentees=people.mentees_in_programme(user) if is_mentor and not user.active else [],
        capacity_form=capacity_form or CapacityForm(formdata=None, capacity=user.capacity),
        refused=refused,
        is_self=user.id == current_user.id,
        labels=LABELS,
    )


@bp.get("/<int:user_id>")
def person(user_id: int):
    return person_page(user_id)


@contextmanager
def person_form(user_id: int, name: str, form: BaseForm, message: str) -> Iterator[BaseForm]:
    """Validate a form of the person's page, then run the body (the service call). A wrong
    field or a refusal answers with the same page, the message at the form, and its status;
    nothing is kept (the unit of work rolls back an answer of 400 or more)."""
    capacity_form = form if isinstance(form, CapacityForm) else None
    if not form.validate_on_submit():
        refused = Refusal(name, message, tuple(form_errors(form)))
        page = person_page(user_id, refused=refused, capacity_form=capacity_form)
        abort(make_response(page, 422))
    try:
        yield form
    except (Refused, Conflict) as error:
        rollback()
        refused = Refusal(name, error.message, tuple(error.details))
        page = person_page(user_id, refused=refused, capacity_form=capacity_form)
        abort(make_response(page, error.status))


def _back(user_id: int):
    return redirect(url_for("people.person", user_id=user_id))


@bp.post("/<int:user_id>/invitation")
def resend_invitation(user_id: int):
    message = _("The invitation could not be sent.")
    with person_form(user_id, "invitation", VersionForm(), message):
        user, token = people.resend_invitation(current_user, user_id)
    send_invitation(user, token)
    return _back(user_id)


@bp.post("/<int:user_id>/deactivate")
def deactivate(user_id: int):
    message = _("The account could not be deactivated.")
    with person_form(user_id, "active", VersionForm(), message):
        user = people.deactivate(current_user, user_id)
    flash(
        _("The account of %(name)s has been deactivated: they can no longer log in.",
          name=user.name),
        "success",
    )  # fmt: skip
    return _back(user_id)


@bp.post("/<int:user_id>/reactivate")
def reactivate(user_id: int):
    message = _("The account could not be reactivated.")
    with person_form(user_id, "active", VersionForm(), message):
        user = people.reactivate(current_user, user_id)
    flash(_("The account of %(name)s is active again.", name=user.name), "success")
    return _back(user_id)


@bp.post("/<int:user_id>/capacity")
def change_capacity(user_id: int):
    message = _("The capacity could not be changed.")
    with person_form(user_id, "capacity", CapacityForm(), message) as form:
        user = people.change_capacity(current_user, user_id, form.capacity.data)
    flash(
        ngettext("%(name)s now mentors at most %(num)d candidate.",
                 "%(name)s now mentors at most %(num)d candidates.",
                 user.capacity, name=user.name),
        "success",
    )  # fmt: skip
    return _back(user_id)


# -- the account audit log -------------------------------------------------------------------


@bp.get("/events")
def events():
    filters = account_events.EventFilter(
        kind=_choice(request.args, "kind", ACCOUNT_EVENT_KINDS),
        person=text_arg(request.args, "person", people.SEARCH_LENGTH).strip() or None,
    )
    return render_template(
        "people/events.html",
        filter=filters,
        page=account_events.events_page(
            filters, page_arg(request.args), current_app.config["BOARD_PAGE_SIZE"]
        ),
        kinds=ACCOUNT_EVENT_KINDS,
        labels=LABELS,
    )
