"""The whole demo practice: every app's demo data, loaded in one order by `alliance demo`.

The tests that check what the demo shows (the research report, the README's numbers) load it
through this function too, so they see what a user of `alliance demo` sees.
"""

from __future__ import annotations

from django.utils import timezone

from alliance.web.accounts.models import Organisation
from alliance.web.collaboration.demo import load_demo_collaboration
from alliance.web.insights.demo import load_demo_measures, refresh_demo_signals
from alliance.web.insights.services import refit_recovery_models
from alliance.web.intake.demo import load_demo_pages
from alliance.web.journal.demo import load_demo_journal
from alliance.web.outcomes.demo import load_demo_outcomes
from alliance.web.practice.demo import load_demo_practice
from alliance.web.research.demo import load_demo_consents


def load_demo() -> Organisation:
    """Load the demo practice with all its data into an empty database; return it."""
    load_started = timezone.now()
    organisation = load_demo_practice()
    load_demo_measures(organisation)
    load_demo_consents(organisation)
    load_demo_collaboration(organisation)
    load_demo_journal(organisation)
    load_demo_pages(organisation)
    load_demo_outcomes(organisation)
    # Once the practice's history is complete: its expected-recovery corridors fitted on its
    # completed episodes, as `alliance refit-recovery` fits them (the demo has enough for the
    # PHQ-9 and GAD-7); then its norms as a nightly run sees them, every alert dated by the
    # session that raised it.
    refit_recovery_models(organisation)
    refresh_demo_signals(organisation, since=load_started)
    return organisation
