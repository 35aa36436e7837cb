"""FHIR in and out for stored responses (the pure mapping lives in alliance.interop.fhir)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError

from alliance.interop.fhir import questionnaire_response
from alliance.web.measures.models import MeasureResponse


def response_to_fhir(response: MeasureResponse) -> dict:
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


def import_fhir(data, organisation, *, actor=None) -> tuple[int, int]:
    """Store QuestionnaireResponses whose encounter is `Encounter/<session public id>`.

    All resources are checked before anything is written; the answers are recorded as a
    historical import (see `record_responses`). Returns (created, already present).
    """
    from alliance.interop.fhir import FhirError, parse_questionnaire_responses
    from alliance.web.measures.models import Rater, Source
    from alliance.web.measures.recording import Administration, record_responses
    from alliance.web.practice.models import Session

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
        session = Session.objects.filter(organisation=organisation, public_id=session_id).first()
        if session is None:
            raise FhirError(f"response {index}: no session {session_id} in {organisation.name}")
        targets.append((index, session, item))
    present = 0
    fresh = []
    seen = set()
    for index, session, item in targets:
        key = (session.pk, item.instrument)
        if (
            key in seen
            or session.responses.filter(instrument_id=item.instrument, rater=Rater.CLIENT).exists()
        ):
            present += 1
            continue
        seen.add(key)
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
