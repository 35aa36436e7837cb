"""Everything held about one client, in one JSON document (the right of access and portability)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone

from alliance.interop.fhir import bundle, validate_resource
from alliance.web.accounts.models import User
from alliance.web.audit.log import record
from alliance.web.measures import answers
from alliance.web.rights import registry

EXPORT_FORMAT = "alliance-client-export"
EXPORT_VERSION = 1


def _value(value):
    """Return `value` as plain JSON (dates as ISO 8601, ids as strings)."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes | memoryview):
        return None
    return value


def _person(user: User) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def serialise(obj: models.Model) -> dict:
    """One row as a dict: every field but the integer key, the organisation and secrets.

    Foreign keys become the public id of the record they point to (a person's name for a
    member of staff); encrypted fields are decrypted on read.
    """
    label = obj._meta.label_lower
    omit = registry.EXPORT_OMIT.get(label, set())
    user_model = apps.get_model("accounts", "User")
    row: dict = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name in omit or field.name == "organisation":
            continue
        if field.is_relation:
            target = getattr(obj, field.name)
            if target is None:
                row[field.name] = None
            elif isinstance(target, user_model):
                row[field.name] = _person(target)
            elif hasattr(target, "public_id"):
                row[field.name] = str(target.public_id)
            else:
                row[field.name] = str(target)
            continue
        row[field.name] = _value(getattr(obj, field.name))
    return row


def _patient(client) -> dict:
    """A pseudonymous FHIR Patient: the client's public id and code, nothing else."""
    from fhir.resources.R4B.patient import Patient

    resource = {
        "resourceType": "Patient",
        "id": str(client.public_id),
        "identifier": [
            {"system": f"urn:alliance:client-code:{client.organisation.slug}", "value": client.code}
        ],
    }
    Patient.model_validate(resource)
    return resource


def fhir_bundle(client) -> tuple[dict, list[dict]]:
    """Return a validated FHIR R4 collection Bundle and the responses that could not go in."""

    responses, skipped = answers.client_fhir_resources(client)
    resources = [_patient(client), *responses]
    return validate_resource(bundle(resources, "collection")), skipped


def build_client_export(actor, client, *, via: str = "web") -> dict:
    """Return everything held about `client` as one JSON-ready dict, and audit the export.

    Sections follow ``registry.EXPORT_SECTIONS`` (the client, episodes, phase changes,
    sessions with notes, checks without their link tokens, responses with item values and
    scores, alerts, goals and ratings, tasks, shared decisions, client notes, portal access
    without token or PIN, transcripts with their analysis, consents with their history,
    a linked intake request); ``excluded`` names what is left out and why; ``fhir`` is a
    validated R4 Bundle with a pseudonymous Patient and every QuestionnaireResponse.
    Callers check access first: the web and the API allow the treating practitioner only.
    """
    sections: dict[str, list[dict]] = {
        name: [] for name in registry.EXPORT_SECTIONS.values() if name != "client"
    }
    for model in reversed(registry.related_models()):
        label = model._meta.label_lower
        section = registry.EXPORT_SECTIONS.get(label)
        if section is None or section == "client":
            continue
        rows = registry.rows_of(model, client).order_by("pk")
        sections[section] = [serialise(obj) for obj in rows]
    excluded = []
    for label, reason in sorted(registry.EXPORT_EXCLUDED.items()):
        model = apps.get_model(label)
        excluded.append(
            {
                "records": registry.records_name(label),
                "model": label,
                "count": registry.rows_of(model, client).count(),
                "reason": reason,
            }
        )
    bundle_resource, skipped = fhir_bundle(client)
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "exported_by": _person(actor) if actor is not None else f"({via})",
        "organisation": {"name": client.organisation.name, "slug": client.organisation.slug},
        "client": serialise(client),
        **sections,
        "counts": {name: len(rows) for name, rows in sections.items()},
        "excluded": excluded,
        "fhir": bundle_resource,
        "fhir_skipped": skipped,
    }
    record(
        actor,
        "export",
        client,
        summary=f"client data export of {client.code} ({via}, "
        f"{sum(document['counts'].values())} records)",
    )
    return document


def export_filename(client, today: dt.date | None = None) -> str:
    """`alliance-<code>-<yyyy-mm-dd>.json`, with anything but letters, digits and - dropped."""
    today = today or timezone.localdate()
    code = "".join(ch for ch in client.code if ch.isalnum() or ch in "-_") or "client"
    return f"alliance-{code}-{today.isoformat()}.json"
