"""people and privacy at scale: the desk's list of people in its order (lower-cased name,
then id) from an index on PostgreSQL, the board's list of mentors from one on role and name, and the privacy overview's three lists (erasure requested, consent
withdrawn, legal hold) from small partial indexes of the few candidates each concerns,
instead of sorting every account and reading every candidate.

Revision ID: 0021_people_privacy_indexes
Revises: 0020_board_count_rows
Create Date: 2026-12-04 01:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_people_privacy_indexes'
down_revision = '0020_board_count_rows'
branch_labels = None
depends_on = None

PRIVACY_LISTS = ("erasure_requested_at", "consent_withdrawn_at", "legal_hold_at")


def upgrade():
    # The board's mentor list and the people list by role: the few mentors (or staff) of
    # many accounts, by name.
    op.create_index("ix_users_role_name", "users", ["role", "name"])
    if op.get_bind().dialect.name == "postgresql":
        # On SQLite the list sorts its accounts: a small desk's number of them.
        op.create_index("ix_users_name_order", "users", [sa.text("lower(name)"), "id"])
    for column in PRIVACY_LISTS:
        where = sa.text(f"{column} IS NOT NULL AND erased_at IS NULL")
        op.create_index(f"ix_candidates_{column}", "candidates", [column, "id"],
                        sqlite_where=where, postgresql_where=where)


def downgrade():
    for column in PRIVACY_LISTS:
        op.drop_index(f"ix_candidates_{column}", table_name="candidates")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_users_name_order", table_name="users")
    op.drop_index("ix_users_role_name", table_name="users")
