"""Absolute links for emails and feeds: always on the configured public address
(ONTHAAL_PUBLIC_URL), never on the Host header of the request that caused them — a forged
Host must not end up in an invitation link."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request, url_for


def public_url(endpoint: str, **values: Any) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/"
    if has_request_context() and request.host_url == base:
        return url_for(endpoint, _external=True, **values)  # e.g. a dispatcher's batch context
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)
