"""Changes to a user's second factor and to the practice's requirement; each is audit-logged."""

from __future__ import annotations

from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.accounts.credentials import credential_changed
from alliance.web.accounts.models import Organisation, User
from alliance.web.audit.log import record
from alliance.web.audit.models import AuditAction
from alliance.web.security import policy

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


WRONG_CODE = "That code is not right: check the app and the phone's clock, then try again."


def _digits(code: str) -> str:
    return "".join(code.split())


class TwoFactorError(Exception):
    """A second-factor change that is not allowed; the message says why."""


def start_enrolment(user: User) -> TOTPDevice:
    """Return the user's pending authenticator device, creating one with a fresh secret."""
    pending = policy.totp_device(user, confirmed=False)
    if pending is not None:
        return pending
    return TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def confirm_enrolment(request: AuthenticatedRequest, device: TOTPDevice, code: str) -> list[str]:
    """Confirm `device` with a code from the app; return the new recovery codes.

    The session counts as verified from here on, and its key changes.
    """
    user = request.user
    if device.user_id != user.pk or device.confirmed:
        raise TwoFactorError("This enrolment has expired; start again.")
    # Outside the transaction below, so that a wrong code's throttling record is kept.
    if not device.verify_token(_digits(code)):
        raise TwoFactorError(WRONG_CODE)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        credential_changed(user, "two-factor authentication enrolled")
    request.session.cycle_key()
    otp_login(request, device)
    policy.remember_state(request.session, user)
    return codes


@transaction.atomic
def regenerate_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones."""
    if not policy.is_enrolled(user):
        raise TwoFactorError("Set up two-factor authentication first.")
    codes = _new_recovery_codes(user)
    credential_changed(user, "two-factor recovery codes regenerated")
    return codes


def verify_second_step(
    request: AuthenticatedRequest, code: str
) -> TOTPDevice | StaticDevice | None:
    """Check a code from the app or a recovery code; on success mark the session verified.

    Return the device that accepted the code, or None.
    """
    user = request.user
    code = _digits(code).lower()
    device = None
    # The locked rows make a code single-use even between two requests at the same moment.
    with transaction.atomic():
        if code.isdigit():
            app = policy.totp_device(user, for_update=True)
            if app is not None and app.verify_token(code):
                device = app
        elif code:
            recovery = policy.recovery_device(user, for_update=True)
            # StaticDevice.verify_token deletes the code it accepts: each works once.
            if recovery is not None and recovery.verify_token(code):
                device = recovery
    if device is None:
        record(user, AuditAction.REFUSED, user, summary="wrong second-step code")
        return None
    request.session.cycle_key()
    otp_login(request, device)
    policy.remember_state(request.session, user)
    if isinstance(device, StaticDevice):
        left = device.token_set.count()
        summary = f"signed in with a two-factor recovery code ({left} left)"
    else:
        summary = "signed in with the authenticator app"
    record(user, AuditAction.LOGIN, user, summary=summary)
    return device


def disable_two_factor(request: AuthenticatedRequest, code: str) -> None:
    """Remove the user's second factor after checking a current code from the app."""
    user = request.user
    if policy.requires_two_factor(user):
        raise TwoFactorError("Your practice requires two-factor authentication for you.")
    app = policy.totp_device(user)
    if app is None:
        raise TwoFactorError("Two-factor authentication is not set up.")
    if not app.verify_token(_digits(code)):
        raise TwoFactorError(WRONG_CODE)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        credential_changed(user, "two-factor authentication disabled")
    policy.remember_state(request.session, user)


def set_two_factor_for_all_staff(actor: User, organisation: Organisation, required: bool) -> None:
    """Switch the practice's requirement of a second factor from all staff."""
    if organisation.two_factor_for_all_staff == required:
        return
    organisation.two_factor_for_all_staff = required
    organisation.save(update_fields=["two_factor_for_all_staff"])
    record(
        actor,
        AuditAction.UPDATE,
        organisation,
        summary=(
            "two-factor authentication required for all staff"
            if required
            else "two-factor authentication required for admins only"
        ),
        organisation=organisation,
    )
