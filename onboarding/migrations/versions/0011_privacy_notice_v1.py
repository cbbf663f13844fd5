"""privacy notice version 1, published: the default texts in en, nl and af

Data only. The texts are read from onboarding/consent/default_notice/{en,nl,af}.md as they
are at this revision; later versions are written and published by the welcome desk. The
"[retention]" and "[contact]" lines are filled in from the configuration when the notice
is shown, so the periods named are always the ones in force.

Candidates who consented before there was a notice (the "given" rows without a version
from 0010) are asked to accept this version at their next login.

Revision ID: 0011_privacy_notice_v1
Revises: 0010_personal_data
Create Date: 2026-12-02 04:50:00.000000

"""
from datetime import datetime, timezone
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_privacy_notice_v1'
down_revision = '0010_personal_data'
branch_labels = None
depends_on = None

TEXTS = Path(__file__).resolve().parents[2] / "consent" / "default_notice"

notices = sa.table(
    "privacy_notices",
    sa.column("id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("body_nl", sa.Text),
    sa.column("body_af", sa.Text),
    sa.column("body_en", sa.Text),
    sa.column("changes", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("published_at", sa.DateTime(timezone=True)),
)


def _text(locale):
    return (TEXTS / f"{locale}.md").read_text(encoding="utf-8").strip() + "\n"


def upgrade():
    published_at = datetime.now(timezone.utc)  # published as the database is set up
    op.bulk_insert(
        notices,
        [
            {
                "version": 1,
                "body_nl": _text("nl"),
                "body_af": _text("af"),
                "body_en": _text("en"),
                "changes": None,
                "created_at": published_at,
                "published_at": published_at,
            }
        ],
    )


def downgrade():
    # Consents to version 1 stay, without a version (as 0010 left the earlier ones).
    first = sa.select(notices.c.id).where(notices.c.version == 1).scalar_subquery()
    consents = sa.table("consents", sa.column("notice_id", sa.Integer))
    candidates = sa.table("candidates", sa.column("consent_notice_id", sa.Integer))
    op.execute(consents.update().where(consents.c.notice_id == first).values(notice_id=None))
    op.execute(
        candidates.update()
        .where(candidates.c.consent_notice_id == first)
        .values(consent_notice_id=None)
    )
    op.execute(notices.delete().where(notices.c.version == 1))
