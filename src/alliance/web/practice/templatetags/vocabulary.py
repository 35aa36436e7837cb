"""Template tags for words by kind of practice: ``{% words episode as w %}{{ w.reason }}``."""

from __future__ import annotations

from django import template

from alliance.web.practice import vocabulary

register = template.Library()


@register.simple_tag
def words(subject: object) -> dict[str, str]:
    """Every term for ``subject`` (an episode, a user or a kind name)."""
    return vocabulary.words(subject)


@register.simple_tag
def term(subject: object, name: str) -> str:
    """One term for ``subject``: ``{% term episode "cutoff" %}``."""
    return vocabulary.term(subject, name)
