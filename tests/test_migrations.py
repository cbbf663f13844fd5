"""The schema comes from Alembic migrations, and they match the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from onboarding.extensions import db


def test_migrations_match_models(app, rollback):
    context = MigrationContext.configure(rollback, opts={"compare_type": True})
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
