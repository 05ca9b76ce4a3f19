"""Writes for users, organizations, memberships and API tokens."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.core import ratelimit
from xinghuo.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed

from . import services_otp
from .capabilities import Capability, capabilities_of
from .exceptions import (
    InvalidCredentials,
    InvalidSecondFactor,
    LoginThrottled,
    OrganizationExists,
    PhoneTaken,
    SecondFactorRequired,
)
from .models import ApiToken, Membership, Organization, User

# normalize_phone is public: the apps that take phone numbers read them the same way.
from .validators import normalize_phone as normalize_phone
from .validators import normalize_uscc

TOKEN_PREFIX = "xh_"  # noqa: S105 - a public marker, not a secret


def _check_password_strength(password: str, *, user: User | None = None) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            _("The password is too weak."),
            code="weak_password",
            detail={"field": "password", "reasons": [str(m) for m in exc.messages]},
        ) from None


@transaction.atomic
def user_create(*, phone: str, password: str, name: str = "", is_staff: bool = False) -> User:
    """Create a login for a mainland mobile number with a strong password.

    Raises ValidationFailed (invalid_phone, weak_password) and PhoneTaken.
    """
    phone = normalize_phone(phone)
    name = (name or "").strip()[:64]
    user = User(phone=phone, name=name, is_staff=is_staff)
    _check_password_strength(password, user=user)
    if User.objects.filter(phone=phone).exists():
        raise PhoneTaken(_("This mobile number is already registered."), detail={"field": "phone"})
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # a concurrent registration of the same number won
        raise PhoneTaken(
            _("This mobile number is already registered."), detail={"field": "phone"}
        ) from None
    return user


# --- login: one path for the API, the web and the admin --------------------------------


def _login_rules(phone: str, client_ip: str | None) -> list[ratelimit.DelayRule]:
    def rule(key: str, free: int, *, reset_on_success: bool = True) -> ratelimit.DelayRule:
        return ratelimit.DelayRule(
            key=key,
            free=free,
            base_seconds=settings.LOGIN_DELAY_BASE_SECONDS,
            max_seconds=settings.LOGIN_DELAY_MAX_SECONDS,
            memory_seconds=settings.LOGIN_FAILURE_MEMORY_SECONDS,
            reset_on_success=reset_on_success,
        )

    rules = [rule(f"login:phone:{phone}", settings.LOGIN_FREE_FAILURES)]
    client_ip = _address_key(client_ip)
    if client_ip:
        # One address may try several numbers (a shared office NAT), so it gets more room;
        # a success from it does not wipe its failures (one's own account would reset them).
        rules.append(
            rule(
                f"login:ip:{client_ip}",
                settings.LOGIN_ADDRESS_FREE_FAILURES,
                reset_on_success=False,
            )
        )
    return rules


def _address_key(client_ip: str | None) -> str | None:
    """The counter's key for an address: an IPv6 host is given a whole /64 (it could
    change address for every attempt), so its /64 counts as one client."""
    if not client_ip:
        return None
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return client_ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def registration_attempt(*, client_ip: str | None) -> None:
    """Count one registration attempt of the client's address: its answer (phone_taken)
    tells whether a number is registered, so an address may try REGISTRATIONS_PER_ADDRESS_PER_HOUR
    times an hour (RateLimited)."""
    key = _address_key(client_ip)
    if key:
        ratelimit.take(
            f"register:ip:{key}",
            limit=settings.REGISTRATIONS_PER_ADDRESS_PER_HOUR,
            window_seconds=3600,
        )


def _begin_attempt(rules: list[ratelimit.DelayRule]) -> None:
    wait = ratelimit.delay_begin(rules)
    if wait:
        raise LoginThrottled(
            _("Too many failed logins. Try again in %(seconds)s seconds.") % {"seconds": wait},
            detail={"retry_after": wait},
        )


def user_authenticate(
    *, phone: str, password: str, client_ip: str | None = None, otp_token: str | None = None
) -> User:
    """Return the active user with these credentials — the one login check of the API, the
    web login and (through it) the admin.

    After LOGIN_FREE_FAILURES failures for a number (LOGIN_ADDRESS_FREE_FAILURES for an
    address) each attempt must wait a delay that doubles per failure, capped at
    LOGIN_DELAY_MAX_SECONDS; an attempt inside the wait raises LoginThrottled (nothing is
    checked, nothing counted). The right password after the wait succeeds.
    A user with a confirmed TOTP device (operators) also needs `otp_token`: without it,
    SecondFactorRequired (carrying the user's id for the web's second step, counters left
    as they are); with a wrong one, InvalidSecondFactor, counted as a failure.
    Raises InvalidCredentials without saying whether the number exists.
    """
    try:
        phone = normalize_phone(phone)
    except ValidationFailed:
        raise InvalidCredentials(_("Wrong mobile number or password.")) from None
    rules = _login_rules(phone, client_ip)
    _begin_attempt(rules)
    user = User.objects.filter(phone=phone).first()
    if user is None:
        # Hash anyway so that timing does not tell which numbers are registered.
        User().set_password(password)
    if user is None or not user.check_password(password) or not user.is_active:
        ratelimit.delay_end(rules, succeeded=False)
        raise InvalidCredentials(_("Wrong mobile number or password."))
    if services_otp.totp_device_for(user=user) is not None:
        if not otp_token:
            ratelimit.delay_end(rules, succeeded=True, reset=False)
            raise SecondFactorRequired(
                _("Enter the 6-digit code from your authenticator app."), user_id=user.pk
            )
        _check_second_factor(user=user, token=otp_token, rules=rules)
    ratelimit.delay_end(rules, succeeded=True)
    return user


def _check_second_factor(*, user: User, token: str, rules: list[ratelimit.DelayRule]) -> None:
    if services_otp.totp_verify(user=user, token=token) is None:
        ratelimit.delay_end(rules, succeeded=False)
        raise InvalidSecondFactor(_("Wrong or expired code."), detail={"field": "otp"})


def user_authenticate_second_factor(
    *, user_id: int, otp_token: str, client_ip: str | None = None
) -> User:
    """The web login's second step: the user whose password was right (`user_id`, kept by
    the web in the session) gives his TOTP code, under the same delays as the password.

    Raises LoginThrottled, InvalidSecondFactor, InvalidCredentials (user gone or inactive).
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise InvalidCredentials(_("Wrong mobile number or password."))
    rules = _login_rules(user.phone, client_ip)
    _begin_attempt(rules)
    if services_otp.totp_device_for(user=user) is not None:
        _check_second_factor(user=user, token=otp_token, rules=rules)
    ratelimit.delay_end(rules, succeeded=True)
    return user


# --- API tokens ------------------------------------------------------------------------


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown once, never stored


def api_token_issue(*, user: User, name: str = "", ttl: timedelta | None = None) -> IssuedToken:
    """Create a bearer token for `user`; only its hash is kept."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=hash_token(raw),
        prefix=raw[:10],
        name=name[:64],
        expires_at=timezone.now() + (ttl or timedelta(days=settings.API_TOKEN_TTL_DAYS)),
    )
    return IssuedToken(token=token, raw=raw)


def api_token_authenticate(*, raw: str, now: datetime | None = None) -> ApiToken | None:
    """Return the live token for a raw bearer value; None when unknown, expired or revoked."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    now = now or timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # Touch last_used_at at most once a minute: no write on every request.
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - timedelta(minutes=1))
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    return token


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's tokens (twice is harmless); another user's token is NotFound."""
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound(_("Token not found."), code="token_not_found")
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


# --- organizations and members ---------------------------------------------------------


@transaction.atomic
def organization_create(
    *,
    owner: User,
    name: str,
    credit_code: str,
    contact_name: str = "",
    contact_phone: str = "",
    parent: Organization | None = None,
) -> Organization:
    """Create an employer organization with `owner` as its owner member.

    Raises ValidationFailed (invalid_credit_code, invalid_phone, name_required)
    and OrganizationExists when the credit code is registered already.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            _("The organization needs a name."), code="name_required", detail={"field": "name"}
        )
    code = normalize_uscc(credit_code)
    contact_phone = normalize_phone(contact_phone) if contact_phone else ""
    if Organization.objects.filter(credit_code=code).exists():
        raise OrganizationExists(
            _("An organization with this credit code is already registered."),
            detail={"field": "credit_code"},
        )
    org = Organization(
        name=name[:128],
        credit_code=code,
        contact_name=contact_name.strip()[:64],
        contact_phone=contact_phone,
        parent=parent,
    )
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:
        raise OrganizationExists(
            _("An organization with this credit code is already registered."),
            detail={"field": "credit_code"},
        ) from None
    Membership.objects.create(user=owner, organization=org, role=Membership.Role.OWNER)
    return org


@transaction.atomic
def employer_register(
    *,
    phone: str,
    password: str,
    name: str,
    organization_name: str,
    credit_code: str,
) -> tuple[User, Organization]:
    """Register a user and the employer organization he owns, all or nothing."""
    user = user_create(phone=phone, password=password, name=name)
    org = organization_create(
        owner=user,
        name=organization_name,
        credit_code=credit_code,
        contact_name=name,
        contact_phone=user.phone,
    )
    return user, org


def _require_manager(*, actor: User, organization: Organization) -> Membership:
    membership = Membership.objects.filter(user=actor, organization=organization).first()
    if membership is None:
        raise NotFound(_("Organization not found."), code="organization_not_found")
    if Capability.MEMBERS_MANAGE not in capabilities_of(role=membership.role, operator=False):
        raise PermissionDenied(_("Only the owner or an administrator may manage members."))
    return membership


@transaction.atomic
def membership_add(*, actor: User, organization: Organization, phone: str, role: str) -> Membership:
    """Add an existing user to the organization. Only owners/admins; only an owner makes owners.

    The answer tells whether a number is registered (and the member's name): every attempt
    counts against MEMBERSHIP_ADDS_PER_DAY per organization (RateLimited)."""
    actor_membership = _require_manager(actor=actor, organization=organization)
    if role not in Membership.Role.values:
        raise ValidationFailed(
            _("Unknown member role."), code="invalid_role", detail={"field": "role"}
        )
    if role == Membership.Role.OWNER and Capability.OWNERS_APPOINT not in capabilities_of(
        role=actor_membership.role, operator=False
    ):
        raise PermissionDenied(_("Only an owner may add another owner."))
    number = normalize_phone(phone)
    ratelimit.take(
        f"accounts:member-adds:{organization.pk}",
        limit=settings.MEMBERSHIP_ADDS_PER_DAY,
        window_seconds=86_400,
    )
    user = User.objects.filter(phone=number, is_active=True).first()
    if user is None:
        raise NotFound(
            _("No registered user has this mobile number."),
            code="user_not_found",
            detail={"field": "phone"},
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    if not created:
        raise Conflict(_("This user is already a member."), code="already_member")
    return membership


@transaction.atomic
def membership_remove(*, actor: User, organization: Organization, membership_id: int) -> None:
    """Remove a member; the last owner cannot be removed."""
    _require_manager(actor=actor, organization=organization)
    # Lock the organization's owner rows so two removals cannot both pass the check.
    owners = list(
        Membership.objects.select_for_update()
        .filter(organization=organization, role=Membership.Role.OWNER)
        .order_by("pk")
    )
    membership = Membership.objects.filter(pk=membership_id, organization=organization).first()
    if membership is None:
        raise NotFound(_("Member not found."), code="member_not_found")
    if membership.role == Membership.Role.OWNER and len(owners) <= 1:
        raise Conflict(_("The last owner cannot be removed."), code="last_owner")
    membership.delete()


@transaction.atomic
def organization_set_verification_status(
    *,
    organization: Organization,
    status: str,
    contact_name: str = "",
    contact_phone: str = "",
) -> Organization:
    """Record the outcome of the employer verification (企业认证) on the organization.

    Called by the identity app's review services only, inside their transaction: the
    operator's right to decide was checked there, so this takes no actor. A contact given
    (the verified one) replaces the organization's; an empty one leaves it as it is.
    Locks the organization row. Raises ValidationFailed (invalid_status, invalid_phone).
    """
    if status not in Organization.Status.values:
        raise ValidationFailed(
            _("Unknown verification status."), code="invalid_status", detail={"field": "status"}
        )
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    org.status = status
    fields = ["status", "updated_at"]
    if contact_name.strip():
        org.contact_name = contact_name.strip()[:64]
        fields.append("contact_name")
    if contact_phone:
        org.contact_phone = normalize_phone(contact_phone)
        fields.append("contact_phone")
    org.save(update_fields=fields)
    organization.status, organization.contact_name = org.status, org.contact_name
    organization.contact_phone = org.contact_phone
    return org
