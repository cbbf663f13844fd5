"""Stage 5: showing a job — its rows, problems, progress and outcome in the reader's language."""

from __future__ import annotations

import json
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from onboarding.models import ImportJob
from onboarding.services.imports.rows import ROW_MESSAGES, allowed_text


def problem_text(problem: dict) -> str:
    params = {key: value for key, value in problem.items() if key != "code"}
    if problem["code"] == "choice_invalid":
        params["allowed"] = allowed_text(problem)
    return str(ROW_MESSAGES[problem["code"]]) % params


def row_errors(job: ImportJob) -> list[tuple[int, list[str]]]:
    """Each bad row's number and its problems, in the reader's language."""
    return [
        (entry["row"], [problem_text(problem) for problem in entry["problems"]])
        for entry in job.errors or []
    ]


def preview_rows(job: ImportJob, limit: int) -> list[dict]:
    """The first rows ready to import, with their dates as dates (for the page's Babel
    formatting)."""
    return [
        {**row, "graduation_date": date.fromisoformat(row["graduation_date"])}
        for row in (job.rows or [])[:limit]
    ]


def progress_of(job: ImportJob) -> int:
    return job.total_rows if job.status == "done" else job.processed_rows


def failure_text(job: ImportJob) -> str | None:
    """Why the job failed (or what went wrong after it), in the reader's language."""
    if not job.failure:
        return None
    try:
        failure = json.loads(job.failure)
    except ValueError:
        return job.failure
    code = failure.get("code")
    if code == "row_refused":
        return _(
            "Row %(row)s could not be imported: %(reason)s",
            row=failure.get("row"),
            reason=failure.get("reason", ""),
        )
    if code == "invitations_not_sent":
        return ngettext(
            "%(num)s invitation email could not be sent. "
            "Send it from the candidate's page with “Send invitation again”.",
            "%(num)s invitation emails could not be sent. "
            "Send them from each candidate's page with “Send invitation again”.",
            failure.get("count", 0),
        )
    if code == "crashed":
        return _(
            "The import stopped before it finished, so nothing was imported. You can run it again."
        )
    return _("An unexpected error stopped the import.")
