"""The public id and the organisation key are declared once, in accounts.OrganisationRecord."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from alliance.web.accounts.models import OrganisationRecord


def _declares_the_same_pair(model) -> bool:
    fields = {f.name: f for f in model._meta.concrete_fields}
    public_id, organisation = fields.get("public_id"), fields.get("organisation")
    return (
        isinstance(public_id, models.UUIDField)
        and isinstance(organisation, models.ForeignKey)
        and type(organisation) is models.ForeignKey
        and organisation.remote_field.on_delete is models.PROTECT
        and organisation.remote_field.related_name == "+"
        and not organisation.null
    )


def test_models_with_a_public_id_and_an_organisation_share_the_base():
    repeated = sorted(
        model._meta.label
        for model in apps.get_models()
        if model.__module__.startswith("alliance.web")
        and _declares_the_same_pair(model)
        and not issubclass(model, OrganisationRecord)
    )
    assert repeated == [], "derive these from accounts.models.OrganisationRecord"
    assert len([m for m in apps.get_models() if issubclass(m, OrganisationRecord)]) >= 20
