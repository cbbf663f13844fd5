"""Onthaal: the onboarding workflow service for foreign STEM talent in Limburg."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url

from onboarding.db import OnthaalFlask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    app = OnthaalFlask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    load_config(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_security(app)
    register_commands(app)
    return app


def load_config(app: Flask, overrides: dict | None) -> None:
    from onboarding.config import Config, validate

    app.config.from_object(Config)
    # The instance folder holds the database, the documents, the secret key and the outbox:
    # personal data, readable by the owner only.
    instance = Path(app.instance_path)
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    instance.chmod(0o700)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'onthaal.sqlite3'}"
        )
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")
    if overrides:
        app.config.update(overrides)
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        # An unreachable host fails a connection (and /healthz) in seconds, not minutes;
        # `?connect_timeout=` in DATABASE_URL chooses another limit.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {"connect_timeout": 5, **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
    validate(app.config)


def instance_secret_key(instance: Path) -> str:
    """A random key kept in the instance folder, so none lives in the code."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def register_extensions(app: Flask) -> None:
    from onboarding import db as database
    from onboarding import i18n, logs, metrics
    from onboarding.auth import login
    from onboarding.extensions import csrf, db, limiter, migrate

    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    logs.init_app(app)
    metrics.init_app(app)
    db.init_app(app)
    database.init_app(app)
    # Batch mode lets later migrations alter SQLite tables (it has no ALTER COLUMN).
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    login.init_app(app)


def register_blueprints(app: Flask) -> None:
    from onboarding.web import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    from onboarding.account.views import bp as account_bp
    from onboarding.auth.views import bp as auth_bp
    from onboarding.candidate.views import bp as candidate_bp
    from onboarding.company.views import bp as company_bp
    from onboarding.consent.views import bp as consent_bp
    from onboarding.conversation.views import bp as conversation_bp
    from onboarding.desk import arrival  # noqa: F401  (its routes join the desk's blueprint)
    from onboarding.desk.views import bp as desk_bp
    from onboarding.documents.views import bp as documents_bp
    from onboarding.mentor.views import bp as mentor_bp
    from onboarding.mydata.views import bp as mydata_bp
    from onboarding.ops.views import bp as ops_bp
    from onboarding.partner_portal.views import bp as partner_portal_bp
    from onboarding.partners.views import bp as partners_bp
    from onboarding.people.views import bp as people_bp
    from onboarding.reports.views import bp as reports_bp
    from onboarding.retention.views import bp as retention_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(candidate_bp)
    app.register_blueprint(mentor_bp)
    app.register_blueprint(desk_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(partners_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(consent_bp)
    app.register_blueprint(mydata_bp)
    app.register_blueprint(retention_bp)
    app.register_blueprint(conversation_bp)
    app.register_blueprint(company_bp)
    app.register_blueprint(partner_portal_bp)
    app.register_blueprint(ops_bp)


def register_error_handlers(app: Flask) -> None:
    from onboarding import errors

    errors.init_app(app)


def register_security(app: Flask) -> None:
    from onboarding import security

    security.init_app(app)


def register_commands(app: Flask) -> None:
    from onboarding import cli, scheduler

    cli.init_app(app)
    scheduler.init_app(app)
