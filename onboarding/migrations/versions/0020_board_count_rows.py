"""board counts as rows to add up: each change of a candidate's phase, country or erasure
appends -1 and +1 rows to board_counts instead of updating one row per phase and country in
place, as outbox_counts does (0019): inserts only, so two phase changes at once never wait
for one another, nor deadlock on PostgreSQL when they move between the same two phases in
opposite directions; the worker folds the rows together.

Revision ID: 0020_board_count_rows
Revises: 0019_outbox_counts
Create Date: 2026-12-04 01:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_board_count_rows'
down_revision = '0019_outbox_counts'
branch_labels = None
depends_on = None

OLD_SQLITE_TRIGGERS = ["candidates_count_insert", "candidates_count_update_old",
                       "candidates_count_update_new", "candidates_count_delete"]
SQLITE_TRIGGERS = [
    """CREATE TRIGGER candidates_count_insert AFTER INSERT ON candidates
       WHEN NEW.erased_at IS NULL BEGIN
         INSERT INTO board_counts (phase, country_code, delta)
           VALUES (NEW.phase, NEW.country_code, 1);
       END""",
    """CREATE TRIGGER candidates_count_update AFTER UPDATE OF phase, country_code, erased_at
       ON candidates WHEN OLD.phase IS NOT NEW.phase OR OLD.country_code IS NOT NEW.country_code
         OR (OLD.erased_at IS NULL) IS NOT (NEW.erased_at IS NULL) BEGIN
         INSERT INTO board_counts (phase, country_code, delta)
           SELECT OLD.phase, OLD.country_code, -1 WHERE OLD.erased_at IS NULL;
         INSERT INTO board_counts (phase, country_code, delta)
           SELECT NEW.phase, NEW.country_code, 1 WHERE NEW.erased_at IS NULL;
       END""",
    """CREATE TRIGGER candidates_count_delete AFTER DELETE ON candidates
       WHEN OLD.erased_at IS NULL BEGIN
         INSERT INTO board_counts (phase, country_code, delta)
           VALUES (OLD.phase, OLD.country_code, -1);
       END""",
]
NEW_SQLITE_TRIGGERS = ["candidates_count_insert", "candidates_count_update",
                       "candidates_count_delete"]

POSTGRESQL_FUNCTION = """CREATE OR REPLACE FUNCTION onthaal_board_counts() RETURNS trigger AS $$
   BEGIN
     IF TG_OP = 'UPDATE' AND OLD.phase = NEW.phase AND OLD.country_code = NEW.country_code
        AND (OLD.erased_at IS NULL) = (NEW.erased_at IS NULL) THEN
       RETURN NULL;
     END IF;
     IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.erased_at IS NULL THEN
       INSERT INTO board_counts (phase, country_code, delta)
         VALUES (OLD.phase, OLD.country_code, -1);
     END IF;
     IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.erased_at IS NULL THEN
       INSERT INTO board_counts (phase, country_code, delta)
         VALUES (NEW.phase, NEW.country_code, 1);
     END IF;
     RETURN NULL;
   END $$ LANGUAGE plpgsql"""

# 0017's in-place counting, for the downgrade.
OLD_POSTGRESQL_FUNCTION = """CREATE OR REPLACE FUNCTION onthaal_board_counts() RETURNS trigger AS $$
   BEGIN
     IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.erased_at IS NULL THEN
       UPDATE board_counts SET count = count - 1
         WHERE phase = OLD.phase AND country_code = OLD.country_code;
     END IF;
     IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.erased_at IS NULL THEN
       INSERT INTO board_counts (phase, country_code, count)
         VALUES (NEW.phase, NEW.country_code, 1)
         ON CONFLICT (phase, country_code) DO UPDATE SET count = board_counts.count + 1;
     END IF;
     RETURN NULL;
   END $$ LANGUAGE plpgsql"""


def _fill(column: str) -> None:
    op.execute(
        f"INSERT INTO board_counts (phase, country_code, {column}) "
        "SELECT phase, country_code, count(*) FROM candidates WHERE erased_at IS NULL "
        "GROUP BY phase, country_code"
    )


VACUUM_OFTEN = """ALTER TABLE {table} SET (autovacuum_vacuum_scale_factor = 0,
   autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0,
   autovacuum_analyze_threshold = 1000)"""


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if not postgresql:
        for name in OLD_SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("board_counts")
    op.create_table(
        "board_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=30), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_counts")),
    )
    _fill("delta")
    if postgresql:
        # Folding deletes nearly every row every few minutes: vacuum the table after a
        # thousand dead rows, not a fifth of it, so it stays a few pages small.
        op.execute(VACUUM_OFTEN.format(table="board_counts"))
        op.execute(POSTGRESQL_FUNCTION)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if not postgresql:
        for name in NEW_SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("board_counts")
    op.create_table(
        "board_counts",
        sa.Column("phase", sa.String(length=30), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("phase", "country_code", name=op.f("pk_board_counts")),
    )
    _fill("count")
    if postgresql:
        op.execute(OLD_POSTGRESQL_FUNCTION)
    else:
        for statement in _board_speed().SQLITE_TRIGGERS[3:]:  # 0017's counting triggers
            op.execute(statement)


def _board_speed():
    """Migration 0017's module (its name starts with a digit: loaded from its file)."""
    from importlib.util import module_from_spec, spec_from_file_location
    from pathlib import Path

    spec = spec_from_file_location("board_speed", Path(__file__).with_name("0017_board_speed.py"))
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
