"""Who may see or act on which alert: the one place that decides.

Alerts follow the caseload: a practitioner sees the alerts of the episodes they treat, a
supervisor those of their supervisees. Clinic admins manage people, not therapy, so they see
no alerts; researchers and other organisations see nothing. Anyone else gets 404.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from alliance.web.accounts.access import get_or_404
from alliance.web.accounts.models import Role, User
from alliance.web.insights.models import Alert


def alerts_for_user(user: User) -> QuerySet[Alert]:
    """Return the alerts `user` may see."""
    if not user.is_authenticated or user.organisation_id is None:
        return Alert.objects.none()
    in_org = Alert.objects.filter(organisation_id=user.organisation_id)
    if user.role == Role.PRACTITIONER:
        return in_org.filter(episode__practitioner=user)
    if user.role == Role.SUPERVISOR:
        return in_org.filter(episode__practitioner__supervisor=user)
    # Admins, researchers and anyone else see no alerts.
    return Alert.objects.none()


def can_act_on_alert(user: User, alert: Alert) -> bool:
    """Only the treating practitioner acknowledges, snoozes or resolves an alert."""
    if user.role != Role.PRACTITIONER:
        return False
    return alert.episode.practitioner_id == user.id


def alert_for_user(user: User, public_id: UUID | str, *, write: bool = False) -> Alert:
    """Return the alert with `public_id` if `user` may see it (or act on it, with write)."""
    alert = get_or_404(
        alerts_for_user(user).select_related("episode", "episode__client", "episode__practitioner"),
        "alert",
        public_id=public_id,
    )
    if write and not can_act_on_alert(user, alert):
        raise Http404("No such alert")
    return alert
