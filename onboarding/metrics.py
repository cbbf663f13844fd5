"""Prometheus metrics (prometheus_client), served by `GET /metrics` (onboarding/ops).

Two kinds of figure:
- counted in the process as things happen: requests and their latency per route template,
  refused sign-ins, throttled answers, deliveries. Under gunicorn each web worker counts its
  own; `onboarding.gunicorn_conf` points PROMETHEUS_MULTIPROC_DIR at a folder they share, so
  a scrape of any worker adds up all of them. The worker process (`flask worker`) counts its
  deliveries in its own memory and serves them on ONTHAAL_WORKER_METRICS_PORT when set.
- read from the database at each scrape, and so the same whichever process answers: the
  outbox by kind and status, the age of the oldest due message, jobs by state, candidates
  per phase, and how long ago a worker last ticked (`services.health`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from flask import Flask, Response, request
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from onboarding.logs import elapsed, route

disable_created_metrics()  # the `_created` series double the output and say little here

REQUESTS = Counter(
    "onthaal_http_requests",
    "HTTP requests answered, per route template, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "onthaal_http_request_duration_seconds",
    "Time to answer a request, per route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
ACCOUNT_REFUSALS = Counter(
    "onthaal_account_refusals",
    "Refused sign-ins: wrong password or code, or a throttled account.",
    ["kind"],
)
THROTTLED = Counter(
    "onthaal_throttled",
    "Requests answered 429 (too many attempts), per route template.",
    ["route"],
)
DELIVERIES = Counter(
    "onthaal_deliveries",
    "Outbox messages handed to the mail server (sent) or refused by it, in this process.",
    ["outcome"],
)


def _observe(response: Response) -> Response:
    seconds = elapsed()
    if seconds is not None:
        LATENCY.labels(route(), request.method).observe(seconds)
    REQUESTS.labels(route(), request.method, str(response.status_code)).inc()
    return response


class DatabaseCollector:
    """The figures read from the database at each scrape (`services.health.figures`)."""

    def collect(self) -> Iterator[Metric]:
        from onboarding.services import health

        figures = health.figures()
        outbox = GaugeMetricFamily(
            "onthaal_outbox_messages",
            "Reminders, notifications and digests in the outbox, by kind and status.",
            labels=["kind", "status"],
        )
        for (kind, status), count in figures.outbox.items():
            outbox.add_metric([kind, status], count)
        yield outbox
        yield GaugeMetricFamily(
            "onthaal_outbox_oldest_due_age_seconds",
            "How long the oldest message that is due and not yet sent has waited (0: none).",
            value=figures.oldest_due_age,
        )
        jobs = GaugeMetricFamily(
            "onthaal_jobs", "Background jobs (imports, exports) by state.", labels=["state"]
        )
        for state, count in figures.jobs.items():
            jobs.add_metric([state], count)
        yield jobs
        candidates = GaugeMetricFamily(
            "onthaal_candidates", "Candidates (not erased) per phase.", labels=["phase"]
        )
        for phase, count in figures.candidates.items():
            candidates.add_metric([phase], count)
        yield candidates
        if figures.worker_tick_age is not None:
            yield GaugeMetricFamily(
                "onthaal_worker_last_tick_age_seconds",
                "Seconds since a worker process last ticked.",
                value=figures.worker_tick_age,
            )


def exposition() -> bytes:
    """The text a scrape gets: this process's counters (or, under gunicorn, every web
    worker's) and the database's figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    read = CollectorRegistry()
    read.register(DatabaseCollector())
    return generate_latest(counted) + generate_latest(read)


def init_app(app: Flask) -> None:
    app.after_request(_observe)
