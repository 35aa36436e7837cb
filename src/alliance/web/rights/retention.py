"""The retention rule: clients whose last episode ended long enough ago are anonymised or erased."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from alliance.web.accounts.models import Organisation
from alliance.web.practice.models import Client
from alliance.web.rights.actions import erase_client
from alliance.web.rights.models import AnonymisedClient


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` years earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def cutoff(organisation: Organisation, today: dt.date | None = None) -> dt.date:
    """Episodes that ended before this day are past the organisation's retention period."""
    return years_before(today or timezone.localdate(), organisation.retention_years)


def due_clients(organisation: Organisation, today: dt.date | None = None) -> QuerySet[Client]:
    """Clients whose last episode ended more than `retention_years` ago, with none open.

    Clients without any episode, and clients already anonymised (their dates are shifted),
    are never due.
    """
    return (
        Client.objects.filter(organisation=organisation)
        .annotate(
            last_ended=Max("episodes__ended_on"),
            open_episodes=Count("episodes", filter=Q(episodes__ended_on__isnull=True)),
            anonymised=Exists(AnonymisedClient.objects.filter(client=OuterRef("pk"))),
        )
        .filter(open_episodes=0, anonymised=False, last_ended__lt=cutoff(organisation, today))
        .order_by("code")
    )


@dataclass
class RetentionRun:
    """What the retention rule did (or, in a dry run, would do) in one organisation."""

    organisation: Organisation
    action: str
    years: int
    cutoff: dt.date
    codes: list[str] = field(default_factory=list)
    done: int = 0


def apply_retention(
    *,
    today: dt.date | None = None,
    dry_run: bool = False,
    organisations: Iterable[Organisation] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_client: Callable[[RetentionRun, str], None] | None = None,
) -> list[RetentionRun]:
    """Apply each organisation's retention action to its due clients, one client per transaction.

    Idempotent: an erased client is gone and an anonymised one is never due again.
    ``on_start(total)`` and ``on_client(run, code)`` let a caller draw a progress bar.
    """
    organisations = list(organisations or Organisation.objects.order_by("slug"))
    runs = []
    due = {}
    for organisation in organisations:
        run = RetentionRun(
            organisation,
            organisation.retention_action,
            organisation.retention_years,
            cutoff(organisation, today),
        )
        due[organisation.pk] = list(due_clients(organisation, today))
        run.codes = [client.code for client in due[organisation.pk]]
        runs.append(run)
    if on_start is not None:
        on_start(sum(len(clients) for clients in due.values()))
    for run in runs:
        for client in due[run.organisation.pk]:
            if not dry_run:
                erase_client(None, client, mode=run.action, reason="retention")
                run.done += 1
            if on_client is not None:
                on_client(run, client.code)
    return runs
