"""Flask commands: the first account, demo data, the retention purge, backup and restore,
and translations."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from onboarding import ROOT
from onboarding.extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(translations)
    app.cli.add_command(purge)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


def parse_utc(text: str | None) -> datetime | None:
    """A `--now` option's ISO 8601 moment, in UTC; without an offset it is UTC (as the
    options' help says), not the machine's local time."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--now") from error
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@click.command("create-admin")
@click.option("--email", required=True, help="The welcome-desk officer's email address.")
@click.option("--name", required=True, help="Their full name.")
@click.option("--language", "locale", default="nl", show_default=True, help="nl, af or en.")
@click.option(
    "--force", is_flag=True, help="Create it even though a welcome-desk account exists already."
)
@with_appcontext
def create_admin(email: str, name: str, locale: str, force: bool) -> None:
    """Create the first welcome-desk account and print a one-time link to choose its
    password. Later colleagues are invited from the People page."""
    from sqlalchemy import func, select

    from onboarding.db import count_of, transaction
    from onboarding.models import User
    from onboarding.services import account_events, auth, invitations
    from onboarding.services.errors import DomainError

    try:
        with transaction():
            staff = count_of(select(func.count(User.id)).where(User.role == "staff"))
            if staff and not force:
                raise click.ClickException(
                    "A welcome-desk account exists already: invite colleagues from the People "
                    "page, or pass --force to create one more from here."
                )
            user, token = auth.create_staff_account(email, name, locale)
            db.session.flush()
            account_events.record("account_created", user, detail="flask create-admin")
            address = user.email
    except DomainError as error:
        raise click.ClickException(error.message) from error
    hours = current_app.config["INVITATION_VALID_HOURS"]
    click.echo(f"Welcome-desk account created for {address}.")
    click.echo(f"Open this link within {hours} hours to choose the password (it works once):")
    click.echo(f"  {invitations.link(token)}")


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the demo data once (a no-op when people already exist) and print the logins."""
    from onboarding.db import transaction
    from onboarding.demo import DEMO_PASSWORD, load_demo

    with transaction():
        created = load_demo()
    click.echo("Demo data loaded." if created else "Demo data already present; left as it is.")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, email in (
        ("welcome desk", "desk@onthaal.example"),
        ("mentor", "mentor.an@onthaal.example"),
        ("mentor", "mentor.pieter@onthaal.example"),
        ("mentor", "mentor.thandi@onthaal.example"),
        ("candidate", "candidate@onthaal.example"),
    ):
        click.echo(f"  {role:<13} {email}")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only print what would go; change nothing.")
@click.option("--now", "now_text", help="Pretend it is this UTC time (ISO 8601), for tests.")
@with_appcontext
def purge(dry_run: bool, now_text: str | None) -> None:
    """Apply the retention rules now (the worker does it every night): erase candidates
    past their retention period, remove rejected documents, unused links, finished imports'
    rows, expired exports and orphan files. Prints counts and candidate ids, never names."""
    from onboarding.services import retention

    now = parse_utc(now_text)
    result = retention.purge(now, dry_run=dry_run)
    counts = result.counts()
    click.echo("Dry run: nothing was changed. Would go:" if dry_run else "Purged:")
    for rule in retention.RULE_LABELS:
        click.echo(f"  {rule:<18} {counts.get(rule, 0)}")
    ids = result.candidate_ids()
    click.echo(f"  candidates erased: {', '.join(map(str, ids)) if ids else 'none'}")
    for item, why in result.failed:
        click.echo(f"  not done: {item.rule} {item.target_id or item.candidate_id}: {why}")


def _report(done: str, summary) -> None:
    click.echo(
        f"{done}: {summary.tables} tables, {summary.rows:,} rows, {summary.files:,} files, "
        f"{summary.bytes / 1_000_000:.1f} MB, schema {summary.revision}, "
        f"{summary.seconds:.1f} s"
    )


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(dest: Path) -> None:
    """Back up the embedded database and the stored files into DEST (a new folder), while
    the app runs; DEST/manifest.json lists what it holds. PostgreSQL: see the README."""
    from onboarding import backup

    created = not dest.exists()
    try:
        summary = backup.backup(dest)
    except BaseException as error:
        if created:  # a half-written backup must not pass for one
            backup.remove_partial(dest)
        if isinstance(error, backup.BackupError):
            raise click.ClickException(str(error)) from error
        raise
    _report(f"Backed up into {dest}", summary)


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(src: Path) -> None:
    """Restore the backup in SRC into this instance, which must be empty (no accounts,
    no candidates, no stored files): checks the manifest first, upgrades an older schema."""
    from onboarding import backup

    try:
        summary = backup.restore(src)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    _report(f"Restored from {src}", summary)


@click.group()
def translations() -> None:
    """Extract, update, compile and check the nl/af/en catalogs."""


def _pybabel(*args: str) -> None:
    pybabel = Path(sys.executable).with_name("pybabel")
    result = subprocess.run([str(pybabel), *args], cwd=ROOT)
    if result.returncode != 0:
        raise click.ClickException(f"pybabel {' '.join(args)} failed")


POT = "translations/messages.pot"
EXTRACT = (
    "extract", "-F", "translations/babel.cfg", "-k", "_l", "-k", "N_", "--no-location",
    "--sort-output", "--omit-header", "-o", POT, ".",
)  # fmt: skip


@translations.command("extract")
def extract() -> None:
    _pybabel(*EXTRACT)


@translations.command("update")
def update() -> None:
    _pybabel(*EXTRACT)
    _pybabel("update", "-i", POT, "-d", "translations", "--no-fuzzy-matching", "--ignore-obsolete")


@translations.command("compile")
def compile_catalogs() -> None:
    _pybabel("compile", "-d", "translations", "--statistics")
