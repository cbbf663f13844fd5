"""Backups of the embedded default (SQLite and the instance's private folders) that restore.

`flask --app wsgi backup DEST` works while the app and the worker run: the database is
copied with SQLite's online backup API in one step (a consistent snapshot, even in WAL
mode and under writes, which a file copy is not), then exactly the stored files that the
snapshot's rows name (documents, thread attachments, data exports: not an upload still
under way), and a manifest records the schema revision, every table's row count and the
SHA-256 of the database copy and of each file. A file that a row of the
snapshot names but that was removed meanwhile (an erasure just after the snapshot) is
listed under `missing_files`.

`flask --app wsgi restore SRC` checks the manifest against what SRC holds, refuses an
instance that is not empty, copies the database and the files in, and upgrades the schema
when the backup was taken by older code.

On PostgreSQL the database is backed up with pg_dump instead (README, "Backups").
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from onboarding.models import utcnow
from onboarding.services import health

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILE = "onthaal.sqlite3"
# The private folders under the instance folder, and the table and column naming each file.
FOLDERS = {
    "documents": ("documents", "stored_name"),
    "attachments": ("thread_attachments", "stored_name"),
    "exports": ("data_exports", "stored_name"),
}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Why a backup or a restore was refused; nothing was changed."""


@dataclass(frozen=True)
class Summary:
    tables: int
    rows: int
    files: int
    bytes: int
    seconds: float
    revision: str | None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def database_path() -> Path:
    """The SQLite file of this instance; a BackupError on another database."""
    from onboarding.extensions import db

    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(
            "This instance does not use the embedded SQLite database: back up PostgreSQL "
            "with pg_dump and copy the documents folder (README, Backups)."
        )
    return Path(url.database)


def _private_dir(dest: Path) -> None:
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    dest.chmod(0o700)


def _table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {
        name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names
    }


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _named_files(connection: sqlite3.Connection) -> set[str]:
    """`folder/name` of every file a row of the database names."""
    named: set[str] = set()
    for folder, (table, column) in FOLDERS.items():
        try:
            rows = connection.execute(
                f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'
            )
        except sqlite3.OperationalError:  # an old schema without the table
            continue
        named.update(f"{folder}/{name}" for (name,) in rows)
    return named


def _copy_database(source: Path, target: Path) -> sqlite3.Connection:
    """Copy the SQLite database `source` into `target` with the online backup API, every
    page in one step (one consistent snapshot, writers going on meanwhile); returns the
    open connection to the copy, for the caller to read and close."""
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
    except BaseException:
        writer.close()
        raise
    finally:
        reader.close()
    return writer


def _copy_file(source: Path, target: Path) -> tuple[str, int]:
    """Copy with mode 0600, returning the SHA-256 and size of what was written."""
    digest = hashlib.sha256()
    size = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with source.open("rb") as reader, os.fdopen(fd, "wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            writer.write(chunk)
    return digest.hexdigest(), size


def backup(dest: Path) -> Summary:
    """Write a backup of this instance into `dest` (a new or empty folder)."""
    started = time.perf_counter()
    source = database_path()
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: choose a new folder for the backup.")
    _private_dir(dest)
    copy = dest / DATABASE_FILE
    writer = _copy_database(source, copy)
    try:
        if writer.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("The copy of the database did not pass SQLite's integrity check.")
        tables = _table_counts(writer)
        revision = _revision(writer)
        named = _named_files(writer)
    finally:
        writer.close()
    copy.chmod(0o600)
    instance = Path(current_app.instance_path)
    files: list[dict] = []
    missing: list[str] = []
    for relative in sorted(named):  # exactly the files the snapshot names, no stray upload
        folder, name = relative.split("/", 1)
        _private_dir(dest / folder)
        try:
            checksum, size = _copy_file(instance / folder / name, dest / folder / name)
        except FileNotFoundError:  # removed since the snapshot (an erasure): listed as such
            missing.append(relative)
            continue
        files.append({"path": relative, "sha256": checksum, "bytes": size})
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(timespec="seconds"),
        "database": {
            "file": DATABASE_FILE,
            "sha256": sha256_of(copy),
            "bytes": copy.stat().st_size,
            "revision": revision,
            "tables": tables,
        },
        "files": files,
        "missing_files": missing,
    }
    _write_manifest(dest / MANIFEST, manifest)
    return Summary(
        tables=len(tables),
        rows=sum(tables.values()),
        files=len(files),
        bytes=copy.stat().st_size + sum(entry["bytes"] for entry in files),
        seconds=time.perf_counter() - started,
        revision=revision,
    )


def _write_manifest(path: Path, manifest: dict) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)
        handle.write("\n")


def read_manifest(src: Path) -> dict:
    """The manifest of the backup in `src`, checked against the files it lists."""
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise BackupError(f"{src} holds no {MANIFEST}: it is not an Onthaal backup.") from error
    except json.JSONDecodeError as error:
        raise BackupError(f"{src / MANIFEST} is damaged: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{src} was written in backup format {manifest.get('format')!r}, not {FORMAT}."
        )
    database = manifest["database"]
    entries = [
        (database["file"], database["sha256"]),
        *((f["path"], f["sha256"]) for f in manifest["files"]),
    ]
    for relative, expected in entries:
        path = src / relative
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            raise BackupError(f"The manifest names a path outside the backup: {relative}")
        if not path.is_file():
            raise BackupError(f"The backup lacks {relative}, which its manifest lists.")
        if sha256_of(path) != expected:
            raise BackupError(f"{relative} does not match its checksum: the backup is damaged.")
    return manifest


def _refuse_unless_empty(target: Path) -> None:
    if target.exists():
        connection = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        try:
            tables = _table_counts(connection)
        finally:
            connection.close()
        if tables.get("users") or tables.get("candidates"):
            raise BackupError(
                f"{target} already holds accounts or candidates: restore into an empty "
                "instance (a new instance folder, or DATABASE_URL naming a new file)."
            )
    instance = Path(current_app.instance_path)
    for folder in FOLDERS:
        present = instance / folder
        if present.is_dir() and any(present.iterdir()):
            raise BackupError(f"{present} is not empty: restore into an empty instance.")


def restore(src: Path) -> Summary:
    """Restore the backup in `src` into this (empty) instance; upgrade an older schema."""
    started = time.perf_counter()
    manifest = read_manifest(src)
    database = manifest["database"]
    revision = database.get("revision")
    known = {script.revision for script in health.migration_scripts().walk_revisions()}
    if revision is not None and revision not in known:
        raise BackupError(
            f"The backup's schema revision {revision} is newer than this code knows: "
            "restore it with the version of Onthaal that wrote it, or a later one."
        )
    target = database_path()
    _refuse_unless_empty(target)
    from onboarding.extensions import db

    db.session.remove()
    db.engine.dispose()  # no pooled connection may keep the file we replace
    writer = _copy_database(src / database["file"], target)
    try:
        counts = _table_counts(writer)
    finally:
        writer.close()
    target.chmod(0o600)
    if counts != database["tables"]:
        raise BackupError("The restored database's row counts differ from the manifest's.")
    instance = Path(current_app.instance_path)
    copied = 0
    for entry in manifest["files"]:
        folder, name = entry["path"].split("/", 1)
        _private_dir(instance / folder)
        checksum, size = _copy_file(src / entry["path"], instance / folder / name)
        if checksum != entry["sha256"]:
            raise BackupError(f"{entry['path']} changed while it was restored.")
        copied += size
    import flask_migrate

    flask_migrate.upgrade()  # a backup of older code: its schema moves to this code's head
    return Summary(
        tables=len(counts),
        rows=sum(counts.values()),
        files=len(manifest["files"]),
        bytes=database["bytes"] + copied,
        seconds=time.perf_counter() - started,
        revision=revision,
    )


def remove_partial(dest: Path) -> None:
    """After a failed backup: what it wrote goes (the folder was new or empty)."""
    shutil.rmtree(dest, ignore_errors=True)
