"""Flask commands: demo data and the translation workflow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask

from onboarding import ROOT


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(translations)


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
