"""Every write of the intake app goes through these functions, which also audit.

Audit entries never carry the words of an intake request.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliance.web.accounts.models import Role, User
from alliance.web.audit.log import record
from alliance.web.intake.models import IntakeRequest, IntakeStatus, PracticePage
from alliance.web.practice import actions as practice_actions

# --- practice pages ------------------------------------------------------------------------


def update_page(actor: User, page: PracticePage, *, photo=None, remove_photo=False, **fields: Any):
    """Save the practice page's text, photo and published flag."""
    with transaction.atomic():
        for name, value in fields.items():
            setattr(page, name, value)
        if remove_photo:
            page.photo, page.photo_type = None, ""
        if photo is not None:
            page.photo, page.photo_type = photo
        page.save()
        state = "published" if page.published else "unpublished"
        record(actor, "update", page, summary=f"practice page saved ({state})")
    return page


# --- intake ----------------------------------------------------------------------------


def submit_intake(page: PracticePage, **fields: Any) -> IntakeRequest:
    """Store a prospective client's request from a public page (encrypted)."""
    if not fields.get("consent_to_contact"):
        raise ValidationError({"consent_to_contact": "We can only reply if you agree."})
    with transaction.atomic():
        request = IntakeRequest.objects.create(
            organisation=page.organisation, practitioner=page.member, **fields
        )
        record(None, "create", request, summary="intake request received")
    return request


def accept_intake(actor: User, request: IntakeRequest, *, practitioner: User | None = None):
    """Accept: create the client and an episode in the engagement phase."""
    if request.status != IntakeStatus.PENDING:
        raise ValidationError("This request has already been answered.")
    practitioner = request.practitioner or practitioner or actor
    if practitioner.role != Role.PRACTITIONER:
        raise ValidationError({"practitioner": "Choose the practitioner who will see them."})
    if practitioner.organisation_id != request.organisation_id:
        raise ValidationError({"practitioner": "The practitioner works for another practice."})
    service = {
        "therapy": "therapy",
        "counselling": "counselling",
    }.get(request.service, "coaching" if request.service else _default_service(practitioner))
    with transaction.atomic():
        locked = IntakeRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != IntakeStatus.PENDING:
            raise ValidationError("This request has already been answered.")
        contact = request.contact
        client = practice_actions.create_client(
            actor,
            practitioner=practitioner,
            name=request.name,
            email=contact if "@" in contact else "",
            phone="" if "@" in contact else contact[:40],
            preferred_language=request.language,
        )
        episode = practice_actions.start_episode(
            actor,
            client,
            practitioner=practitioner,
            service=service,
            started_on=timezone.localdate(),
            referral_reason=request.help_with,
        )
        request.status = IntakeStatus.ACCEPTED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.episode = episode
        request.save(update_fields=["status", "decided_by", "decided_at", "episode"])
        record(actor, "update", request, summary=f"intake accepted as {client.code}")
    return episode


def _default_service(practitioner: User) -> str:
    return {"coach": "coaching", "counsellor": "counselling"}.get(
        practitioner.practitioner_kind, "therapy"
    )


def decline_intake(actor: User, request: IntakeRequest, *, reason: str) -> IntakeRequest:
    """Decline with a reason (kept encrypted, for the practice's own records)."""
    if request.status != IntakeStatus.PENDING:
        raise ValidationError("This request has already been answered.")
    if not reason.strip():
        raise ValidationError({"reason": "Give a short reason."})
    with transaction.atomic():
        request.status = IntakeStatus.DECLINED
        request.decline_reason = reason.strip()
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decline_reason", "decided_by", "decided_at"])
        record(actor, "update", request, summary="intake declined")
    return request
