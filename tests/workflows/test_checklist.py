"""The document checklist as data: who needs what, and when an item is done.

Plain objects stand in for document rows; no Flask, no database.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from workflows import checklist
from workflows.checklist import (
    DONE,
    FREE_MOVEMENT,
    IN_REVIEW,
    KIND_LABELS,
    KINDS,
    MISSING,
    REFUSED,
    REQUIREMENTS,
    build,
    free_movement,
    item_status,
    required_kinds,
)

REPO = Path(__file__).resolve().parents[2]
BASIC = ("passport", "diploma", "transcript", "language_certificate", "cv")
NON_EU_EXTRA = ("single_permit", "diploma_recognition")
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Doc:
    kind: str
    status: str = "pending"
    rejection_reason: str | None = None
    minutes: int = 0  # uploaded this many minutes after START

    @property
    def uploaded_at(self) -> datetime:
        return START + timedelta(minutes=self.minutes)


# -- who needs what -------------------------------------------------------------------------


@pytest.mark.parametrize("country", ["NA", "ZA", "BW", "ZM", "ZW", "GB", "US", "IN"])
def test_outside_the_eu_eea_needs_a_permit_and_recognition(country):
    assert not free_movement(country)
    assert required_kinds(country) == (*BASIC, *NON_EU_EXTRA)


@pytest.mark.parametrize("country", ["NL", "DE", "BE", "FR", "LU", "GR", "NO", "IS", "LI", "CH"])
def test_eu_eea_and_swiss_need_no_permit_or_recognition(country):
    assert free_movement(country)
    assert required_kinds(country) == BASIC


def test_free_movement_is_the_27_eu_states_the_3_other_eea_states_and_switzerland():
    assert len(checklist.EU) == 27
    assert sorted(checklist.EEA_NOT_EU) == ["IS", "LI", "NO"]
    assert len(FREE_MOVEMENT) == 31
    assert "GB" not in FREE_MOVEMENT  # no longer since Brexit
    assert "EL" not in FREE_MOVEMENT  # Greece is GR in ISO 3166-1
    assert all(len(code) == 2 and code.isupper() for code in FREE_MOVEMENT)


def test_country_codes_are_read_in_any_case():
    assert required_kinds("nl") == BASIC
    assert required_kinds("na") == (*BASIC, *NON_EU_EXTRA)
    assert required_kinds("") == (*BASIC, *NON_EU_EXTRA)  # unknown: the full list


def test_every_kind_has_a_label_and_requirements_name_known_kinds():
    assert set(KIND_LABELS) == set(KINDS)
    assert {r.kind for r in REQUIREMENTS} <= set(KINDS)
    assert len({r.kind for r in REQUIREMENTS}) == len(REQUIREMENTS)
    # A separate work permit may be uploaded, but nobody is required to have one.
    assert "work_permit" not in required_kinds("NA")


# -- item status ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("documents", "expected"),
    [
        ([], (MISSING, None)),
        ([Doc("cv")], (IN_REVIEW, None)),
        ([Doc("cv", "verified")], (DONE, None)),
        ([Doc("cv", "rejected", "Blurred")], (REFUSED, "Blurred")),
        # the latest rejection's reason is shown
        ([Doc("cv", "rejected", "Old", 1), Doc("cv", "rejected", "New", 2)], (REFUSED, "New")),
        ([Doc("cv", "rejected", "New", 2), Doc("cv", "rejected", "Old", 1)], (REFUSED, "New")),
        # a new upload after a rejection waits for review again
        ([Doc("cv", "rejected", "Blurred", 1), Doc("cv", "pending", None, 2)], (IN_REVIEW, None)),
        # one verified document is enough, whatever else was uploaded
        ([Doc("cv", "verified", None, 1), Doc("cv", "rejected", "Copy", 2)], (DONE, None)),
        ([Doc("cv", "pending", None, 2), Doc("cv", "verified", None, 1)], (DONE, None)),
    ],
)
def test_item_status(documents, expected):
    assert item_status(documents) == expected


# -- the whole checklist --------------------------------------------------------------------


def test_empty_checklist_for_a_namibian_candidate():
    result = build("NA", [])
    assert [item.kind for item in result.items] == [*BASIC, *NON_EU_EXTRA]
    assert (result.done, result.total) == (0, 7)
    assert (result.pending, result.rejected, result.missing) == (0, 0, 7)
    assert not result.complete
    assert result.percent == 0


def test_progress_counts_verified_pending_and_rejected_items():
    documents = [
        Doc("passport", "verified"),
        Doc("diploma", "verified"),
        Doc("transcript", "pending"),
        Doc("cv", "rejected", "Please send the English version."),
        Doc("work_permit", "verified"),  # not on the checklist: counts for nothing
    ]
    result = build("ZA", documents)
    assert (result.done, result.total) == (2, 7)
    assert (result.pending, result.rejected, result.missing) == (1, 1, 3)
    cv = next(item for item in result.items if item.kind == "cv")
    assert (cv.status, cv.reason) == (REFUSED, "Please send the English version.")
    assert cv.label == KIND_LABELS["cv"]
    assert result.percent == 29


def test_a_dutch_candidate_is_complete_with_the_five_basic_documents():
    result = build("NL", [Doc(kind, "verified") for kind in BASIC])
    assert (result.done, result.total) == (5, 5)
    assert result.complete
    assert result.percent == 100
    assert all(item.done for item in result.items)


def test_checklist_module_imports_neither_flask_nor_sqlalchemy_nor_the_app():
    code = (
        "import json, sys\n"
        "import workflows.checklist\n"
        "names = [m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'flask_babel', 'sqlalchemy', 'flask_sqlalchemy', 'onboarding')]\n"
        "print(json.dumps(sorted(names)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(result.stdout) == []
