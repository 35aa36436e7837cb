"""Credentials: an admin never sets a password (they send a link); every credential change is
audited and announced to its owner by e-mail."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from alliance.web.accounts.models import Role, User
from alliance.web.audit.models import AuditAction, AuditEntry
from tests.factories import PASSWORD, make_totp_device

NEW_PASSWORD = "quiet-heron-harbour-77"


def credential_entries(user) -> list[str]:
    return list(
        AuditEntry.objects.filter(action=AuditAction.CREDENTIAL, object_id=user.public_id)
        .order_by("id")
        .values_list("summary", flat=True)
    )


@pytest.fixture
def owner_with_email(world):
    User.objects.filter(pk=world.owner.pk).update(email="owner@example.org")
    mail.outbox.clear()
    return User.objects.get(pk=world.owner.pk)


def test_the_admin_cannot_open_or_post_a_password_form(world, login, owner_with_email):
    admin = login(world.admin)
    url = f"/admin/accounts/user/{owner_with_email.pk}/password/"
    assert admin.get(url).status_code == 403
    refused = admin.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert refused.status_code == 403
    owner_with_email.refresh_from_db()
    assert owner_with_email.check_password(PASSWORD)
    change = admin.get(f"/admin/accounts/user/{owner_with_email.pk}/change/").content.decode()
    assert "../password/" not in change and "reset link" in change


def test_a_new_member_of_staff_sets_their_own_password_from_the_link(
    world, login, client, django_capture_on_commit_callbacks
):
    admin = login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        added = admin.post(
            "/admin/accounts/user/add/",
            {
                "username": "newcomer",
                "email": "newcomer@example.org",
                "first_name": "New",
                "last_name": "Comer",
                "organisation": world.org.pk,
                "role": Role.PRACTITIONER,
                "practitioner_kind": "therapist",
            },
        )
    assert added.status_code == 302, added.content.decode()[:2000]
    newcomer = User.objects.get(username="newcomer")
    assert not newcomer.has_usable_password()
    [invite] = [m for m in mail.outbox if "newcomer@example.org" in m.to]
    link = re.search(r"https?://\S+/reset/\S+/", invite.body).group(0)
    assert "password reset link sent to newcomer" in credential_entries(newcomer)

    client.logout()
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path, follow=True)
    assert form.status_code == 200
    page = form.content.decode()
    assert "Choose your password" in page and "Django administration" not in page
    set_url = form.redirect_chain[-1][0]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    complete = client.get(done["Location"]).content.decode()
    assert "Your password is set" in complete and "Django administration" not in complete
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)
    assert "password changed" in credential_entries(newcomer)
    assert any("password changed" in m.subject for m in mail.outbox if newcomer.email in m.to)
    # The link works once.
    again = client.get("/" + path)
    assert again.status_code == 200 and again.context["validlink"] is False
    assert "This link no longer works" in again.content.decode()


def test_the_admin_sends_a_reset_link_from_the_list(
    world, login, owner_with_email, django_capture_on_commit_callbacks
):
    admin = login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            "/admin/accounts/user/",
            {"action": "send_password_reset_link", "_selected_action": [owner_with_email.pk]},
        )
    assert [m.subject for m in mail.outbox if owner_with_email.email in m.to] == [
        "Alliance: set your password"
    ]
    entry = AuditEntry.objects.get(
        summary=f"password reset link sent to {owner_with_email.username}"
    )
    assert entry.actor == world.admin
    owner_with_email.refresh_from_db()
    assert owner_with_email.check_password(PASSWORD)


def test_the_admin_cannot_redirect_a_colleagues_reset_link(world, login, owner_with_email):
    admin = login(world.admin)
    page = admin.get(f"/admin/accounts/user/{owner_with_email.pk}/change/").content.decode()
    assert 'name="email"' not in page  # shown, not editable
    assert "owner@example.org" in page
    form = {
        "username": owner_with_email.username,
        "first_name": "",
        "last_name": "",
        "email": "admin-owned@example.org",
        "organisation": world.org.pk,
        "role": Role.PRACTITIONER,
        "practitioner_kind": owner_with_email.practitioner_kind,
        "is_active": "on",
    }
    admin.post(f"/admin/accounts/user/{owner_with_email.pk}/change/", form)
    owner_with_email.refresh_from_db()
    assert owner_with_email.email == "owner@example.org"
    # Someone who has not started yet (no password, never signed in) can still be corrected.
    newcomer = User.objects.create(
        username="newcomer", email="typo@example.og", organisation=world.org, role=Role.PRACTITIONER
    )
    newcomer.set_unusable_password()
    newcomer.save()
    page = admin.get(f"/admin/accounts/user/{newcomer.pk}/change/").content.decode()
    assert 'name="email"' in page


def test_an_email_change_is_audited_and_told_to_both_addresses(
    world, owner_with_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_with_email.email = "elsewhere@example.org"
        owner_with_email._credential_actor = world.admin
        owner_with_email.save()
    [entry] = credential_entries(owner_with_email)
    assert "owner@example.org to elsewhere@example.org by" in entry
    [announcement] = mail.outbox
    assert set(announcement.to) == {"owner@example.org", "elsewhere@example.org"}


def test_a_password_change_by_any_path_is_audited_and_announced(
    owner_with_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_with_email.set_password(NEW_PASSWORD)
        owner_with_email.save()
    assert credential_entries(owner_with_email) == ["password changed"]
    assert [m.subject for m in mail.outbox] == ["Alliance: password changed"]
    # Checking a password (even when its hash is upgraded) changes nothing.
    assert owner_with_email.check_password(NEW_PASSWORD)
    assert credential_entries(owner_with_email) == ["password changed"]


def test_second_factor_changes_are_audited_and_announced(
    owner_with_email, django_capture_on_commit_callbacks
):
    from alliance.web.security.actions import regenerate_recovery_codes

    make_totp_device(owner_with_email)
    with django_capture_on_commit_callbacks(execute=True):
        regenerate_recovery_codes(owner_with_email)
    assert credential_entries(owner_with_email) == ["two-factor recovery codes regenerated"]
    assert [m.subject for m in mail.outbox] == ["Alliance: two-factor recovery codes regenerated"]


def test_token_changes_are_announced(world, owner_with_email, django_capture_on_commit_callbacks):
    from alliance.web.api.actions import create_token, revoke_token

    with django_capture_on_commit_callbacks(execute=True):
        token, _ = create_token(owner_with_email, owner_with_email, scopes=["read"], days=3)
        revoke_token(world.admin, token)
    subjects = [m.subject for m in mail.outbox]
    assert f"Alliance: personal API token {token.prefix}… created: read" in subjects
    assert f"Alliance: API token {token.prefix}… revoked by {world.admin.username}" in subjects


def test_a_first_email_address_is_audited_without_an_announcement(
    world, django_capture_on_commit_callbacks
):
    user = User.objects.get(pk=world.colleague.pk)
    assert user.email == ""
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        user.email = "colleague@example.org"
        user.save()
    assert credential_entries(user) == [
        "e-mail address changed from (none) to colleague@example.org"
    ]
    assert mail.outbox == []
