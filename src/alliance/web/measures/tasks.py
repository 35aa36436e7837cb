"""Background work after a large batch of answers (an import): one batch run of the monitoring."""

from __future__ import annotations

from django_tasks import task


@task()
def monitor_after_import(organisation_id: int) -> int:
    """Recompute every signal of one practice; returns how many alerts were created."""
    from alliance.web.accounts.models import Organisation
    from alliance.web.insights.services import monitor_organisation

    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return 0
    return monitor_organisation(organisation).created
