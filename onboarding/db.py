"""Database wiring that Flask-SQLAlchemy leaves to us: SQLite behaviour and pragmas.

pysqlite by default defers BEGIN and ignores SAVEPOINT semantics; the recipe from the
SQLAlchemy SQLite dialect docs hands transaction control back to SQLAlchemy so that
rollbacks, savepoints and the test suite's per-test rollback behave as on PostgreSQL.
"""

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from onboarding.extensions import db


def init_app(app: Flask) -> None:
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                configure_sqlite(engine)


def configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
