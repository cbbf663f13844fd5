"""The board at scale (issue 15): what the database keeps for it — each candidate's sort
name and search text, the counts per phase and country — stays right whatever writes the
rows (the ORM, a bulk insert, a phase change, a correction, an erasure, a delete), and the
paged board shows exactly what the whole ordered query shows, page after page, for every
filter and order."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, insert, select

from onboarding.db import fold_counts, summed_counts
from onboarding.extensions import db
from onboarding.models import BoardCount, Candidate, User
from onboarding.services import board, erasure, workflow
from tests.factories import make_candidate, make_user

NAMES = ["Zanele Dube", "anke Pretorius", "Émile Botha", "Johanna van Wyk", "Tendai Moyo",
         "pieter botha", "Nomsa Dube", "Thabo Nkosi", "Lerato Mokoena", "Chipo Banda"]  # fmt: skip
PHASES = ["outreach", "language_immersion", "mentoring", "company_placement", "placed"]
COUNTRIES = ["NA", "ZA", "BW", "NL"]


def counted() -> dict[tuple[str, str], int]:
    return summed_counts(BoardCount, "phase", "country_code")


def actual() -> dict[tuple[str, str], int]:
    rows = db.session.execute(
        select(Candidate.phase, Candidate.country_code, func.count(Candidate.id))
        .where(Candidate.erased_at.is_(None))
        .group_by(Candidate.phase, Candidate.country_code)
    )
    return {(phase, country): n for phase, country, n in rows}


def texts_agree() -> bool:
    """Every candidate's sort name and search text are what the account and row say."""
    rows = db.session.execute(
        select(Candidate.sort_name, Candidate.search_text, User.name, User.email,
               Candidate.origin_institution).join(User, Candidate.user_id == User.id)
    ).all()  # fmt: skip
    assert rows
    # The database's own lower() is the reference (ASCII only on SQLite, as the search was).
    for sort_name, search_text, name, email, institution in rows:
        expected_name = db.session.scalar(select(func.lower(name)))
        expected = "\n".join(
            db.session.scalar(select(func.lower(value))) for value in (name, email, institution)
        )
        if sort_name != expected_name or search_text != expected:
            return False
    return True


@pytest.fixture
def crowd(ctx):
    staff = make_user("staff")
    mentor = make_user("mentor", mentor_capacity=100)
    people = []
    for index in range(24):
        people.append(
            make_candidate(name=f"{NAMES[index % len(NAMES)]} {index // len(NAMES)}",
                           phase=PHASES[index % 5], country=COUNTRIES[index % 4],
                           mentor=mentor if index % 3 == 0 else None,
                           origin_institution=["UNAM", "Stellenbosch", "UB"][index % 3])
        )  # fmt: skip
    return {"staff": staff, "mentor": mentor, "people": people}


def test_the_counts_and_texts_follow_every_kind_of_write(crowd):
    assert counted() == actual() and texts_agree()
    staff, people = crowd["staff"], crowd["people"]
    # A bulk insert (as an import or the benchmark writes), beside the ORM's.
    user_id = db.session.scalar(
        insert(User).values(email="bulk@example.org", name="Bulk Person", role="candidate",
                            locale="en", active=True).returning(User.id)
    )  # fmt: skip
    db.session.execute(insert(Candidate), [{"user_id": user_id, "country_code": "ZM",
                                            "origin_institution": "UNZA", "stem_field": "physics",
                                            "graduation_date": date(2025, 6, 30),
                                            "outreach_channel": "partner_referral",
                                            "phase": "outreach", "version_id": 1}])  # fmt: skip
    db.session.commit()
    assert counted() == actual() and texts_agree()
    # A phase change through the service path, a correction of country and institution, a
    # new name and email.
    first = people[0]
    workflow.fire(staff, first.id, "start_immersion", expected_version=first.version_id)
    db.session.commit()
    people[1].country_code = "ZW"
    people[1].origin_institution = "University of Zimbabwe"
    people[2].user.name = "Renamed Person"
    people[2].user.email = "renamed@example.org"
    db.session.commit()
    assert counted() == actual() and texts_agree()
    # An erasure leaves the board (and its counts); a deleted row too.
    erasure.erase(staff, people[3])
    db.session.commit()
    lone = make_candidate(name="Short Lived", country="DE", consent=False)
    db.session.delete(lone)
    db.session.commit()
    assert counted() == actual() and texts_agree()
    assert ("outreach", "DE") not in counted()
    # The worker folds the +1/-1 rows into one per phase and country; nothing changes.
    assert fold_counts(BoardCount, "phase", "country_code") > len(actual())
    rows = db.session.execute(select(BoardCount.phase, BoardCount.country_code)).all()
    assert len(rows) == len(set(rows)) == len(actual())
    assert counted() == actual()


def test_opposite_phase_changes_at_once_neither_wait_nor_deadlock(fresh_pg_app):
    """One candidate of a country goes on hold while another of the same country comes back
    from hold, at once: with a counter row per phase and country updated in place the second
    would wait for the first (or, the other way round, deadlock); with rows appended it
    commits at once and both count."""
    from sqlalchemy import text, update

    pg_app = fresh_pg_app
    with pg_app.app_context():
        leaving = make_candidate(phase="mentoring", country="NA").id
        back = make_candidate(phase="on_hold", country="NA", paused_from="mentoring").id
        engine = db.engine
        db.session.remove()
    with engine.connect() as first, engine.connect() as second:
        for connection in (first, second):
            connection.execute(text("SET lock_timeout = '2s'"))
        first.execute(update(Candidate).where(Candidate.id == leaving).values(phase="on_hold"))
        second.execute(update(Candidate).where(Candidate.id == back).values(phase="mentoring"))
        second.commit()  # while `first` still holds its change of the same two phases
        first.commit()
    with pg_app.app_context():
        assert counted() == actual() == {("on_hold", "NA"): 1, ("mentoring", "NA"): 1}
        db.session.remove()


FILTERS = [
    board.BoardFilter(),
    board.BoardFilter(phase="mentoring"),
    board.BoardFilter(country="ZA"),
    board.BoardFilter(phase="outreach", country="NA"),
    board.BoardFilter(search="botha"),
    board.BoardFilter(search="unam"),
    board.BoardFilter(search="100%_"),
    board.BoardFilter(without_mentor=True),
    *(board.BoardFilter(sort=sort) for sort in board.SORTS),
    board.BoardFilter(sort="-country", phase="placed"),
]


@pytest.mark.parametrize("board_filter", FILTERS, ids=repr)
def test_the_paged_board_is_the_whole_ordered_board_cut_in_pages(crowd, board_filter):
    countries = sorted(board.countries_in_use(), reverse=True)  # any reading order
    whole = [c.id for c in db.session.scalars(board.board_query(board_filter, countries)).unique()]
    seen, page = [], 1
    while True:
        current = board.board_page(
            board.BoardFilter(**{**board_filter.__dict__, "page": page}), 5, countries
        )
        assert current.total == len(whole)
        seen.extend(c.id for c in current.items)
        if not current.has_next:
            break
        page += 1
    assert seen == whole
    # Beyond the last page: the last page.
    beyond = board.board_page(board.BoardFilter(**{**board_filter.__dict__, "page": 999}), 5,
                              countries)  # fmt: skip
    assert [c.id for c in beyond.items] == (whole[-(len(whole) % 5 or 5) :] if whole else [])
    assert sum(board.phase_counts(board_filter).values()) == len(
        [c for c in db.session.scalars(board.board_query(
            board.BoardFilter(**{**board_filter.__dict__, "phase": None}), countries)).unique()]
    )  # fmt: skip
