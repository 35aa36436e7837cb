"""Writes for measures: plans, checks, submissions, practitioner ratings. Each one audits."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from alliance.instruments import UnknownInstrumentError, load_instrument, structure_only_reason
from alliance.web.audit.log import record
from alliance.web.measures import listeners
from alliance.web.measures.models import (
    Check,
    HeldAnswers,
    MeasureResponse,
    PlanItem,
    Rater,
    Schedule,
    Source,
    hash_token,
)
from alliance.web.measures.plan import DEFAULT_PLANS, PlanLine, due_instruments
from alliance.web.measures.recording import Administration, record_responses
from alliance.web.practice.models import Episode, Phase, Session
from alliance.web.practice.summaries import refresh_summaries

log = logging.getLogger(__name__)


class AlreadyAnswered(ValidationError):
    """A check was asked for a session whose client measures are all answered."""


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
    session is reused rather than duplicated. A session holds one client answer per
    instrument, so instruments the client already answered for it are left out, and a check
    with nothing left to ask is refused here (AlreadyAnswered) — never at submission.
    """
    existing = session.checks.filter(
        completed_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).first()
    if existing is not None:
        return existing, existing.token
    due = client_instruments(instruments_due(session))
    if not due:
        return None, None
    answered = set(
        session.responses.filter(rater=Rater.CLIENT, instrument_id__in=due).values_list(
            "instrument_id", flat=True
        )
    )
    if answered:
        due = [i for i in due if i not in answered]
        if not due:
            raise AlreadyAnswered(
                f"The client has already answered {', '.join(sorted(answered))} for session "
                f"{session.number}; a session holds one answer per measure, so there is "
                "nothing left to ask. Record the next session to send a new check."
            )
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


def check_url(request_or_base: HttpRequest | str, token: str) -> str:
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
    """The check for a link's token, or None; nothing about it is changed.

    The encrypted columns (the token itself, the session's note, the referral reason, the
    client's name and contacts) are left unread: the client's pages show none of them, and
    decrypting them was a fifth of a submission's time.
    """
    return (
        Check.objects.select_related(
            "session",
            "session__episode",
            "session__episode__client",
            "session__episode__practitioner",
            "organisation",
        )
        .defer(
            "token",
            "session__note",
            "session__episode__referral_reason",
            "session__episode__client__name",
            "session__episode__client__email",
            "session__episode__client__phone",
        )
        .filter(token_hash=hash_token(token))
        .first()
    )


def submit_check(
    check: Check, answers_by_instrument: Mapping[str, Mapping[str, float | None]]
) -> tuple[str, list[MeasureResponse]]:
    """Store the client's answers exactly once; an open link's answers are never refused.

    Returns ("stored", responses), ("held", []) when they could not be stored and were kept
    for the practitioner instead (see `hold_answers`), or (state, []) when the link is no
    longer open (answered, expired or revoked) — a retried or doubled submission stores nothing.
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
        # An answer of the same instrument may have arrived for the session by another path
        # (FHIR, an import) since the link was issued: those are kept aside, the rest stored.
        already = set(
            session.responses.filter(
                rater=Rater.CLIENT, instrument_id__in=check.instrument_ids
            ).values_list("instrument_id", flat=True)
        )
        if already:
            hold_answers(
                check,
                {i: answers_by_instrument[i] for i in check.instrument_ids if i in already},
                reason="the session already had a client answer to " + ", ".join(sorted(already)),
            )
        to_store = [i for i in check.instrument_ids if i not in already]
        if not to_store:
            return "held", []
        try:
            with transaction.atomic():  # a savepoint: a failure here keeps the claim and the hold
                recorded = record_responses(
                    None,
                    [
                        Administration.for_session(
                            session, instrument_id, answers_by_instrument[instrument_id]
                        )
                        for instrument_id in to_store
                    ],
                    source=Source.CHECK,
                    organisation=check.organisation,
                    check=check,
                    summary=f"client answered the check for session {session.number}",
                    sessions={session.pk: session},
                )
        except (DatabaseError, ValidationError) as exc:
            hold_answers(
                check, {i: answers_by_instrument[i] for i in to_store}, reason=_reason(exc)
            )
            return "held", []
    return "stored", recorded.responses


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return f"the database refused them ({type(exc).__name__})"


def _fires(trigger, answers: Mapping[str, float | None]) -> bool:
    value = answers.get(trigger.item, answers.get(str(trigger.item)))
    try:
        return bool(trigger.fires(None if value is None else float(value)))
    except (TypeError, ValueError):
        return False


def hold_answers(
    check: Check, answers_by_instrument: Mapping[str, Mapping[str, float | None]], *, reason: str
) -> HeldAnswers:
    """Keep a check's answers that could not be stored, audit it and tell the practitioner.

    Called inside the submission's transaction; the e-mail goes once it commits. A critical
    answer (as far as the answers can be scored one by one) is named in the e-mail.
    """
    critical, critical_named = [], []
    for instrument_id, answers in answers_by_instrument.items():
        # Each trigger on its own, not the whole score: one bad value elsewhere must not hide
        # a critical answer.
        try:
            instrument = load_instrument(instrument_id)
        except UnknownInstrumentError:
            continue
        fired = [t.item for t in instrument.critical_items if _fires(t, answers)]
        if fired:
            critical.append(f"{instrument_id} item {', '.join(fired)}")
            # The e-mail names the instrument as practitioners know it.
            critical_named.append(f"{instrument.short_name} item {', '.join(fired)}")
    held = HeldAnswers.objects.create(
        organisation=check.organisation,
        session=check.session,
        check_ref=check,
        answers={k: dict(v) for k, v in answers_by_instrument.items()},
        reason=reason[:500],
        critical=bool(critical),
    )
    session = check.session
    episode = session.episode
    record(
        None,
        "create",
        held,
        summary=f"check answers for session {session.number} kept unstored ({reason[:120]})"
        + (f"; critical answer: {'; '.join(critical)}" if critical else ""),
        organisation=check.organisation,
    )
    practitioner = episode.practitioner
    if practitioner.email:
        subject = (
            f"Alliance: critical answer from client {episode.client.code}"
            if critical
            else f"Alliance: answers from client {episode.client.code} need your review"
        )
        body = (
            f"Client {episode.client.code} answered the check after session {session.number}, "
            "but the answers could not be stored with the session's measures. They are kept "
            "on that check's page in Alliance (from the session); please review them today."
            + (
                f"\n\nThey include a critical answer ({'; '.join(critical_named)})."
                if critical
                else ""
            )
            + "\n\nNo clinical details are sent by e-mail."
        )

        def send() -> None:
            try:
                send_mail(
                    subject=subject,
                    message=body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[practitioner.email],
                )
            except Exception:
                # Kept and audited already; the client must still see the thanks page.
                log.exception("could not e-mail held answers of session %s", session.pk)

        transaction.on_commit(send)
    if critical:
        # A critical answer is an alert at once, kept aside or not (insights reads held ones).
        transaction.on_commit(lambda: listeners.monitoring().refresh_episode(episode))
    return held


def acknowledge_critical(actor, response: MeasureResponse) -> None:
    with transaction.atomic():
        response.critical_acknowledged_at = timezone.now()
        response.save(update_fields=["critical_acknowledged_at"])
        refresh_summaries([response.session.episode_id])
        record(actor, "update", response, summary="critical answer reviewed")
    listeners.monitoring().refresh_episode(response.session.episode)


def record_practitioner_rating(
    actor, session: Session, answers: Mapping[str, float | None]
) -> MeasureResponse:
    """Store (or replace) the practitioner's own rating of a session."""
    instrument_id = "alliance-check-practitioner"
    with transaction.atomic():
        MeasureResponse.objects.filter(
            session=session, instrument_id=instrument_id, rater=Rater.PRACTITIONER
        ).delete()
        recorded = record_responses(
            actor,
            [Administration.for_session(session, instrument_id, answers, rater=Rater.PRACTITIONER)],
            source=Source.PRACTITIONER,
            organisation=session.organisation,
            summary=f"practitioner rating of session {session.number}",
        )
    return recorded.responses[0]


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


def record_response(
    actor,
    session: Session,
    instrument_id: str,
    answers: Mapping[str, float | None],
    *,
    rater: str = Rater.CLIENT,
    source: str,
    submitted_at: dt.datetime | None = None,
    historical: bool = False,
) -> MeasureResponse:
    """Record one administration through `record_responses` (audited, alerted on commit)."""
    recorded = record_responses(
        actor,
        [
            Administration.for_session(
                session, instrument_id, answers, rater=rater, submitted_at=submitted_at
            )
        ],
        source=source,
        organisation=session.organisation,
        summary=f"{instrument_id} for session {session.number} ({source})",
        historical=historical,
    )
    return recorded.responses[0]


def _store(session: Session, instrument_id: str, answers, *, rater, source, submitted_at=None):
    """The former private helper, kept for callers outside measures: the same one path."""
    return record_response(
        None, session, instrument_id, answers, rater=rater, source=source, submitted_at=submitted_at
    )
