from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from xinghuo.core.api import Id, Pagination, paginate
from xinghuo.workforce import services as workforce_services

from . import selectors, services, services_otp
from .auth import client_ip, current_user
from .exceptions import SecondFactorEnrolmentRequired
from .models import ApiToken, Membership, Organization, User
from .schemas import (
    LoginIn,
    LoginOut,
    MembershipCreateIn,
    MembershipOut,
    OrganizationCreateIn,
    OrganizationOut,
    RegisterIn,
    TokenOut,
    UserOut,
)

router = Router(tags=["accounts"])


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.pk,
        phone=user.phone,
        name=user.name,
        is_staff=user.is_staff,
        kinds=selectors.user_kinds(user=user),
    )


@router.post("/auth/register", auth=None, response={201: UserOut})
def register(request: HttpRequest, payload: RegisterIn) -> Status[UserOut]:
    """Register a worker, or an employer together with its organization."""
    services.registration_attempt(client_ip=client_ip(request))
    if payload.kind == "worker":
        user = workforce_services.worker_register(
            phone=payload.phone,
            password=payload.password,
            name=payload.name,
            role_id=payload.role_id,
        ).user
    else:
        user, _org = services.employer_register(
            phone=payload.phone,
            password=payload.password,
            name=payload.name,
            organization_name=payload.organization_name,
            credit_code=payload.credit_code,
        )
    return Status(201, user_out(user))


@router.post("/auth/login", auth=None, response=LoginOut)
def login(request: HttpRequest, payload: LoginIn) -> LoginOut:
    """Exchange a mobile number and password (and an operator's TOTP code) for a bearer
    token (shown once). Repeated failures make further attempts wait (429, retry_after)."""
    user = services.user_authenticate(
        phone=payload.phone,
        password=payload.password,
        client_ip=client_ip(request),
        otp_token=payload.otp or None,
    )
    if services_otp.operator_must_enrol(user=user):
        # A token would be an operator login without the second factor production requires.
        raise SecondFactorEnrolmentRequired(
            _("Set up your second factor (authenticator app) first.")
        )
    issued = services.api_token_issue(user=user, name=payload.token_name)
    return LoginOut(token=issued.raw, expires_at=issued.token.expires_at, user=user_out(user))


@router.post("/auth/logout", response={204: None})
def logout(request: HttpRequest) -> Status[None]:
    """Revoke the token this request was made with."""
    token: ApiToken | None = getattr(request, "api_token", None)
    if token is not None:
        services.api_token_revoke(user=current_user(request), token_id=token.pk)
    return Status(204, None)


@router.get("/auth/me", response=UserOut)
def me(request: HttpRequest) -> UserOut:
    return user_out(current_user(request))


@router.get("/auth/tokens", response=list[TokenOut])
@paginate(Pagination)
def token_list(request: HttpRequest) -> object:
    return selectors.api_token_list(user=current_user(request))


@router.delete("/auth/tokens/{token_id}", response={204: None})
def token_revoke(request: HttpRequest, token_id: Id) -> Status[None]:
    services.api_token_revoke(user=current_user(request), token_id=token_id)
    return Status(204, None)


@router.get("/organizations", response=list[OrganizationOut])
@paginate(Pagination)
def organization_list(request: HttpRequest) -> object:
    return selectors.organization_list_for_user(user=current_user(request))


@router.post("/organizations", response={201: OrganizationOut})
def organization_create(
    request: HttpRequest, payload: OrganizationCreateIn
) -> Status[Organization]:
    org = services.organization_create(owner=current_user(request), **payload.dict())
    return Status(201, org)


@router.get("/organizations/{organization_id}", response=OrganizationOut)
def organization_detail(request: HttpRequest, organization_id: Id) -> Organization:
    return selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )


@router.get("/organizations/{organization_id}/members", response=list[MembershipOut])
@paginate(Pagination)
def member_list(request: HttpRequest, organization_id: Id) -> object:
    org = selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return selectors.membership_list(organization=org)


@router.post("/organizations/{organization_id}/members", response={201: MembershipOut})
def member_add(
    request: HttpRequest, organization_id: Id, payload: MembershipCreateIn
) -> Status[Membership]:
    org = selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return Status(
        201,
        services.membership_add(
            actor=current_user(request), organization=org, phone=payload.phone, role=payload.role
        ),
    )


@router.delete("/organizations/{organization_id}/members/{membership_id}", response={204: None})
def member_remove(request: HttpRequest, organization_id: Id, membership_id: Id) -> Status[None]:
    org = selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    services.membership_remove(
        actor=current_user(request), organization=org, membership_id=membership_id
    )
    return Status(204, None)
