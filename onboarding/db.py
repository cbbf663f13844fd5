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

SQLite has one writer at a time. A unit of work that means to write (a POST, a command, a
job) starts with `BEGIN IMMEDIATE`, so it waits its turn (busy timeout) at its first
statement instead of failing when it upgrades a read to a write; one that only reads (a GET)
starts with a deferred `BEGIN` and, in WAL mode, never blocks or waits for a writer. Slow
work (a password hash, writing a file) happens after `end_read()` has released the lock.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from flask import Flask, Response, current_app, request
from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import Executable, Select

from onboarding.extensions import db

T = TypeVar("T")

log = logging.getLogger(__name__)

# Whether the current unit of work means to write (see the module docstring).
_WRITES: ContextVar[bool] = ContextVar("onthaal_writes", default=True)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

BUSY_TIMEOUT_MS = 15_000

_AFTER_COMMIT = "onthaal.after_commit"
_AFTER_ROLLBACK = "onthaal.after_rollback"
_WROTE = "onthaal.wrote"  # set once the transaction has sent a write to the database


def init_app(app: Flask) -> None:
    with app.app_context():
        # The app's own engine, for side transactions: a connection of its own from the pool.
        app.extensions["onthaal_engine"] = db.engines[None]
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                configure_sqlite(engine)


def configure_sqlite(engine: Engine) -> None:
    private_database_file(engine.url.database)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # A writer waits its turn rather than fail: longer than the longest write transaction
        # (an import of SQLITE_IMPORT_MAX_ROWS rows), shorter than gunicorn's 30 s timeout.
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _WRITES.get() else "BEGIN")


def private_database_file(database: str | None) -> None:
    """Create the SQLite file readable by its owner only (SQLite gives its -wal and -shm
    files the same permissions), and tighten an existing one."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if file.exists():
            file.chmod(0o600)


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current unit of work has committed (never on a rollback)."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def remove_after_commit(path: Path) -> None:
    """Delete a stored file once the unit of work that removed its row has committed: a
    rollback keeps the file (no row ever points at a missing file); a crash in between
    leaves an orphan file, which the purge's sweep removes."""
    after_commit(lambda: path.unlink(missing_ok=True))


def end_read() -> None:
    """Before slow work (a password hash, a file write): end the transaction if it has only
    read so far; on SQLite that releases the write lock a POST takes at its first statement.
    Rows read stay usable (they are read again when next used). A unit of work that has
    already written keeps its transaction: what it wrote must commit together."""
    session = db.session
    if session.new or session.dirty or session.deleted or session.info.get(_WROTE):
        return
    session.rollback()


def _note_write(session: Session, *args: Any) -> None:
    session.info[_WROTE] = True


def _note_orm_write(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def _forget_writes(session: Session, *args: Any) -> None:
    session.info.pop(_WROTE, None)


event.listen(Session, "after_flush", _note_write)
event.listen(Session, "do_orm_execute", _note_orm_write)
event.listen(Session, "after_commit", _forget_writes)
event.listen(Session, "after_rollback", _forget_writes)  # the outermost one only


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
def transaction(*, writes: bool = True) -> Iterator[UnitOfWork]:
    """One unit of work: commit at the end (then run the `after_commit` callbacks), or roll
    back on any exception, which is raised again — a `StaleDataError` as the 409 Conflict.
    `writes=False` marks one that only reads (on SQLite: a deferred BEGIN)."""
    from onboarding.services.errors import Conflict, conflict_message

    unit = UnitOfWork()
    intent = _WRITES.set(writes)
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
    finally:
        _WRITES.reset(intent)
    for callback in db.session.info.pop(_AFTER_COMMIT, []):
        try:
            callback()
        except Exception:  # the data is stored: a failed side effect must not undo the answer
            log.exception("after-commit callback %r failed", callback)


class OnthaalFlask(Flask):
    """Flask with the request as the unit of work (see the module docstring)."""

    def full_dispatch_request(self) -> Response:
        # Set before the before_request hooks run: loading the signed-in user is often the
        # request's first statement, and it decides how SQLite begins the transaction.
        view = self.view_functions.get(request.endpoint or "")
        writes = request.method not in SAFE_METHODS or getattr(view, "writes_on_get", False)
        intent = _WRITES.set(writes)
        try:
            return super().full_dispatch_request()
        finally:
            _WRITES.reset(intent)

    def dispatch_request(self) -> Response:
        with transaction(writes=_WRITES.get()) as unit:
            response = self.make_response(super().dispatch_request())
            if response.status_code >= 400:
                unit.veto()  # an error page or a refused form: nothing the view did is kept
        return response


@contextmanager
def side_transaction() -> Iterator[Connection]:
    """A short transaction on a connection of its own, outside the current unit of work, for
    what others must see while that unit is still open: a job's progress and its lease.
    (Not for SQLite, where the open unit of work already holds the one write lock.)"""
    engine: Engine = current_app.extensions["onthaal_engine"]
    with engine.begin() as connection:
        yield connection


def count_of(statement: Select[Any]) -> int:
    """The number a `SELECT count(…)` answers (0 when it answers nothing)."""
    return db.session.scalar(statement) or 0


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


@dataclass(frozen=True)
class Pages:
    """Where a paged list is: what the `pagination` macro of templates/partials/layout.html
    reads, for lists paged by hand (an offset and a limit) rather than by `db.paginate`."""

    page: int
    pages: int
    total: int
    per_page: int = 50

    @classmethod
    def of(cls, total: int, page: int | None, per_page: int) -> Pages:
        """Page `page` of `total` rows (None, or beyond the last: the last one)."""
        pages = max(1, math.ceil(total / per_page))
        return cls(pages if page is None else min(max(page, 1), pages), pages, total, per_page)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@dataclass(frozen=True)
class PageOf(Generic[T]):
    """One page of a list paged by hand: its rows and where it is (`Pages`), read by the
    `pagination` macro as a `db.paginate` result would be."""

    items: list[T]
    where: Pages

    def __getattr__(self, name: str):
        return getattr(self.where, name)


def summed_counts(model: Any, *keys: str, where: tuple = ()) -> dict[tuple, int]:
    """The counts a table of +1/-1 rows holds (`BoardCount`, `OutboxCount`: a `delta` and
    the `keys` columns it counts by), summed per keys; keys whose sum is 0 left out."""
    columns = [getattr(model, key) for key in keys]
    total = func.sum(model.delta)
    query = select(*columns, total).where(*where).group_by(*columns).having(total > 0)
    return {tuple(row[:-1]): int(row[-1]) for row in db.session.execute(query)}


def fold_counts(model: Any, *keys: str) -> int:
    """Fold a table of +1/-1 rows (see `summed_counts`) into one row per keys, for the
    worker: the rows it deletes are exactly those it sums (DELETE … RETURNING), so a change
    committed meanwhile, or still open, keeps its rows. Returns how many it folded. Does
    not commit."""
    columns = [getattr(model, key) for key in keys]
    folded = db.session.execute(delete(model).returning(*columns, model.delta)).all()
    totals: dict[tuple, int] = {}
    for row in folded:
        totals[tuple(row[:-1])] = totals.get(tuple(row[:-1]), 0) + row[-1]
    rows = [{**dict(zip(keys, key, strict=True)), "delta": total}
            for key, total in sorted(totals.items()) if total]  # fmt: skip
    if rows:
        db.session.execute(insert(model), rows)
    return len(folded)


def include_object_for(dialect: str):
    """Alembic's `include_object` for `dialect`: leaves out an object the models create on
    another database only (`Index(...).ddl_if(dialect=...)`, e.g. PostgreSQL's trigram
    index), which autogenerate would otherwise report as missing there."""

    def include(obj, name, type_, reflected, compare_to) -> bool:
        condition = getattr(obj, "_ddl_if", None) or getattr(compare_to, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect)

    return include
