"""Security headers (review M3, L7) on HTML pages, CSV exports, the calendar feed, document
downloads and error pages (404, 429): the policy, framing, sniffing, the Referrer policy
(none on pages whose address holds a secret), HSTS behind HTTPS only, and no caching of
what a signed-in person sees or downloads."""

from __future__ import annotations

import io
import re

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from onboarding.security import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY
from tests.factories import make_candidate, make_user

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FEED = re.compile(r"https?://[^\"\s]+(/calendar/[A-Za-z0-9_-]+\.ics)")
EVERYWHERE = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.fixture
def people(data):
    with data():
        staff = make_user("staff")
        candidate = make_candidate(name="Ndapewa Shikongo", country="NA")
        return {"staff": staff.email, "candidate": candidate.user.email}


def common(response, policy: str = CONTENT_SECURITY_POLICY) -> None:
    for name, value in EVERYWHERE.items():
        assert response.headers[name] == value, name
    assert response.headers["Content-Security-Policy"] == policy
    assert "Strict-Transport-Security" not in response.headers  # not behind HTTPS here


def test_an_anonymous_page(client):
    response = client.get("/login")
    common(response)
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Cache-Control" not in response.headers  # nothing personal on it


def test_a_signed_in_persons_pages_are_not_stored(client, login, people):
    login(client, people["staff"])
    for path in ("/desk/", "/desk/reports", "/settings"):
        response = client.get(path)
        assert response.status_code == 200, path
        common(response)
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_csv_export(client, login, people):
    login(client, people["staff"])
    for path in ("/desk/export/candidates.csv", "/desk/export/partners.csv"):
        response = client.get(path)
        assert response.mimetype == "text/csv"
        common(response)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Disposition"].startswith("attachment")


def test_a_download_is_not_stored_even_anonymously(app):
    from flask import Response

    from onboarding.security import add_headers

    with app.test_request_context("/somewhere.csv"):
        attachment = Response("a,b\n", headers={"Content-Disposition": "attachment"})
        assert add_headers(attachment).headers["Cache-Control"] == "no-store"
        assert "Cache-Control" not in add_headers(Response("a page")).headers


def test_the_calendar_feed_keeps_its_caching_and_sends_no_referrer(client, login, people):
    login(client, people["candidate"])
    path = FEED.search(client.get("/settings").get_data(as_text=True)).group(1)
    feed = client.application.test_client().get(path)  # the calendar app has no session
    assert feed.mimetype == "text/calendar"
    common(feed)
    assert feed.headers["Cache-Control"] == "private, max-age=300"
    assert feed.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    "path", ["/invitation/not-a-real-token", "/reset/not-a-real-token", "/calendar/nope.ics",
             "/company/sign-in/abc"],
)  # fmt: skip
def test_pages_with_a_secret_in_their_address_send_no_referrer(client, path):
    response = client.get(path)
    common(response)
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_a_document_keeps_its_stricter_policy(client, login, people):
    login(client, people["candidate"])
    upload = FileStorage(io.BytesIO(PDF), filename="passport.pdf", content_type="application/pdf")
    boundary, body = encode_multipart({"kind": "passport", "file": upload})
    sent = client.post(
        "/me/documents", data=body, content_type=f'multipart/form-data; boundary="{boundary}"'
    )
    assert sent.status_code == 302
    page = client.get("/me/documents").get_data(as_text=True)
    path = re.search(r'href="(/documents/\d+)"', page).group(1)
    response = client.get(path)
    assert response.mimetype == "application/pdf"
    common(response, policy="default-src 'none'; sandbox")
    assert response.headers["Cache-Control"] == "private, no-store"


def test_the_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    common(response)


def test_the_429_page(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PARTNER_FORM_LIMIT", "1 per minute")
    client.post("/partners/apply", data={})
    response = client.post("/partners/apply", data={})
    assert response.status_code == 429
    common(response)
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_static_files_stay_cacheable(client, login, people):
    login(client, people["staff"])
    with client.get("/static/onthaal.css") as response:
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", "")


def test_hsts_only_behind_https(client, app, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
