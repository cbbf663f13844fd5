"""The thread pages (/me/messages, /mentor/mentees/<id>/messages, /desk/candidates/<id>/
messages), the inbox of mentors and the desk (/messages), attachments and group messages.

Each view checks its role; `conversations.thread_of` decides whose thread one may open
(anyone else: 404). Opening a thread marks it read; a refused message changes nothing.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from onboarding.conversation.forms import GroupMessageForm, MessageForm
from onboarding.conversation.text import message_html
from onboarding.i18n import country_name, phase_label
from onboarding.services import board, conversations, documents
from onboarding.services.errors import Refused
from onboarding.vocabulary import ROLE_LABELS
from onboarding.web import (
    page_arg,
    private_download,
    role_required,
    text_arg,
    upload_refusal,
    writes_on_get,
)
from workflows.onboarding import PHASES

bp = Blueprint("conversation", __name__)

EVERYONE = ("candidate", "mentor", "staff")


@bp.app_context_processor
def unread_messages() -> dict:
    """The header's "Messages" link and its unread count (one statement per page)."""
    if not current_user or not current_user.is_authenticated or current_user.role not in EVERYONE:
        return {"unread_messages": 0}  # no conversation for a company's or partner's contact
    return {"unread_messages": conversations.unread_count(current_user)}


bp.add_app_template_filter(message_html, "message_text")


@bp.app_template_global()
def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def _requested_page() -> int | None:
    """The page asked for; none: the newest."""
    return page_arg(request.args) if "page" in request.args else None


def _thread(candidate, endpoint: str, **args):
    """A thread page: GET shows it (and marks it read), POST writes a message first."""
    refusal = upload_refusal()
    form = MessageForm(formdata=None) if refusal else MessageForm()
    if refusal is None and form.validate_on_submit():
        upload = form.attachment.data
        attached = isinstance(upload, FileStorage) and bool(upload.filename)
        try:
            conversations.post(
                current_user,
                candidate,
                form.body.data,
                file=upload.stream if attached else None,
                filename=upload.filename if attached else None,
            )
        except Refused as error:
            refusal = error.message
        else:
            flash(_("Your message has been sent."), "success")
            return redirect(url_for(endpoint, **args, _anchor="newest"))
    refused = bool(refusal or form.errors)
    shown = conversations.thread_page(candidate, _requested_page())
    if not refused:
        conversations.mark_read(current_user, shown)
    page = render_template(
        "conversation/thread.html",
        candidate=candidate,
        thread=shown,
        form=form,
        refusal=refusal,
        endpoint=endpoint,
        endpoint_args=args,
        max_megabytes=documents.max_megabytes(),
    )
    return page, 422 if refused else 200


@bp.route("/me/messages", methods=["GET", "POST"])
@writes_on_get  # opening the thread marks it read
@role_required("candidate")
def mine():
    return _thread(conversations.thread_of(current_user), "conversation.mine")


@bp.route("/mentor/mentees/<int:candidate_id>/messages", methods=["GET", "POST"])
@writes_on_get
@role_required("mentor")
def mentee(candidate_id: int):
    candidate = conversations.thread_of(current_user, candidate_id)
    return _thread(candidate, "conversation.mentee", candidate_id=candidate.id)


@bp.route("/desk/candidates/<int:candidate_id>/messages", methods=["GET", "POST"])
@writes_on_get
@role_required("staff")
def desk(candidate_id: int):
    candidate = conversations.thread_of(current_user, candidate_id)
    return _thread(candidate, "conversation.desk", candidate_id=candidate.id)


@bp.get("/messages")
@role_required(*EVERYONE)
def inbox():
    if current_user.role == "candidate":
        return redirect(url_for("conversation.mine"))
    lines, pager = conversations.inbox(current_user, page_arg(request.args))
    thread_endpoint = "conversation.desk" if current_user.role == "staff" else "conversation.mentee"
    return render_template(
        "conversation/inbox.html", lines=lines, pager=pager, thread_endpoint=thread_endpoint
    )


@bp.get("/messages/attachments/<int:attachment_id>")
@role_required(*EVERYONE)
def attachment(attachment_id: int):
    found, content = conversations.read_attachment(current_user, attachment_id)
    name = documents.display_name(found.original_name, found.content_type)
    return private_download(content, found.content_type, name)


# -- group messages ------------------------------------------------------------------------


def _group_choices() -> dict[str, list[tuple[str, str]]]:
    campaigns, _partners = board.campaign_and_partner_choices()
    countries = sorted(board.countries_in_use(), key=lambda code: country_name(code).lower())
    return {
        "phase": [("", _("All phases"))] + [(p, phase_label(p)) for p in PHASES],
        "country": [("", _("All countries"))] + [(c, country_name(c)) for c in countries],
        "campaign": [("", _("All campaigns"))] + [(str(i), name) for i, name in campaigns],
    }


def _group_from(values, choices) -> conversations.Group:
    """The group from the page's filter (GET) or the form (POST): an unknown value is left
    out, as if not given (as on the board)."""

    def known(name: str) -> str | None:
        value = values.get(name) or ""
        return value if value and value in {code for code, _label in choices[name]} else None

    campaign = known("campaign")
    return conversations.Group(
        phase=known("phase"),
        country=known("country"),
        campaign_id=int(campaign) if campaign else None,
    )


def _group_form(choices, **kwargs) -> GroupMessageForm:
    form = GroupMessageForm(**kwargs)
    for name, options in choices.items():
        getattr(form, name).choices = options
    return form


def _group_page(form: GroupMessageForm, group, choices, status: int = 200, refusal=None):
    count = conversations.group_count(group)
    form.phase.data = group.phase or ""
    form.country.data = group.country or ""
    form.campaign.data = str(group.campaign_id) if group.campaign_id else ""
    form.expected.data = count
    return render_template(
        "conversation/group.html",
        form=form,
        group=group,
        choices=choices,
        count=count,
        refusal=refusal,
        broadcasts=conversations.broadcasts(),
    ), status


@bp.route("/desk/messages/group", methods=["GET", "POST"])
@role_required("staff")
def group():
    choices = _group_choices()
    if request.method == "GET":
        for name in ("phase", "country", "campaign"):
            text_arg(request.args, name, 40)  # a control character is a 422, as on the board
        return _group_page(_group_form(choices, formdata=None),
                           _group_from(request.args, choices), choices)  # fmt: skip
    form = _group_form(choices)
    chosen = _group_from(request.form, choices)
    if not form.validate_on_submit():
        return _group_page(form, chosen, choices, 422)
    try:
        sent = conversations.send_to_group(current_user, chosen, form.body.data,
                                           form.expected.data)  # fmt: skip
    except Refused as error:
        return _group_page(form, chosen, choices, 422, refusal=error.message)
    flash(
        ngettext("Sent to %(num)s candidate.", "Sent to %(num)s candidates.", sent.recipients),
        "success",
    )
    return redirect(url_for("conversation.group", **chosen.as_query()))
