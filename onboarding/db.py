"""Database wiring: the unit of work (one commit per request, command or job) and SQLite.

**The request is the transaction.** Services only `add`/`flush` and raise domain errors;
they never commit. One place ends each unit of work:

- a web request: `OnthaalFlask.dispatch_request` commits when the view returns a response
  below 400 and rolls back on an exception or an error response (like pyramid_tm's commit
  veto, which pypi/warehouse uses);
- a CLI command, a scheduler tick or a background job: `with transaction():`.

Both map SQLAlchemy's `StaleDataError` (a versioned row changed by someone else in the
meantime) to the translated 409 `Conflict` once, here. Side effects that must only happen
once the data is safely stored (an invitation email) are registered with `after_commit`
and run after the commit; a rollback discards them (and runs `after_rollback` callbacks,
which undo what a transaction cannot, such as a file written for an upload).

pysqlite by default defers BEGIN and ignores SAVEPOINT semantics; the recipe from the
SQLAlchemy SQLite dialect docs hands transaction control back to SQLAlchemy so that
rollbacks, savepoints and the test suite's per-test rollback behave as on PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from flask import Flask, Response
from sqlalchemy import event
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import Executable

from onboarding.extensions import db

log = logging.getLogger(__name__)

_AFTER_COMMIT = "onthaal.after_commit"
_AFTER_ROLLBACK = "onthaal.after_rollback"


def init_app(app: Flask) -> None:
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                configure_sqlite(engine)


def configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current unit of work has committed (never on a rollback)."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def after_rollback(callback: Callable[[], None]) -> None:
    """Run `callback` if the current unit of work rolls back (e.g. remove a file written
    for a row that will not exist)."""
    db.session.info.setdefault(_AFTER_ROLLBACK, []).append(callback)


def rollback() -> None:
    db.session.info.pop(_AFTER_COMMIT, None)
    callbacks = db.session.info.pop(_AFTER_ROLLBACK, [])
    db.session.rollback()
    for callback in callbacks:
        callback()


class UnitOfWork:
    """Handed out by `transaction()`; `veto()` makes it roll back instead of commit."""

    def __init__(self) -> None:
        self.vetoed = False

    def veto(self) -> None:
        self.vetoed = True


@contextmanager
def transaction() -> Iterator[UnitOfWork]:
    """One unit of work: commit at the end (then run the `after_commit` callbacks), or roll
    back on any exception, which is raised again — a `StaleDataError` as the 409 Conflict."""
    from onboarding.services.errors import Conflict, conflict_message

    unit = UnitOfWork()
    try:
        yield unit
        if unit.vetoed:
            rollback()
            return
        db.session.commit()
        db.session.info.pop(_AFTER_ROLLBACK, None)
    except StaleDataError as error:
        rollback()
        raise Conflict(conflict_message()) from error
    except BaseException:
        rollback()
        raise
    for callback in db.session.info.pop(_AFTER_COMMIT, []):
        try:
            callback()
        except Exception:  # the data is stored: a failed side effect must not undo the answer
            log.exception("after-commit callback %r failed", callback)


class OnthaalFlask(Flask):
    """Flask with the request as the unit of work (see the module docstring)."""

    def dispatch_request(self) -> Response:
        with transaction() as unit:
            response = self.make_response(super().dispatch_request())
            if response.status_code >= 400:
                unit.veto()  # an error page or a refused form: nothing the view did is kept
        return response


def rows_changed(statement: Executable) -> int:
    """Run an UPDATE or DELETE in the unit of work and say how many rows it changed (a
    conditional UPDATE that changed none lost a race)."""
    result = cast("CursorResult[Any]", db.session.execute(statement))
    return result.rowcount


def flush_unique(message: str) -> None:
    """Flush now; a unique key taken meanwhile (e.g. by a concurrent request) is refused
    with `message` instead of a 500. The unit of work then rolls back."""
    from onboarding.services.errors import Refused

    try:
        db.session.flush()
    except IntegrityError as error:
        raise Refused(message) from error
