"""gunicorn settings for production: `gunicorn -c python:onboarding.gunicorn_conf wsgi:app`.

The app writes one JSON line per request itself (onboarding.logs: the route's template, not
the path with its tokens), so gunicorn's own access log is off; its error log is JSON on
stderr too and passes through `security.TokenFilter`. The web workers share a folder for
their Prometheus counts (PROMETHEUS_MULTIPROC_DIR, emptied at start), so that /metrics adds
up every worker. Settings from the environment: `ONTHAAL_BIND` (default `0.0.0.0:8000`, or
`0.0.0.0:$PORT`), `ONTHAAL_WORKERS` (2) and `ONTHAAL_WORKER_TIMEOUT` (30 s). Web workers
never run background work (that is `flask --app wsgi worker`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gunicorn.glogging import Logger

from onboarding.logs import formatter
from onboarding.security import TOKEN_FILTER


class RedactingLogger(Logger):
    """gunicorn's logger writing JSON lines, with the token filter on them."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            log.addFilter(TOKEN_FILTER)
            for handler in log.handlers:
                handler.setFormatter(formatter())


def on_starting(server) -> None:
    """Before the workers start: an empty folder for their Prometheus counts."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        for stale in path.glob("*.db"):  # a previous run's counts
            stale.unlink()
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="onthaal-metrics-")


def child_exit(server, worker) -> None:
    """A worker ended: its live figures go, its counts stay in the sum."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


bind = [os.environ.get("ONTHAAL_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"]
workers = int(os.environ.get("ONTHAAL_WORKERS", "2"))
timeout = int(os.environ.get("ONTHAAL_WORKER_TIMEOUT", "30"))
accesslog = None
errorlog = "-"
logger_class = RedactingLogger
