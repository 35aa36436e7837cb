"""What the client page shows of research consent: its state and, for the treating
practitioner, the form to record or withdraw it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from alliance.web.accounts.models import User
from alliance.web.practice.models import Client
from alliance.web.research.access import can_change_research_consent
from alliance.web.research.actions import current_consent
from alliance.web.research.forms import ResearchConsentForm


def research_consent_panel(user: User, client: Client) -> dict[str, Any]:
    """Return ``research_consent`` (latest row or None), ``research_consent_form`` and
    ``can_change_research_consent`` for `research/_client_consent.html`; at most two
    queries, whatever the size of the caseload."""
    may_change = can_change_research_consent(user, client)
    return {
        "research_consent": current_consent(client),
        "can_change_research_consent": may_change,
        "research_consent_form": (
            ResearchConsentForm(prefix="research", initial={"given_on": timezone.localdate()})
            if may_change
            else None
        ),
    }
