"""Operating Onthaal (issue 16): the health and readiness checks, Prometheus metrics, the
JSON request log and its request id, and ProxyFix trusting exactly one proxy hop."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import request
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from onboarding import create_app
from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import utcnow
from onboarding.scheduler import tick
from onboarding.services import health, reminders
from tests.conftest import PASSWORD, free_port, migrate_fresh, test_config
from tests.factories import make_due_reminders, make_user

TOKEN = "metrics-token-for-tests"


def beat(app, seconds_ago: float) -> None:
    with app.app_context():
        with transaction():
            health.beat(utcnow() - timedelta(seconds=seconds_ago))
        db.session.remove()


def checks(response) -> dict:
    return response.get_json()["checks"]


def test_healthz_is_ok_when_the_database_answers_and_a_worker_ticked(fresh_app):
    beat(fresh_app, 30)
    response = fresh_app.test_client().get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok"}
    worker = body["checks"]["worker"]
    assert worker["status"] == "ok" and worker["limit_seconds"] == 120
    assert 29 <= worker["age_seconds"] <= 60
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # no session for a load balancer
    assert set(worker) == {"status", "last_tick", "age_seconds", "limit_seconds"}


def test_healthz_is_503_when_the_worker_stopped_ticking(fresh_app):
    beat(fresh_app, 3 * 60)  # three intervals ago: more than twice the interval
    response = fresh_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "fail"
    assert checks(response)["worker"]["status"] == "stale"
    assert checks(response)["database"]["status"] == "ok"


def test_healthz_is_503_before_any_worker_ticked_and_200_after_a_scheduler_tick(fresh_app):
    client = fresh_app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert checks(response)["worker"]["status"] == "never"
    tick(fresh_app)  # what the worker's scheduler runs every SCHEDULER_INTERVAL_SECONDS
    response = client.get("/healthz")
    assert response.status_code == 200, response.get_json()
    assert checks(response)["worker"]["age_seconds"] <= 5


def test_the_worker_beats_at_start_then_every_interval(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    from onboarding.scheduler import _add_job

    scheduler = BackgroundScheduler(timezone="UTC")
    _add_job(scheduler, app)
    job = scheduler.get_job("dispatch-reminders")
    assert job.func is tick and job.max_instances == 1
    assert job.trigger.interval == timedelta(seconds=app.config["SCHEDULER_INTERVAL_SECONDS"])
    assert job.next_run_time is not None and job.next_run_time <= utcnow()


def test_healthz_needs_no_sign_in_and_is_not_throttled(fresh_app):
    beat(fresh_app, 0)
    client = fresh_app.test_client()
    assert {client.get("/healthz").status_code for _ in range(40)} == {200}


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:{port}/nothing_listens",
        "sqlite:///{tmp}/damaged.sqlite3",
    ],
)
def test_healthz_and_readyz_are_503_when_the_database_is_down(tmp_path, smtp_server, url):
    (tmp_path / "damaged.sqlite3").write_bytes(b"not a database, a disk that failed" * 200)
    config = test_config(url.format(port=free_port(), tmp=tmp_path), smtp_server.port)
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    client = app.test_client()
    for path, other in (("/healthz", "worker"), ("/readyz", "schema")):
        response = client.get(path)
        assert response.status_code == 503, path
        assert checks(response)["database"]["status"] == "down"
        assert checks(response)[other]["status"] == "unknown"
        assert response.headers["X-Request-ID"]


def test_readyz_is_200_at_the_head_revision_and_503_behind_it(fresh_app):
    client = fresh_app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 200
    schema = checks(response)["schema"]
    assert schema["status"] == "ok" and schema["revision"] == schema["head"]
    with fresh_app.app_context():
        with db.engine.begin() as connection:
            connection.execute(
                text("UPDATE alembic_version SET version_num = '0021_people_privacy_indexes'")
            )
        db.session.remove()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert checks(response)["schema"] == {
        "status": "behind",
        "revision": "0021_people_privacy_indexes",
        "head": schema["head"],
    }


def scrape(client) -> dict[str, float]:
    """{"name{label=value,…}": value} of every sample, parsed by prometheus_client itself."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def test_metrics_are_off_without_a_token_and_refuse_a_wrong_one(app, client):
    assert client.get("/metrics").status_code == 404  # METRICS_TOKEN unset: no such page
    app.config["METRICS_TOKEN"] = TOKEN
    try:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer guessed"})
        assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
        assert scrape(client)
    finally:
        app.config["METRICS_TOKEN"] = None


def test_metrics_move_when_a_reminder_is_sent(fresh_app, outbox):
    fresh_app.config["METRICS_TOKEN"] = TOKEN
    with fresh_app.app_context():
        with transaction():
            make_due_reminders(1, utcnow() - timedelta(minutes=5), staff=1)
        db.session.remove()
    beat(fresh_app, 10)
    client = fresh_app.test_client()
    before = scrape(client)
    pending = "onthaal_outbox_messages{kind=reminder,status=pending}"
    sent = "onthaal_outbox_messages{kind=reminder,status=sent}"
    deliveries = "onthaal_deliveries_total{outcome=sent}"
    assert before[pending] == 1 and before[sent] == 0
    assert before["onthaal_outbox_oldest_due_age_seconds{}"] >= 5 * 60
    assert 10 <= before["onthaal_worker_last_tick_age_seconds{}"] < 60
    assert before["onthaal_jobs{state=queued}"] == 0
    with fresh_app.app_context():
        assert reminders.dispatch().sent == 1
        db.session.remove()
    after = scrape(client)
    assert after[pending] == 0 and after[sent] == 1
    assert after[deliveries] == before.get(deliveries, 0) + 1
    assert after["onthaal_outbox_oldest_due_age_seconds{}"] == 0
    assert len(outbox.messages) == 1
    assert after["onthaal_candidates{phase=language_immersion}"] == 1  # the factory's one
    requests = "onthaal_http_requests_total{method=GET,route=/metrics,status=200}"
    assert after[requests] == before.get(requests, 0) + 1


def test_the_worker_logs_each_delivery_as_one_json_line(fresh_app, outbox, json_log):
    with fresh_app.app_context():
        with transaction():
            [reminder_id] = make_due_reminders(1, utcnow(), staff=1)
        assert reminders.dispatch().sent == 1
        db.session.remove()
    [line] = [line for line in json_log() if line["message"] == "delivery"]
    assert line["outbox_id"] == reminder_id and line["outcome"] == "sent"
    assert line["logger"] == "onboarding.services.reminders.delivery" and line["worker"]
    [message] = outbox.messages
    assert message["To"].addresses[0].addr_spec not in json.dumps(json_log())


def test_metrics_count_refused_sign_ins_throttles_and_request_latency(fresh_app):
    fresh_app.config["METRICS_TOKEN"] = TOKEN
    fresh_app.config["LOGIN_LIMIT_ACCOUNT"] = "2 per 15 minutes"
    with fresh_app.app_context():
        with transaction():
            make_user("staff", email="desk@metrics.example")
        db.session.remove()
    client = fresh_app.test_client()
    before = scrape(client)
    attempts = [
        client.post("/login", data={"email": "desk@metrics.example", "password": "wrong"})
        for _ in range(3)
    ]
    assert [r.status_code for r in attempts] == [422, 422, 429]
    after = scrape(client)

    def grew(name: str) -> float:
        return after.get(name, 0) - before.get(name, 0)

    assert grew("onthaal_account_refusals_total{kind=login_failed}") == 2
    assert grew("onthaal_throttled_total{route=/login}") == 1
    assert grew("onthaal_http_request_duration_seconds_count{method=POST,route=/login}") == 3
    assert grew("onthaal_http_requests_total{method=POST,route=/login,status=429}") == 1


def test_each_request_is_one_json_line_with_its_route_template_and_id(
    client, login, data, json_log
):
    with data():
        user_id = make_user("staff", email="desk@log.example").id
    secret = "n0t-for-any-log-1234567890"
    response = client.get(f"/reset/{secret}")
    login(client, "desk@log.example")
    signed_in = client.get("/desk/")
    lines = [line for line in json_log() if line["logger"] == "onboarding.requests"]
    reset = next(line for line in lines if line["request_id"] == response.headers["X-Request-ID"])
    assert reset["route"] == "/reset/<token>" and reset["method"] == "GET"
    assert reset["status"] == response.status_code and reset["user"] == "anonymous"
    assert reset["duration_ms"] >= 0 and reset["time"].endswith("+00:00")
    desk = next(line for line in lines if line["request_id"] == signed_in.headers["X-Request-ID"])
    assert desk["user"] == str(user_id) and desk["route"] == "/desk/"
    assert PASSWORD not in json.dumps(lines) and secret not in json.dumps(lines)
    assert "desk@log.example" not in json.dumps(lines)


def test_each_request_gets_an_id_of_its_own_and_a_proxy_s_only_when_trusted(tmp_path, smtp_server):
    def app_with(proxies: int):
        config = test_config(f"sqlite:///{tmp_path / f'p{proxies}.sqlite3'}", smtp_server.port)
        config["TRUSTED_PROXIES"] = proxies
        app = create_app(config, instance_path=str(tmp_path / f"instance{proxies}"))
        migrate_fresh(app)
        return app

    direct, proxied = app_with(0).test_client(), app_with(1).test_client()
    first, second = direct.get("/login"), direct.get("/login")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    offered = {"X-Request-ID": "lb-7f3a9c21"}
    assert direct.get("/login", headers=offered).headers["X-Request-ID"] != "lb-7f3a9c21"
    assert proxied.get("/login", headers=offered).headers["X-Request-ID"] == "lb-7f3a9c21"
    forged = {"X-Request-ID": 'x" injected="1'}
    assert proxied.get("/login", headers=forged).headers["X-Request-ID"] != forged["X-Request-ID"]


def test_proxyfix_honours_exactly_one_proxy_hop(tmp_path, smtp_server):
    def seen(proxies: int, headers: dict) -> str:
        config = test_config(f"sqlite:///{tmp_path / 'x.sqlite3'}", smtp_server.port)
        config["TRUSTED_PROXIES"] = proxies
        app = create_app(config, instance_path=str(tmp_path / f"i{proxies}"))
        app.add_url_rule(
            "/_seen", "seen", lambda: f"{request.remote_addr} {request.scheme} {request.host}"
        )
        return app.test_client().get("/_seen", headers=headers).get_data(as_text=True)

    forwarded = {
        # A client's forged entry first, then the address the one proxy saw.
        "X-Forwarded-For": "203.0.113.66, 198.51.100.7",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "onthaal.example",
    }
    assert seen(1, forwarded) == "198.51.100.7 https onthaal.example"
    assert seen(0, forwarded) == "127.0.0.1 http localhost"  # no proxy: headers ignored
