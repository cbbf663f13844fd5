"""mail_server_status: the dispatcher records an unreachable mail server for the desk

Revision ID: 0007_delivery_outage
Revises: 0006_live_placements
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_delivery_outage"
down_revision = "0006_live_placements"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_server_status",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("down_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("recovered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_mail_server_status")),
    )


def downgrade():
    op.drop_table("mail_server_status")
