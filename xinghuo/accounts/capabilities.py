"""The one capability table: who may do what.

Every authorization decision outside this module asks it (through `selectors`):
`has_capability` / `require_capability` for a user, `members_with_capability` /
`operators_with_capability` for whom to tell. A membership role grants the capabilities of
its row in ROLE_CAPABILITIES, in its own organization only; a platform operator (a user with
``is_staff``: `is_operator`, the only reading of the flag outside accounts' login and 2FA)
holds OPERATOR_CAPABILITIES everywhere. Sub-accounts will add their rows here.
``accounts/tests/test_capabilities.py`` proves no other app keeps a role tuple or an
``is_staff`` test of its own.
"""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from xinghuo.core.exceptions import ApplicationError, PermissionDenied

from .models import Membership, Organization, User

R = Membership.Role


class Capability(models.TextChoices):
    # What a member of an employer may do in his organization.
    ORDERS_MANAGE = "orders_manage"
    ORDERS_DISPATCH = "orders_dispatch"
    ORDER_ALERTS = "order_alerts"
    SITES_MANAGE = "sites_manage"
    CHANNEL_KEYS_MANAGE = "channel_keys_manage"
    POINTS_RULES_MANAGE = "points_rules_manage"
    ROLES_MANAGE = "roles_manage"
    MEMBERS_MANAGE = "members_manage"
    OWNERS_APPOINT = "owners_appoint"
    EMPLOYER_VERIFICATION_SUBMIT = "employer_verification_submit"
    FINANCE_OPERATE = "finance_operate"
    PAYOUTS_APPROVE = "payouts_approve"
    TAX_FACTS_RECORD = "tax_facts_record"
    # What a platform operator may do, in any organization.
    OPERATOR_CONSOLE = "operator_console"
    IDENTITY_REVIEW = "identity_review"
    EMPLOYER_REVIEW = "employer_review"
    CERTIFICATION_REVIEW = "certification_review"
    ROLE_CHANGE_REVIEW = "role_change_review"
    AGREEMENTS_VIEW = "agreements_view"
    WORKERS_VIEW = "workers_view"
    BANK_MATCH = "bank_match"
    PAYOUT_OPERATE = "payout_operate"
    CORRECTIONS_MANAGE = "corrections_manage"
    TAX_REGISTRATION_VERIFY = "tax_registration_verify"
    SECURITY_ALERTS = "security_alerts"


C = Capability

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    R.OWNER: frozenset(
        {
            C.ORDERS_MANAGE,
            C.ORDERS_DISPATCH,
            C.ORDER_ALERTS,
            C.SITES_MANAGE,
            C.CHANNEL_KEYS_MANAGE,
            C.POINTS_RULES_MANAGE,
            C.ROLES_MANAGE,
            C.MEMBERS_MANAGE,
            C.OWNERS_APPOINT,
            C.EMPLOYER_VERIFICATION_SUBMIT,
            C.FINANCE_OPERATE,
            C.PAYOUTS_APPROVE,
            C.TAX_FACTS_RECORD,
        }
    ),
    R.ADMIN: frozenset(
        {
            C.ORDERS_MANAGE,
            C.ORDERS_DISPATCH,
            C.SITES_MANAGE,
            C.CHANNEL_KEYS_MANAGE,
            C.POINTS_RULES_MANAGE,
            C.ROLES_MANAGE,
            C.MEMBERS_MANAGE,
            C.EMPLOYER_VERIFICATION_SUBMIT,
            C.FINANCE_OPERATE,
            C.TAX_FACTS_RECORD,
        }
    ),
    R.DISPATCHER: frozenset({C.ORDERS_MANAGE, C.ORDERS_DISPATCH, C.ORDER_ALERTS, C.SITES_MANAGE}),
    R.FINANCE: frozenset({C.FINANCE_OPERATE, C.PAYOUTS_APPROVE, C.TAX_FACTS_RECORD}),
    R.VIEWER: frozenset(),
}

OPERATOR_CAPABILITIES: frozenset[Capability] = frozenset(
    {
        C.OPERATOR_CONSOLE,
        C.IDENTITY_REVIEW,
        C.EMPLOYER_REVIEW,
        C.CERTIFICATION_REVIEW,
        C.ROLE_CHANGE_REVIEW,
        C.AGREEMENTS_VIEW,
        C.WORKERS_VIEW,
        C.BANK_MATCH,
        C.PAYOUT_OPERATE,
        C.CORRECTIONS_MANAGE,
        C.TAX_FACTS_RECORD,
        C.TAX_REGISTRATION_VERIFY,
        C.SECURITY_ALERTS,
    }
)


def is_operator(*, user: object) -> bool:
    """A platform operator: the one place where that means ``is_staff``."""
    return bool(getattr(user, "is_staff", False))


def roles_with(capability: Capability) -> tuple[str, ...]:
    """The membership roles that grant `capability`, in the roles' order."""
    return tuple(role for role in R.values if capability in ROLE_CAPABILITIES[role])


def capabilities_of(*, role: str | None, operator: bool) -> frozenset[Capability]:
    granted = ROLE_CAPABILITIES.get(role, frozenset()) if role else frozenset()
    return granted | OPERATOR_CAPABILITIES if operator else granted


def role_in(*, user: User, organization: Organization | int) -> str | None:
    """The user's membership role in the organization (or its id), None for a non-member."""
    if not getattr(user, "is_authenticated", False):
        return None
    organization_id = organization if isinstance(organization, int) else organization.pk
    return (
        Membership.objects.filter(user=user, organization_id=organization_id)
        .values_list("role", flat=True)
        .first()
    )


def has_capability(
    *, actor: User, capability: Capability, organization: Organization | int | None = None
) -> bool:
    """Whether `actor` may do `capability`: platform-wide as an operator, or in
    `organization` (or its id) through his membership role there."""
    operator = is_operator(user=actor)
    if operator and capability in OPERATOR_CAPABILITIES:
        return True
    if organization is None:
        return False
    role = role_in(user=actor, organization=organization)
    return capability in capabilities_of(role=role, operator=operator)


def require_capability(
    *,
    actor: User,
    capability: Capability,
    organization: Organization | int | None = None,
    denied: ApplicationError | None = None,
) -> None:
    """Nothing if `actor` has `capability` (see has_capability); else raises `denied`, the
    caller's own refusal (a NotFound where the thing must look missing, a PermissionDenied
    with the caller's message), by default PermissionDenied."""
    if has_capability(actor=actor, capability=capability, organization=organization):
        return
    if denied is not None:
        raise denied
    if capability in OPERATOR_CAPABILITIES and not roles_with(capability):
        raise PermissionDenied(_("Only platform operators may do this."), code="operator_only")
    raise PermissionDenied(
        _("Your role in this organization does not allow this."),
        detail={"allowed_roles": list(roles_with(capability))},
    )


def members_with_capability(
    *, organization: Organization | int, capability: Capability
) -> QuerySet[Membership]:
    """The memberships of the organization (or its id) whose role grants `capability`."""
    organization_id = organization if isinstance(organization, int) else organization.pk
    return Membership.objects.filter(
        organization_id=organization_id, role__in=roles_with(capability)
    )


def operators_with_capability(*, capability: Capability) -> QuerySet[User]:
    """The active operators who hold `capability` (none when it is not an operator's)."""
    if capability not in OPERATOR_CAPABILITIES:
        return User.objects.none()
    return User.objects.filter(is_staff=True, is_active=True)
