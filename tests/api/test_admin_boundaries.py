"""An admin's service tokens: explicit, visible to the practitioner, audited under the token
and its creator; scopes for the whole-record export and for a check's link."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from alliance.web.api.actions import create_token, revoke_token
from alliance.web.audit.models import AuditAction, AuditEntry
from tests.api.conftest import Api


def test_an_admin_makes_service_tokens_only_without_clinical_scopes(world):
    for scope in ("read", "checks:read", "responses:read"):
        token, _ = create_token(world.admin, world.owner, scopes=[scope], days=5, kind="service")
        assert token.is_delegated and token.created_by == world.admin
    for scope in (
        "write",
        "sessions:read",
        "clients:read",
        "clients:export",
        "checks:write",
        "fhir:read",
        "fhir:write",
        "alerts:read",
        "goals:read",
    ):
        with pytest.raises(ValidationError, match="no clinical text"):
            create_token(world.admin, world.owner, scopes=[scope], days=5, kind="service")
    # An integration account covers a practitioner's records, not another admin's powers.
    with pytest.raises(ValidationError, match="practitioner"):
        create_token(world.admin, world.supervisor, scopes=["read"], days=5, kind="service")


def test_a_blanket_read_on_an_admins_token_reaches_no_clinical_text(world):
    _token, secret = create_token(world.admin, world.owner, scopes=["read"], days=5, kind="service")
    api = Api(secret)
    for path in (
        "/api/v1/sessions",
        f"/api/v1/sessions/{world.session.public_id}",
        f"/api/v1/clients/{world.client.public_id}",
        f"/api/v1/clients/{world.client.public_id}/export",
        "/api/v1/episodes",
    ):
        assert api.get(path).status_code == 403, path
    assert api.get("/api/v1/responses").status_code == 200
    created = api.post(f"/api/v1/episodes/{world.episode.public_id}/sessions", {"starts_at": "x"})
    assert created.status_code == 403


def test_the_practitioner_sees_and_revokes_an_admins_service_token(
    world, login, django_capture_on_commit_callbacks
):
    world.owner.email = "owner@example.org"
    world.owner.save(update_fields=["email"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        token, _ = create_token(
            world.admin, world.owner, scopes=["responses:read"], days=5, kind="service", name="BI"
        )
    page = login(world.owner).get("/api/tokens/").content.decode()
    assert token.prefix in page and world.admin.username in page
    assert "integration account" in page
    # The practitioner was told by e-mail.
    assert any(token.prefix in m.body and world.owner.email in m.to for m in mail.outbox)
    assert login(world.owner).post("/api/tokens/", {"revoke": token.public_id}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_use_is_audited_under_the_token_and_its_creator(world):
    token, secret = create_token(world.owner, world.owner, scopes=["write"], days=5)
    created = Api(secret).post(
        f"/api/v1/episodes/{world.episode.public_id}/sessions",
        {"starts_at": timezone.now().isoformat()},
    )
    assert created.status_code == 201, created.content
    entry = AuditEntry.objects.get(object_id=created.json()["id"])
    assert entry.actor == world.owner
    assert entry.token_prefix == token.prefix
    assert entry.token_creator == world.owner

    service, service_secret = create_token(
        world.admin, world.owner, scopes=["responses:read"], days=5, kind="service"
    )
    assert Api(service_secret).get("/api/v1/responses").status_code == 200
    # Each use of an admin's token is on the record, under the token and the admin.
    use = AuditEntry.objects.get(object_id=service.public_id, action=AuditAction.VIEW)
    assert use.actor == world.owner and use.token_creator == world.admin
    assert use.token_prefix == service.prefix and "/api/v1/responses" in use.summary
    revoke_token(world.owner, service)
    revoked = AuditEntry.objects.filter(summary__contains=f"{service.prefix}… revoked").get()
    # The revocation came from the owner's web session, not through a token.
    assert revoked.token_prefix == "" and revoked.actor == world.owner
    created_entry = AuditEntry.objects.get(summary__contains=f"{service.prefix}… created")
    assert created_entry.actor == world.admin and created_entry.action == AuditAction.CREDENTIAL


def test_no_token_outlives_its_request_in_the_audit(world):
    from alliance.web.audit.log import current_token

    _token, secret = create_token(world.owner, world.owner, scopes=["read"], days=5)
    assert Api(secret).get("/api/v1/clients").status_code == 200
    assert current_token() is None


def test_the_export_needs_its_own_scope(world, api_for):
    url = f"/api/v1/clients/{world.client.public_id}/export"
    for scopes in (["clients:read"], ["read"], ["read", "write"]):
        refused = api_for(world.owner, scopes=scopes).get(url)
        assert refused.status_code == 403
        assert "clients:export" in refused.json()["errors"][0]["message"]
    allowed = api_for(world.owner, scopes=["clients:export"]).get(url)
    assert allowed.status_code == 200
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).latest("id")
    assert entry.token_prefix and entry.actor == world.owner


def test_the_check_link_only_with_checks_write(world, api_for):
    writer = api_for(world.owner, scopes=["checks:write", "checks:read"])
    created = writer.post(f"/api/v1/sessions/{world.session.public_id}/checks")
    assert created.status_code in {200, 201}, created.content
    check_id = created.json()["id"]
    assert "/c/" in created.json()["url"]
    assert "/c/" in writer.get(f"/api/v1/checks/{check_id}").json()["url"]
    reader = api_for(world.owner, scopes=["checks:read"]).get(f"/api/v1/checks/{check_id}")
    assert reader.status_code == 200 and reader.json()["url"] is None
    blanket = api_for(world.owner, scopes=["read"]).get(f"/api/v1/checks/{check_id}")
    assert blanket.json()["url"] is None


def test_the_token_page_refuses_an_admin_a_clinical_service_token(world, login):
    from alliance.web.api.models import ApiToken

    admin = login(world.admin)
    form = {"name": "bi", "days": 30, "service_user": world.owner.pk}
    refused = admin.post("/api/tokens/", {**form, "scopes": ["sessions:read"]})
    assert refused.status_code == 200
    assert "reads no clinical text" in refused.content.decode()
    assert not ApiToken.objects.filter(name="bi").exists()
    # Only practitioners are offered as the records a service token covers.
    supervisor = admin.post(
        "/api/tokens/", {**form, "service_user": world.supervisor.pk, "scopes": ["read"]}
    )
    assert not ApiToken.objects.filter(name="bi").exists(), supervisor.status_code
    created = admin.post("/api/tokens/", {**form, "scopes": ["responses:read"]})
    assert created.status_code == 200
    token = ApiToken.objects.get(name="bi")
    assert token.user == world.owner and token.created_by == world.admin and token.is_delegated
