"""Reads for accounts. Scoped: a caller never learns of organizations he is not in."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from xinghuo.core.exceptions import PermissionDenied

from .capabilities import (
    OPERATOR_CAPABILITIES,
    ROLE_CAPABILITIES,
    Capability,
    capabilities_of,
    has_capability,
    is_operator,
    members_with_capability,
    operators_with_capability,
    require_capability,
    role_in,
    roles_with,
)
from .exceptions import OrganizationNotFound
from .models import ApiToken, Membership, Organization, User

# Public for the shell's middleware, which turns away sessions that lack a second factor.
from .services_otp import unverified_session_lack as unverified_session_lack

__all__ = [
    "OPERATOR_CAPABILITIES",
    "ROLE_CAPABILITIES",
    "Capability",
    "capabilities_of",
    "has_capability",
    "is_operator",
    "members_with_capability",
    "operators_with_capability",
    "require_capability",
    "role_in",
    "roles_with",
]


def organization_list_for_user(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).order_by("pk")


def organization_get_for_member(
    *, user: User, organization_id: int, capability: Capability | None = None
) -> Organization:
    """The organization if `user` is a member, with `capability` there when given.

    Missing and not-a-member are the same OrganizationNotFound, so existence
    does not leak; a member whose role does not grant it gets PermissionDenied.
    """
    membership = (
        Membership.objects.filter(user=user, organization_id=organization_id)
        .select_related("organization")
        .first()
    )
    if membership is None:
        raise OrganizationNotFound()
    if capability is not None and capability not in capabilities_of(
        role=membership.role, operator=is_operator(user=user)
    ):
        raise PermissionDenied(
            _("Your role in this organization does not allow this."),
            detail={"allowed_roles": list(roles_with(capability))},
        )
    return membership.organization


def membership_list(*, organization: Organization) -> QuerySet[Membership]:
    return organization.memberships.select_related("user").order_by("pk")


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def user_kinds(*, user: User) -> list[str]:
    """Which front-ends this user has: operator, employer, worker (for the landing page)."""
    kinds = []
    if is_operator(user=user):
        kinds.append("operator")
    if Membership.objects.filter(user=user).exists():
        kinds.append("employer")
    if hasattr(user, "worker"):
        kinds.append("worker")
    return kinds


def organization_count(*, status: str | None = None) -> int:
    qs = Organization.objects.all()
    if status:
        qs = qs.filter(status=status)
    return qs.count()
