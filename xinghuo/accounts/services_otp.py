"""Operators' second factor: a TOTP authenticator app (django-otp's TOTPDevice).

An operator enrols by scanning a QR code (or typing the secret) and confirming with one
code; from then on his login asks for a code (services.user_authenticate). Lost phone:
another operator removes the device (`totp_device_remove`, also in the admin) and the
operator enrols again.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Literal

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinghuo.core.exceptions import NotFound, PermissionDenied

from .exceptions import InvalidSecondFactor
from .models import ApiToken, User

DEVICE_NAME = "authenticator"


def totp_device_for(*, user: User) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if he has one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def totp_verify(*, user: User, token: str) -> TOTPDevice | None:
    """The confirmed device `token` is a current code of (each code works once), or None.

    Only for the login path (services.user_authenticate*), which throttles the attempts.
    """
    token = "".join((token or "").split())
    if not token.isdigit() or len(token) != 6:
        return None
    for device in TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"):
        if device.verify_token(token):
            return device
    return None


def operator_must_enrol(*, user: User) -> bool:
    """Whether this operator must set up a second factor before using any operator page."""
    return user.is_staff and settings.OPERATOR_2FA_REQUIRED and totp_device_for(user=user) is None


def unverified_session_lack(*, user: User) -> Literal["otp_required", "otp_enrolment"] | None:
    """What a session that never gave a second-factor code lacks, with one query:
    "otp_required" (the user is an operator with a confirmed device: he must log in again,
    with a code), "otp_enrolment" (an operator who must enrol first), or None (nothing)."""
    if not user.is_staff:
        return None
    if totp_device_for(user=user) is not None:
        return "otp_required"
    return "otp_enrolment" if settings.OPERATOR_2FA_REQUIRED else None


def _require_operator(user: User) -> None:
    if not user.is_staff:
        raise PermissionDenied(_("Only platform operators may do this."), code="operator_only")


@transaction.atomic
def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """The operator's unconfirmed device to scan (made once, reused until confirmed).

    Locks the user row so that two tabs share one secret. Raises PermissionDenied
    (operator_only).
    """
    _require_operator(user)
    User.objects.select_for_update().filter(pk=user.pk).first()  # one enrolment at a time
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_enrolment_confirm(*, user: User, token: str) -> TOTPDevice:
    """Confirm the unconfirmed device with a current code; from now on login asks for one,
    and the user's API tokens (issued without it) are revoked.

    Raises PermissionDenied (operator_only), NotFound (no enrolment started),
    InvalidSecondFactor (wrong code).
    """
    _require_operator(user)
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None:
        raise NotFound(_("Start the set-up first."), code="otp_enrolment_not_found")
    token = "".join((token or "").split())
    if not (token.isdigit() and len(token) == 6 and device.verify_token(token)):
        raise InvalidSecondFactor(_("Wrong or expired code."), detail={"field": "otp"})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # Tokens issued before were issued without the second factor.
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return device


@transaction.atomic
def totp_device_remove(*, actor: User | None, user: User) -> int:
    """Remove every TOTP device of operator `user` (lost phone): another operator does it,
    or (`actor=None`) the server console (`manage.py accounts_otp_reset`). The operator
    then sets up again at his next login.

    Returns how many were removed. Raises PermissionDenied (operator_only, or removing
    one's own: a stolen session must not turn the second factor off), NotFound
    (operator_not_found).
    """
    if actor is not None:
        _require_operator(actor)
        if actor.pk == user.pk:
            raise PermissionDenied(
                _("Another operator must reset your second factor."), code="otp_reset_own"
            )
    if not user.is_staff:
        raise NotFound(_("Operator not found."), code="operator_not_found")
    removed, _detail = TOTPDevice.objects.filter(user=user).delete()
    return removed


def totp_secret(device: TOTPDevice) -> str:
    """The secret in base32, grouped by four, for typing into an app by hand."""
    raw = b32encode(device.bin_key).decode()
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL of `device` as an inline SVG QR code."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=4))
