"""`GET /healthz`, `GET /readyz` and `GET /metrics`: no sign-in, no rate limit, nothing
personal. They answer JSON (or Prometheus text) for load balancers, process managers and
scrapers; what each check means is `services.health`'s docstring."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, jsonify, request

from onboarding import metrics
from onboarding.services import health
from onboarding.services.health import Check

bp = Blueprint("ops", __name__)

NO_STORE = {"Cache-Control": "no-store"}


def _answer(checks: dict[str, Check]) -> tuple[Response, int, dict]:
    ok = all(check.ok for check in checks.values())
    body = {
        "status": "ok" if ok else "fail",
        "checks": {name: check.body() for name, check in checks.items()},
    }
    return jsonify(body), 200 if ok else 503, NO_STORE


@bp.get("/healthz")
def healthz():
    """200 when the database answers and a worker ticked lately; 503 otherwise."""
    return _answer(health.health())


@bp.get("/readyz")
def readyz():
    """200 when the database answers and its schema is at this code's head revision."""
    return _answer(health.readiness())


@bp.get("/metrics")
def metrics_text():
    """Prometheus text, for a scraper that sends ONTHAAL_METRICS_TOKEN as a bearer token."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    offered = request.headers.get("Authorization", "")
    if not hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return Response(
            "A bearer token is needed.\n",
            401,
            {
                "WWW-Authenticate": 'Bearer realm="metrics"',
                "Content-Type": "text/plain",
                **NO_STORE,
            },
        )
    return Response(
        metrics.exposition(),
        200,
        {"Content-Type": "text/plain; version=0.0.4; charset=utf-8", **NO_STORE},
    )
