"""One path for every answer: validate, score, store and audit; alert, e-mail and notify on commit.

Every way an answer arrives — the client's check, the practitioner's rating, the FHIR API,
`alliance import responses`, `alliance import fhir` and the demo loader — calls
`record_responses`, so a critical answer flags the client the same way on every path.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from alliance.instruments import UnknownInstrumentError, load_instrument, load_library
from alliance.scoring import ScoringError, check_responses, score_batch, score_response
from alliance.web.audit.log import record, record_many
from alliance.web.measures import listeners
from alliance.web.measures.episode_summary import ANSWER_FIELDS, answers_part
from alliance.web.measures.models import MeasureResponse, Rater, Source
from alliance.web.measures.tasks import monitor_after_import
from alliance.web.practice.models import Episode, Session
from alliance.web.practice.summaries import refresh_part

log = logging.getLogger(__name__)

# An imported answer older than this is history: its practitioner is not e-mailed and no
# webhook announces it as news (the alert is still opened on the client).
RECENT = dt.timedelta(days=1)


@dataclass(frozen=True)
class Administration:
    """One instrument answered once for one session, as it arrives from any entry point."""

    session_id: int
    organisation_id: int
    instrument_id: str
    answers: Mapping[str, float | None]
    rater: str = Rater.CLIENT
    submitted_at: dt.datetime | None = None
    label: str = ""  # how errors name it, e.g. "line 12" or "session 3"
    source: str = ""  # overrides the batch's source (the demo mixes checks and ratings)

    @classmethod
    def for_session(cls, session, instrument_id: str, answers, **fields: Any) -> Administration:
        fields.setdefault("label", f"session {session.number}")
        return cls(session.pk, session.organisation_id, instrument_id, answers, **fields)


@dataclass
class Recorded:
    """What `record_responses` stored: the count, and the rows it read back (small batches)."""

    created: int = 0
    responses: list[MeasureResponse] = field(default_factory=list)
    critical: list[MeasureResponse] = field(default_factory=list)


# Up to this many administrations are scored one by one (`score_response`): for the one or
# two instruments of a check, building and running the vectorised plan costs about 5 ms, the
# plain loop a tenth of a millisecond. Both give the same scores (tests/web_measures).
SMALL_BATCH = 20


def _score_small(administrations: Sequence[Administration]) -> list[dict] | None:
    """Score a few administrations like `score_batch` does; None when any needs its errors."""
    library = load_library()
    out = []
    for admin in administrations:
        instrument = library.get(admin.instrument_id)
        keys = {str(item) for item in admin.answers}
        if instrument is None or len(keys) != len(admin.answers):
            return None  # unknown instrument or an item given twice: the batch names it
        answers = {
            str(item): None if value is None else float(value)
            for item, value in admin.answers.items()
        }
        if any(
            isinstance(value, bool) or (answer is not None and math.isnan(answer))
            for value, answer in zip(admin.answers.values(), answers.values(), strict=True)
        ):
            return None  # the two scorers read these differently: keep the batch's reading
        try:
            check_responses(answers, instrument)
        except ScoringError:
            return None  # the batch names the administration and the first bad value
        score = score_response(answers, instrument)
        out.append(
            {
                "total": score.total,
                "band": score.band,
                "scored": score.scored,
                "missing_items": list(score.missing_items),
                "critical": list(score.critical),
                **{f"subscale_{k}": v for k, v in score.subscales.items()},
            }
        )
    return out


def score_administrations(administrations: Sequence[Administration]) -> list[dict]:
    """Validate and score every administration in one vectorised pass, in input order.

    Raises ValidationError naming the administration (its label) and the first bad value.
    A few administrations are scored one by one, with the same result.
    """
    if not administrations:
        return []
    if len(administrations) <= SMALL_BATCH and all(a.answers for a in administrations):
        small = _score_small(administrations)
        if small is not None:
            return small
    rows: dict[str, list] = {"administration": [], "instrument": [], "item": [], "value": []}
    for index, admin in enumerate(administrations):
        if not admin.answers:
            raise InvalidAdministration(
                f"{admin.instrument_id} ({admin.label}): no answers.", index
            )
        for item, value in admin.answers.items():
            rows["administration"].append(index)
            rows["instrument"].append(admin.instrument_id)
            rows["item"].append(str(item))
            rows["value"].append(None if value is None else float(value))
    frame = pl.DataFrame(
        rows,
        schema={
            "administration": pl.Int64,
            "instrument": pl.Utf8,
            "item": pl.Utf8,
            "value": pl.Float64,
        },
    )
    try:
        scored = score_batch(frame)
    except (UnknownInstrumentError, ValueError) as exc:
        message, bad_index = _name_bad(administrations, exc)
        raise InvalidAdministration(message, bad_index) from exc
    return scored.sort("administration").to_dicts()


class InvalidAdministration(ValidationError):
    """An administration that cannot be scored; `index` is its place in the batch (or None)."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


def _name_bad(administrations: Sequence[Administration], exc: Exception) -> tuple[str, int | None]:
    """Name the administration the scorer refused by its label, not the scorer's 0-based index."""
    message = str(exc)
    found = re.search(r"administration (\d+): ", message)
    index = int(found.group(1)) if found else 0 if len(administrations) == 1 else None
    if index is None or not 0 <= index < len(administrations):
        return message, None
    admin = administrations[index]
    detail = message.replace(found.group(0), "") if found else message
    return f"{admin.instrument_id} ({admin.label}): {detail}", index


COLUMNS = (
    "public_id",
    "organisation_id",
    "session_id",
    "check_ref_id",
    "instrument_id",
    "rater",
    "source",
    "answers",
    "total",
    "subscales",
    "band",
    "scored",
    "missing_items",
    "critical_items",
    "critical",
    "submitted_at",
)


def _row(admin: Administration, score: dict, *, source: str, check_id, now) -> tuple:
    subscales = {
        k.removeprefix("subscale_"): v
        for k, v in score.items()
        if k.startswith("subscale_") and v is not None
    }
    critical = [str(c) for c in score["critical"] or []]
    return (
        uuid.uuid4(),
        admin.organisation_id,
        admin.session_id,
        check_id,
        admin.instrument_id,
        str(admin.rater),
        str(admin.source or source),
        json.dumps({str(k): v for k, v in admin.answers.items()}),
        score["total"],
        json.dumps(subscales),
        score["band"] or "",
        bool(score["scored"]),
        json.dumps([str(m) for m in score["missing_items"] or []]),
        json.dumps(critical),
        bool(critical),
        admin.submitted_at or now,
    )


def _insert(rows: list[tuple]) -> None:
    """Insert scored rows with one executemany: the ORM's bulk_create costs 10x more on imports.

    Values are parameters; identifiers come from the model's metadata.
    """
    quote = connection.ops.quote_name
    table = quote(MeasureResponse._meta.db_table)
    columns = ", ".join(quote(c) for c in COLUMNS)
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    last = len(COLUMNS) - 1
    prepared = [
        (
            row[0].hex if connection.vendor == "sqlite" else row[0],
            *row[1:last],
            connection.ops.adapt_datetimefield_value(row[last]),
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", prepared)  # noqa: S608


def _insert_returning(rows: list[tuple]) -> list[int]:
    """Insert a few scored rows one by one, returning their ids (INSERT ... RETURNING)."""
    quote = connection.ops.quote_name
    table = quote(MeasureResponse._meta.db_table)
    columns = ", ".join(quote(c) for c in COLUMNS)
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING {quote('id')}"  # noqa: S608
    ids = []
    with connection.cursor() as cursor:
        for row in rows:
            cursor.execute(
                sql,
                (
                    row[0].hex if connection.vendor == "sqlite" else row[0],
                    *row[1:-1],
                    connection.ops.adapt_datetimefield_value(row[-1]),
                ),
            )
            ids.append(cursor.fetchone()[0])
    return ids


def _built(
    rows: list[tuple], ids: list[int], known: Mapping[int, Session], organisation
) -> list[MeasureResponse]:
    """The stored rows as the read-back would give them, built from what was inserted."""
    built = []
    for row, pk in zip(rows, ids, strict=True):
        response = MeasureResponse(
            id=pk,
            public_id=row[0],
            organisation_id=row[1],
            session_id=row[2],
            check_ref_id=row[3],
            instrument_id=row[4],
            rater=row[5],
            source=row[6],
            answers=json.loads(row[7]),
            total=row[8],
            subscales=json.loads(row[9]),
            band=row[10],
            scored=row[11],
            missing_items=json.loads(row[12]),
            critical_items=json.loads(row[13]),
            critical=row[14],
            submitted_at=row[15],
            critical_acknowledged_at=None,
        )
        response._state.adding = False
        response._state.db = connection.alias
        response.session = known[row[2]]
        if organisation is not None and row[1] == organisation.pk:
            response.organisation = organisation
        built.append(response)
    return built


# Never needed here, and decrypting them for every row of an import costs seconds.
_ENCRYPTED = (
    "session__note",
    "session__episode__referral_reason",
    "session__episode__client__name",
    "session__episode__client__email",
    "session__episode__client__phone",
)

# Above this many episodes, one batch run of the monitoring (as `alliance monitor` does) is
# much faster than refreshing each episode.
BATCH_REFRESH_EPISODES = 20


def _read_back(
    public_ids: list[uuid.UUID], known: Mapping[int, Session] | None = None, organisation=None
) -> list[MeasureResponse]:
    """The stored rows, with their session, episode, client and practitioner.

    Sessions in `known` (read by the caller with those) are attached instead of joined again.
    """
    found: list[MeasureResponse] = []
    for chunk in _chunks(public_ids):
        query = MeasureResponse.objects.filter(public_id__in=chunk)
        if not known:
            query = query.select_related(
                "session__episode__client", "session__episode__practitioner"
            ).defer(*_ENCRYPTED)
        found.extend(query)
    for response in found:
        session = known.get(response.session_id) if known else None
        if session is not None:
            response.session = session
        elif known:  # a session the caller did not know: read it as above
            response.session = (
                Session.objects.select_related("episode__client", "episode__practitioner")
                .defer(*(name.removeprefix("session__") for name in _ENCRYPTED))
                .get(pk=response.session_id)
            )
        if organisation is not None and response.organisation_id == organisation.pk:
            response.organisation = organisation
    order = {public_id: index for index, public_id in enumerate(public_ids)}
    return sorted(found, key=lambda r: order[r.public_id])


def refresh_answer_summaries(episode_ids, organisations: dict[int, int]) -> None:
    """Recompute what the answers add to these episodes' summaries (`practice.summaries`)."""
    refresh_part(episode_ids, answers_part, ANSWER_FIELDS, organisations)


def record_responses(
    actor,
    administrations: Sequence[Administration],
    *,
    source: str,
    organisation,
    summary: str,
    check=None,
    audit_object=None,
    historical: bool = False,
    read_back: bool = True,
    progress=None,
    sessions: Mapping[int, Session] | None = None,
) -> Recorded:
    """Validate, score, store and audit answers in one transaction; react once it commits.

    After commit: a critical answer is e-mailed to the practitioner (audited in the same
    transaction as the answer), monitoring is refreshed at once for episodes with a critical
    answer (so the alert is open before the caller answers) and soon for the others, and
    webhooks are handed to the queue. A `historical` batch (an import) e-mails and announces
    only answers submitted within the last day (RECENT); its critical answers still open an
    alert. Nothing is stored, sent or queued when any administration is invalid.

    `sessions` (session id → session, read with its episode, client and practitioner, as a
    check's link is) saves reading them again.
    """
    now = timezone.now()
    administrations = list(administrations)
    scores = score_administrations(administrations)
    rows = [
        _row(admin, score, source=source, check_id=check.pk if check else None, now=now)
        for admin, score in zip(administrations, scores, strict=True)
    ]
    recent_cutoff = now - RECENT
    result = Recorded(created=len(rows))
    known = sessions or {}
    # A check's few answers, whose sessions the caller has read: the ids come back from the
    # INSERT and the rows are built, not read back (a query and a join fewer).
    built = (
        read_back
        and len(rows) <= SMALL_BATCH
        and all(row[2] in known for row in rows)
        and connection.features.can_return_columns_from_insert
    )
    with transaction.atomic():
        if built:
            result.responses = _built(rows, _insert_returning(rows), known, organisation)
        else:
            for start in range(0, len(rows), 5000):
                _insert(rows[start : start + 5000])
                if progress is not None:
                    progress(min(start + 5000, len(rows)), len(rows))
        critical_rows = [row for row in rows if row[14]]
        announce_ids = [
            row[0] for row in rows if not historical or row[15] >= recent_cutoff
        ]  # submitted_at
        if read_back and not built:
            result.responses = _read_back([row[0] for row in rows], sessions, organisation)
        obj = audit_object
        if obj is None and check is None and len(result.responses) == 1:
            obj = result.responses[0]
        record(actor, "create", check or obj, summary=summary, organisation=organisation)
        codes = _sessions_of(sorted({row[2] for row in rows}), known)
        label = dict(Source.choices).get(source, source)
        record_many(
            actor,
            "create",
            [
                (
                    "measureresponse",
                    row[0],
                    f"critical answer: {row[4]} item {', '.join(json.loads(row[13]))} "
                    f"(client {codes[row[2]][1]}, {label})",
                )
                for row in critical_rows
            ],
            organisation=organisation,
        )
        _queue_webhooks(announce_ids, result.responses)
        critical_episodes = {codes[row[2]][0] for row in critical_rows}
        # Only answers to e-mail about are read back from an import: a few, not thousands.
        email_ids = [row[0] for row in critical_rows if not historical or row[15] >= recent_cutoff]
        if built:
            to_email = [r for r in result.responses if r.public_id in set(email_ids)]
        else:
            to_email = _read_back(email_ids, known, organisation)
        result.critical = [r for r in result.responses if r.critical] if read_back else to_email
        touched = {episode for episode, _code in codes.values()}
        # The caseload's alliance and critical flag (answers leave the sessions' count and
        # date as they are); a session's organisation is its episode's.
        refresh_answer_summaries(touched, {codes[row[2]][0]: row[1] for row in rows})
        episodes = {s.episode_id: s.episode for s in known.values()}
        transaction.on_commit(
            lambda: _after_commit(
                organisation, to_email, critical_episodes, touched - critical_episodes, episodes
            )
        )
    return result


def _chunks(ids: list, size: int = 900):
    # SQLite allows a limited number of parameters per query; an import may touch 100,000 rows.
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _sessions_of(
    session_ids: list[int], known: Mapping[int, Session]
) -> dict[int, tuple[int, str]]:
    """Map session id → (episode id, client code), reading no encrypted column."""
    found: dict[int, tuple[int, str]] = {}
    if all(pk in known for pk in session_ids):
        return {pk: (known[pk].episode_id, known[pk].episode.client.code) for pk in session_ids}
    for chunk in _chunks(session_ids):
        rows = Session.objects.filter(pk__in=chunk).values_list(
            "pk", "episode_id", "episode__client__code"
        )
        found.update({pk: (episode, code) for pk, episode, code in rows})
    return found


def _items(response: MeasureResponse) -> str:
    """E.g. "PHQ-9 item 9": the instrument's name as practitioners know it."""
    try:
        name = load_instrument(response.instrument_id).short_name
    except UnknownInstrumentError:
        name = response.instrument_id
    items = ", ".join(response.critical_items)
    return f"{name} item{'s' if len(response.critical_items) > 1 else ''} {items}"


def _queue_webhooks(announce_ids: list[uuid.UUID], known: list[MeasureResponse]) -> None:
    announcers = listeners.announcers()
    if not announce_ids or not announcers:
        return
    by_id = {r.public_id: r for r in known}
    missing = [i for i in announce_ids if i not in by_id]
    if missing:
        first = _read_back(missing[:1])
        if first and not any(a.listening(first[0].organisation) for a in announcers):
            return  # nobody listens: don't read back a large import for nothing
        by_id.update({r.public_id: r for r in _read_back(missing)})
    for public_id in announce_ids:
        for announcer in announcers:
            announcer.response_received(by_id[public_id])  # delivered on commit


def _after_commit(
    organisation,
    to_email,
    critical_episodes: set[int],
    other_episodes: set[int],
    known: Mapping[int, Episode],
) -> None:
    # The answers are committed: the practitioner is told even if the monitoring fails (its
    # nightly run, `alliance monitor --all`, catches up), and the caller is not turned into an
    # error page after the fact.
    try:
        _refresh(organisation, critical_episodes, other_episodes, known)
    except Exception:
        log.exception("monitoring after recording answers failed; the nightly run catches up")
    by_session: dict[int, list[MeasureResponse]] = {}
    for response in to_email:
        by_session.setdefault(response.session_id, []).append(response)
    for responses in by_session.values():
        email_critical(responses)


def _refresh(
    organisation,
    critical_episodes: set[int],
    other_episodes: set[int],
    known: Mapping[int, Episode],
) -> None:
    monitoring = listeners.monitoring()
    if len(critical_episodes) + len(other_episodes) > BATCH_REFRESH_EPISODES:
        # An import: every signal of the practice in one batch run, critical alerts included —
        # by `alliance worker` within seconds (ALLIANCE_MONITOR_IN_BACKGROUND), or here.
        if settings.ALLIANCE_MONITOR_IN_BACKGROUND:
            monitor_after_import.enqueue(organisation.pk)
        else:
            monitoring.monitor_organisation(organisation)
        other_episodes = critical_episodes = set()
    if critical_episodes:
        for episode in Episode.objects.filter(pk__in=critical_episodes).select_related(
            "organisation"
        ):
            monitoring.refresh_episode(episode)  # a critical answer flags the caseload at once
    for episode_id in sorted(other_episodes & set(known)):
        monitoring.refresh_episode_soon(known[episode_id])
    for chunk in _chunks(sorted(other_episodes - set(known))):
        for episode in Episode.objects.filter(pk__in=chunk):
            monitoring.refresh_episode_soon(episode)


def email_critical(responses: list[MeasureResponse]) -> None:
    """E-mail the practitioner about critical answers of one session (no clinical detail)."""
    session = responses[0].session
    episode = session.episode
    practitioner = episode.practitioner
    if not practitioner.email:
        return
    items = "; ".join(_items(r) for r in responses)
    try:
        send_mail(
            subject=f"Alliance: critical answer from client {episode.client.code}",
            message=(
                f"Client {episode.client.code} gave a critical answer for session "
                f"{session.number} ({items}). Please review it today.\n\n"
                "Log in to Alliance to see the answers; no clinical details are sent by e-mail."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[practitioner.email],
        )
    except Exception:
        # The answer is stored and its alert open; a mail server's failure must not turn the
        # client's confirmation into an error page.
        log.exception("could not e-mail the critical answer of session %s", session.pk)
