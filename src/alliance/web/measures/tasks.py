"""Background work after a large batch of answers (an import): one batch run of the monitoring."""

from __future__ import annotations

from django_tasks import task

from alliance.web.accounts.models import Organisation
from alliance.web.measures import listeners


@task()
def monitor_after_import(organisation_id: int) -> int:
    """Recompute every signal of one practice; returns how many alerts were created."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return 0
    # The interface cannot name insights' UpsertSummary (insights sits above measures).
    created: int = listeners.monitoring().monitor_organisation(organisation).created
    return created
