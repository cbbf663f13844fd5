"""notification preferences replace users.reminders_opt_out

Whoever had turned non-essential reminders off gets the preference ('reminders', 'app'):
they still see them in the app, and no longer by email. The column goes.

Revision ID: 0013_notification_preferences
Revises: 0012_notifications
Create Date: 2026-12-02 08:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_notification_preferences'
down_revision = '0012_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "INSERT INTO notification_preferences (user_id, category, channel) "
        "SELECT id, 'reminders', 'app' FROM users WHERE reminders_opt_out "
        "AND id NOT IN (SELECT user_id FROM notification_preferences "
        "WHERE category = 'reminders')"
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('reminders_opt_out')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders_opt_out', sa.Boolean(), server_default='0', nullable=False))
    op.execute(
        "UPDATE users SET reminders_opt_out = TRUE WHERE id IN (SELECT user_id FROM "
        "notification_preferences WHERE category = 'reminders' AND channel <> 'email')"
    )
