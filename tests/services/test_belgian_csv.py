"""CSV for Belgian Excel and for machines (onboarding/csvfiles.py), the import's columns and
labels (services/imports/columns.py), and the candidates export read back by the import."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale

from onboarding import csvfiles
from onboarding.db import transaction
from onboarding.extensions import db
from onboarding.models import Candidate, User
from onboarding.services import board, exports, imports
from onboarding.services.imports.reading import decode, read_rows
from onboarding.services.imports.rows import check_rows
from tests.conftest import PG_URL, migrate_fresh, test_config
from tests.factories import make_candidate, make_partner, make_user


def parsed(text: str, delimiter: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=delimiter))


# -- the two forms ----------------------------------------------------------------------------


def test_the_machine_form_is_comma_iso_and_utc(ctx):
    moment = datetime(2027, 4, 18, 7, 0, 59, tzinfo=UTC)  # 09:00 in Brussels
    text = csvfiles.to_csv(["Due", "Day", "Days"], [[moment, date(2026, 10, 12), Decimal("20.0")]])
    assert parsed(text, ",") == [["Due", "Day", "Days"],
                                 ["2027-04-18T07:00+00:00", "2026-10-12", "20.0"]]  # fmt: skip
    assert csvfiles.form_from({}) is csvfiles.MACHINE
    assert csvfiles.form_from({"format": "nonsense"}) is csvfiles.MACHINE


@pytest.mark.parametrize(
    ("locale", "moment", "day"),
    [
        ("nl", "18/04/2027 09:00", "12/10/2026"),
        ("en", "18/04/2027 09:00", "12/10/2026"),
        ("af", "2027-04-18 09:00", "2026-10-12"),
    ],
)
def test_the_excel_form_is_semicolon_local_time_and_decimal_commas(ctx, locale, moment, day):
    due = datetime(2027, 4, 18, 7, 0, 59, tzinfo=UTC)
    naive_utc = datetime(2027, 4, 18, 7, 0)  # stored moments without a zone are UTC
    form = csvfiles.form_from({"format": "excel"})
    assert form is csvfiles.EXCEL
    with force_locale(locale):
        text = csvfiles.to_csv(
            ["Due", "Day", "Days", "Count", "Note"],
            [
                [due, date(2026, 10, 12), Decimal("20.5"), 1234, "a; b"],
                [naive_utc, None, 0.5, -3, ""],
            ],
            form,
        )
    rows = parsed(text, ";")
    assert rows[1] == [moment, day, "20,5", "1234", "a; b"]
    assert rows[2] == [moment, "", "0,5", "-3", ""]
    assert '"a; b"' in text  # a cell with the separator is quoted, as Excel reads it
    assert ":59" not in text
    assert csvfiles.filename("candidates.csv", form) == "candidates-excel.csv"
    assert csvfiles.filename("candidates.csv", csvfiles.MACHINE) == "candidates.csv"


@pytest.mark.parametrize(
    ("value", "guarded"),
    [
        ("=1+1", "'=1+1"),
        ('ok;=HYPERLINK("x")', 'ok;\'=HYPERLINK("x")'),
        ("ok,+1", "ok,'+1"),
        ("ok\t=cmd", "ok\t'=cmd"),  # the review's L2: a tab, a line break, a ";"
        ("first line\n=cmd", "first line\n'=cmd"),
        ("first line\r\n@SUM(A1)", "first line\r\n'@SUM(A1)"),
        ("a - b", "a - b"),
        ("2+2", "2+2"),
    ],
)
def test_every_piece_that_could_start_a_formula_is_guarded_in_both_forms(ctx, value, guarded):
    for form in (csvfiles.MACHINE, csvfiles.EXCEL):
        rows = parsed(csvfiles.to_csv(["x"], [[value]], form), form.delimiter)
        assert rows[1] == [guarded]
    assert csvfiles.cell(-5) == "-5"  # a number is data, never a formula


# -- the import's columns and labels ----------------------------------------------------------


def row_values(**overrides) -> dict[str, str]:
    values = {
        "name": "Hilma Amupolo", "email": "hilma@example.org", "country": "NA",
        "origin_institution": "UNAM", "stem_field": "computer_science",
        "graduation_date": "2025-06-30", "outreach_channel": "partner_referral",
        "language": "", "consent": "",
    }  # fmt: skip
    return {**values, **overrides}


@pytest.mark.parametrize(
    "stem_field",
    ["computer_science", "Computer science", "COMPUTER SCIENCE", "Informatica", "informatica",
     "Rekenaarwetenskap", "computer-science"],
)  # fmt: skip
def test_a_choice_is_its_code_or_its_label_in_any_language_and_case(ctx, stem_field):
    ready, errors = check_rows([(2, row_values(stem_field=stem_field))])
    assert errors == []
    assert ready[0]["stem_field"] == "computer_science"


def test_every_choice_column_reads_labels(ctx):
    values = row_values(
        outreach_channel="Doorverwijzing door partner",
        language="Nederlands",
        consent="Ja",
        graduation_date="30/06/2025",
    )
    ready, errors = check_rows([(2, values)])
    assert errors == []
    assert (ready[0]["outreach_channel"], ready[0]["locale"], ready[0]["consent"]) == (
        "partner_referral", "nl", True,
    )  # fmt: skip
    assert ready[0]["graduation_date"] == "2025-06-30"


@pytest.mark.parametrize(("locale", "label"), [("nl", "Informatica"), ("en", "Computer science")])
def test_a_wrong_choice_names_the_labels_in_the_readers_language(ctx, locale, label):
    _ready, errors = check_rows([(2, row_values(stem_field="rocket science"))])
    (problem,) = errors[0]["problems"]
    with force_locale(locale):
        text = imports.problem_text(problem)
    assert f"“{label}”" in text
    assert "computer_science" not in text


def test_an_old_stored_choice_problem_still_reads(ctx):
    problem = {"code": "choice_invalid", "column": "stem_field", "value": "x", "allowed": "a, b"}
    assert imports.problem_text(problem) == "stem_field: “x” is not one of: a, b."


def test_headers_are_keys_or_labels_in_any_language(ctx):
    with force_locale("nl"):
        excel_header = ";".join(str(c.label) for c in imports.columns.COLUMNS)
    text = excel_header + "\r\n" + ";".join(["Zoë", "zoe@example.org", "ZA", "SU",
                                             "Data science", "15/12/2024", "Kennistoerisme",
                                             "Afrikaans", "nee"])  # fmt: skip
    ((number, values),) = read_rows(text)
    assert number == 2
    assert values["stem_field"] == "Data science" and values["language"] == "Afrikaans"
    ready, errors = check_rows([(number, values)])
    assert errors == []
    assert ready[0]["locale"] == "af" and ready[0]["consent"] is False


@pytest.mark.parametrize("form", [csvfiles.MACHINE, csvfiles.EXCEL])
@pytest.mark.parametrize("locale", ["nl", "af", "en"])
def test_the_template_file_imports_as_it_is(ctx, form, locale):
    with force_locale(locale):
        template = imports.template_csv(form)
    rows = read_rows(decode(template.encode("utf-8")))
    ready, errors = check_rows(rows)
    assert errors == []
    assert ready == [{
        "row": 2, "name": "Hilma Amupolo", "email": "hilma.amupolo@example.org",
        "country_code": "NA", "origin_institution": "University of Namibia",
        "stem_field": "computer_science", "graduation_date": "2025-06-30",
        "outreach_channel": "partner_referral", "locale": "en", "consent": True,
    }]  # fmt: skip


# -- the candidates export read back ----------------------------------------------------------

PEOPLE = [
    dict(name="Hilma Amupolo", email="hilma@example.org", country="NA", locale="nl",
         stem_field="computer_science", outreach_channel="knowledge_tourism",
         graduation_date=date(2025, 6, 30), origin_institution="=University; of Namibia"),
    dict(name="Zoë Müller-Nkosi", email="zoe@example.org", country="ZA", locale="af",
         stem_field="data_science", outreach_channel="partner_referral",
         graduation_date=date(2024, 12, 15), consent=False, phase="mentoring"),
]  # fmt: skip


def expected_rows() -> list[dict]:
    return [
        {"name": p["name"], "email": p["email"], "country_code": p["country"],
         "origin_institution": p.get("origin_institution", "University of Namibia"),
         "stem_field": p["stem_field"], "graduation_date": p["graduation_date"].isoformat(),
         "outreach_channel": p["outreach_channel"], "locale": p["locale"],
         "consent": p.get("consent", True)}
        for p in PEOPLE
    ]  # fmt: skip


def exported(form: csvfiles.CsvForm, locale: str = "en") -> bytes:
    with force_locale(locale):
        return exports.candidates_csv(board.BoardFilter(), form).encode("utf-8")


FORMS_AND_LOCALES = [(csvfiles.MACHINE, "en"), (csvfiles.EXCEL, "nl"), (csvfiles.EXCEL, "af")]


@pytest.mark.parametrize(("form", "locale"), FORMS_AND_LOCALES)
def test_an_export_of_candidates_previews_as_duplicates_of_the_same_people(ctx, form, locale):
    staff = make_user("staff")
    partner = make_partner(staff=staff)
    for person in PEOPLE:
        make_candidate(**person)
    with transaction():
        job = imports.preview(staff, filename="candidates.csv", content=exported(form, locale),
                              partner_id=partner.id, campaign_id=None)  # fmt: skip
    assert job.rows == []
    problems = {entry["row"]: entry["problems"] for entry in job.errors}
    assert sorted(problems) == [2, 3]
    # Every value is read; the only problem is that these people are registered already.
    assert all([p["code"] for p in found] == ["email_taken"] for found in problems.values())


@pytest.fixture
def fresh_app(request, tmp_path, smtp_server):
    """A second, empty database (PostgreSQL when the suite runs on it, else a SQLite file)."""
    if PG_URL:
        yield request.getfixturevalue("fresh_pg_app")
        return
    from onboarding import create_app

    app = create_app(
        test_config(f"sqlite:///{tmp_path / 'fresh.db'}", smtp_server.port),
        instance_path=str(tmp_path),
    )
    migrate_fresh(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(("form", "locale"), [(csvfiles.MACHINE, "en"), (csvfiles.EXCEL, "nl")])
def test_an_export_of_candidates_imports_into_a_fresh_database(app, rollback, fresh_app, outbox,
                                                               form, locale):  # fmt: skip
    with app.app_context():
        for person in PEOPLE:
            make_candidate(**person)
        content = exported(form, locale)
        db.session.remove()
    with fresh_app.app_context():
        staff = make_user("staff")
        partner = make_partner(staff=staff)
        with transaction():
            job = imports.preview(staff, filename="candidates.csv", content=content,
                                  partner_id=partner.id, campaign_id=None)  # fmt: skip
        assert job.errors == []
        assert [{k: v for k, v in row.items() if k != "row"} for row in job.rows] == (
            expected_rows()
        )
        job_id, staff_id = job.id, staff.id
        with transaction():
            imports.claim(staff, job_id)
        db.session.commit()
        with transaction():
            finished = imports.run_import(job_id, staff_id)
        assert finished.status == "done"
        imported = {
            c.user.email: c
            for c in db.session.scalars(
                db.select(Candidate).join(User, Candidate.user_id == User.id)
            )
        }
        assert set(imported) == {"hilma@example.org", "zoe@example.org"}
        hilma = imported["hilma@example.org"]
        assert (hilma.stem_field, hilma.outreach_channel, hilma.user.locale) == (
            "computer_science", "knowledge_tourism", "nl",
        )  # fmt: skip
        assert hilma.origin_institution == "=University; of Namibia"  # the guard is undone
        assert hilma.consent_at is not None and imported["zoe@example.org"].consent_at is None
        db.session.remove()
