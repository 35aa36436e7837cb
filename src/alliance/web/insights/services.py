"""Run the monitoring engine over the database and keep the alert inbox in step with it.

The tidy table is built from three tables with one query each (responses joined to their
session and episode, checks, confirmed transcript moments); the pure engine in
``alliance.monitoring`` does the rest. Alerts are upserted by the engine's stable key:

* a key seen for the first time becomes one alert (open when the signal needs attention);
* recomputation never duplicates it: only evidence and the data's state are updated;
* when the data close a signal (rupture repaired, back on track, check answered) the alert
  is resolved "by the signal"; if the same key needs attention again it is reopened;
* an alert the practitioner resolved stays resolved: only a new key (a new rupture, a new
  run off track) brings the client back to the inbox;
* critical answers are never snoozable (``actions.snooze_alert`` refuses).

Episode ids in the tidy table are the episodes' public ids (as text), as in
``alliance.web.transcripts.ruptures``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from alliance.instruments import Trigger, UnknownInstrumentError, load_instrument
from alliance.monitoring import (
    DEFAULT_SETTINGS,
    PracticeNorms,
    RecoveryModel,
    fit_recovery_models,
    monitor,
    monitor_episode,
    prepare_scores,
    resolve_params,
    signal_list,
)
from alliance.monitoring import MonitoringSettings as EngineSettings
from alliance.monitoring.scales import DEFAULT_SCALES
from alliance.monitoring.signals import OPEN_SEVERITY, Signal, session_part, signal_key
from alliance.monitoring.tidy import TOTAL
from alliance.web.accounts.models import Organisation
from alliance.web.insights.models import (
    INFORMATION,
    Alert,
    AlertState,
    AlertType,
    PracticeMonitoringSettings,
    ResolvedBy,
    StoredNorms,
    StoredRecoveryModel,
)
from alliance.web.insights.signals import alerts_opened
from alliance.web.measures import answers
from alliance.web.practice.models import Episode
from alliance.web.transcripts.ruptures import confirmed_transcript_ruptures

# Engine states that need the practitioner: still open, or a rupture never repaired.
ATTENTION = ("open", "unrepaired")
RUPTURE_SUBSCALES = {
    "rupture": "tension",
    "rupture_intensity": "bother",
    "rupture_resolution": "resolved",
}
SCORE_SCHEMA = {
    "episode": pl.String,
    "session": pl.Int64,
    "instrument": pl.String,
    "rater": pl.String,
    "subscale": pl.String,
    "score": pl.Float64,
    "critical": pl.Boolean,
    "ended": pl.Boolean,
    "date": pl.Date,
    "phase": pl.String,
}
ALERT_FIELDS = [
    "session_number",
    "instrument_id",
    "severity",
    "method",
    "evidence",
    "signal_state",
    "state",
    "resolved_at",
    "resolved_by",
    "reopened_count",
    "snoozed_until",
    "acknowledged_at",
]


# --------------------------------------------------------------------------- settings


def organisation_settings(organisation: Organisation) -> PracticeMonitoringSettings:
    """Return the practice's settings row (the defaults until someone changes them)."""
    row, _ = PracticeMonitoringSettings.objects.get_or_create(organisation=organisation)
    return row


def stored_norms(organisation: Organisation) -> PracticeNorms:
    """Return the norms of the last batch run (empty norms before the first one)."""
    row = StoredNorms.objects.filter(organisation=organisation).first()
    return row.norms() if row else PracticeNorms()


def thresholds_in_use(organisation: Organisation) -> list[dict]:
    """Return, per alliance instrument, the rupture-alert thresholds the practice uses now.

    The noise SD is the practice's own estimate once its last batch run had enough episodes
    (``PracticeNorms.noise_sd``), else the instrument's default (SEM from published
    reliability, or a conservative default for an unvalidated instrument); ``source`` says
    which. Low cut-off and reliable change come from the instrument (or the practice's
    settings for the low cut-off).
    """
    row = PracticeMonitoringSettings.objects.filter(organisation=organisation).first()
    settings = row.engine_settings() if row else DEFAULT_SETTINGS
    norms = stored_norms(organisation)
    alliance = sorted(
        k for k, p in DEFAULT_SCALES.items() if p.kind == "alliance" and p.rater == "client"
    )
    params = resolve_params(alliance, None, settings)
    rows = []
    for instrument in alliance:
        p = params[instrument]
        practice = norms.noise_sd.get(instrument)
        rows.append(
            {
                "instrument": instrument,
                "noise_sd": practice if practice is not None else p.noise_sd,
                "source": (
                    f"practice estimate ({norms.n_episodes.get(instrument, 0)} episodes)"
                    if practice is not None
                    else f"instrument default: {p.noise_source}"
                ),
                "low_cutoff": p.low_cutoff,
                "reliable_change": p.reliable_change,
                "alert_z": settings.alert_z,
            }
        )
    return rows


def stored_recovery_models(organisation: Organisation) -> dict[str, RecoveryModel]:
    """Return the fitted expected-recovery corridors by instrument."""
    return {
        r.instrument_id: r.model()
        for r in StoredRecoveryModel.objects.filter(organisation=organisation)
    }


# --------------------------------------------------------------------------- tidy tables


@functools.cache
def _rupture_items(instrument_id: str) -> tuple[tuple[str, str], ...]:
    """Return (item id, tidy subscale) of an instrument's unscored rupture questions."""
    try:
        instrument = load_instrument(instrument_id)
    except UnknownInstrumentError:
        return ()
    return tuple(
        (str(item.id), RUPTURE_SUBSCALES[item.domain])
        for item in instrument.items
        if item.domain in RUPTURE_SUBSCALES
    )


@functools.cache
def _critical_triggers(instrument_id: str) -> tuple[Trigger, ...]:
    try:
        return tuple(load_instrument(instrument_id).critical_items)
    except UnknownInstrumentError:
        return ()


def _critical_items_answered(
    instrument_id: str, item_values: dict[str, Any] | None
) -> list[tuple[str, float]]:
    """Return ``(item9, value)`` for each of the instrument's critical items this answer set
    trips (PHQ-9 item 9 above 0), as the item rows the engine's critical rule reads."""
    hits = []
    for trigger in _critical_triggers(instrument_id):
        value = (item_values or {}).get(str(trigger.item))
        if value is not None and trigger.fires(float(value)):
            hits.append((f"item{trigger.item}", float(value)))
    return hits


@dataclass
class Tables:
    """The engine's inputs for some episodes, built from the database."""

    scores: pl.DataFrame
    checks: pl.DataFrame | None
    transcript_ruptures: pl.DataFrame | None
    acknowledged_critical: set[str]


def build_tables(scope: answers.Scope, episodes) -> Tables:
    """Return the tidy scores, checks and transcript tables (one query per table)."""
    cols: dict[str, list] = {name: [] for name in SCORE_SCHEMA}
    acknowledged: set[str] = set()

    def add(ep, number, instrument, rater, subscale, score, critical, ended, day, phase) -> None:
        cols["episode"].append(ep)
        cols["session"].append(number)
        cols["instrument"].append(instrument)
        cols["rater"].append(rater)
        cols["subscale"].append(subscale)
        cols["score"].append(score)
        cols["critical"].append(critical)
        cols["ended"].append(ended)
        cols["date"].append(day)
        cols["phase"].append(phase)

    rows = answers.monitoring_rows(scope)
    for (
        ep_id,
        number,
        starts_at,
        phase,
        ended_on,
        instrument,
        rater,
        total,
        subs,
        item_values,
        crit,
        ack,
    ) in rows:
        ep = str(ep_id)
        ended = ended_on is not None
        day = timezone.localdate(starts_at)
        add(ep, number, instrument, rater, "total", total, bool(crit), ended, day, phase)
        if crit and ack is not None:
            acknowledged.add(signal_key("critical", ep, session_part(number), instrument, TOTAL))
        if crit and total is None:
            # Too few items for a total, yet a critical item answered: the engine keeps only
            # scored rows, so the item's own row carries the flag and it is still an alert.
            for critical_item, answer in _critical_items_answered(instrument, item_values):
                add(ep, number, instrument, rater, critical_item, answer, True, ended, day, phase)
                if ack is not None:
                    acknowledged.add(
                        signal_key("critical", ep, session_part(number), instrument, critical_item)
                    )
        for name, value in (subs or {}).items():
            if value is not None:
                add(ep, number, instrument, rater, name, float(value), False, ended, day, phase)
        for item, subscale in _rupture_items(instrument):
            value = (item_values or {}).get(item)
            if value is not None:
                add(ep, number, instrument, rater, subscale, float(value), False, ended, day, phase)
    # A critical answer kept aside on a check (the session had that instrument's answers
    # already) is an alert like any other; resolving the held answers acknowledges it.
    for ep_id, number, starts_at, phase, ended_on, held, resolved in answers.held_critical_answers(
        scope
    ):
        ep, ended, day = str(ep_id), ended_on is not None, timezone.localdate(starts_at)
        for instrument, item_values in (held or {}).items():
            for critical_item, answer in _critical_items_answered(instrument, item_values):
                client = answers.Rater.CLIENT
                add(ep, number, instrument, client, critical_item, answer, True, ended, day, phase)
                if resolved is not None:
                    acknowledged.add(
                        signal_key("critical", ep, session_part(number), instrument, critical_item)
                    )
    scores = pl.DataFrame(cols, schema=SCORE_SCHEMA)

    now = timezone.now()
    checks: dict[tuple[str, int], tuple[bool, bool]] = {}
    for ep_id, number, completed, revoked, expires in answers.check_states(scope):
        answered = completed is not None
        # A check still open can be answered; a revoked one was withdrawn: neither is missing.
        sent = answered or (revoked is None and expires <= now)
        before = checks.get((str(ep_id), number), (False, False))
        checks[(str(ep_id), number)] = (before[0] or sent, before[1] or answered)
    check_table = (
        pl.DataFrame(
            {
                "episode": [k[0] for k in checks],
                "session": [k[1] for k in checks],
                "sent": [v[0] for v in checks.values()],
                "answered": [v[1] for v in checks.values()],
            },
            schema={
                "episode": pl.String,
                "session": pl.Int64,
                "sent": pl.Boolean,
                "answered": pl.Boolean,
            },
        )
        if checks
        else None
    )
    return Tables(scores, check_table, _transcript_table(episodes), acknowledged)


def _transcript_table(episodes) -> pl.DataFrame | None:
    rows = confirmed_transcript_ruptures(episodes)
    if not rows:
        return None
    return pl.DataFrame(
        {
            "episode": [r["episode"] for r in rows],
            "session": [r["session"] for r in rows],
            "marker": [r["marker"] for r in rows],
            "moment": [r["moment"] for r in rows],
        },
        schema={
            "episode": pl.String,
            "session": pl.Int64,
            "marker": pl.String,
            "moment": pl.String,
        },
    )


# --------------------------------------------------------------------------- upsert


@dataclass
class UpsertSummary:
    created: int = 0
    updated: int = 0
    resolved_by_signal: int = 0
    reopened: int = 0

    def __add__(self, other: UpsertSummary) -> UpsertSummary:
        return UpsertSummary(
            self.created + other.created,
            self.updated + other.updated,
            self.resolved_by_signal + other.resolved_by_signal,
            self.reopened + other.reopened,
        )


def _wants_open(signal: Signal, episode: Episode) -> bool:
    if signal.type == AlertType.CRITICAL:
        return True
    return signal.state in ATTENTION and episode.ended_on is None


def upsert_alerts(
    organisation: Organisation,
    signals: pl.DataFrame,
    episodes: dict[str, Episode],
    *,
    existing: Iterable[Alert],
    acknowledged_critical: Set[str] = frozenset(),
    now: dt.datetime | None = None,
) -> UpsertSummary:
    """Create, update, resolve or reopen alerts so they match ``signals`` (see module doc).

    ``existing`` holds every alert of ``episodes``; alerts whose key the engine no longer
    produces are resolved by the signal.
    """
    now = now or timezone.now()
    summary = UpsertSummary()
    by_key = {a.key: a for a in existing}
    seen: set[str] = set()
    creates: list[Alert] = []
    changed: dict[str, Alert] = {}
    reopened: list[Alert] = []
    for signal in signal_list(signals):
        episode = episodes.get(signal.episode)
        if episode is None:
            continue
        seen.add(signal.key)
        wants_open = _wants_open(signal, episode)
        alert = by_key.get(signal.key)
        if alert is None:
            alert = Alert(
                organisation=organisation,
                episode=episode,
                type=signal.type,
                key=signal.key,
                opened_at=now,
            )
            _copy_signal(alert, signal)
            if not wants_open:
                alert.state = AlertState.RESOLVED
                alert.resolved_by = ResolvedBy.SIGNAL
                alert.resolved_at = now
            elif signal.key in acknowledged_critical:
                alert.state = AlertState.ACKNOWLEDGED
                alert.acknowledged_at = now
            creates.append(alert)
            continue
        before = [getattr(alert, f) for f in ALERT_FIELDS]
        _copy_signal(alert, signal)
        if not wants_open and alert.state != AlertState.RESOLVED:
            alert.state = AlertState.RESOLVED
            alert.resolved_by = ResolvedBy.SIGNAL
            alert.resolved_at = now
            summary.resolved_by_signal += 1
        elif (
            wants_open
            and alert.state == AlertState.RESOLVED
            and alert.resolved_by == ResolvedBy.SIGNAL
        ):
            alert.state = AlertState.OPEN
            alert.resolved_by = ""
            alert.resolved_at = None
            alert.reopened_count += 1
            summary.reopened += 1
            reopened.append(alert)
        elif alert.state == AlertState.OPEN and signal.key in acknowledged_critical:
            # Reviewed on the client page (measures' acknowledge_critical).
            alert.state = AlertState.ACKNOWLEDGED
            alert.acknowledged_at = now
        elif alert.effective_state(now) == AlertState.OPEN and alert.state == AlertState.SNOOZED:
            alert.state = AlertState.OPEN  # the snooze ran out
            alert.snoozed_until = None
        if [getattr(alert, f) for f in ALERT_FIELDS] != before:
            changed[alert.key] = alert
    for key, alert in by_key.items():
        if key not in seen and alert.state != AlertState.RESOLVED:
            alert.state = AlertState.RESOLVED
            alert.resolved_by = ResolvedBy.SIGNAL
            alert.resolved_at = now
            alert.signal_state = "gone"
            changed[key] = alert
            summary.resolved_by_signal += 1
    with transaction.atomic():
        if creates:
            Alert.objects.bulk_create(creates, batch_size=500)
            # Each new alert that needs attention is announced (webhooks: `alert.opened`).
            _announce_opened(
                organisation,
                [a for a in creates if a.state != AlertState.RESOLVED and not a.is_information],
            )
        if changed:
            for alert in changed.values():
                alert.updated_at = now
            Alert.objects.bulk_update(
                list(changed.values()), [*ALERT_FIELDS, "updated_at"], batch_size=500
            )
        if reopened:  # the signal came back after it had resolved the alert: open again
            _announce_opened(organisation, [a for a in reopened if not a.is_information])
    summary.created = len(creates)
    summary.updated = len(changed)
    return summary


def _announce_opened(organisation: Organisation, alerts: list[Alert]) -> None:
    if alerts:
        alerts_opened.send(sender=Alert, organisation=organisation, alerts=alerts)


def _copy_signal(alert: Alert, signal: Signal) -> None:
    alert.session_number = signal.session
    alert.instrument_id = signal.instrument or ""
    # Information (relative to the practice) is kept for the client page and caseload, with
    # the "info" severity that keeps it out of the inbox, the digest and webhooks.
    alert.severity = (
        OPEN_SEVERITY.get(signal.type, signal.severity) if signal.is_alert else INFORMATION
    )
    alert.method = signal.method or ""
    # Round-trip through JSON so an unchanged evidence compares equal after loading.
    alert.evidence = json.loads(json.dumps(signal.evidence))
    alert.signal_state = signal.state


# --------------------------------------------------------------------------- runs


def _episode_map(episodes) -> dict[str, Episode]:
    return {str(e.public_id): e for e in episodes}


def monitor_organisation(
    organisation: Organisation, *, now: dt.datetime | None = None
) -> UpsertSummary:
    """Recompute every signal of one practice (batch) and store its norms."""
    config = organisation_settings(organisation)
    episodes = list(
        Episode.objects.filter(organisation=organisation).only(
            "id", "public_id", "ended_on", "organisation_id"
        )
    )
    tables = build_tables(
        {"organisation": organisation}, Episode.objects.filter(organisation=organisation)
    )
    result = monitor(
        tables.scores,
        settings=config.engine_settings(),
        checks=tables.checks,
        transcript_ruptures=tables.transcript_ruptures,
        recovery_models=stored_recovery_models(organisation),
        with_counts=False,
    )
    StoredNorms.objects.update_or_create(
        organisation=organisation,
        defaults={
            "data": json.loads(result.norms.to_json()),
            "n_episodes": tables.scores["episode"].n_unique(),
            "computed_at": now or timezone.now(),
        },
    )
    return upsert_alerts(
        organisation,
        result.signals,
        _episode_map(episodes),
        existing=Alert.objects.filter(organisation=organisation),
        acknowledged_critical=tables.acknowledged_critical,
        now=now,
    )


def episode_signals(episode: Episode) -> tuple[pl.DataFrame, Tables]:
    """Return one episode's signals by the incremental path (stored norms and models)."""
    organisation = episode.organisation
    config = organisation_settings(organisation)
    tables = build_tables({"episode": episode}, [episode])
    signals = monitor_episode(
        tables.scores,
        norms=stored_norms(organisation),
        settings=config.engine_settings(),
        checks=tables.checks,
        transcript_ruptures=tables.transcript_ruptures,
        recovery_models=stored_recovery_models(organisation),
    )
    return signals, tables


def refresh_episode(episode: Episode, *, now: dt.datetime | None = None) -> UpsertSummary:
    """Bring one episode's alerts up to date after a new response (incremental path)."""
    signals, tables = episode_signals(episode)
    return upsert_alerts(
        episode.organisation,
        signals,
        {str(episode.public_id): episode},
        existing=Alert.objects.filter(episode=episode),
        acknowledged_critical=tables.acknowledged_critical,
        now=now,
    )


def monitor_all(
    organisations: Iterable[Organisation] | None = None,
    *,
    progress: Callable[[Organisation, UpsertSummary], None] | None = None,
) -> UpsertSummary:
    """Recompute every practice, one organisation at a time (no cross-organisation work)."""
    total = UpsertSummary()
    for organisation in organisations if organisations is not None else Organisation.objects.all():
        summary = monitor_organisation(organisation)
        total = total + summary
        if progress is not None:
            progress(organisation, summary)
    return total


def refit_recovery_models(
    organisation: Organisation, *, now: dt.datetime | None = None
) -> list[StoredRecoveryModel]:
    """Refit the expected-recovery corridors on the practice's completed episodes."""
    now = now or timezone.now()
    settings: EngineSettings = organisation_settings(organisation).engine_settings()
    tables = build_tables({"organisation": organisation}, [])
    instruments = tables.scores["instrument"].unique().to_list()
    params = resolve_params(instruments, None, settings)
    prepared = prepare_scores(tables.scores, params)
    models = fit_recovery_models(prepared, params, settings, fitted_at=now)
    with transaction.atomic():
        StoredRecoveryModel.objects.filter(organisation=organisation).delete()
        return StoredRecoveryModel.objects.bulk_create(
            [
                StoredRecoveryModel(
                    organisation=organisation,
                    instrument_id=instrument,
                    data=model.to_dict(),
                    fitted_at=now,
                    n_episodes=model.n_episodes,
                    n_observations=model.n_observations,
                )
                for instrument, model in sorted(models.items())
            ]
        )
