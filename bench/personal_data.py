"""Benchmark: what the personal-data lifecycle costs (issue 11).

On a temporary SQLite file (or the PostgreSQL database in BENCH_DATABASE_URL, which it
empties), seeds one candidate with D documents of S MB each and N withdrawn candidates whose
retention has run out, then times: building the candidate's export ZIP in the worker, erasing
that candidate, and the nightly purge (dry run, then for real) over the N others. Prints the
figures; asserts nothing about time.

    .venv/bin/python bench/personal_data.py [--documents 20] [--megabytes 1] [--candidates 200]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ is first on sys.path, where bench/http.py would hide the
# standard library's http: the repository's root goes there instead.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from onboarding import create_app  # noqa: E402
from onboarding.db import transaction  # noqa: E402
from onboarding.extensions import db  # noqa: E402
from onboarding.models import Candidate, DataExport, Document, User, utcnow  # noqa: E402
from onboarding.services import data_export, erasure, jobs, retention  # noqa: E402
from onboarding.storage import private_folder  # noqa: E402
from tests.conftest import migrate_fresh  # noqa: E402
from tests.factories import make_candidate, make_user  # noqa: E402


def seed(documents: int, megabytes: float, withdrawn: int) -> int:
    candidate = make_candidate(phase="mentoring", name="Bench Candidate")
    folder = private_folder("documents")
    content = b"%PDF-1.4\n" + secrets.token_bytes(int(megabytes * 1024 * 1024))
    for index in range(documents):
        stored = secrets.token_hex(24)
        (folder / stored).write_bytes(content)
        db.session.add(
            Document(candidate_id=candidate.id, kind="cv", original_name=f"cv-{index}.pdf",
                     stored_name=stored, content_type="application/pdf", size=len(content),
                     sha256="0" * 64, status="pending")
        )  # fmt: skip
    long_ago = utcnow() - timedelta(days=400)
    for _index in range(withdrawn):
        make_candidate(phase="withdrawn", phase_entered_at=long_ago)
    db.session.commit()
    return candidate.id


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--candidates", type=int, default=200)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url}, instance_path=f"{folder}/instance")
        migrate_fresh(app)
        with app.app_context():
            candidate_id = seed(options.documents, options.megabytes, options.candidates)
            staff_id = make_user("staff").id
            with transaction():
                candidate = db.session.get(Candidate, candidate_id)
                data_export.request_export(db.session.get(User, staff_id), candidate, "bench")
            _ran, build = timed(lambda: jobs.work())
            export = db.session.query(DataExport).one()
            print(f"database: {db.engine.dialect.name}")
            size = (export.size or 0) / 1024 / 1024
            print(f"export: {options.documents} documents of {options.megabytes:g} MB → ZIP of "
                  f"{size:.1f} MB in {build:.2f} s ({export.status})")  # fmt: skip

            def erase() -> None:
                with transaction():
                    erasure.erase(db.session.get(User, staff_id),
                                  db.session.get(Candidate, candidate_id))  # fmt: skip

            _none, took = timed(erase)
            print(f"erasure of that candidate (with its files): {took * 1000:.0f} ms")
            _plan, dry = timed(lambda: retention.purge(dry_run=True))
            print(f"purge dry run over {options.candidates} due candidates: {dry:.2f} s")
            _done, real = timed(lambda: retention.purge())
            per = real / max(options.candidates, 1) * 1000
            print(f"purge: {real:.2f} s ({per:.1f} ms per candidate, one transaction each)")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
