"""The demo's clinic admin must use a second factor too: enrol it with a printed key.

Demo only: the key is fixed so that `alliance demo` can print it; a real account's key is
random and shown once, at enrolment.
"""

from __future__ import annotations

from base64 import b32decode

from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance.web.accounts.models import User

DEMO_TOTP_KEY = "ALLIANCEDEMOKEYFORLOCALUSEONLY23"  # base32; demo only


def enrol_demo_admin(username: str = "admin") -> str | None:
    """Give the demo admin a confirmed authenticator device with DEMO_TOTP_KEY; return the key."""
    user = User.objects.filter(username=username).first()
    if user is None:
        return None
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(
            user=user,
            name="Demo authenticator",
            confirmed=True,
            key=b32decode(DEMO_TOTP_KEY).hex(),
        )
    return DEMO_TOTP_KEY
