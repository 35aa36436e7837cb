"""Words by kind of practice, from one table of data (``vocabulary.yaml``).

Therapy, counselling and coaching each name the work, its stretches (an episode), the
reason someone comes, the outcome cut-off and the formulation in their own words. Pages take
their terms from here through the ``vocabulary`` template tags; code through :func:`words`.
The table is checked when it is loaded: every kind must name every term.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from types import MappingProxyType

import yaml
from django.utils.translation import gettext

KINDS = ("therapy", "counselling", "coaching")
# A practitioner's kind (accounts.PractitionerKind) and the kind of practice it speaks.
PRACTITIONER_KINDS = {"therapist": "therapy", "counsellor": "counselling", "coach": "coaching"}
DEFAULT_KIND = "therapy"


class VocabularyError(ValueError):
    """The vocabulary table is incomplete or malformed."""


def validate(table: object) -> dict[str, dict[str, str]]:
    """Return ``table`` if every kind names the same terms as therapy, each as a text."""
    if not isinstance(table, dict) or set(table) != set(KINDS):
        raise VocabularyError(f"the vocabulary must name exactly these kinds: {', '.join(KINDS)}")
    terms = set(table[DEFAULT_KIND] or {})
    for kind in KINDS:
        entries = table[kind] or {}
        if set(entries) != terms:
            missing = sorted(terms - set(entries))
            extra = sorted(set(entries) - terms)
            raise VocabularyError(f"{kind}: missing {missing}, unknown {extra}")
        for term, text in entries.items():
            if not isinstance(text, str) or not text.strip():
                raise VocabularyError(f"{kind}.{term} must be a non-empty text")
    return table


@cache
def table() -> MappingProxyType[str, dict[str, str]]:
    """The vocabulary table, loaded and checked once."""
    text = resources.files(__package__).joinpath("vocabulary.yaml").read_text(encoding="utf-8")
    return MappingProxyType(validate(yaml.safe_load(text)))


def kind_of(subject: object) -> str:
    """The kind of practice of an episode (its service), a user (their kind) or a kind name."""
    if isinstance(subject, str):
        value = subject
    elif hasattr(subject, "service"):
        value = subject.service
    elif hasattr(subject, "practitioner_kind"):
        value = PRACTITIONER_KINDS.get(subject.practitioner_kind or "", DEFAULT_KIND)
    else:
        value = DEFAULT_KIND
    value = PRACTITIONER_KINDS.get(value, value)
    return value if value in KINDS else DEFAULT_KIND


def words(subject: object) -> dict[str, str]:
    """Every term in the words of ``subject``'s kind of practice (translated where we can)."""
    return {term: gettext(text) for term, text in table()[kind_of(subject)].items()}


def term(subject: object, name: str) -> str:
    """One term in the words of ``subject``'s kind of practice."""
    try:
        return gettext(table()[kind_of(subject)][name])
    except KeyError:
        raise VocabularyError(f"unknown term {name!r}") from None


def phase_purpose(subject: object, phase: str) -> str:
    """What the phase is for, in the words of ``subject``'s kind of practice."""
    return term(subject, f"phase_{phase}")
