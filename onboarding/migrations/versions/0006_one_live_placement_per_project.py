"""one live placement per candidate and project (or company and title)

Revision ID: 0006_live_placements
Revises: 0005_jobs
Create Date: 2026-12-02 09:00:00.000000

Duplicates that exist already (two live placements of one candidate for the same project,
or without a project for the same company and title) are resolved first: the placement
furthest along is kept (the oldest among equals), the others are withdrawn with a reason and
an audit row on the candidate's history, as the placement workflow would have written it.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0006_live_placements"
down_revision = "0005_jobs"
branch_labels = None
depends_on = None

# Frozen copies: a migration must not change when the app's lists change later.
LIVE = ("proposed", "interview", "offer", "accepted")
LIVE_SQL = f"status IN ({', '.join(repr(s) for s in LIVE)})"
WITH_PROJECT = f"project_id IS NOT NULL AND {LIVE_SQL}"
WITHOUT_PROJECT = f"project_id IS NULL AND {LIVE_SQL}"
FURTHEST_FIRST = {"accepted": 0, "offer": 1, "interview": 2, "proposed": 3}
REASON = "Duplicate of placement %d: a candidate has one live placement per project."
DETAIL_LENGTH = 300


def _withdraw_duplicates() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT p.id, p.candidate_id, p.company_id, p.project_id, p.project_title, "
            "p.status, c.phase, co.name AS company FROM placements p "
            "JOIN candidates c ON c.id = p.candidate_id "
            "JOIN companies co ON co.id = p.company_id "
            f"WHERE p.{LIVE_SQL} ORDER BY p.id"
        )
    ).all()
    groups: dict[tuple, list] = {}
    for row in rows:
        if row.project_id is not None:
            key = (row.candidate_id, "project", row.project_id)
        else:
            key = (row.candidate_id, "title", row.company_id, row.project_title)
        groups.setdefault(key, []).append(row)
    now = datetime.now(timezone.utc)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC there (models.base.UTCDateTime)
    moment = sa.bindparam("now", type_=sa.DateTime(timezone=True))
    withdraw = sa.text(
        "UPDATE placements SET status = 'withdrawn', closed_reason = :reason, "
        "decided_at = :now WHERE id = :id"
    ).bindparams(moment)
    history = sa.text(
        "INSERT INTO audit_events (candidate_id, actor_id, at, action, from_phase, to_phase, "
        "reason, detail) VALUES (:candidate_id, NULL, :now, 'placement_withdraw', :phase, "
        ":phase, :reason, :detail)"
    ).bindparams(moment)
    for group in groups.values():
        if len(group) < 2:
            continue
        kept = min(group, key=lambda r: (FURTHEST_FIRST[r.status], r.id))
        for row in group:
            if row.id == kept.id:
                continue
            reason = REASON % kept.id
            detail = f"{row.company}: {row.project_title}"
            if len(detail) > DETAIL_LENGTH:
                detail = detail[: DETAIL_LENGTH - 1] + "…"
            bind.execute(withdraw, {"reason": reason, "now": now, "id": row.id})
            bind.execute(
                history,
                {"candidate_id": row.candidate_id, "now": now, "phase": row.phase,
                 "reason": reason, "detail": detail},
            )


def upgrade():
    _withdraw_duplicates()
    op.create_index(
        "uq_placements_live_project",
        "placements",
        ["candidate_id", "project_id"],
        unique=True,
        sqlite_where=sa.text(WITH_PROJECT),
        postgresql_where=sa.text(WITH_PROJECT),
    )
    op.create_index(
        "uq_placements_live_title",
        "placements",
        ["candidate_id", "company_id", "project_title"],
        unique=True,
        sqlite_where=sa.text(WITHOUT_PROJECT),
        postgresql_where=sa.text(WITHOUT_PROJECT),
    )


def downgrade():
    # The withdrawn duplicates stay withdrawn: their audit rows say why.
    op.drop_index("uq_placements_live_title", table_name="placements")
    op.drop_index("uq_placements_live_project", table_name="placements")
