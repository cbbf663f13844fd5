"""Benchmark: rank 100,000 candidates for one project.

Prints the time of `services.matching.candidates_for` (hard filters + weighted score in SQL,
top 25 explained in Python; half the candidates have Dutch assessments, whose latest one the
ranking joins) and, on the same data, of a plain SQL filter that only applies the hard
requirements (the floor). Asserts nothing.

    .venv/bin/python bench/matching.py [--candidates 100000] [--runs 7]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/matching.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ is first on sys.path, where bench/http.py would hide the
# standard library's http: the repository's root goes there instead.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from sqlalchemy import insert, text  # noqa: E402

from onboarding import create_app  # noqa: E402
from onboarding.extensions import db  # noqa: E402
from onboarding.models import (  # noqa: E402
    Candidate,
    CandidateMunicipality,
    CandidateSkill,
    Company,
    LanguageAssessment,
    Project,
    User,
)
from onboarding.reference import LIMBURG_MUNICIPALITIES  # noqa: E402
from onboarding.services import matching  # noqa: E402
from onboarding.vocabulary import STEM_FIELDS  # noqa: E402
from workflows.onboarding import CEFR_LEVELS, PHASES  # noqa: E402

SKILLS = [f"skill {n}" for n in range(120)] + ["python", "sql", "lab work", "statistics"]
CHUNK = 5_000


def seed(count: int) -> Project:
    rng = random.Random(7)
    now = datetime.now(UTC)
    for start in range(0, count, CHUNK):
        ids = range(start + 1, min(start + CHUNK, count) + 1)
        db.session.execute(
            insert(User),
            [{"id": i, "email": f"c{i}@bench.example", "name": f"Candidate {i}",
              "role": "candidate", "locale": "en", "active": True, "created_at": now}
             for i in ids],
        )  # fmt: skip
        db.session.execute(
            insert(Candidate),
            [{"id": i, "user_id": i, "country_code": "NA", "origin_institution": "UNAM",
              "stem_field": rng.choice(STEM_FIELDS), "graduation_date": date(2025, 6, 1),
              "outreach_channel": "partner_referral",
              # most candidates are in the phases matching considers: the hard case
              "phase": rng.choice(["mentoring", "company_placement", "mentoring", *PHASES]),
              "phase_entered_at": now, "created_at": now, "version_id": 1,
              "dutch_level": rng.choice([None, *CEFR_LEVELS]),
              "available_from": date.today() + timedelta(days=rng.randint(0, 120))}
             for i in ids],
        )  # fmt: skip
        db.session.execute(
            insert(CandidateSkill),
            [{"candidate_id": i, "skill": s} for i in ids for s in rng.sample(SKILLS, 3)],
        )
        # Half the candidates have assessments (one to three): the latest one counts, the
        # others' declared level one step lower (the ranking joins the latest per candidate).
        db.session.execute(
            insert(LanguageAssessment),
            [{"candidate_id": i, "level": rng.choice(CEFR_LEVELS),
              "assessed_on": date.today() - timedelta(days=30 * n), "created_at": now}
             for i in ids if rng.random() < 0.5 for n in range(rng.randint(1, 3))],
        )  # fmt: skip
        db.session.execute(
            insert(CandidateMunicipality),
            [{"candidate_id": i, "municipality": rng.choice(LIMBURG_MUNICIPALITIES)}
             for i in ids if rng.random() < 0.7],
        )  # fmt: skip
        db.session.commit()
    company = Company(name="Bench Energy", municipality="Genk", sector="Energy")
    project = Project(company=company, title="Grid storage", stem_fields=["energy", "physics"],
                      skills=["python", "statistics", "skill 3"], min_dutch_level="B1",
                      start_date=date.today() + timedelta(days=45), seats=3)  # fmt: skip
    db.session.add(project)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return project


def timed(func, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        db.session.expire_all()
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="onthaal-bench-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"}, instance_path=workdir)
    import flask_migrate

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        flask_migrate.upgrade()
        started = time.perf_counter()
        project = seed(args.candidates)
        seeded = time.perf_counter() - started
        ranked_time, ranked = timed(lambda: matching.candidates_for(project), args.runs)
        floor_time, floor = timed(lambda: matching.plain_filter_ids(project), args.runs)
        print(f"database: {db.engine.dialect.name}; candidates: {args.candidates:,} "
              f"(seeded in {seeded:.1f} s)")  # fmt: skip
        print(f"ranking for one project (score in SQL, top 25 explained): "
              f"{ranked_time * 1000:7.1f} ms  (median of {args.runs})")  # fmt: skip
        print(f"plain SQL filter, hard requirements only (floor):       "
              f"{floor_time * 1000:7.1f} ms")  # fmt: skip
        print(f"ratio: {ranked_time / floor_time:.1f}x; best score {ranked[0].score:.1f}, "
              f"{len(ranked)} ranked, {len(floor)} filtered")  # fmt: skip
        db.session.remove()


if __name__ == "__main__":
    main()
