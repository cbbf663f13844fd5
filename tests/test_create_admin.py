"""The first welcome-desk account on a fresh database: `flask create-admin` prints a
one-time link; the password is chosen on the page, never on the command line."""

from __future__ import annotations

import re

from sqlalchemy import select

from onboarding import create_app
from onboarding.extensions import db
from onboarding.models import User
from tests.conftest import migrate_fresh, test_config

PASSWORD = "a long enough passphrase"


def fresh_app(tmp_path, smtp_server):
    app = create_app(
        test_config(f"sqlite:///{tmp_path / 'admin.sqlite3'}", smtp_server.port),
        instance_path=str(tmp_path / "instance"),
    )
    migrate_fresh(app)
    return app


def test_create_admin_prints_a_one_time_link_that_sets_the_password(tmp_path, smtp_server):
    app = fresh_app(tmp_path, smtp_server)
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "Lotte@Onthaal.example", "--name", "Lotte Vanhoof"]
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    (link,) = re.findall(r"https?://\S+/invitation/\S+", result.output)
    public = app.config["PUBLIC_BASE_URL"].rstrip("/")
    assert link.startswith(f"{public}/invitation/")
    path = link[len(public) :]
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == "lotte@onthaal.example")).one()
        assert (user.role, user.locale, user.password_hash) == ("staff", "nl", None)
        db.session.remove()

    client = app.test_client()
    assert client.get(path).status_code == 200
    answer = client.post(path, data={"password": PASSWORD, "confirm": PASSWORD})
    assert (answer.status_code, answer.location) == (302, "/desk/")  # the desk's home
    assert client.get("/desk/").status_code == 200
    assert app.test_client().get(path).status_code == 404  # the link worked once

    runner = app.test_cli_runner()
    second = ["create-admin", "--email", "jan@onthaal.example", "--name", "Jan Claes"]
    refused = runner.invoke(args=second)
    assert refused.exit_code != 0
    assert "exists already" in refused.output and "--force" in refused.output
    same = ["create-admin", "--email", "lotte@onthaal.example", "--name", "Lotte", "--force"]
    taken = runner.invoke(args=same)
    assert taken.exit_code != 0 and "already registered" in taken.output
    forced = runner.invoke(args=[*second, "--force"])
    assert forced.exit_code == 0, forced.output
    with app.app_context():
        staff = db.session.scalars(select(User.email).where(User.role == "staff")).all()
        assert sorted(staff) == ["jan@onthaal.example", "lotte@onthaal.example"]
        db.engine.dispose()


def test_create_admin_refuses_a_bad_address_name_or_language(tmp_path, smtp_server):
    app = fresh_app(tmp_path, smtp_server)
    runner = app.test_cli_runner()
    for args, message in (
        (["--email", "not-an-email", "--name", "Lotte Vanhoof"], "valid email"),
        (["--email", "l@example.org", "--name", "<script>"], "letters"),
        (["--email", "l@example.org", "--name", "Lotte", "--language", "fr"], "languages"),
    ):
        result = runner.invoke(args=["create-admin", *args])
        assert result.exit_code != 0 and message in result.output, result.output
    with app.app_context():
        assert db.session.scalars(select(User)).all() == []
        db.engine.dispose()
