"""form_tokens: one-time form tokens, so that a form sent twice is done once

Revision ID: 0008_form_tokens
Revises: 0007_delivery_outage
Create Date: 2026-12-02 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008_form_tokens"
down_revision = "0007_delivery_outage"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("result", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_form_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_form_tokens_created_at"), "form_tokens", ["created_at"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_form_tokens_created_at"), table_name="form_tokens")
    op.drop_table("form_tokens")
