"""partners.locale: the language of the page a partner application was sent from, so that
the applicant's later emails (the desk's decision) speak it too. Applications stored before
this revision get English: the language they used was not stored.

Revision ID: 0014_partner_locale
Revises: 0013_notification_preferences
Create Date: 2026-12-02 08:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_partner_locale'
down_revision = '0013_notification_preferences'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('locale', sa.String(length=5), server_default='en', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('locale')
