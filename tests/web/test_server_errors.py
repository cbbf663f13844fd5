"""After a database error the 500 page is still the translated page (the session is rolled
back first), and when even that cannot be drawn a bare page answers, never Werkzeug's."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

from onboarding import create_app
from onboarding.extensions import db
from tests.conftest import migrate_fresh, test_config


@pytest.fixture
def failing_app(tmp_path, smtp_server) -> Flask:
    app = create_app(
        test_config(f"sqlite:///{tmp_path / 'e.sqlite3'}", smtp_server.port),
        instance_path=str(tmp_path / "instance"),
    )
    app.config["PROPAGATE_EXCEPTIONS"] = False
    migrate_fresh(app)

    @app.get("/broken-query")
    def broken_query():
        db.session.execute(text("SELECT * FROM no_such_table"))
        return "unreachable"

    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_database_error_gets_the_translated_error_page(failing_app):
    response = failing_app.test_client().get("/broken-query", headers={"Accept-Language": "nl-BE"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "Er ging iets mis" in page
    # The reference a person can quote is the request's id, in the log line too.
    assert f"vermeld dan deze referentie: {response.headers['X-Request-ID']}" in page


def test_when_the_page_cannot_be_drawn_a_bare_page_answers(failing_app, monkeypatch):
    import onboarding.errors

    def no_template(*args, **kwargs):
        raise RuntimeError("template store unreachable")

    monkeypatch.setattr(onboarding.errors, "render_template", no_template)
    response = failing_app.test_client().get("/broken-query")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "<h1>Something went wrong</h1>" in page
    assert "Internal Server Error" not in page  # not Werkzeug's bare page
    assert f"Reference: {response.headers['X-Request-ID']}" in page
