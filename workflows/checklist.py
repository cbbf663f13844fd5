"""The document checklist: which documents a candidate must hand in, by country of origin.

Requirements are data. Everyone hands in the same basic documents; candidates from outside
the EU/EEA and Switzerland also need a single permit (the combined work and residence
permit Belgium issues for stays over 90 days) and recognition of their diploma. A separate
work permit is only for special cases, so it may be uploaded but is not on the checklist.

An item is done when a document of its kind has been verified by the welcome desk.
`build(country_code, documents)` reads any objects with `kind`, `status`,
`rejection_reason` and `uploaded_at`, so it is tested with plain objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from workflows.i18n import N_

KINDS = (
    "passport",
    "diploma",
    "transcript",
    "language_certificate",
    "cv",
    "work_permit",
    "single_permit",
    "diploma_recognition",
    # Proofs of the relocation plan's steps (workflows/relocation.py).
    "trainee_permit",
    "orientation_year_card",
    "d_visa",
    "residence_card",
    "health_insurance",
)
KIND_LABELS = {
    "passport": N_("Passport or identity card"),
    "diploma": N_("Diploma"),
    "transcript": N_("Transcript of records"),
    "language_certificate": N_("Language certificate"),
    "cv": N_("CV"),
    "work_permit": N_("Work permit"),
    "single_permit": N_("Single permit (work and residence)"),
    "diploma_recognition": N_("Diploma recognition (NARIC-Vlaanderen)"),
    "trainee_permit": N_("Trainee permit"),
    "orientation_year_card": N_("Orientation year residence card"),
    "d_visa": N_("D visa (long stay)"),
    "residence_card": N_("Residence card"),
    "health_insurance": N_("Health insurance membership certificate"),
}

# Document statuses (the same values as the documents table allows).
PENDING = "pending"
VERIFIED = "verified"
REJECTED = "rejected"

# Checklist item statuses.
DONE = "done"
IN_REVIEW = "pending"
REFUSED = "rejected"
MISSING = "missing"
ITEM_STATUSES = (DONE, IN_REVIEW, REFUSED, MISSING)

# EU member states (ISO 3166-1; Greece is GR, not the EU's own "EL"), the other EEA states
# and Switzerland: their citizens need no permit to work in Belgium.
EU = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})  # fmt: skip
EEA_NOT_EU = frozenset({"IS", "LI", "NO"})
FREE_MOVEMENT = EU | EEA_NOT_EU | {"CH"}

EVERYONE = "everyone"
OUTSIDE_FREE_MOVEMENT = "outside_eu_eea"


@dataclass(frozen=True)
class Requirement:
    kind: str
    applies_to: str  # EVERYONE | OUTSIDE_FREE_MOVEMENT


REQUIREMENTS = (
    Requirement("passport", EVERYONE),
    Requirement("diploma", EVERYONE),
    Requirement("transcript", EVERYONE),
    Requirement("language_certificate", EVERYONE),
    Requirement("cv", EVERYONE),
    Requirement("single_permit", OUTSIDE_FREE_MOVEMENT),
    Requirement("diploma_recognition", OUTSIDE_FREE_MOVEMENT),
)


class DocumentLike(Protocol):
    kind: str
    status: str
    rejection_reason: str | None
    uploaded_at: datetime


@dataclass(frozen=True)
class ChecklistItem:
    kind: str
    label: str  # a msgid: translate it where it is shown
    status: str  # one of ITEM_STATUSES
    reason: str | None = None  # why the latest document of this kind was rejected

    @property
    def done(self) -> bool:
        return self.status == DONE


@dataclass(frozen=True)
class Checklist:
    items: tuple[ChecklistItem, ...]
    done: int
    total: int

    def _count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def pending(self) -> int:
        """Items waiting for the welcome desk's review."""
        return self._count(IN_REVIEW)

    @property
    def rejected(self) -> int:
        return self._count(REFUSED)

    @property
    def missing(self) -> int:
        return self._count(MISSING)

    @property
    def complete(self) -> bool:
        return self.done == self.total

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def free_movement(country_code: str) -> bool:
    """Whether citizens of this country may work in Belgium without a permit."""
    return (country_code or "").upper() in FREE_MOVEMENT


# The permit each residence route (`workflows.relocation.ROUTES`) is proved by; before a
# route is chosen the checklist asks for the single permit, the usual route.
ROUTE_PERMITS = {
    "highly_skilled": "single_permit",
    "trainee": "trainee_permit",
    "orientation_year": "orientation_year_card",
}


def required_kinds(country_code: str, route: str | None = None) -> tuple[str, ...]:
    exempt = free_movement(country_code)
    permit = ROUTE_PERMITS.get(route or "", "single_permit")
    return tuple(
        permit if r.kind == "single_permit" else r.kind
        for r in REQUIREMENTS
        if r.applies_to == EVERYONE or (r.applies_to == OUTSIDE_FREE_MOVEMENT and not exempt)
    )


def item_status(documents: Iterable[DocumentLike]) -> tuple[str, str | None]:
    """The status of one checklist item, from the documents of its kind."""
    documents = sorted(documents, key=lambda d: d.uploaded_at)
    if any(d.status == VERIFIED for d in documents):
        return DONE, None
    if any(d.status == PENDING for d in documents):
        return IN_REVIEW, None
    if documents:  # all rejected: show the latest reason
        return REFUSED, documents[-1].rejection_reason
    return MISSING, None


def build(
    country_code: str, documents: Iterable[DocumentLike], route: str | None = None
) -> Checklist:
    by_kind: dict[str, list[DocumentLike]] = {}
    for document in documents:
        by_kind.setdefault(document.kind, []).append(document)
    items = []
    for kind in required_kinds(country_code, route):
        status, reason = item_status(by_kind.get(kind, ()))
        items.append(ChecklistItem(kind, KIND_LABELS[kind], status, reason))
    return Checklist(items=tuple(items), done=sum(1 for i in items if i.done), total=len(items))
