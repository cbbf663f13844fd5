"""Importing prospects from a partner's CSV file: preview first, then all or nothing.

One module per stage:

0. `columns`: the columns, their labels and accepted values (the page, the template file);
1. `reading`: the file's size, encoding, delimiter, header and rows (an unreadable file is
   refused without a job);
2. `rows`: every row checked by the registration rules, against the file and the database;
3. `jobs`: the previewed job row (ready rows and bad rows), claimed once;
4. `running`: the rows registered in one savepoint, invitations emailed after the commit;
5. `presentation`: problems, progress and outcome in the reader's language.
"""

from onboarding.services.imports.columns import template_csv
from onboarding.services.imports.jobs import (
    can_run_again,
    claim,
    get_job,
    job_for,
    preview,
    recent_jobs,
)
from onboarding.services.imports.presentation import (
    failure_text,
    preview_rows,
    problem_text,
    progress_of,
    row_errors,
)
from onboarding.services.imports.reading import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    max_bytes,
    max_rows,
)
from onboarding.services.imports.running import ProgressWriter, run_import, run_job, start

__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ProgressWriter",
    "can_run_again",
    "claim",
    "failure_text",
    "get_job",
    "job_for",
    "max_bytes",
    "max_rows",
    "preview",
    "preview_rows",
    "problem_text",
    "progress_of",
    "recent_jobs",
    "row_errors",
    "run_import",
    "run_job",
    "start",
    "template_csv",
]
