"""Secrets in URL paths never reach a log (review L7): the token filter on werkzeug's request
log (the development server) and on gunicorn's access log, with the production command
`gunicorn -c python:onboarding.gunicorn_conf wsgi:app` really run."""

from __future__ import annotations

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


def test_gunicorn_with_our_config_logs_no_tokens(app, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "gunicorn-test-secret",
        "ONTHAAL_BIND": f"127.0.0.1:{port}",
        "ONTHAAL_WORKERS": "1",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(free_port()),
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen(
            [gunicorn, "-c", "python:onboarding.gunicorn_conf", "wsgi:app"],
            cwd=ROOT, env=env, stdout=stdout, stderr=stderr,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            referer = urllib.request.Request(
                f"http://127.0.0.1:{port}/login",
                headers={"Referer": f"http://127.0.0.1:{port}/invitation/{SECRET}"},
            )
            urllib.request.urlopen(referer, timeout=10).close()
            statuses = [get(f"http://127.0.0.1:{port}{path}") for path in PATHS]
        finally:
            server.terminate()
            server.wait(timeout=20)
    access = out.read_text()
    assert all(status < 500 for status in statuses), (statuses, err.read_text()[-2000:])
    assert access.count('"GET ') >= len(PATHS) + 2, access  # the access log is on stdout
    assert SECRET not in access + err.read_text()
    assert f'"GET /invitation/{REDACTED} HTTP/1.1"' in access
    assert f"/invitation/{REDACTED}" in access.splitlines()[1]  # the Referer too
