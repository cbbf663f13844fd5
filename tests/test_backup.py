"""Backups of the embedded default (issue 16): `flask backup` while a writer keeps writing,
`flask restore` into an empty instance elsewhere, every table's rows and every document's
checksum compared; what restore refuses; and the pointer to pg_dump on PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from onboarding import create_app
from onboarding.db import transaction
from onboarding.demo import DEMO_PASSWORD, load_demo
from onboarding.extensions import db
from onboarding.models import Candidate, Document
from onboarding.services.documents import folder as documents_folder
from tests.conftest import free_port, migrate_fresh, test_config

PAIRS_BEFORE = 5  # the writer's transactions committed before the backup starts


def instance(tmp_path: Path, name: str, smtp_port: int):
    folder = tmp_path / name
    config = test_config(f"sqlite:///{folder / 'onthaal.sqlite3'}", smtp_port)
    return create_app(config, instance_path=str(folder))


def seeded(tmp_path: Path, name: str, smtp_port: int):
    """An instance with the demo data in it."""
    app = instance(tmp_path, name, smtp_port)
    migrate_fresh(app)
    with app.app_context():
        with transaction():
            load_demo()
        db.session.remove()
    return app


def stored_document(candidate_id: int, name: str, content: bytes) -> Document:
    return Document(
        candidate_id=candidate_id, kind="passport", original_name=f"{name}.pdf",
        stored_name=name, content_type="application/pdf", size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )  # fmt: skip


class Writer(threading.Thread):
    """Commits one transaction after another, each two documents of one candidate with
    their files (written before the commit, as an upload does), until told to stop."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app = app
        self.stop = threading.Event()
        self.committed: list[float] = []  # time.monotonic() of each commit, in order
        self.error: BaseException | None = None

    def run(self):
        try:
            with self.app.app_context():
                candidate_id = db.session.query(Candidate.id).order_by(Candidate.id).first()[0]
                folder = documents_folder()
                number = 0
                while not self.stop.is_set():
                    with transaction():
                        for half in ("a", "b"):
                            name = f"load-{number:05d}-{half}"
                            content = f"scan {number} {half}".encode() * 50
                            (folder / name).write_bytes(content)
                            db.session.add(stored_document(candidate_id, name, content))
                    self.committed.append(time.monotonic())
                    number += 1
                db.session.remove()
        except BaseException as error:  # reported by the test
            self.error = error


def rows(path: Path) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(path)
    try:
        names = [n for (n,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )]  # fmt: skip
        return {n: sorted(map(repr, connection.execute(f'SELECT * FROM "{n}"'))) for n in names}
    finally:
        connection.close()


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_backup_taken_under_write_load_restores_elsewhere_row_for_row(tmp_path, smtp_server):
    source = seeded(tmp_path, "source", smtp_server.port)
    writer = Writer(source)
    writer.start()
    while len(writer.committed) < PAIRS_BEFORE and writer.is_alive():
        time.sleep(0.01)
    dest = tmp_path / "backup"
    started = time.monotonic()
    result = source.test_cli_runner().invoke(args=["backup", str(dest)])
    ended = time.monotonic()
    while not [t for t in writer.committed if t > ended] and writer.is_alive():
        time.sleep(0.01)  # the writer goes on after the backup too
    writer.stop.set()
    writer.join(timeout=30)
    assert writer.error is None, writer.error
    assert result.exit_code == 0, result.output
    assert "Backed up into" in result.output and "files" in result.output

    target = instance(tmp_path, "restored", smtp_server.port)  # empty: never migrated
    restored = target.test_cli_runner().invoke(args=["restore", str(dest)])
    assert restored.exit_code == 0, restored.output

    with source.app_context():
        db.engine.dispose()
    before, after = (
        rows(tmp_path / "source/onthaal.sqlite3"),
        rows(tmp_path / "restored/onthaal.sqlite3"),
    )
    manifest = json.loads((dest / "manifest.json").read_text())
    assert {name: len(found) for name, found in after.items()} == manifest["database"]["tables"]
    assert set(after) == set(before)
    # Only the writer's two tables differ: the backup is the source at one moment, which
    # holds every row of the tables nobody wrote meanwhile.
    for name in after:
        if name in ("documents", "audit_events", "board_counts", "outbox_counts"):
            assert set(after[name]) <= set(before[name]), name
        else:
            assert after[name] == before[name], name
    # That moment fell during the backup: every transaction committed before it is there
    # whole, none committed after it.
    with target.app_context():
        loaded = sorted(db.session.scalars(
            db.select(Document.stored_name).where(Document.stored_name.like("load-%"))
        ))  # fmt: skip
        numbers = sorted({int(name.split("-")[1]) for name in loaded})
        assert loaded == [f"load-{n:05d}-{h}" for n in numbers for h in ("a", "b")]
        assert numbers == list(range(len(numbers)))
        assert len([t for t in writer.committed if t < started]) <= len(numbers)
        assert len(numbers) <= len([t for t in writer.committed if t <= ended])
        # Every document of the restored database has its file, byte for byte the source's.
        stored = db.session.execute(db.select(Document.stored_name, Document.sha256)).all()
        folder = tmp_path / "restored/documents"
        for name, sha256 in stored:
            assert (
                checksum(folder / name) == sha256 == checksum(tmp_path / "source/documents" / name)
            )
        assert (folder / stored[0][0]).stat().st_mode & 0o777 == 0o600
        db.engine.dispose()
    assert manifest["database"]["revision"] == "0022_worker_heartbeats"
    assert manifest["missing_files"] == []
    # The files are exactly those the snapshot's rows name: no upload still under way.
    assert {e["path"] for e in manifest["files"]} == {f"documents/{n}" for n, _ in stored}
    # The restored instance serves: it is ready, and the demo desk account signs in.
    client = target.test_client()
    assert client.get("/readyz").status_code == 200
    signed_in = client.post(
        "/login", data={"email": "desk@onthaal.example", "password": DEMO_PASSWORD}
    )
    assert signed_in.status_code == 302 and client.get("/desk/").status_code == 200


@pytest.fixture
def small_backup(tmp_path, smtp_server):
    source = seeded(tmp_path, "small", smtp_server.port)
    with source.app_context():
        with transaction():
            candidate_id = db.session.scalars(db.select(Candidate.id)).first()
            for name in ("scan-1", "gone-1"):  # gone-1: its file was removed (an erasure)
                db.session.add(stored_document(candidate_id, name, b"%PDF-1.4 a passport scan"))
        (documents_folder() / "scan-1").write_bytes(b"%PDF-1.4 a passport scan")
        (documents_folder() / "stray").write_bytes(b"an upload whose row never came")
        db.session.remove()
        db.engine.dispose()
    dest = tmp_path / "small-backup"
    result = source.test_cli_runner().invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    return dest


def test_a_backup_holds_the_files_its_rows_name_and_lists_the_missing(small_backup):
    manifest = json.loads((small_backup / "manifest.json").read_text())
    assert [entry["path"] for entry in manifest["files"]] == ["documents/scan-1"]
    assert manifest["missing_files"] == ["documents/gone-1"]
    assert not (small_backup / "documents/stray").exists()
    assert small_backup.stat().st_mode & 0o777 == 0o700


def test_restore_refuses_an_instance_that_holds_data(tmp_path, smtp_server, small_backup):
    target = seeded(tmp_path, "busy", smtp_server.port)
    result = target.test_cli_runner().invoke(args=["restore", str(small_backup)])
    assert result.exit_code != 0
    assert "already holds accounts or candidates" in result.output


def test_restore_refuses_a_damaged_backup_and_changes_nothing(tmp_path, smtp_server, small_backup):
    scan = small_backup / "documents/scan-1"
    scan.write_bytes(b"%PDF-1.4 a passport scan, altered")
    target = instance(tmp_path, "empty", smtp_server.port)
    result = target.test_cli_runner().invoke(args=["restore", str(small_backup)])
    assert result.exit_code != 0
    assert "documents/scan-1 does not match its checksum" in result.output
    database = tmp_path / "empty/onthaal.sqlite3"
    assert not database.exists() or database.stat().st_size == 0
    assert not (tmp_path / "empty/documents").exists()


def test_backup_refuses_a_folder_that_is_not_empty(tmp_path, smtp_server, small_backup):
    source = instance(tmp_path, "small", smtp_server.port)
    result = source.test_cli_runner().invoke(args=["backup", str(small_backup)])
    assert result.exit_code != 0 and "is not empty" in result.output
    assert (small_backup / "manifest.json").exists()  # the earlier backup is untouched


def test_on_postgresql_backup_points_at_pg_dump(tmp_path, smtp_server):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/onthaal"
    app = create_app(test_config(url, smtp_server.port), instance_path=str(tmp_path / "pg"))
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code != 0 and "pg_dump" in result.output
    assert not (tmp_path / "b").exists()
