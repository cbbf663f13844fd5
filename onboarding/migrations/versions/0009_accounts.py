"""accounts: session generations, reset links, two-factor, the account audit log, and one
open partner application per organisation and email

Revision ID: 0009_accounts
Revises: 0008_form_tokens
Create Date: 2026-12-02 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009_accounts"
down_revision = "0008_form_tokens"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("password_changed_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("totp_secret", sa.String(length=64)))
        batch.add_column(sa.Column("totp_enabled_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("totp_last_step", sa.Integer()))
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(
            sa.Column(
                "purpose", sa.String(length=20), nullable=False, server_default="invitation"
            )
        )
        batch.create_check_constraint(
            "purpose_allowed", "purpose IN ('invitation', 'reset')"
        )
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("open_key", sa.String(length=460)))
        batch.create_unique_constraint(op.f("uq_partners_open_key"), ["open_key"])
    # Open applications get their key; of duplicates already stored only the newest does.
    partners = sa.table(
        "partners",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("contact_email", sa.String),
        sa.column("status", sa.String),
        sa.column("open_key", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(partners.c.id, partners.c.name, partners.c.contact_email)
        .where(partners.c.status == "applied")
        .order_by(partners.c.id.desc())
    ).all()
    seen = set()
    for row in rows:
        key = f"{' '.join(row.name.split()).lower()}|{row.contact_email.strip().lower()}"
        if key in seen:
            continue
        seen.add(key)
        connection.execute(
            sa.update(partners).where(partners.c.id == row.id).values(open_key=key)
        )

    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    op.create_index(op.f("ix_recovery_codes_user_id"), "recovery_codes", ["user_id"])
    op.create_table(
        "account_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer()),
        sa.Column("actor_id", sa.Integer()),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(length=45)),
        sa.Column("detail", sa.String(length=300)),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_account_events_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_account_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_events")),
    )
    op.create_index(op.f("ix_account_events_kind"), "account_events", ["kind"])
    op.create_index(op.f("ix_account_events_at"), "account_events", ["at"])
    op.create_index("ix_account_events_user_at", "account_events", ["user_id", "at"])


def downgrade():
    op.drop_index("ix_account_events_user_at", table_name="account_events")
    op.drop_index(op.f("ix_account_events_at"), table_name="account_events")
    op.drop_index(op.f("ix_account_events_kind"), table_name="account_events")
    op.drop_table("account_events")
    op.drop_index(op.f("ix_recovery_codes_user_id"), table_name="recovery_codes")
    op.drop_table("recovery_codes")
    with op.batch_alter_table("partners") as batch:
        batch.drop_constraint(op.f("uq_partners_open_key"), type_="unique")
        batch.drop_column("open_key")
    with op.batch_alter_table("invitations") as batch:
        batch.drop_constraint(batch.f("ck_invitations_purpose_allowed"), type_="check")
        batch.drop_column("purpose")
    with op.batch_alter_table("users") as batch:
        for column in (
            "totp_last_step", "totp_enabled_at", "totp_secret", "password_changed_at",
            "session_generation",
        ):
            batch.drop_column(column)
