"""Secrets in URL paths never reach a log (review L7): the token filter on werkzeug's request
log (the development server), and the production command
`gunicorn -c python:onboarding.gunicorn_conf wsgi:app` really run: the app's JSON request
lines name route templates, gunicorn's access log is off."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from onboarding import ROOT
from onboarding.security import REDACTED, TokenFilter, holds_token, redact
from tests.conftest import free_port

SECRET = "s3cr3t-T0ken_value"
PATHS = [
    f"/invitation/{SECRET}",
    f"/reset/{SECRET}",
    f"/calendar/{SECRET}.ics",
    f"/company/sign-in/{SECRET}",
]


@pytest.mark.parametrize(
    ("line", "redacted"),
    [
        (f'"GET /invitation/{SECRET} HTTP/1.1" 200', f'"GET /invitation/{REDACTED} HTTP/1.1" 200'),
        (f"POST /reset/{SECRET}?next=/me/", f"POST /reset/{REDACTED}?next=/me/"),
        (f"GET /calendar/{SECRET}.ics", f"GET /calendar/{REDACTED}.ics"),
        (f"GET /company/sign-in/{SECRET}", f"GET /company/sign-in/{REDACTED}"),
        (f'"https://onthaal.example/invitation/{SECRET}" "Mozilla"',
         f'"https://onthaal.example/invitation/{REDACTED}" "Mozilla"'),
        ("GET /desk/candidates/12 HTTP/1.1", "GET /desk/candidates/12 HTTP/1.1"),
        ("GET /calendar HTTP/1.1", "GET /calendar HTTP/1.1"),
    ],
)  # fmt: skip
def test_redact(line, redacted):
    assert redact(line) == redacted
    assert holds_token(line) == (line != redacted)


def test_the_filter_renders_the_record_once_and_keeps_it():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, '%s "%s" %s', ("127.0.0.1", PATHS[0], 200), None
    )
    assert TokenFilter().filter(record) is True
    assert record.getMessage() == f'127.0.0.1 "/invitation/{REDACTED}" 200'
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "%(a)s", ({"a": "/me/"},), None)
    assert TokenFilter().filter(plain) and plain.getMessage() == "/me/"


class Keep(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def test_werkzeug_request_log_has_no_tokens(app):
    keep = Keep()
    logger = logging.getLogger("werkzeug")
    logger.addHandler(keep)
    level = logger.level
    logger.setLevel(logging.INFO)
    port = free_port()
    server = make_server("127.0.0.1", port, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        statuses = [get(f"http://127.0.0.1:{port}{path}") for path in PATHS]
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        logger.removeHandler(keep)
        logger.setLevel(level)
    assert all(status < 500 for status in statuses), statuses
    requests = [line for line in keep.lines if "GET /" in line]  # coloured on a terminal
    assert len(requests) == len(PATHS), keep.lines
    assert not any(SECRET in line for line in keep.lines), keep.lines
    assert any(f"/calendar/{REDACTED}.ics" in line for line in requests)


def test_gunicorn_with_our_config_logs_json_lines_without_tokens(app, tmp_path):
    """The production command: one JSON line per request on stderr, from the app (the route
    template, never the path), and gunicorn's own lines as JSON too; no secret anywhere.
    Two web workers share their Prometheus counts: every scrape counts every request."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "gunicorn-test-secret",
        "ONTHAAL_BIND": f"127.0.0.1:{port}",
        "ONTHAAL_WORKERS": "2",
        "ONTHAAL_METRICS_TOKEN": "metrics-test-token",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(free_port()),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    base = f"http://127.0.0.1:{port}"
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen(
            [gunicorn, "-c", "python:onboarding.gunicorn_conf", "wsgi:app"],
            cwd=ROOT, env=env, stdout=stdout, stderr=stderr,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"{base}/login", timeout=2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            referer = urllib.request.Request(
                f"{base}/login", headers={"Referer": f"{base}/invitation/{SECRET}"}
            )
            with urllib.request.urlopen(referer, timeout=10) as response:
                answered_id = response.headers["X-Request-ID"]
            statuses = [get(f"{base}{path}") for path in PATHS]
            scrape = urllib.request.Request(
                f"{base}/metrics", headers={"Authorization": "Bearer metrics-test-token"}
            )
            totals = []
            for _ in range(6):  # answered by either worker
                with urllib.request.urlopen(scrape, timeout=10) as response:
                    totals.append(_requests_total(response.read().decode()))
        finally:
            server.terminate()
            server.wait(timeout=20)
    logged = err.read_text()
    assert all(status < 500 for status in statuses), (statuses, logged[-2000:])
    assert out.read_text() == ""  # no access log of raw paths
    lines = [json.loads(line) for line in logged.splitlines() if line.strip()]
    requests = [line for line in lines if line.get("logger") == "onboarding.requests"]
    assert len(requests) >= len(PATHS) + 2 + 6, requests
    assert {line["route"] for line in requests} >= {
        "/login",
        "/invitation/<token>",
        "/reset/<token>",
        "/company/sign-in/<token>",
    }
    first = next(line for line in requests if line["request_id"] == answered_id)
    assert first["method"] == "GET" and first["status"] == 200 and first["user"] == "anonymous"
    assert isinstance(first["duration_ms"], float) and first["time"].endswith("+00:00")
    assert any(line.get("logger", "").startswith("gunicorn") for line in lines)
    assert SECRET not in logged
    # Each scrape counts the requests before it, whichever worker answered it.
    assert totals == sorted(totals) and totals[0] >= len(PATHS) + 2, totals
    assert totals[-1] - totals[0] == len(totals) - 1, totals


def _requests_total(exposition: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        if family.name == "onthaal_http_requests"
        for sample in family.samples
        if sample.name == "onthaal_http_requests_total"
    )
