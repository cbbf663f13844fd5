"""Claiming rows with a lease: the one mechanism under the reminder dispatcher and the job
worker. A claim is one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id`
(PostgreSQL skips rows another worker is claiming; SQLite serialises writers), so any
number of workers on any number of hosts can run. A worker that crashes leaves its rows
with a lease that runs out; then they are claimed again. Nothing here commits.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from onboarding.db import rows_changed
from onboarding.extensions import db


def worker_name() -> str:
    """host:pid and a random tail: each run (a dispatch, a worker) holds its rows under a
    name of its own, even two runs in one process."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


def claim(
    model: Any,
    due: ColumnElement[bool],
    *,
    order_by: Sequence[InstrumentedAttribute[Any]],
    worker: str,
    until: datetime,
    limit: int,
    **values: Any,
) -> list[int]:
    """Take up to `limit` rows matching `due` for `worker` until `until`; returns their ids."""
    chosen = select(model.id).where(due).order_by(*order_by).limit(limit)
    if db.engine.dialect.name == "postgresql":
        # Rows another worker is claiming right now are skipped, not waited for.
        chosen = chosen.with_for_update(skip_locked=True)
    claimed = db.session.execute(
        update(model)
        .where(model.id.in_(chosen.scalar_subquery()))
        .values(claimed_by=worker, claimed_until=until, **values)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    ).scalars()
    return sorted(claimed)


def held(model: Any, worker: str, now: datetime) -> ColumnElement[bool]:
    """Rows `worker` still holds: its name on them and the lease not run out."""
    return and_(model.claimed_by == worker, model.claimed_until >= now)


def renew(model: Any, row_id: int, worker: str, now: datetime, until: datetime) -> bool:
    """Extend the lease of a row `worker` still holds; False when it was lost."""
    return (
        rows_changed(
            update(model)
            .where(model.id == row_id, held(model, worker, now))
            .values(claimed_until=until)
            .execution_options(synchronize_session=False)
        )
        == 1
    )
