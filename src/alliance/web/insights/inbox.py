"""The alert inbox as data: grouped by practitioner, critical first, capped, with evidence.

Used by the inbox page and by the daily digest. Queries: the alerts, the practice's settings
and the scores behind the evidence charts (three, whatever the number of alerts).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.monitoring import guidance_for, scale_params
from alliance.web.accounts.models import User
from alliance.web.charts import Chart, HLine, Marker, Series, render
from alliance.web.insights.access import alerts_for_user
from alliance.web.insights.evidence import (
    detail_rows,
    instrument_name,
    plain_evidence,
    sessions_label,
    state_label,
)
from alliance.web.insights.models import (
    INFORMATION,
    Alert,
    AlertState,
    AlertType,
    PracticeMonitoringSettings,
    ResolvedBy,
)
from alliance.web.measures import answers

RECENTLY_RESOLVED = dt.timedelta(days=14)


@dataclass
class AlertView:
    alert: Alert
    state: str
    summary: str
    sessions: str
    state_label: str
    evidence: list[tuple[str, str]]
    chart: str
    guidance_title: str
    guidance_summary: str
    steps: list
    sources: list[str]


@dataclass
class PractitionerGroup:
    practitioner: User
    shown: list[AlertView] = field(default_factory=list)
    more: list[AlertView] = field(default_factory=list)
    snoozed: list[AlertView] = field(default_factory=list)
    resolved: list[AlertView] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return len(self.shown) + len(self.more)


def evidence_rows(alert: Alert) -> list[tuple[str, str]]:
    """Return the full evidence as (label, value) pairs (the card's details view)."""
    return detail_rows(alert)


def sort_key(alert: Alert) -> tuple:
    """Critical first, then the caseload's risk order, newest session first."""
    return (*alert.priority, -alert.opened_at.timestamp())


def _chart_instrument(alert: Alert) -> str:
    if alert.type in (AlertType.NOT_ON_TRACK, AlertType.CRITICAL) and alert.instrument_id:
        return alert.instrument_id
    return alert.instrument_id or "alliance-check"


def alert_chart(alert: Alert, series: dict) -> str:
    """Return a small chart of the scores behind an alert (instrument of the alert)."""
    instrument = _chart_instrument(alert)
    params = scale_params([instrument])[instrument]
    client = series.get((alert.episode_id, instrument, "client"), [])
    lines = [
        Series(
            _("Client"), client, "s-client" if params.kind == "alliance" else "s-outcome", "circle"
        )
    ]
    if params.kind == "alliance":
        mine = series.get((alert.episode_id, f"{instrument}-practitioner", "practitioner"), [])
        if mine:
            lines.append(Series(_("Practitioner rating"), mine, "s-practitioner", "square"))
    numbers = [n for s in lines for n, _v in s.points]
    if not numbers:
        return ""
    hlines = []
    if params.clinical_cutoff is not None:
        hlines.append(HLine(params.clinical_cutoff, _("Cut-off")))
    chart = Chart(
        title=_("%(type)s: scores up to session %(n)s")
        % {"type": alert.get_type_display(), "n": max(numbers)},
        x_label=_("Session"),
        y_label=instrument_name(instrument),
        y_min=params.minimum
        if params.minimum is not None
        else min(v for s in lines for _n, v in s.points),
        y_max=params.maximum
        if params.maximum is not None
        else max(v for s in lines for _n, v in s.points),
        x_max=max(numbers + [alert.session_number or 0]),
        series=lines,
        hlines=hlines,
        markers=[Marker(alert.session_number, _("Session of the signal"), "focus")]
        if alert.session_number
        else [],
        description=_("Scores of %(instrument)s by session; the marked session is the signal's.")
        % {"instrument": instrument_name(instrument)},
    )
    return render(
        chart, chart_id=f"a-{alert.public_id.hex[:12]}", width=360, height=130, compact=True
    )


def _series_for(alerts: list[Alert]) -> dict:
    episodes = {a.episode_id for a in alerts}
    instruments = {_chart_instrument(a) for a in alerts}
    instruments |= {f"{i}-practitioner" for i in instruments}
    out: dict = defaultdict(list)
    if not episodes:
        return out
    for episode_id, instrument, rater, number, total in answers.totals_by_session(
        episodes, instruments
    ):
        out[(episode_id, instrument, rater)].append((number, total))
    return out


def _view(alert: Alert, series: dict, now, with_chart: bool = True) -> AlertView:
    guidance, steps = guidance_for(alert.type, (alert.evidence or {}).get("marker"))
    return AlertView(
        alert=alert,
        state=alert.effective_state(now),
        summary=plain_evidence(alert),
        sessions=sessions_label(alert),
        state_label=state_label(alert),
        evidence=evidence_rows(alert),
        chart=alert_chart(alert, series) if with_chart else "",
        guidance_title=guidance.title,
        guidance_summary=guidance.summary,
        steps=list(steps),
        sources=list(guidance.sources),
    )


def inbox_cap(user: User) -> int:
    organisation_id = user.organisation_id
    settings_rows = PracticeMonitoringSettings.objects
    row = (
        settings_rows.filter(organisation_id=organisation_id).first()
        if organisation_id is not None
        else None
    )
    return row.inbox_cap if row else PracticeMonitoringSettings._meta.get_field("inbox_cap").default


def inbox_for_user(user: User, *, now: dt.datetime | None = None) -> list[PractitionerGroup]:
    """Return the user's inbox, one group per practitioner (supervisors see several)."""
    now = now or timezone.now()
    alerts = list(
        alerts_for_user(user)
        .filter(
            ~Q(state=AlertState.RESOLVED)
            | Q(resolved_by=ResolvedBy.PRACTITIONER, resolved_at__gte=now - RECENTLY_RESOLVED)
        )
        .exclude(severity=INFORMATION)  # information shows on the client page and caseload
        .select_related("episode__client", "episode__practitioner")
    )
    cap = inbox_cap(user)
    alerts.sort(key=sort_key)
    active = [
        a for a in alerts if a.effective_state(now) in (AlertState.OPEN, AlertState.ACKNOWLEDGED)
    ]
    series = _series_for(active[: cap * 20])
    groups: dict[int, PractitionerGroup] = {}
    for alert in alerts:
        practitioner = alert.episode.practitioner
        group = groups.setdefault(practitioner.pk, PractitionerGroup(practitioner))
        state = alert.effective_state(now)
        if state == AlertState.RESOLVED:
            group.resolved.append(_view(alert, series, now, with_chart=False))
        elif state == AlertState.SNOOZED:
            group.snoozed.append(_view(alert, series, now, with_chart=False))
        elif len(group.shown) < cap or alert.is_critical:
            group.shown.append(_view(alert, series, now))
        else:
            group.more.append(_view(alert, series, now, with_chart=False))
    return sorted(groups.values(), key=lambda g: (g.practitioner.last_name, g.practitioner.pk))
