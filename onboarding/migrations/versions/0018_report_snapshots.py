"""report snapshots: the reports' figures as the worker last computed them, so that the
dashboard does not go over every candidate's history on each visit.

Revision ID: 0018_report_snapshots
Revises: 0017_board_speed
Create Date: 2026-12-04 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_report_snapshots'
down_revision = '0017_board_speed'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_snapshots",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_report_snapshots")),
    )


def downgrade():
    op.drop_table("report_snapshots")
