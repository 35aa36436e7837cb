"""Who may reach the research pages and change research consent: the one place that decides.

Researchers work with consented, pseudonymised data only; a clinic admin may too when the
organisation allows it. Everyone else gets 404, never 403, so the pages do not advertise
themselves. Each condition stands on its own line.
"""

from __future__ import annotations

from django.http import Http404

from alliance.web.accounts.models import Organisation, Role, User
from alliance.web.practice.access import can_write_clinical
from alliance.web.practice.models import Client
from alliance.web.research.models import ResearchSettings


def research_settings(organisation: Organisation) -> ResearchSettings:
    """Return the organisation's research settings, creating them (and the key) on first use."""
    found, _created = ResearchSettings.objects.get_or_create(organisation=organisation)
    return found


def may_use_research(user: User) -> bool:
    """Whether `user` may open the research pages and export research data."""
    if not user.is_authenticated:
        return False
    if user.organisation_id is None:
        return False
    if user.role == Role.RESEARCHER:
        return True
    if user.role != Role.ADMIN:
        return False
    return ResearchSettings.objects.filter(
        organisation_id=user.organisation_id, admins_may_access=True
    ).exists()


def require_research_access(user: User) -> Organisation:
    """Return the user's organisation if they may use the research pages; else raise Http404."""
    if not may_use_research(user):
        raise Http404("Not found")
    assert user.organisation is not None  # may_use_research
    return user.organisation


def can_change_research_consent(user: User, client: Client) -> bool:
    """Only the practitioner who treats the client records or withdraws research consent."""
    return can_write_clinical(user, client)
