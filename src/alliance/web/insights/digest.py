"""The daily alert digest: one e-mail per practitioner with open alerts, at most once a day.

The e-mail names client codes, alert types and sessions only (no scores, no clinical text),
like the critical-answer e-mail; the inbox holds the evidence. It lists at most the
practice's inbox cap of alerts, most urgent first, and counts the rest.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from alliance.web.accounts.models import Role, User
from alliance.web.insights.caseload import active_alerts_filter
from alliance.web.insights.evidence import sessions_label
from alliance.web.insights.inbox import sort_key
from alliance.web.insights.models import (
    INFORMATION,
    Alert,
    DigestRecord,
    PracticeMonitoringSettings,
)

MIN_INTERVAL = dt.timedelta(hours=20)


def digest_text(
    user: User, alerts: list[Alert], cap: int, since: dt.datetime, base_url: str
) -> str:
    """Return the digest's body for `user` (alerts sorted most urgent first)."""
    new = sum(a.opened_at >= since for a in alerts)
    lines = [
        f"Hello {user.get_full_name() or user.username},",
        "",
        f"You have {len(alerts)} open alert(s) in Alliance, {new} new since the last digest.",
        "",
    ]
    for alert in alerts[:cap]:
        # The same "session 4" / "sessions 1–4" as the inbox card's title.
        session = f", {sessions_label(alert)}" if alert.session_number else ""
        lines.append(f"- {alert.get_type_display()}: client {alert.episode.client.code}{session}")
    if len(alerts) > cap:
        lines.append(f"- and {len(alerts) - cap} more")
    lines += [
        "",
        f"Open your inbox for the evidence and suggested next steps: {base_url.rstrip('/')}{reverse('inbox')}",
        "No clinical details are sent by e-mail.",
    ]
    return "\n".join(lines)


def send_digest(now: dt.datetime | None = None) -> int:
    """E-mail each practitioner with open alerts their digest; return how many were sent."""
    now = now or timezone.now()
    base_url = getattr(settings, "ALLIANCE_BASE_URL", "http://127.0.0.1:8000")
    alerts = (
        Alert.objects.filter(
            active_alerts_filter(now), episode__practitioner__role=Role.PRACTITIONER
        )
        .exclude(severity=INFORMATION)
        .select_related("episode__client", "episode__practitioner")
        .order_by("id")
    )
    by_user: dict[int, list[Alert]] = defaultdict(list)
    for alert in alerts:
        by_user[alert.episode.practitioner_id].append(alert)
    caps: dict[int | None, int] = dict(
        PracticeMonitoringSettings.objects.values_list("organisation_id", "inbox_cap")
    )
    last_sent: dict[int, dt.datetime] = {}
    for user_id, sent_at in DigestRecord.objects.filter(user_id__in=list(by_user)).values_list(
        "user_id", "sent_at"
    ):
        last_sent[user_id] = max(sent_at, last_sent.get(user_id, sent_at))
    sent = 0
    for user_id, items in by_user.items():
        user = items[0].episode.practitioner
        since = last_sent.get(user_id)
        if since is not None and now - since < MIN_INTERVAL:
            continue
        if not user.email:
            continue
        items.sort(key=sort_key)
        cap = caps.get(user.organisation_id, 10)
        send_mail(
            subject=f"Alliance: {len(items)} open alert(s)",
            message=digest_text(user, items, cap, since or now - dt.timedelta(days=1), base_url),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )
        DigestRecord.objects.create(
            organisation_id=user.organisation_id, user=user, sent_at=now, alert_count=len(items)
        )
        sent += 1
    return sent
