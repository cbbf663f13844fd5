"""The desk edits the rule rows behind the relocation plan's figures (a deadline, a fee, a
salary threshold, a validity): each row has its value, the day it takes effect, a source
address and the day someone last checked it. Every change is kept in
`relocation_rule_changes` (before and after), and every plan with deadlines is refreshed in
the same transaction, so the board's overdue steps follow the new figure at once.

The desk also records where a newcomer goes for help in each Limburg municipality.
Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from onboarding.db import flush_unique
from onboarding.extensions import db
from onboarding.models import (
    MunicipalityHelp,
    RelocationRule,
    RelocationRuleChange,
    User,
    utcnow,
)
from onboarding.reference import LIMBURG_MUNICIPALITIES
from onboarding.services import relocation
from onboarding.services.access import get_or_not_found, require_role
from onboarding.services.errors import Refused
from onboarding.vocabulary import HELP_KINDS
from workflows.dates import programme_today
from workflows.relocation import RULE_KEYS

# The largest figure a rule row holds (Numeric(12, 2)).
MAX_VALUE = Decimal("9999999999.99")


@dataclass(frozen=True)
class RuleData:
    key: str
    value: Decimal
    effective_from: date
    source_url: str
    checked_on: date | None
    verified: bool
    note: str = ""


def _snapshot(row: RelocationRule) -> dict:
    return {
        "value": str(row.value),
        "effective_from": row.effective_from.isoformat(),
        "source_url": row.source_url,
        "checked_on": row.checked_on.isoformat() if row.checked_on else None,
        "verified": row.verified,
        "note": row.note or "",
    }


def _check(data: RuleData) -> None:
    if data.key not in RULE_KEYS:
        raise Refused(_("Choose one of the rules."))
    if data.value < 0 or data.value > MAX_VALUE:
        raise Refused(_("The value must be zero or more."))
    if not data.source_url.startswith(("https://", "http://")):
        raise Refused(_("Give the address of the source, starting with https://."))
    if data.checked_on is not None and data.checked_on > programme_today():
        raise Refused(_("The date cannot be in the future."))


def _history(actor: User, key: str, action: str, before: dict | None, after: dict | None):
    db.session.add(
        RelocationRuleChange(
            key=key, action=action, before=before, after=after, changed_by_id=actor.id
        )
    )


def _changed(actor: User, row: RelocationRule) -> None:
    row.updated_at = utcnow()
    row.updated_by_id = actor.id
    flush_unique(_("This rule already has a row that takes effect on that day."))
    relocation.refresh_all()


def rules() -> list[RelocationRule]:
    """Every row, by rule and then by the day it takes effect."""
    return list(
        db.session.scalars(
            select(RelocationRule)
            .options(joinedload(RelocationRule.updated_by))
            .order_by(RelocationRule.key, RelocationRule.effective_from)
        )
    )


def changes(limit: int = 100) -> list[RelocationRuleChange]:
    """The latest changes to the rule rows, newest first."""
    return list(
        db.session.scalars(
            select(RelocationRuleChange)
            .options(joinedload(RelocationRuleChange.changed_by))
            .order_by(RelocationRuleChange.changed_at.desc(), RelocationRuleChange.id.desc())
            .limit(limit)
        )
    )


def get_rule(rule_id: int) -> RelocationRule:
    return get_or_not_found(RelocationRule, rule_id, _("This rule row does not exist."))


def add_rule(actor: User, data: RuleData) -> RelocationRule:
    require_role(actor, "staff")
    _check(data)
    row = RelocationRule(key=data.key)
    _apply(row, data)
    db.session.add(row)
    _changed(actor, row)
    _history(actor, row.key, "created", None, _snapshot(row))
    return row


def _apply(row: RelocationRule, data: RuleData) -> None:
    row.value = data.value
    row.effective_from = data.effective_from
    row.source_url = data.source_url.strip()
    row.checked_on = data.checked_on
    row.verified = data.verified
    row.note = data.note.strip()


def change_rule(actor: User, rule_id: int, data: RuleData) -> RelocationRule:
    """Change a row's figure, date, source or check (its rule stays the same)."""
    require_role(actor, "staff")
    row = get_rule(rule_id)
    _check(data)
    if data.key != row.key:
        raise Refused(_("A row stays with its rule: add a row to the other rule instead."))
    before = _snapshot(row)
    _apply(row, data)
    after = _snapshot(row)
    if after == before:
        return row
    _changed(actor, row)
    _history(actor, row.key, "changed", before, after)
    return row


def delete_rule(actor: User, rule_id: int) -> None:
    """Delete a row entered by mistake; the last row of a rule stays (the plan needs it)."""
    require_role(actor, "staff")
    row = get_rule(rule_id)
    others = db.session.scalar(
        select(func.count(RelocationRule.id)).where(
            RelocationRule.key == row.key, RelocationRule.id != row.id
        )
    )
    if not others:
        raise Refused(_("This is the rule's only row: change it instead of deleting it."))
    _history(actor, row.key, "deleted", _snapshot(row), None)
    db.session.delete(row)
    db.session.flush()
    relocation.refresh_all()


# Help in each municipality.


@dataclass(frozen=True)
class HelpData:
    municipality: str
    kind: str
    name: str
    address: str
    hours: dict[str, str]  # per locale
    url: str = ""


def help_entries(municipality: str | None = None) -> list[MunicipalityHelp]:
    query = select(MunicipalityHelp).order_by(
        MunicipalityHelp.municipality, MunicipalityHelp.kind, MunicipalityHelp.name
    )
    if municipality:
        query = query.where(MunicipalityHelp.municipality == municipality)
    return list(db.session.scalars(query))


def get_help(help_id: int) -> MunicipalityHelp:
    return get_or_not_found(MunicipalityHelp, help_id, _("This help entry does not exist."))


def save_help(actor: User, data: HelpData, help_id: int | None = None) -> MunicipalityHelp:
    require_role(actor, "staff")
    if data.municipality not in LIMBURG_MUNICIPALITIES:
        raise Refused(_("Choose a municipality in Limburg from the list."))
    if data.kind not in HELP_KINDS:
        raise Refused(_("Choose one of the kinds of help."))
    if data.url and not data.url.startswith(("https://", "http://")):
        raise Refused(_("Give the address of the website, starting with https://."))
    entry = MunicipalityHelp() if help_id is None else get_help(help_id)
    entry.municipality = data.municipality
    entry.kind = data.kind
    entry.name = data.name.strip()
    entry.address = data.address.strip()
    entry.hours = {locale: text.strip() for locale, text in data.hours.items() if text.strip()}
    entry.url = data.url.strip()
    entry.updated_at = utcnow()
    entry.updated_by_id = actor.id
    db.session.add(entry)
    db.session.flush()
    return entry


def delete_help(actor: User, help_id: int) -> None:
    require_role(actor, "staff")
    db.session.delete(get_help(help_id))
    db.session.flush()
