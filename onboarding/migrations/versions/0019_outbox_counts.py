"""outbox counts: the desk's reminder queue counts its rows per kind and status from
outbox_counts, a few rows kept by triggers (each change of a reminder's kind or status
appends -1 and +1 rows: inserts only, so concurrent changes never wait for one another or
deadlock; the worker folds them together), and pages through indexes that serve its
order (status, then due time; sent and cancelled rows by when that happened).

A later migration that recreates `reminders` on SQLite (batch "move and copy") drops its
triggers: it must create them again (see docs/pitfalls.md).

Revision ID: 0019_outbox_counts
Revises: 0018_report_snapshots
Create Date: 2026-12-04 01:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_outbox_counts'
down_revision = '0018_report_snapshots'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER reminders_count_insert AFTER INSERT ON reminders BEGIN
         INSERT INTO outbox_counts (kind, status, delta) VALUES (NEW.kind, NEW.status, 1);
       END""",
    """CREATE TRIGGER reminders_count_update AFTER UPDATE OF kind, status ON reminders
       WHEN OLD.kind IS NOT NEW.kind OR OLD.status IS NOT NEW.status BEGIN
         INSERT INTO outbox_counts (kind, status, delta) VALUES (OLD.kind, OLD.status, -1);
         INSERT INTO outbox_counts (kind, status, delta) VALUES (NEW.kind, NEW.status, 1);
       END""",
    """CREATE TRIGGER reminders_count_delete AFTER DELETE ON reminders BEGIN
         INSERT INTO outbox_counts (kind, status, delta) VALUES (OLD.kind, OLD.status, -1);
       END""",
]
SQLITE_TRIGGER_NAMES = ["reminders_count_insert", "reminders_count_update",
                        "reminders_count_delete"]

POSTGRESQL_FUNCTION = """CREATE FUNCTION onthaal_outbox_counts() RETURNS trigger AS $$
   BEGIN
     IF TG_OP = 'UPDATE' AND OLD.kind = NEW.kind AND OLD.status = NEW.status THEN
       RETURN NULL;
     END IF;
     IF TG_OP IN ('UPDATE', 'DELETE') THEN
       INSERT INTO outbox_counts (kind, status, delta) VALUES (OLD.kind, OLD.status, -1);
     END IF;
     IF TG_OP IN ('INSERT', 'UPDATE') THEN
       INSERT INTO outbox_counts (kind, status, delta) VALUES (NEW.kind, NEW.status, 1);
     END IF;
     RETURN NULL;
   END $$ LANGUAGE plpgsql"""
POSTGRESQL_TRIGGER = """CREATE TRIGGER reminders_counts AFTER INSERT OR DELETE OR UPDATE OF
   kind, status ON reminders FOR EACH ROW EXECUTE FUNCTION onthaal_outbox_counts()"""


VACUUM_OFTEN = """ALTER TABLE {table} SET (autovacuum_vacuum_scale_factor = 0,
   autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0,
   autovacuum_analyze_threshold = 1000)"""


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "outbox_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_counts")),
    )
    op.execute(
        "INSERT INTO outbox_counts (kind, status, delta) "
        "SELECT kind, status, count(*) FROM reminders GROUP BY kind, status"
    )
    if postgresql:
        # Folding deletes nearly every row every few minutes: vacuum the table after a
        # thousand dead rows, not a fifth of it, so it stays a few pages small.
        op.execute(VACUUM_OFTEN.format(table="outbox_counts"))
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(POSTGRESQL_TRIGGER)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    op.drop_index("ix_reminders_status_due", table_name="reminders")
    op.create_index("ix_reminders_queue", "reminders", ["status", "due_at", "id"])
    op.create_index("ix_reminders_sent", "reminders", ["status", "sent_at", "id"])
    op.create_index("ix_reminders_cancelled", "reminders", ["status", "cancelled_at", "id"])


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in ("ix_reminders_cancelled", "ix_reminders_sent", "ix_reminders_queue"):
        op.drop_index(name, table_name="reminders")
    op.create_index("ix_reminders_status_due", "reminders", ["status", "due_at"])
    if postgresql:
        op.execute("DROP TRIGGER reminders_counts ON reminders")
        op.execute("DROP FUNCTION onthaal_outbox_counts()")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("outbox_counts")
