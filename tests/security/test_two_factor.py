"""Two-factor authentication: enrolment, the second sign-in step, recovery codes, requirement."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance.web.audit.models import AuditEntry
from alliance.web.security import actions, policy
from tests.factories import make_totp_device
from tests.security.helpers import app_code, sign_in_with_password


@pytest.fixture(autouse=True)
def no_otp_backoff(settings):
    # django-otp makes each retry after a wrong code wait 1, 2, 4… seconds; tests retry at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def audit_summaries(user) -> list[str]:
    return list(AuditEntry.objects.filter(actor=user).values_list("summary", flat=True))


def test_enrolment_shows_a_qr_code_and_the_key_and_confirms_with_a_code(world, login):
    client = login(world.owner)
    page = client.get(reverse("two_factor_enrol"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body
    device = TOTPDevice.objects.get(user=world.owner)
    assert not device.confirmed
    assert "".join(page.context["secret_groups"]) in body.replace(" ", "").replace("\n", "")

    wrong = client.post(reverse("two_factor_enrol"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    done = client.post(reverse("two_factor_enrol"), {"code": app_code(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert code in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=world.owner).count() == 10
    assert "two-factor authentication enrolled" in audit_summaries(world.owner)
    # The session that enrolled counts as verified; the codes are not shown again.
    assert client.get(reverse("caseload")).status_code == 200
    assert client.get(reverse("two_factor_enrol")).status_code == 302
    overview = client.get(reverse("two_factor")).content.decode()
    assert codes[0] not in overview
    assert "10 unused recovery codes" in overview


def enrol(client, user) -> tuple[TOTPDevice, list[str]]:
    client.get(reverse("two_factor_enrol"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("two_factor_enrol"), {"code": app_code(device)})
    return TOTPDevice.objects.get(pk=device.pk), response.context["codes"]


def test_sign_in_is_password_then_code(world, client):
    device = make_totp_device(world.owner)
    response = sign_in_with_password(client, world.owner)
    assert response.status_code == 302
    page = client.get(reverse("caseload"))
    assert page.status_code == 302
    assert page["Location"] == reverse("two_factor_verify") + "?next=%2Fcaseload%2F"
    form = client.get(page["Location"])
    assert form.status_code == 200
    assert 'autocomplete="one-time-code"' in form.content.decode()

    wrong = client.post(reverse("two_factor_verify"), {"code": "123456", "next": "/caseload/"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert client.get(reverse("caseload")).status_code == 302

    key_before = client.session.session_key
    right = client.post(
        reverse("two_factor_verify"), {"code": app_code(device), "next": "/caseload/"}
    )
    assert right.status_code == 302 and right["Location"] == "/caseload/"
    assert client.session.session_key != key_before  # no session fixation across the step
    assert client.get(reverse("caseload")).status_code == 200
    # The audit log tells the steps apart: the password alone is not a sign-in, a wrong
    # code is written down, and "Logged in" comes with the right code only.
    steps = list(
        AuditEntry.objects.filter(actor=world.owner, object_type="user")
        .order_by("id")
        .values_list("action", "summary")
    )
    assert steps == [
        ("password", "password accepted; second step owed"),
        ("refused", "wrong second-step code"),
        ("login", "signed in with the authenticator app"),
    ]


def test_without_a_second_factor_the_password_signs_in(world, client):
    sign_in_with_password(client, world.owner)
    assert client.get(reverse("caseload")).status_code == 200
    signed = AuditEntry.objects.filter(actor=world.owner, object_type="user")
    assert list(signed.values_list("action", "summary")) == [("login", "logged in")]


def test_next_cannot_lead_off_site(world, client):
    device = make_totp_device(world.owner)
    sign_in_with_password(client, world.owner)
    right = client.post(
        reverse("two_factor_verify"),
        {"code": app_code(device), "next": "https://evil.example/"},
    )
    assert right["Location"] == reverse("home")


def test_a_recovery_code_works_once_in_place_of_a_code(world, login, client):
    login(world.owner)
    _device, codes = enrol(client, world.owner)
    client.post(reverse("logout"))

    sign_in_with_password(client, world.owner)
    used = client.post(reverse("two_factor_verify"), {"code": codes[0].upper()})
    assert used.status_code == 302
    assert client.get(reverse("caseload")).status_code == 200
    assert "signed in with a two-factor recovery code (9 left)" in audit_summaries(world.owner)
    client.post(reverse("logout"))

    sign_in_with_password(client, world.owner)
    again = client.post(reverse("two_factor_verify"), {"code": codes[0]})
    assert again.status_code == 200
    assert client.get(reverse("caseload")).status_code == 302
    assert client.post(reverse("two_factor_verify"), {"code": codes[1]}).status_code == 302


def test_recovery_codes_can_be_regenerated(world, login, client):
    login(world.owner)
    _device, old = enrol(client, world.owner)
    assert client.get(reverse("two_factor_recovery_codes")).status_code == 200
    response = client.post(reverse("two_factor_recovery_codes"))
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    tokens = set(
        StaticToken.objects.filter(device__user=world.owner).values_list("token", flat=True)
    )
    assert tokens == set(new)
    assert "two-factor recovery codes regenerated" in audit_summaries(world.owner)


def test_two_factor_can_be_turned_off_with_a_code_unless_required(world, login, client):
    login(world.owner)
    device, _codes = enrol(client, world.owner)
    refused = client.post(reverse("two_factor_disable"), {"code": "000000"})
    assert refused.status_code == 200
    assert policy.is_enrolled(world.owner)
    done = client.post(reverse("two_factor_disable"), {"code": app_code(device)})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.owner).exists()
    assert not StaticDevice.objects.filter(user=world.owner).exists()
    assert "two-factor authentication disabled" in audit_summaries(world.owner)
    assert client.get(reverse("caseload")).status_code == 200

    admin = login(world.admin)
    admin_device = TOTPDevice.objects.get(user=world.admin)
    page = admin.get(reverse("two_factor_disable"))
    assert "cannot be turned off" in page.content.decode()
    admin.post(reverse("two_factor_disable"), {"code": app_code(admin_device)})
    assert policy.is_enrolled(world.admin)


def test_an_admin_must_enrol_before_anything_else(world, client):
    response = sign_in_with_password(client, world.admin)
    assert response.status_code == 302
    for url in (reverse("caseload"), reverse("audit_log"), "/admin/", reverse("two_factor")):
        page = client.get(url)
        assert page.status_code == 302, url
        assert page["Location"].startswith(reverse("two_factor_enrol")), url
    assert client.get(reverse("two_factor_enrol")).status_code == 200
    enrol(client, world.admin)
    assert client.get(reverse("audit_log")).status_code == 200
    assert client.get("/admin/").status_code == 200


def test_the_practice_can_require_two_factor_from_all_staff(world, login, client, monkeypatch):
    owner_browser = Client()
    owner_browser.force_login(world.owner)
    assert owner_browser.get(reverse("caseload")).status_code == 200

    admin = login(world.admin)
    page = admin.get(reverse("two_factor_practice"))
    assert page.status_code == 200
    assert (
        admin.post(reverse("two_factor_practice"), {"two_factor_for_all_staff": "on"}).status_code
        == 302
    )
    world.org.refresh_from_db()
    assert world.org.two_factor_for_all_staff
    assert AuditEntry.objects.filter(
        actor=world.admin, summary="two-factor authentication required for all staff"
    ).exists()
    # Another practice is not affected.
    world.other_org.refresh_from_db()
    assert not world.other_org.two_factor_for_all_staff

    # A practitioner's open session learns of it within a minute (here: at once).
    monkeypatch.setattr(policy, "STATE_MAX_AGE", 0)
    page = owner_browser.get(reverse("caseload"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("two_factor_enrol"))

    # And a fresh sign-in is sent to enrolment straight away.
    client.post(reverse("logout"))
    sign_in_with_password(client, world.colleague)
    assert client.get(reverse("caseload"))["Location"].startswith(reverse("two_factor_enrol"))


@pytest.mark.parametrize("persona", ["owner", "supervisor", "researcher"])
def test_only_admins_see_the_practice_setting(world, login, persona):
    client = login(getattr(world, persona))
    assert client.get(reverse("two_factor_practice")).status_code == 404
    assert (
        client.post(reverse("two_factor_practice"), {"two_factor_for_all_staff": "on"}).status_code
        == 404
    )
    world.org.refresh_from_db()
    assert not world.org.two_factor_for_all_staff


def test_set_requirement_is_idempotent_and_audited_once(world):
    actions.set_two_factor_for_all_staff(world.admin, world.org, True)
    actions.set_two_factor_for_all_staff(world.admin, world.org, True)
    assert AuditEntry.objects.filter(summary__contains="required for all staff").count() == 1


def test_the_home_page_invites_staff_without_a_second_factor(world, login):
    client = login(world.owner)
    caseload = client.get(reverse("caseload")).content.decode()
    assert "Protect your account with a second factor" in caseload
    assert reverse("two_factor_enrol") in caseload
    assert client.post(reverse("two_factor_dismiss")).status_code == 302
    assert "Protect your account" not in client.get(reverse("caseload")).content.decode()

    researcher = login(world.researcher).get(reverse("home")).content.decode()
    assert "Protect your account with a second factor" in researcher

    admin = login(world.admin).get(reverse("caseload")).content.decode()
    assert "Protect your account" not in admin


def test_the_code_page_shows_no_menu_before_the_second_factor(world, client):
    """The code page shows no navigation while the second step is owed; after it, it does."""
    device = make_totp_device(world.owner)
    sign_in_with_password(client, world.owner)
    page = client.get(reverse("two_factor_verify")).content.decode()
    assert "Enter your code" in page
    assert 'class="mainnav"' not in page and "Sign-in security" not in page
    done = client.post(reverse("two_factor_verify"), {"code": app_code(device)})
    assert done.status_code == 302
    assert 'class="mainnav"' in client.get(reverse("caseload")).content.decode()


def test_a_required_enrolment_shows_no_menu(world, client):
    sign_in_with_password(client, world.admin)  # admins must enrol a second factor
    page = client.get(reverse("two_factor_enrol")).content.decode()
    assert 'class="mainnav"' not in page and "Audit log" not in page
