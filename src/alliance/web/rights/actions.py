"""Erase or anonymise a client, and change the practice's retention rule; each writes the audit."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction

from alliance.web.audit.log import record
from alliance.web.rights import registry
from alliance.web.rights.models import AnonymisedClient

ERASE = "erase"
ANONYMISE = "anonymise"
MODES = (ERASE, ANONYMISE)

# Anonymised records live on a calendar that starts when the client's first episode did.
ANONYMOUS_EPOCH = dt.date(2000, 1, 1)


@dataclass
class ErasureResult:
    """What `erase_client` did: the mode, the former code and rows touched per model."""

    mode: str
    code: str
    deleted: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    unlinked: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        def part(counts):
            return ", ".join(
                f"{label.split('.')[1]} {n}" for label, n in sorted(counts.items()) if n
            )

        # Totals first: the audit keeps 300 characters, so only the detail may be cut.
        totals = f"{sum(self.deleted.values())} rows deleted"
        if self.kept:
            totals += f", {sum(self.kept.values())} kept without identifiers"
        if self.unlinked:
            totals += f", {sum(self.unlinked.values())} unlinked"
        pieces = [f"deleted: {part(self.deleted) or 'none'}"]
        if self.unlinked:
            pieces.append(f"unlinked: {part(self.unlinked)}")
        if self.kept:
            pieces.append(f"kept: {part(self.kept)}")
        return f"{totals} — " + "; ".join(pieces)


def is_anonymised(client) -> bool:
    return AnonymisedClient.objects.filter(client=client).exists()


def _collect(client) -> dict[str, list[int]]:
    """Primary keys of every related row, gathered before anything changes."""
    return {
        model._meta.label_lower: list(
            registry.rows_of(model, client).values_list("pk", flat=True).order_by("pk")
        )
        for model in registry.related_models()
    }


def _unlink_and_delete(rows: dict[str, list[int]], policies: dict, result: ErasureResult) -> None:
    """Unlink rows that stay, then delete in an order no protecting foreign key blocks."""
    for model in registry.related_models():
        label = model._meta.label_lower
        policy = policies[label]
        if isinstance(policy, registry.Unlink) and rows[label]:
            result.unlinked[label] = model._default_manager.filter(pk__in=rows[label]).update(
                **{policy.field: None}
            )
    for model in registry.related_models():
        label = model._meta.label_lower
        if policies[label] == registry.DELETE and rows[label]:
            # Count our own rows; cascades into rows already counted do not double-count.
            # Derived rows (a summary of the episode) are deleted but not counted as records.
            if label not in registry.DERIVED:
                result.deleted[label] = len(rows[label])
            model._default_manager.filter(pk__in=rows[label]).delete()


def _anchor(client) -> dt.date:
    first = client.episodes.order_by("started_on").values_list("started_on", flat=True).first()
    anchor: dt.date = first or client.created_at.astimezone(dt.UTC).date()
    return anchor


def _shift(value, days: int):
    """Move a date or time `days` days; a time is truncated to midnight UTC of its day."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        day = value.astimezone(dt.UTC).date() + dt.timedelta(days=days)
        return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)
    return value + dt.timedelta(days=days)


def _new_code(organisation) -> str:
    client_model = registry.client_model()
    while True:
        code = f"ANON-{secrets.token_hex(5).upper()}"
        if not client_model._default_manager.filter(organisation=organisation, code=code).exists():
            return code


def _anonymised_values(obj, rules: dict, days: int) -> dict:
    values: dict[str, object] = {}
    for name, rule in rules.items():
        model_field = obj._meta.get_field(name)
        current = getattr(obj, name)
        if rule == registry.KEEP:
            continue
        if rule == registry.BLANK:
            values[name] = ""
        elif rule == registry.NULL:
            values[name] = None
        elif rule == registry.EMPTY_JSON:
            values[name] = model_field.get_default()
        elif rule == registry.SHIFT:
            values[name] = _shift(current, days)
        elif rule == registry.NEW_UUID:
            values[name] = uuid.uuid4()
        elif rule == registry.NEW_CODE:
            values[name] = _new_code(obj.organisation)
        elif rule == registry.UNUSABLE_HASH:
            values[name] = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
    return values


def _anonymise(client, rows: dict[str, list[int]], result: ErasureResult) -> None:
    if client.episodes.filter(ended_on__isnull=True).exists():
        raise ValidationError(
            {"mode": "End the client's open episode first: an anonymised record cannot go on."}
        )
    days = (ANONYMOUS_EPOCH - _anchor(client)).days
    _unlink_and_delete(rows, registry.ANONYMISE, result)
    for model in registry.related_models():
        label = model._meta.label_lower
        rules = registry.ANONYMISE[label]
        if not isinstance(rules, dict) or not rows[label]:
            continue
        kept = 0
        # Rows one by one: each date moves by the same number of days (a queryset update
        # cannot compute that portably), and auto_now fields must not be stamped with today.
        for obj in model._default_manager.filter(pk__in=rows[label]):
            values = _anonymised_values(obj, rules, days)
            if values:
                model._default_manager.filter(pk=obj.pk).update(**values)
            kept += 1
        result.kept[label] = kept
    AnonymisedClient.objects.create(organisation=client.organisation, client=client)


def erase_client(actor, client, *, mode: str, reason: str = "request") -> ErasureResult:
    """Erase `client` with everything hanging off it, or anonymise the record; all or nothing.

    ``erase`` deletes the client and every related row (a practitioner's journal entry stays
    but loses its link to the session). ``anonymise`` keeps the numbers needed for
    statistics (scores, session numbers, goal ratings, relative days) and removes free text,
    names, contact details, year of birth, transcripts, portal access and link tokens; every
    date is shifted by one per-client number of days so the first episode starts on
    2000-01-01 (times truncated to midnight UTC), public ids and the code are replaced, and
    the client is marked anonymised. The audit entry names only the former code and counts.
    Callers check access first (the treating practitioner or an admin of the practice).
    """
    if mode not in MODES:
        raise ValidationError({"mode": f"Choose erase or anonymise, not {mode!r}."})
    client_model = registry.client_model()
    with transaction.atomic():
        # Lock the client row so two requests cannot both work on it.
        client = client_model._default_manager.select_for_update().get(pk=client.pk)
        if mode == ANONYMISE and is_anonymised(client):
            raise ValidationError({"mode": f"{client.code} is already anonymised."})
        organisation = client.organisation
        result = ErasureResult(mode=mode, code=client.code)
        rows = _collect(client)
        if mode == ERASE:
            _unlink_and_delete(rows, registry.ERASE, result)
        else:
            _anonymise(client, rows, result)
        verb = "erased" if mode == ERASE else "anonymised"
        record(
            actor,
            "delete" if mode == ERASE else "update",
            None,
            summary=f"{reason}: {verb} client {result.code} ({result.summary()})",
            organisation=organisation,
        )
    return result


@dataclass(frozen=True)
class PlanLine:
    """One kind of record on the confirmation page: how many, and what each mode does."""

    records: str
    count: int
    on_erase: str
    on_anonymise: str


def _describe(model, policy) -> str:
    if policy == registry.DELETE:
        return "removed"
    if isinstance(policy, registry.Unlink):
        return "kept (not the client's), link to the client removed"
    if isinstance(policy, dict):
        removed = [
            str(model._meta.get_field(name).verbose_name)
            for name, rule in policy.items()
            if rule in (registry.BLANK, registry.NULL, registry.EMPTY_JSON)
        ]
        parts = ["kept"]
        if removed:
            parts.append("without " + ", ".join(removed))
        if registry.SHIFT in policy.values():
            parts.append("dates shifted")
        return "; ".join(parts)
    return "?"


def erasure_plan(client) -> list[PlanLine]:
    """What erasing or anonymising `client` would do, per kind of record that exists."""
    lines = []
    order = list(registry.EXPORT_SECTIONS)
    models = sorted(
        registry.related_models(),
        key=lambda m: order.index(m._meta.label_lower) if m._meta.label_lower in order else 99,
    )
    for model in models:
        label = model._meta.label_lower
        if label in registry.DERIVED:
            continue  # not a record of its own: it goes with the episode
        count = registry.rows_of(model, client).count()
        if not count:
            continue
        lines.append(
            PlanLine(
                records=registry.records_name(label),
                count=count,
                on_erase=_describe(model, registry.ERASE.get(label)),
                on_anonymise=_describe(model, registry.ANONYMISE.get(label)),
            )
        )
    return lines


def set_retention(actor, organisation, *, retention_years: int, retention_action: str):
    """Change how long the practice keeps records after the last episode, and what then."""
    organisation_model = apps.get_model("accounts", "Organisation")
    if not 1 <= int(retention_years) <= 100:
        raise ValidationError({"retention_years": "Keep records between 1 and 100 years."})
    if retention_action not in MODES:
        raise ValidationError({"retention_action": "Choose anonymise or erase."})
    with transaction.atomic():
        organisation = organisation_model.objects.select_for_update().get(pk=organisation.pk)
        before = f"{organisation.retention_years} years, {organisation.retention_action}"
        organisation.retention_years = retention_years
        organisation.retention_action = retention_action
        organisation.save(update_fields=["retention_years", "retention_action"])
        record(
            actor,
            "update",
            organisation,
            summary=f"retention: {before} → {retention_years} years, {retention_action}",
        )
    return organisation
