"""gunicorn settings for production: `gunicorn -c python:onboarding.gunicorn_conf wsgi:app`.

The access log goes to stdout and the error log to stderr (the process manager keeps them);
both pass through `security.TokenFilter`, so invitation, reset, calendar-feed and sign-in
secrets in request lines and Referers never reach a log file. Settings from the environment:
`ONTHAAL_BIND` (default `0.0.0.0:8000`, or `0.0.0.0:$PORT`), `ONTHAAL_WORKERS` (2) and
`ONTHAAL_WORKER_TIMEOUT` (30 s). Web workers never run background work (that is
`flask --app wsgi worker`).
"""

from __future__ import annotations

import os

from gunicorn.glogging import Logger

from onboarding.security import TOKEN_FILTER


class RedactingLogger(Logger):
    """gunicorn's logger with the token filter on its access and error logs."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        self.access_log.addFilter(TOKEN_FILTER)
        self.error_log.addFilter(TOKEN_FILTER)


bind = [os.environ.get("ONTHAAL_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"]
workers = int(os.environ.get("ONTHAAL_WORKERS", "2"))
timeout = int(os.environ.get("ONTHAAL_WORKER_TIMEOUT", "30"))
accesslog = "-"
errorlog = "-"
logger_class = RedactingLogger
