"""FHIR in and out for stored responses (the pure mapping lives in alliance.interop.fhir)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from alliance.interop.fhir import (
    FhirError,
    ParsedResponse,
    parse_questionnaire_responses,
    questionnaire_response,
)
from alliance.web.accounts.models import Organisation, User
from alliance.web.measures.importing import answer_differences, conflict_reason
from alliance.web.measures.models import MeasureResponse, Rater, Source
from alliance.web.measures.recording import Administration, record_responses
from alliance.web.practice.models import Session


def response_to_fhir(response: MeasureResponse) -> dict[str, Any]:
    """One stored response as a validated QuestionnaireResponse; the subject is the pseudonymous client id."""
    episode = response.session.episode
    return questionnaire_response(
        response.instrument_id,
        {k: v for k, v in response.answers.items()},
        authored=response.submitted_at,
        subject=f"Patient/{episode.client.public_id}",
        encounter=f"Encounter/{response.session.public_id}",
        identifier=("urn:alliance:response", str(response.public_id)),
        response_id=str(response.public_id),
    )


# Responses stored as answered: a partial ("in-progress") or abandoned ("stopped") response
# would be scored as if complete, so both are refused rather than stored as completed.
STORED_STATUSES = ("completed", "amended")
EARLIEST_AUTHORED = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
FUTURE_SLACK = dt.timedelta(days=1)  # clocks and time zones differ; a day ahead is a mistake


def check_for_session(item: ParsedResponse, session: Session, where: str) -> None:
    """Refuse a parsed QuestionnaireResponse that cannot be stored for `session`.

    The same rule for the FHIR API and `alliance import fhir`: the status says it is answered,
    the subject (when given) is the session's client, and `authored` is a plausible time.
    """

    if item.status not in STORED_STATUSES:
        raise FhirError(
            f"{where}: status {item.status!r} is not stored; send the response once it is "
            f"{' or '.join(STORED_STATUSES)}"
        )
    if item.subject:
        client_id = str(session.episode.client.public_id)
        if item.subject.removeprefix("Patient/") != client_id:
            raise FhirError(
                f"{where}: subject {item.subject[:80]!r} is not the client of the session "
                f"(Patient/{client_id}); leave it out or name that client"
            )
    if item.authored is not None:
        latest = timezone.now() + FUTURE_SLACK
        if not EARLIEST_AUTHORED <= item.authored <= latest:
            raise FhirError(
                f"{where}: authored {item.authored.isoformat()} is outside 1900 to tomorrow; "
                "send the time the client answered"
            )


def import_fhir(
    data: Mapping[str, Any] | str | bytes, organisation: Organisation, *, actor: User | None = None
) -> tuple[int, int]:
    """Store QuestionnaireResponses whose encounter is `Encounter/<session public id>`.

    All resources are checked before anything is written; the answers are recorded as a
    historical import (see `record_responses`). A response already stored with the same
    answers counts as present; one with different answers refuses the whole file. Returns
    (created, already present).
    """

    parsed = parse_questionnaire_responses(data)
    targets = []
    for index, item in enumerate(parsed, start=1):
        reference = (item.encounter or "").removeprefix("Encounter/")
        try:
            session_id = uuid.UUID(reference)
        except ValueError:
            raise FhirError(
                f"response {index}: encounter must be Encounter/<Alliance session id>, not {item.encounter!r}"
            ) from None
        session = (
            Session.objects.filter(organisation=organisation, public_id=session_id)
            .select_related("episode__client")
            .first()
        )
        if session is None:
            raise FhirError(f"response {index}: no session {session_id} in {organisation.name}")
        check_for_session(item, session, f"response {index}")
        targets.append((index, session, item))
    present = 0
    fresh = []
    seen: dict[tuple[int, str], dict[str, float | None]] = {}
    for index, session, item in targets:
        key = (session.pk, item.instrument)
        stored = seen.get(key)
        if stored is None:
            stored = (
                session.responses.filter(instrument_id=item.instrument, rater=Rater.CLIENT)
                .values_list("answers", flat=True)
                .first()
            )
        if stored is not None:
            # The same answers again are no duplicate; different ones refuse the import
            # rather than vanish (an import is history, not a correction).
            differences = answer_differences(stored, item.values)
            if differences:
                where = f"response {index}" + (
                    f" ({item.resource_id[:40]})" if item.resource_id else ""
                )
                reason = conflict_reason(
                    session.episode.client.code,
                    f"session {session.number}",
                    item.instrument,
                    differences,
                )
                raise FhirError(f"{where}: {reason}; nothing imported")
            present += 1
            continue
        seen[key] = dict(item.values)
        fresh.append(
            Administration.for_session(
                session,
                item.instrument,
                item.values,
                submitted_at=item.authored,
                label=f"response {index}",
            )
        )
    if not fresh:
        return 0, present
    try:
        recorded = record_responses(
            actor,
            fresh,
            source=Source.FHIR,
            organisation=organisation,
            summary=f"imported {len(fresh)} responses from FHIR",
            historical=True,
        )
    except ValidationError as exc:
        raise FhirError("; ".join(exc.messages)) from None
    return recorded.created, present
