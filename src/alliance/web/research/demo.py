"""Research consent for the demo practice: most clients consent, a few do not, one withdrew."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from alliance.web.accounts.models import Organisation
from alliance.web.practice.models import Client
from alliance.web.research.actions import record_research_consent, withdraw_research_consent

NOT_ASKED_EVERY = 6
WITHDRAWN_INDEX = 2


def load_demo_consents(organisation: Organisation) -> dict[str, int]:
    """Record demo research consents through the audited actions; return the counts.

    Every sixth client (by code) was never asked; the third (or the last, in a small
    practice) consented and withdrew two weeks later; the others consent.
    """
    today = timezone.localdate()
    counts = {"consenting": 0, "withdrawn": 0, "not_recorded": 0}
    clients = list(
        Client.objects.filter(organisation=organisation)
        .select_related("practitioner", "organisation")
        .annotate(first_start=Min("episodes__started_on"))
        .order_by("code")
    )
    withdrawn_index = min(WITHDRAWN_INDEX, len(clients) - 1)
    with transaction.atomic():
        for index, client in enumerate(clients):
            if index % NOT_ASKED_EVERY == NOT_ASKED_EVERY - 1:
                counts["not_recorded"] += 1
                continue
            given_on = client.first_start or today
            record_research_consent(client.practitioner, client, given_on=given_on)
            if index == withdrawn_index:
                withdrawn_on = min(given_on + dt.timedelta(days=14), today)
                withdraw_research_consent(client.practitioner, client, withdrawn_on=withdrawn_on)
                counts["withdrawn"] += 1
            else:
                counts["consenting"] += 1
    return counts
