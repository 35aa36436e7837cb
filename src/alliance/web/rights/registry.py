"""Which records hang off a client, and what export, erasure and anonymisation do with each.

Related models are discovered from Django's model metadata: every model with a foreign-key
path to `practice.Client` is client data. Each one must be classified here (exported or
excluded with a reason; deleted, unlinked or anonymised field by field), and
`problems()` lists whatever is not, so a new model or field cannot be silently left out:
the test suite fails until it is classified.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db import models

# --- anonymisation rules for one field ----------------------------------------------------
KEEP = "keep"  # a number, a code or a choice: kept for statistics
BLANK = "blank"  # free text or contact detail: emptied
NULL = "null"  # a nullable identifying value (year of birth): set to NULL
SHIFT = "shift"  # a date or time: moved onto the anonymous calendar (see anonymise)
NEW_UUID = "new_uuid"  # public id: replaced, so audit entries no longer point at the record
NEW_CODE = "new_code"  # the client code: replaced by a random ANON- code
UNUSABLE_HASH = "unusable_hash"  # a link token hash: replaced by the hash of a random secret
EMPTY_JSON = "empty_json"  # a JSON value that may hold words: emptied to its default
FIELD_RULES = {KEEP, BLANK, NULL, SHIFT, NEW_UUID, NEW_CODE, UNUSABLE_HASH, EMPTY_JSON}

# --- what happens to a whole row ------------------------------------------------------------
DELETE = "delete"


@dataclass(frozen=True)
class Unlink:
    """Keep the row (it is not the client's) but empty the foreign key that ties it to them."""

    field: str


# The section of the export each model's rows go to (practice.Client is the top "client").
EXPORT_SECTIONS: dict[str, str] = {
    "practice.client": "client",
    "practice.episode": "episodes",
    "practice.phasechange": "phase_changes",
    "practice.session": "sessions",
    "measures.planitem": "measurement_plan",
    "measures.check": "checks",
    "measures.measureresponse": "responses",
    "measures.heldanswers": "held_answers",
    "insights.alert": "alerts",
    "collaboration.goal": "goals",
    "collaboration.goalrating": "goal_ratings",
    "collaboration.task": "tasks",
    "collaboration.shareddecision": "shared_decisions",
    "collaboration.portalaccess": "portal_access",
    "collaboration.clientnote": "client_notes",
    "collaboration.ritualchoice": "rituals",
    "transcripts.transcriptconsent": "transcript_consents",
    "transcripts.transcript": "transcripts",
    "transcripts.rupturecandidatedecision": "transcript_rupture_decisions",
    "research.researchconsent": "research_consents",
    "intake.intakerequest": "intake_requests",
    "rights.anonymisedclient": "anonymisation",
}

# Models with a path to the client that the export leaves out, and why.
EXPORT_EXCLUDED: dict[str, str] = {
    "practice.episodesummary": (
        "The caseload's summary of an episode (session count, last session, recent alliance "
        "totals, unreviewed critical answers) is derived from the sessions and responses, "
        "which the export holds in full."
    ),
    "journal.journalentry": (
        "The practitioner's private reflection journal is the practitioner's own data "
        "(their reactions and countertransference), not the client's record; an entry may "
        "link to a session but is never exported. On erasure or anonymisation it loses the "
        "link to the session."
    ),
}


def records_name(label: str) -> str:
    """A readable name for a kind of client record ("phase changes", "journal entries")."""
    if label in EXPORT_SECTIONS:
        return EXPORT_SECTIONS[label].replace("_", " ")
    return {"journal.journalentry": "practitioner's journal entries"}.get(label, label)


# Fields an export never contains: secrets that open something (links, PINs).
EXPORT_OMIT: dict[str, set[str]] = {
    "measures.check": {"token", "token_hash"},
    "collaboration.portalaccess": {"token", "token_hash", "pin_hash"},
}

# Rows computed from the client's other records for speed: deleted with them, never counted
# as records of their own in the audit entry.
DERIVED = {"practice.episodesummary"}

# Erasure: every row is deleted, except rows that belong to someone else and only lose a link.
ERASE: dict[str, object] = {label: DELETE for label in EXPORT_SECTIONS} | {
    "journal.journalentry": Unlink("session"),
    "practice.episodesummary": DELETE,
}

# Anonymisation: whole rows deleted, unlinked, or kept with a rule for every field.
ANONYMISE: dict[str, object] = {
    "practice.client": {
        "public_id": NEW_UUID,
        "code": NEW_CODE,
        "name": BLANK,
        "email": BLANK,
        "phone": BLANK,
        "preferred_language": KEEP,
        "year_of_birth": NULL,
        "gender": KEEP,
        "created_at": SHIFT,
    },
    "practice.episode": {
        "public_id": NEW_UUID,
        "service": KEEP,
        "started_on": SHIFT,
        "ended_on": SHIFT,
        "phase": KEEP,
        "mandated": KEEP,
        "interpreter_needed": KEEP,
        # a rare language can single a person out
        "interpreter_language": BLANK,
        "referral_reason": BLANK,
        "ending_type": KEEP,
        "created_at": SHIFT,
    },
    "practice.phasechange": {
        "public_id": NEW_UUID,
        "from_phase": KEEP,
        "to_phase": KEEP,
        "changed_on": SHIFT,
        "reason": BLANK,
        "recorded_at": SHIFT,
    },
    "practice.session": {
        "public_id": NEW_UUID,
        "number": KEEP,
        "starts_at": SHIFT,
        "duration_minutes": KEEP,
        "format": KEEP,
        "interpreter_present": KEEP,
        "attendance": KEEP,
        "phase": KEEP,
        "note": BLANK,
        "created_at": SHIFT,
    },
    "measures.planitem": {
        "public_id": NEW_UUID,
        "instrument_id": KEEP,
        "schedule": KEEP,
        "every_n": KEEP,
    },
    "measures.check": {
        "public_id": NEW_UUID,
        "instrument_ids": KEEP,
        "token_hash": UNUSABLE_HASH,
        "token": BLANK,
        "created_at": SHIFT,
        "expires_at": SHIFT,
        "revoked_at": SHIFT,
        "completed_at": SHIFT,
        "emailed_at": SHIFT,
        "reminder_sent_at": SHIFT,
        "reminders_sent": KEEP,
    },
    "measures.measureresponse": {
        "public_id": NEW_UUID,
        "instrument_id": KEEP,
        "rater": KEEP,
        "source": KEEP,
        "answers": KEEP,  # item id -> number; every instrument item is numeric
        "total": KEEP,
        "subscales": KEEP,
        "band": KEEP,
        "scored": KEEP,
        "missing_items": KEEP,
        "critical_items": KEEP,
        "critical": KEEP,
        "submitted_at": SHIFT,
        "critical_acknowledged_at": SHIFT,
    },
    # Check answers that could not be stored are a to-do for the practitioner, not part of
    # the record a study keeps; their reason may name dates, so they go.
    "measures.heldanswers": DELETE,
    # Alerts are derived signals (recomputable from the scores); their keys and evidence
    # carry dates and notes, so they go.
    "insights.alert": DELETE,
    "collaboration.goal": {
        "public_id": NEW_UUID,
        "title": BLANK,
        "alliance_goal_link": KEEP,
        "level_minus_2": BLANK,
        "level_minus_1": BLANK,
        "level_0": BLANK,
        "level_plus_1": BLANK,
        "level_plus_2": BLANK,
        "weight": KEEP,
        "proposed_by": KEEP,
        "status": KEEP,
        "created_at": SHIFT,
        "updated_at": SHIFT,
    },
    "collaboration.goalrating": {
        "public_id": NEW_UUID,
        "level": KEEP,
        "rated_by": KEEP,
        "rated_at": SHIFT,
    },
    # Rows that are nothing but words or access: deleted.
    "collaboration.task": DELETE,
    "collaboration.shareddecision": DELETE,
    "collaboration.portalaccess": DELETE,
    "collaboration.clientnote": DELETE,
    "collaboration.ritualchoice": {
        "kind": KEEP,
        "ritual_id": KEEP,
        "chosen_at": SHIFT,
    },
    "transcripts.transcript": DELETE,
    "transcripts.transcriptconsent": DELETE,
    "transcripts.rupturecandidatedecision": {
        "public_id": NEW_UUID,
        "candidate_index": KEEP,
        "utterance_index": KEEP,
        "marker": KEEP,
        "category": KEEP,
        "utterance_time": KEEP,
        "timestamp": KEEP,  # position within the session (hh:mm:ss), not a date
        "rule_confidence": KEEP,
        "decision": KEEP,
        "note": BLANK,
        "decided_at": SHIFT,
        "model_versions": KEEP,
    },
    "research.researchconsent": {
        "public_id": NEW_UUID,
        "given_on": SHIFT,
        "withdrawn_on": SHIFT,
        "recorded_at": SHIFT,
    },
    "intake.intakerequest": DELETE,
    "journal.journalentry": Unlink("session"),
    "rights.anonymisedclient": {},
    # Derived from the sessions and answers for the caseload, with their dates: it goes, and
    # the caseload computes it again should the episode ever be shown.
    "practice.episodesummary": DELETE,
}


def client_model() -> type[models.Model]:
    return apps.get_model("practice", "Client")


def _links(model) -> list[models.Field]:
    """The concrete foreign keys, one-to-ones and many-to-manys of `model`."""
    return [
        field
        for field in model._meta.get_fields()
        if field.is_relation
        and field.concrete
        and (field.many_to_one or field.one_to_one or field.many_to_many)
    ]


@cache
def client_paths() -> dict[str, str]:
    """Return label -> shortest ORM lookup from the model to its client ('' for Client).

    Every model with a foreign-key path to a client is included, whatever app it lives in.
    """
    client = client_model()
    paths: dict[type[models.Model], str] = {client: ""}
    while True:
        found: dict[type[models.Model], str] = {}
        for model in apps.get_models():
            if model in paths or model._meta.proxy:
                continue
            for field in _links(model):
                if field.related_model not in paths:
                    continue
                rest = paths[field.related_model]
                path = f"{field.name}__{rest}" if rest else field.name
                if model not in found or len(path) < len(found[model]):
                    found[model] = path
        if not found:
            break
        paths.update(found)
    return {model._meta.label_lower: path for model, path in paths.items()}


def related_models() -> list[type[models.Model]]:
    """Every client-related model, ordered so that a model comes before those it points to."""
    labels = set(client_paths())
    by_label = {label: apps.get_model(label) for label in labels}
    order: list[str] = []
    visiting: set[str] = set()

    def visit(label: str) -> None:
        if label in order or label in visiting:
            return
        visiting.add(label)
        # Whoever points at `label` must be handled first.
        for other, model in sorted(by_label.items()):
            if other != label and any(f.related_model is by_label[label] for f in _links(model)):
                visit(other)
        visiting.discard(label)
        order.append(label)

    for label in sorted(labels):
        visit(label)
    return [by_label[label] for label in order]


def rows_of(model: type[models.Model], client) -> models.QuerySet:
    """The rows of `model` that belong to `client`."""
    path = client_paths()[model._meta.label_lower]
    if not path:
        return model._default_manager.filter(pk=client.pk)
    return model._default_manager.filter(**{path: client}).distinct()


def policy_fields(model) -> list[models.Field]:
    """The fields an anonymisation rule must cover: every concrete, non-relational value."""
    return [
        field
        for field in model._meta.concrete_fields
        if not field.is_relation and not field.primary_key
    ]


def field_problems(model, rules: dict) -> list[str]:
    """Fields of `model` without an anonymisation rule, and rules for fields that do not exist."""
    label = model._meta.label_lower
    names = {field.name for field in policy_fields(model)}
    problems = [
        f"{label}.{name}: no anonymisation rule (add one to rights.registry.ANONYMISE)"
        for name in sorted(names - set(rules))
    ]
    problems += [
        f"{label}.{name}: rule for a field that does not exist"
        for name in sorted(set(rules) - names)
    ]
    problems += [
        f"{label}.{name}: unknown rule {rule!r}"
        for name, rule in sorted(rules.items())
        if rule not in FIELD_RULES
    ]
    return problems


def problems() -> list[str]:
    """Everything about client data that export, erasure or anonymisation does not handle."""
    out: list[str] = []
    labels = set(client_paths())
    for label in sorted(labels):
        model = apps.get_model(label)
        if label not in EXPORT_SECTIONS and label not in EXPORT_EXCLUDED:
            out.append(f"{label}: neither exported nor excluded with a reason (EXPORT_SECTIONS)")
        if label not in ERASE:
            out.append(f"{label}: no erasure rule (ERASE)")
        rule = ANONYMISE.get(label)
        if rule is None:
            out.append(f"{label}: no anonymisation rule (ANONYMISE)")
        elif isinstance(rule, dict):
            out.extend(field_problems(model, rule))
        for policy in (ERASE.get(label), rule):
            if isinstance(policy, Unlink):
                field = model._meta.get_field(policy.field)
                if not field.null:
                    out.append(f"{label}.{policy.field}: cannot be unlinked (not nullable)")
    for table in (EXPORT_SECTIONS, EXPORT_EXCLUDED, ERASE, ANONYMISE):
        out.extend(
            f"{label}: classified but has no path to a client"
            for label in sorted(set(table) - labels)
        )
    return sorted(set(out))
