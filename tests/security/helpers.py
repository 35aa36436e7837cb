"""Helpers of the security tests: codes computed like an authenticator app computes them."""

from __future__ import annotations

from django.urls import reverse
from django_otp.oath import totp

from tests.factories import PASSWORD


def app_code(device) -> str:
    """Return the code the authenticator app shows now, and let the device accept it again."""
    device.refresh_from_db()
    device.last_t = -1  # a code is single-use; tests reuse the current time step
    device.save(update_fields=["last_t"])
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def sign_in_with_password(client, user, password: str = PASSWORD):
    """Post the log-in form, as a browser does."""
    return client.post(reverse("login"), {"username": user.username, "password": password})
