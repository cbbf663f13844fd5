"""One-time form tokens are forgotten after a week, by the worker's hourly job."""

from datetime import timedelta

from sqlalchemy import select

from onboarding.extensions import db
from onboarding.models import FormToken, utcnow
from onboarding.scheduler import forget_form_tokens


def test_the_worker_forgets_form_tokens_older_than_a_week(app, ctx):
    now = utcnow()
    db.session.add_all([
        FormToken(token_hash="a" * 64, result="/desk/", created_at=now - timedelta(days=8)),
        FormToken(token_hash="b" * 64, result="/desk/", created_at=now - timedelta(days=6)),
    ])  # fmt: skip
    db.session.commit()
    forget_form_tokens(app)
    db.session.expire_all()
    assert db.session.scalars(select(FormToken.token_hash)).all() == ["b" * 64]
