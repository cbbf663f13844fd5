"""Unbound extension objects; `create_app` binds them to an app."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from onboarding.models.base import Base

# join_transaction_mode only matters when the session is bound to a Connection that is already
# inside a transaction (the test suite does that to roll each test back); with an Engine it is
# inert.
db = SQLAlchemy(model_class=Base, session_options={"join_transaction_mode": "create_savepoint"})
migrate = Migrate()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
# Rate limits: storage from RATELIMIT_STORAGE_URI (memory:// by default, one count per
# process; redis://… to share the counts between workers and hosts). No default limits: the
# routes that need one say so (`services.throttle`, the public partner form).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
