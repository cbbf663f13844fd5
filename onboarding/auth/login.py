"""Flask-Login wiring: loading the user, and the translated 'please log in' message."""

from flask import Flask
from flask_babel import gettext

from onboarding.extensions import db, login_manager
from onboarding.models import User
from workflows.i18n import N_


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # A plain msgid, translated when flashed: a lazy string must never be flashed.
    login_manager.login_message = N_("Please log in to see this page.")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))
