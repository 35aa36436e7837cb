"""Writes for measures: plans, checks, submissions, practitioner ratings. Each one audits."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from alliance.instruments import UnknownInstrumentError, load_instrument, structure_only_reason
from alliance.scoring import ScoringError, score_response
from alliance.web.audit.log import record
from alliance.web.insights.services import refresh_episode
from alliance.web.insights.tasks import refresh_episode_soon
from alliance.web.measures.models import (
    Check,
    MeasureResponse,
    PlanItem,
    Rater,
    Schedule,
    Source,
    hash_token,
)
from alliance.web.measures.plan import DEFAULT_PLANS, PlanLine, due_instruments
from alliance.web.practice.models import Episode, Phase, Session


def check_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=getattr(settings, "ALLIANCE_CHECK_HOURS", 72))


def ensure_default_plan(episode: Episode) -> None:
    """Give an episode its service's default plan if it has none yet."""
    if episode.plan_items.exists():
        return
    PlanItem.objects.bulk_create(
        [
            PlanItem(
                organisation=episode.organisation,
                episode=episode,
                instrument_id=i,
                schedule=s,
                every_n=n,
            )
            for i, s, n in DEFAULT_PLANS.get(episode.service, [])
        ]
    )


def add_plan_item(
    actor, episode: Episode, *, instrument_id: str, schedule: str, every_n: int | None
) -> PlanItem:
    """Add a line to the measurement plan, refusing unknown instruments, instruments shipped
    as structure only (no licensed text: they would be left out of every check) and
    duplicates."""
    try:
        instrument = load_instrument(instrument_id)
    except UnknownInstrumentError as exc:
        raise ValidationError({"instrument_id": f"Unknown instrument {instrument_id!r}."}) from exc
    reason = structure_only_reason(instrument)
    if reason:
        raise ValidationError({"instrument_id": reason})
    if schedule == Schedule.EVERY_NTH and not every_n:
        raise ValidationError({"every_n": "Say every how many sessions (2 or more)."})
    try:
        with transaction.atomic():
            item = PlanItem.objects.create(
                organisation=episode.organisation,
                episode=episode,
                instrument_id=instrument_id,
                schedule=schedule,
                every_n=every_n if schedule == Schedule.EVERY_NTH else None,
            )
            record(actor, "update", episode, summary=f"plan: added {item}")
    except IntegrityError as exc:
        raise ValidationError(
            {"schedule": "This instrument is already planned on this schedule."}
        ) from exc
    return item


def remove_plan_item(actor, item: PlanItem) -> None:
    with transaction.atomic():
        record(actor, "update", item.episode, summary=f"plan: removed {item}")
        item.delete()


def instruments_due(session: Session) -> list[str]:
    """Instruments the plan asks for at `session`."""
    episode = session.episode
    ensure_default_plan(episode)
    previous = episode.sessions.filter(number__lt=session.number).order_by("-number").first()
    plan = [PlanLine(p.instrument_id, p.schedule, p.every_n) for p in episode.plan_items.all()]
    return due_instruments(
        plan,
        session_number=session.number,
        phase_changed=previous is not None and previous.phase != session.phase,
        in_ending=session.phase == Phase.ENDING,
    )


def client_instruments(instrument_ids: list[str]) -> list[str]:
    """Keep only instruments a client answers whose text may be shown (placeholders need a licence)."""
    kept = []
    for instrument_id in instrument_ids:
        instrument = load_instrument(instrument_id)
        if (
            instrument.respondent == "client"
            and instrument.text_may_be_shown
            and not instrument.placeholder
        ):
            kept.append(instrument_id)
    return kept


def create_check(actor, session: Session) -> tuple[Check | None, str | None]:
    """Bundle the instruments due at `session` into one check with a single-use link.

    Returns (check, token); (None, None) when nothing is due. An open check for the
    session is reused rather than duplicated.
    """
    existing = session.checks.filter(
        completed_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).first()
    if existing is not None:
        return existing, existing.token
    due = client_instruments(instruments_due(session))
    if not due:
        return None, None
    token = secrets.token_urlsafe(24)
    now = timezone.now()
    with transaction.atomic():
        check = Check.objects.create(
            created_at=now,
            organisation=session.organisation,
            session=session,
            instrument_ids=due,
            token_hash=hash_token(token),
            token=token,
            expires_at=now + check_lifetime(),
            created_by=actor,
        )
        record(
            actor, "create", check, summary=f"check for session {session.number}: {', '.join(due)}"
        )
    return check, token


def revoke_check(actor, check: Check) -> Check:
    if check.completed_at is not None:
        raise ValidationError("This check has already been answered.")
    with transaction.atomic():
        check.revoked_at = timezone.now()
        check.save(update_fields=["revoked_at"])
        record(actor, "update", check, summary="check revoked")
    return check


def check_url(request_or_base, token: str) -> str:
    path = reverse("client_check", kwargs={"token": token})
    if hasattr(request_or_base, "build_absolute_uri"):
        return request_or_base.build_absolute_uri(path)
    return str(request_or_base).rstrip("/") + path


def email_check(actor, check: Check, url: str) -> None:
    """E-mail the link to the client's address on file."""
    client = check.session.episode.client
    if not client.email:
        raise ValidationError("There is no e-mail address for this client.")
    organisation = check.organisation
    send_mail(
        subject=f"{organisation.name}: a one-minute check after your session",
        message=(
            f"Thank you for your session with {organisation.name}.\n\n"
            f"Please answer a few short questions about how it went (about a minute):\n{url}\n\n"
            f"The link works once and expires on {timezone.localtime(check.expires_at):%d %b %Y at %H:%M}."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[client.email],
    )
    with transaction.atomic():
        check.emailed_at = timezone.now()
        check.save(update_fields=["emailed_at"])
        record(actor, "update", check, summary="check link e-mailed to the client")


def find_check(token: str) -> Check | None:
    """The check for a link's token, or None; nothing about it is changed."""
    return (
        Check.objects.select_related(
            "session",
            "session__episode",
            "session__episode__client",
            "session__episode__practitioner",
            "organisation",
        )
        .filter(token_hash=hash_token(token))
        .first()
    )


def _score(instrument_id: str, answers: Mapping[str, float | None]):
    instrument = load_instrument(instrument_id)
    try:
        return score_response(dict(answers), instrument)
    except ScoringError as exc:
        raise ValidationError(str(exc)) from exc


def _store(
    session: Session,
    instrument_id: str,
    answers,
    *,
    rater: str,
    source: str,
    check=None,
    submitted_at=None,
) -> MeasureResponse:
    score = _score(instrument_id, answers)
    response = MeasureResponse.objects.create(
        organisation=session.organisation,
        session=session,
        check_ref=check,
        instrument_id=instrument_id,
        rater=rater,
        source=source,
        answers={str(k): v for k, v in answers.items()},
        total=score.total,
        subscales=score.subscales,
        band=score.band or "",
        scored=score.scored,
        missing_items=list(score.missing_items),
        critical_items=list(score.critical),
        critical=bool(score.critical),
        submitted_at=submitted_at or timezone.now(),
    )
    from alliance.web.webhooks.events import response_received

    response_received(response)  # webhooks: sent once the response is committed
    return response


def submit_check(
    check: Check, answers_by_instrument: Mapping[str, Mapping[str, float | None]]
) -> tuple[str, list[MeasureResponse]]:
    """Store the client's answers exactly once.

    Returns ("stored", responses) or (state, []) when the link is no longer open
    (answered, expired or revoked) — a retried or doubled submission stores nothing.
    """
    missing = [i for i in check.instrument_ids if i not in answers_by_instrument]
    if missing:
        raise ValidationError(f"Answers missing for {', '.join(missing)}.")
    with transaction.atomic():
        now = timezone.now()
        # Claiming the link is one conditional UPDATE: of two racing submissions the database
        # lets one change the row; the other finds it answered and stores nothing.
        claimed = Check.objects.filter(
            pk=check.pk, completed_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(completed_at=now)
        if not claimed:
            return Check.objects.get(pk=check.pk).state, []
        check.completed_at = now
        # The link's lookup (find_check) already read the session, episode, client,
        # practitioner and organisation.
        session = check.session
        session.organisation = check.organisation
        responses = [
            _store(
                session,
                instrument_id,
                answers_by_instrument[instrument_id],
                rater=Rater.CLIENT,
                source=Source.CHECK,
                check=check,
            )
            for instrument_id in check.instrument_ids
        ]
        record(
            None,
            "create",
            check,
            summary=f"client answered the check for session {session.number}",
            organisation=check.organisation,
        )
        critical = [r for r in responses if r.is_critical]
        if critical:
            notify_critical(session, critical)
    if critical:
        refresh_episode(session.episode)  # a critical answer flags the caseload at once
    else:
        refresh_episode_soon(session.episode)
    return "stored", responses


def notify_critical(session: Session, responses: list[MeasureResponse]) -> None:
    """Tell the practitioner at once about a critical answer, and audit it."""
    episode = session.episode
    practitioner = episode.practitioner
    items = "; ".join(f"{r.instrument_id} item {', '.join(r.critical_items)}" for r in responses)
    record(
        None,
        "create",
        responses[0],
        summary=f"critical answer: {items} (client {episode.client.code})",
        organisation=session.organisation,
    )
    if practitioner.email:
        send_mail(
            subject=f"Alliance: critical answer from client {episode.client.code}",
            message=(
                f"Client {episode.client.code} gave a critical answer in the check after session "
                f"{session.number} ({items}). Please review it today.\n\n"
                "Log in to Alliance to see the answers; no clinical details are sent by e-mail."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[practitioner.email],
        )


def acknowledge_critical(actor, response: MeasureResponse) -> None:
    with transaction.atomic():
        response.critical_acknowledged_at = timezone.now()
        response.save(update_fields=["critical_acknowledged_at"])
        record(actor, "update", response, summary="critical answer reviewed")
    refresh_episode(response.session.episode)


def record_practitioner_rating(
    actor, session: Session, answers: Mapping[str, float | None]
) -> MeasureResponse:
    """Store (or replace) the practitioner's own rating of a session."""
    instrument_id = "alliance-check-practitioner"
    with transaction.atomic():
        MeasureResponse.objects.filter(
            session=session, instrument_id=instrument_id, rater=Rater.PRACTITIONER
        ).delete()
        response = _store(
            session, instrument_id, answers, rater=Rater.PRACTITIONER, source=Source.PRACTITIONER
        )
        record(
            actor, "create", response, summary=f"practitioner rating of session {session.number}"
        )
    return response


def send_reminders(now: dt.datetime | None = None) -> int:
    """E-mail one reminder for open checks unanswered after ALLIANCE_REMINDER_HOURS; return the count."""
    now = now or timezone.now()
    after = dt.timedelta(hours=getattr(settings, "ALLIANCE_REMINDER_HOURS", 24))
    limit = getattr(settings, "ALLIANCE_MAX_REMINDERS", 1)
    sent = 0
    due = Check.objects.filter(
        completed_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
        created_at__lte=now - after,
        reminders_sent__lt=limit,
    ).select_related("session__episode__client", "organisation")
    base = getattr(settings, "ALLIANCE_BASE_URL", "http://127.0.0.1:8000")
    for check in due:
        client = check.session.episode.client
        if not client.email:
            continue
        send_mail(
            subject=f"{check.organisation.name}: a reminder about your one-minute check",
            message=f"If you have a minute, please answer a few questions about your last session:\n{check_url(base, check.token)}",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[client.email],
        )
        with transaction.atomic():
            check.reminders_sent += 1
            check.reminder_sent_at = now
            check.save(update_fields=["reminders_sent", "reminder_sent_at"])
            record(
                None, "update", check, summary="reminder e-mailed", organisation=check.organisation
            )
        sent += 1
    return sent
