"""Input rules that both the web forms and the services apply (below both, so neither
imports the other): e.g. what a person's name may contain."""

from __future__ import annotations

import unicodedata

# One skill, as stored (candidate_skills.skill is a String(60)) and as projects list them.
SKILL_LENGTH = 60


def skill_items(text: str) -> list[str]:
    """The skills of a comma-separated list, each as stored: lower case, single spaces."""
    return [" ".join(item.lower().split()) for item in text.split(",") if item.strip()]


def is_plain_name(value: str) -> bool:
    """Letters (any script), spaces, hyphens, apostrophes and dots: no markup or symbols."""
    value = value.strip()
    allowed = all(
        ch.isalpha() or ch in " '’-." or unicodedata.category(ch).startswith("M") for ch in value
    )
    return allowed and any(ch.isalpha() for ch in value)
