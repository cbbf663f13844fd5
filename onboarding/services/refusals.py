"""Turning a workflow engine's refusals into translated domain errors (both workflows)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask_babel import gettext as _

from onboarding.i18n import translate
from onboarding.services.errors import Conflict, Forbidden, NotFound, Refused
from onboarding.services.profile_fields import field_label
from workflows.engine import (
    FollowUpOnly,
    GuardFailed,
    NotAllowedFromState,
    Refusal,
    RoleNotAllowed,
    UnknownTrigger,
)


def refusal_text(refusal: Refusal) -> str:
    params = dict(refusal.params)
    if "fields" in params:
        params["fields"] = ", ".join(field_label(name) for name in params["fields"])
    return translate(refusal.message, params)


@contextmanager
def engine_refusals(not_here: str, by_itself: str | None = None) -> Iterator[None]:
    """Raise the engine's refusals as domain errors (`not_here`: what to say when the step
    is not possible from the current state; `by_itself`: when it only ever follows from
    another step)."""
    try:
        yield
    except UnknownTrigger as error:
        raise NotFound(_("This action does not exist.")) from error
    except RoleNotAllowed as error:
        raise Forbidden(_("Your role may not take this action.")) from error
    except FollowUpOnly as error:
        raise Conflict(by_itself or not_here) from error
    except NotAllowedFromState as error:
        raise Conflict(not_here) from error
    except GuardFailed as error:
        raise Refused(
            _("This step cannot be taken yet."), [refusal_text(r) for r in error.refusals]
        ) from error
