"""The schema comes from Alembic migrations, and they match the models exactly."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from onboarding.db import include_object_for
from onboarding.extensions import db


# Alembic says, on SQLite, that it cannot compare an index on an expression: the people
# list's index (`ix_users_name_order`) exists on PostgreSQL only, where it is compared.
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index 'ix_users_name_order'"
)
def test_migrations_match_models(app, rollback):
    opts = {"compare_type": True, "include_object": include_object_for(rollback.dialect.name)}
    context = MigrationContext.configure(rollback, opts=opts)
    differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_schema_has_constraints_that_back_the_rules(app, rollback):
    inspector = inspect(rollback)
    checks = {c["name"] for c in inspector.get_check_constraints("candidates")}
    assert {"ck_candidates_phase_allowed", "ck_candidates_channel_allowed"} <= checks
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("users")}
    assert ("email",) in uniques
    foreign = {(f["referred_table"], tuple(f["constrained_columns"]))
               for f in inspector.get_foreign_keys("candidates")}  # fmt: skip
    assert {("users", ("user_id",)), ("users", ("mentor_id",))} <= foreign
    assert "alembic_version" in inspector.get_table_names()


def test_database_refuses_an_unknown_phase(app, rollback):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from tests.factories import make_candidate

    with app.app_context():
        candidate = make_candidate()
        with pytest.raises(IntegrityError):
            db.session.execute(
                text("UPDATE candidates SET phase = 'bogus' WHERE id = :id"), {"id": candidate.id}
            )
            db.session.flush()
        db.session.rollback()
        db.session.remove()


SEED_0001 = [
    "INSERT INTO users (id, email, name, role, locale, active, created_at) VALUES "
    "(1, 'desk@example.org', 'Desk', 'staff', 'en', true, '2026-01-01 10:00:00'), "
    "(2, 'c@example.org', 'Cand', 'candidate', 'af', true, '2026-01-01 10:00:00')",
    "INSERT INTO companies (id, name, municipality, sector, created_at) VALUES "
    "(1, 'Old Co', 'Tongeren', 'Energy', '2026-01-01 10:00:00')",
    "INSERT INTO candidates (id, user_id, country_code, origin_institution, stem_field, "
    "graduation_date, outreach_channel, phase, phase_entered_at, created_at, version_id) VALUES "
    "(1, 2, 'NA', 'UNAM', 'physics', '2025-06-01', 'partner_referral', 'company_placement', "
    "'2026-01-01 10:00:00', '2026-01-01 10:00:00', 3)",
    "INSERT INTO language_assessments (candidate_id, level, assessed_on, created_at) VALUES "
    "(1, 'A2', '2026-02-01', '2026-02-01 10:00:00'), "
    "(1, 'B2', '2026-03-01', '2026-03-01 10:00:00')",
    "INSERT INTO placements (candidate_id, company_id, project_title, status, created_at) VALUES "
    "(1, 1, 'Grid', 'fell_through', '2026-03-01 10:00:00')",
    "INSERT INTO invitations (user_id, token_hash, created_at, expires_at) VALUES "
    "(2, 'abc', '2026-01-01 10:00:00', '2026-01-08 10:00:00')",
    "INSERT INTO audit_events (candidate_id, actor_id, at, action, from_phase, to_phase) VALUES "
    "(1, 1, '2026-01-01 10:00:00', 'registered', 'outreach', 'outreach')",
]


def _upgrade_keeps_rows(app):
    """From the first schema with data to the newest: nothing is lost, data is carried over."""
    import flask_migrate
    from sqlalchemy import text as sql

    with app.app_context():
        flask_migrate.downgrade(revision="0001")
        with db.engine.begin() as connection:
            for statement in SEED_0001:
                connection.execute(sql(statement))
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            counts = {
                table: connection.execute(sql(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("users", "candidates", "language_assessments", "placements",
                              "invitations", "audit_events", "companies")
            }  # fmt: skip
            municipality = connection.execute(sql("SELECT municipality FROM companies")).scalar()
            status = connection.execute(sql("SELECT status FROM placements")).scalar()
            level = connection.execute(sql("SELECT dutch_level FROM candidates")).scalar()
        db.engine.dispose()
    assert counts == {"users": 2, "candidates": 1, "language_assessments": 2, "placements": 1,
                      "invitations": 1, "audit_events": 1, "companies": 1}  # fmt: skip
    assert municipality == "Tongeren-Borgloon"  # merged on 1 January 2025
    assert status == "withdrawn"
    assert level == "B2"


def test_upgrade_from_first_schema_keeps_rows_on_sqlite(tmp_path, smtp_server):
    from onboarding import create_app
    from tests.conftest import migrate_fresh, test_config

    app = create_app(
        test_config(f"sqlite:///{tmp_path / 'upgrade.sqlite3'}", smtp_server.port),
        instance_path=str(tmp_path),
    )
    migrate_fresh(app)
    _upgrade_keeps_rows(app)


def test_upgrade_from_first_schema_keeps_rows_on_postgresql(fresh_pg_app):
    _upgrade_keeps_rows(fresh_pg_app)


def _expired_status_round_trip(app):
    """0004 allows the reminder status "expired"; downgrading turns an expired reminder into
    a cancelled one (neither was ever sent) and upgrading allows "expired" again."""
    from datetime import UTC, datetime

    import flask_migrate
    import pytest
    from sqlalchemy import text as sql
    from sqlalchemy.exc import IntegrityError

    from onboarding.models import Reminder
    from tests.factories import make_candidate

    due = datetime(2026, 10, 21, 7, 0, tzinfo=UTC)
    with app.app_context():
        candidate = make_candidate()
        db.session.add(
            Reminder(rule="book_assessment", candidate_id=candidate.id,
                     recipient_id=candidate.user_id, due_at=due, anchor="2026-11-04",
                     params={}, status="expired")
        )  # fmt: skip
        db.session.commit()
        db.session.remove()
        flask_migrate.downgrade(revision="0003")
        with db.engine.connect() as connection:
            status, cancelled_at = connection.execute(
                sql("SELECT status, cancelled_at FROM reminders")
            ).one()
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(sql("UPDATE reminders SET status = 'expired'"))
        flask_migrate.upgrade()
        with db.engine.begin() as connection:
            connection.execute(sql("UPDATE reminders SET status = 'expired'"))
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(sql("UPDATE reminders SET status = 'bogus'"))
        with db.engine.connect() as connection:
            after = connection.execute(sql("SELECT status FROM reminders")).scalar()
        db.engine.dispose()
    assert status == "cancelled"
    assert str(cancelled_at).startswith("2026-10-21 07:00")
    assert after == "expired"


def test_reminder_status_expired_round_trip_on_sqlite(tmp_path, smtp_server):
    from onboarding import create_app
    from tests.conftest import migrate_fresh, test_config

    app = create_app(
        test_config(f"sqlite:///{tmp_path / 'expired.sqlite3'}", smtp_server.port),
        instance_path=str(tmp_path),
    )
    migrate_fresh(app)
    _expired_status_round_trip(app)


def test_reminder_status_expired_round_trip_on_postgresql(fresh_pg_app):
    _expired_status_round_trip(fresh_pg_app)


SEED_0003_DUPLICATES = [
    "INSERT INTO users (id, email, name, role, locale, active, created_at) VALUES "
    "(2, 'c@example.org', 'Cand', 'candidate', 'af', true, '2026-01-01 10:00:00')",
    "INSERT INTO companies (id, name, municipality, sector, created_at) VALUES "
    "(1, 'Hasselt Data Works', 'Hasselt', 'Data', '2026-01-01 10:00:00')",
    "INSERT INTO projects (id, company_id, kind, title, description, stem_fields, skills, seats, "
    "is_open, created_at) VALUES (1, 1, 'vacancy', 'Predictive maintenance', '', '[]', '[]', 2, "
    "true, '2026-01-01 10:00:00')",
    "INSERT INTO candidates (id, user_id, country_code, origin_institution, stem_field, "
    "graduation_date, outreach_channel, phase, phase_entered_at, created_at, version_id) VALUES "
    "(1, 2, 'ZA', 'SU', 'physics', '2025-06-01', 'partner_referral', 'company_placement', "
    "'2026-01-01 10:00:00', '2026-01-01 10:00:00', 1)",
    # two live placements for one project (the later one is further along), one declined;
    # two live ones without a project under one title; one under another title
    "INSERT INTO placements (id, candidate_id, company_id, project_id, project_title, status, "
    "created_at) VALUES "
    "(1, 1, 1, 1, 'Predictive maintenance', 'proposed', '2026-02-01 10:00:00'), "
    "(2, 1, 1, 1, 'Predictive maintenance', 'interview', '2026-02-02 10:00:00'), "
    "(3, 1, 1, 1, 'Predictive maintenance', 'declined', '2026-01-20 10:00:00'), "
    "(4, 1, 1, NULL, '', 'proposed', '2026-02-03 10:00:00'), "
    "(5, 1, 1, NULL, '', 'proposed', '2026-02-04 10:00:00'), "
    "(6, 1, 1, NULL, 'Data platform', 'proposed', '2026-02-05 10:00:00')",
]


def _upgrade_withdraws_duplicates(app):
    """Duplicates from before the rule are withdrawn (with a history row) so that the unique
    indexes can be built; the placement furthest along (else the oldest) is kept."""
    import flask_migrate
    import pytest
    from sqlalchemy import text as sql
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        flask_migrate.downgrade(revision="0003")
        with db.engine.begin() as connection:
            for statement in SEED_0003_DUPLICATES:
                connection.execute(sql(statement))
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            statuses = dict(connection.execute(sql("SELECT id, status FROM placements")).all())
            reasons = dict(
                connection.execute(
                    sql("SELECT id, closed_reason FROM placements WHERE closed_reason IS NOT NULL")
                ).all()
            )
            history = connection.execute(
                sql("SELECT action, from_phase, to_phase, reason, detail FROM audit_events "
                    "ORDER BY id")
            ).all()  # fmt: skip
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(
                sql("INSERT INTO placements (candidate_id, company_id, project_id, project_title, "
                    "status, created_at) VALUES (1, 1, 1, 'Again', 'offer', '2026-03-01 10:00:00')")
            )  # fmt: skip
        db.engine.dispose()
    assert statuses == {1: "withdrawn", 2: "interview", 3: "declined", 4: "proposed",
                        5: "withdrawn", 6: "proposed"}  # fmt: skip
    assert reasons == {
        1: "Duplicate of placement 2: a candidate has one live placement per project.",
        5: "Duplicate of placement 4: a candidate has one live placement per project.",
    }
    assert [tuple(row) for row in history] == [
        ("placement_withdraw", "company_placement", "company_placement", reasons[1],
         "Hasselt Data Works: Predictive maintenance"),
        ("placement_withdraw", "company_placement", "company_placement", reasons[5],
         "Hasselt Data Works: "),
    ]  # fmt: skip


def test_upgrade_withdraws_duplicate_placements_on_sqlite(tmp_path, smtp_server):
    from onboarding import create_app
    from tests.conftest import migrate_fresh, test_config

    app = create_app(
        test_config(f"sqlite:///{tmp_path / 'duplicates.sqlite3'}", smtp_server.port),
        instance_path=str(tmp_path),
    )
    migrate_fresh(app)
    _upgrade_withdraws_duplicates(app)


def test_upgrade_withdraws_duplicate_placements_on_postgresql(fresh_pg_app):
    _upgrade_withdraws_duplicates(fresh_pg_app)


def test_schema_has_the_partial_unique_indexes_for_live_placements(app, rollback):
    indexes = {i["name"]: i for i in inspect(rollback).get_indexes("placements")}
    assert indexes["uq_placements_live_project"]["unique"]
    assert indexes["uq_placements_live_project"]["column_names"] == ["candidate_id", "project_id"]
    assert indexes["uq_placements_live_title"]["unique"]
    assert indexes["uq_placements_live_title"]["column_names"] == [
        "candidate_id", "company_id", "project_title"
    ]  # fmt: skip


def _mail_server_status_round_trip(app):
    """0007 adds the table in which the dispatcher records an unreachable mail server;
    downgrading drops it (only the desk's banner lived there), upgrading brings it back."""
    import flask_migrate
    from sqlalchemy import text as sql

    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(
                sql(
                    "INSERT INTO mail_server_status (name, down_since, last_failure_at, "
                    "failures, last_error) VALUES ('smtp', '2026-12-01 10:00:00', "
                    "'2026-12-01 10:40:00', 6, 'Connection refused')"
                )
            )
        flask_migrate.downgrade(revision="0006_live_placements")
        tables_down = set(inspect(db.engine).get_table_names())
        flask_migrate.upgrade(revision="0007_delivery_outage")
        tables_up = set(inspect(db.engine).get_table_names())
        with db.engine.connect() as connection:
            rows = connection.execute(sql("SELECT count(*) FROM mail_server_status")).scalar()
            version = connection.execute(sql("SELECT version_num FROM alembic_version")).scalar()
        flask_migrate.upgrade()  # back to the newest schema
        db.engine.dispose()
    assert "mail_server_status" not in tables_down and "reminders" in tables_down
    assert "mail_server_status" in tables_up
    assert (rows, version) == (0, "0007_delivery_outage")


def test_mail_server_status_round_trip_on_sqlite(tmp_path, smtp_server):
    from onboarding import create_app
    from tests.conftest import migrate_fresh, test_config

    app = create_app(
        test_config(f"sqlite:///{tmp_path / 'outage.sqlite3'}", smtp_server.port),
        instance_path=str(tmp_path),
    )
    migrate_fresh(app)
    _mail_server_status_round_trip(app)


def test_mail_server_status_round_trip_on_postgresql(fresh_pg_app):
    _mail_server_status_round_trip(fresh_pg_app)
