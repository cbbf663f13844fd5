"""reminders: the status "expired" (moment passed more than the rule's grace period ago)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# Frozen copies: a migration must not change when the app's lists change later.
BEFORE = ("pending", "sending", "sent", "failed", "cancelled")
AFTER = ("pending", "sending", "sent", "failed", "expired", "cancelled")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_reminders_status_allowed"), type_="check")
        batch_op.create_check_constraint("status_allowed", _in("status", AFTER))


def downgrade():
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_reminders_status_allowed"), type_="check")
    # The older schema has no "expired": such a reminder was never sent, like a cancelled one.
    op.execute(
        sa.text(
            "UPDATE reminders SET status = 'cancelled', cancelled_at = due_at "
            "WHERE status = 'expired'"
        )
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_check_constraint("status_allowed", _in("status", BEFORE))
