"""The instance folder holds every passport and the SQLite file with all personal data:
readable by the owner only, also when it existed before with wider permissions."""

from __future__ import annotations

import stat

from onboarding import create_app
from onboarding.extensions import db
from onboarding.services import mail
from tests.conftest import migrate_fresh, test_config


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_instance_folder_database_and_outbox_are_private(tmp_path, smtp_server):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    database = tmp_path / "data" / "onthaal.sqlite3"
    database.parent.mkdir()
    database.touch(mode=0o644)  # an older file, world-readable
    config = test_config(f"sqlite:///{database}", smtp_server.port)
    config["MAIL_SERVER"] = ""  # development: mail goes to instance/outbox/
    app = create_app(config, instance_path=str(instance))
    migrate_fresh(app)
    with app.app_context():
        with mail.connection() as outbox:
            outbox.send(mail.compose(to="a@example.org", subject="Hi", body="x", locale="en"))
        db.engine.dispose()
    assert mode(instance) == 0o700
    assert mode(database) == 0o600
    for extra in (
        database.with_name(database.name + "-wal"),
        database.with_name(database.name + "-shm"),
    ):
        if extra.exists():
            assert mode(extra) == 0o600
    outbox_folder = instance / "outbox"
    assert mode(outbox_folder) == 0o700
    assert [mode(p) for p in outbox_folder.iterdir()] == [0o600]


def test_a_new_database_file_is_created_private(tmp_path, smtp_server):
    database = tmp_path / "new.sqlite3"
    app = create_app(
        test_config(f"sqlite:///{database}", smtp_server.port), instance_path=str(tmp_path / "i")
    )
    migrate_fresh(app)
    with app.app_context():
        db.engine.dispose()
    assert mode(database) == 0o600
