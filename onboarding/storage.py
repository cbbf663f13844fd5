"""Private folders under the instance folder for stored files (documents, data exports):
outside the web root, created readable by the owner only, files under random names."""

from __future__ import annotations

from pathlib import Path

from flask import current_app


def private_folder(name: str) -> Path:
    """`<instance>/<name>`, created with mode 0700 on first use."""
    path = Path(current_app.instance_path) / name
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path
