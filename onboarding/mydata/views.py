"""A candidate's own data (GDPR Art. 15/20): the summary of what Onthaal holds about them,
who looked at their file, and the ZIP export; the desk's export for a postal request. The
download is for the person the export was made for (`for_user`) only: anyone else gets 404,
and an expired one a 410 page."""

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from onboarding.mydata.forms import ExportRequestForm, PostalExportForm
from onboarding.services import data_export, document_access
from onboarding.services.access import own_candidate, visible_candidate
from onboarding.services.data_export import ExportExpired
from onboarding.web import page_arg, role_required, validated, writes_on_get

bp = Blueprint("mydata", __name__)

ACCOUNT_EVENTS_SHOWN = 50


@bp.get("/me/data")
@role_required("candidate")
def index():
    candidate = own_candidate(current_user)
    held = data_export.held_about(
        candidate, account_event_limit=ACCOUNT_EVENTS_SHOWN, for_page=True
    )
    return render_template(
        "mydata/index.html",
        candidate=candidate,
        held=held,
        missing={row.id for row in data_export.missing_files(held.documents)},
        account_events_shown=ACCOUNT_EVENTS_SHOWN,
        access=document_access.log_page(
            candidate, page_arg(request.args), current_app.config["BOARD_PAGE_SIZE"]
        ),
        exports=data_export.exports_for(current_user, candidate),
        labels=data_export.labels(),
        form=ExportRequestForm(formdata=None),
    )


@bp.post("/me/data/exports")
@role_required("candidate")
def request_export():
    validated(ExportRequestForm(), _("The copy of your data could not be requested."))
    data_export.request_export(current_user, own_candidate(current_user))
    flash(_("We are preparing a copy of your data. We will email you when it is ready."),
          "success")  # fmt: skip
    return redirect(url_for("mydata.index") + "#export")


@bp.get("/me/data/exports/<int:export_id>")
@writes_on_get  # records when it was downloaded
@role_required("candidate", "mentor", "staff")
def download(export_id: int):
    try:
        export, path = data_export.for_download(current_user, export_id)
    except ExportExpired as error:
        return render_template("mydata/expired.html", message=error.message), 410
    # Streamed in chunks; the file is opened only once the body is read, and closed with it.
    response = Response(
        data_export.chunks(path),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{data_export.download_name(export)}"',
            "Content-Length": str(path.stat().st_size),
        },
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _desk_page(candidate, form: PostalExportForm, status: int = 200):
    page = render_template(
        "mydata/desk.html",
        candidate=candidate,
        form=form,
        exports=data_export.staff_exports(candidate),
        open_request=data_export.open_request(candidate),
    )
    return page, status


@bp.route("/desk/candidates/<int:candidate_id>/data", methods=["GET", "POST"])
@role_required("staff")
def desk(candidate_id: int):
    candidate = visible_candidate(current_user, candidate_id)
    if request.method == "GET":
        return _desk_page(candidate, PostalExportForm(formdata=None))
    form = PostalExportForm()
    if not form.validate_on_submit():
        return _desk_page(candidate, form, 422)
    data_export.request_export(current_user, candidate, form.note.data)
    flash(_("The copy of the data is being prepared. You will get an email when it is ready."),
          "success")  # fmt: skip
    return redirect(url_for("mydata.desk", candidate_id=candidate.id))
