from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.auth import current_user, require_operator
from xinghuo.core.api import Id, Pagination, paginate
from xinghuo.core.crypto import mask
from xinghuo.regions import selectors as region_selectors

from . import selectors, services
from .models import Role, RoleChangeRequest, Team, TeamInvitation, Worker
from .schemas import (
    PositionIn,
    RejectIn,
    ReviewIn,
    RoleChangeRequestIn,
    RoleChangeRequestOut,
    RoleCreateIn,
    RoleOut,
    SkillOut,
    TeamCreateIn,
    TeamInvitationOut,
    TeamInvitationSentOut,
    TeamMemberIn,
    TeamOut,
    WorkerAreasIn,
    WorkerBriefOut,
    WorkerOut,
    WorkerSkillsIn,
    WorkerStatusIn,
)

router = Router(tags=["workforce"])


def _me(request: HttpRequest) -> Worker:
    return selectors.worker_for_user(user=current_user(request))


@router.get("/roles", response=list[RoleOut])
@paginate(Pagination)
def role_list(request: HttpRequest, organization_id: Id | None = None) -> object:
    """Roles: the seven defaults, plus an employer's own with ?organization_id."""
    if organization_id is None:
        return selectors.role_list()
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return selectors.role_list(organization=org)


@router.post("/organizations/{organization_id}/roles", response={201: RoleOut})
def role_create(request: HttpRequest, organization_id: Id, payload: RoleCreateIn) -> Status[Role]:
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    return Status(
        201,
        services.role_create(
            actor=user, organization=org, name=payload.name, name_en=payload.name_en
        ),
    )


@router.get("/skills", response=list[SkillOut])
@paginate(Pagination)
def skill_list(request: HttpRequest) -> object:
    return selectors.skill_list()


@router.get("/workers/me", response=WorkerOut)
def worker_me(request: HttpRequest) -> Worker:
    return _me(request)


@router.put("/workers/me/areas", response=WorkerOut)
def worker_set_areas(request: HttpRequest, payload: WorkerAreasIn) -> Worker:
    services.worker_set_areas(
        worker=_me(request), region_ids=payload.region_ids, grid_ids=payload.grid_ids
    )
    return _me(request)


@router.put("/workers/me/skills", response=WorkerOut)
def worker_set_skills(request: HttpRequest, payload: WorkerSkillsIn) -> Worker:
    services.worker_set_skills(worker=_me(request), skill_ids=payload.skill_ids)
    return _me(request)


@router.put("/workers/me/status", response=WorkerOut)
def worker_set_status(request: HttpRequest, payload: WorkerStatusIn) -> Worker:
    services.worker_set_status(worker=_me(request), status=payload.status)
    return _me(request)


@router.post("/workers/me/position", response=WorkerOut)
def worker_report_position(request: HttpRequest, payload: PositionIn) -> Worker:
    services.worker_report_position(
        worker=_me(request), lat=payload.lat, lng=payload.lng, datum=payload.datum, at=payload.at
    )
    return _me(request)


@router.get("/workers/me/role-change-requests", response=list[RoleChangeRequestOut])
@paginate(Pagination)
def my_role_change_requests(request: HttpRequest) -> object:
    return selectors.role_change_request_list(worker=_me(request))


@router.post("/workers/me/role-change-requests", response={201: RoleChangeRequestOut})
def role_change_request_create(
    request: HttpRequest, payload: RoleChangeRequestIn
) -> Status[RoleChangeRequest]:
    return Status(
        201,
        services.role_change_request_create(
            worker=_me(request), to_role_id=payload.to_role_id, reason=payload.reason
        ),
    )


@router.get("/role-change-requests", response=list[RoleChangeRequestOut])
@paginate(Pagination)
def role_change_request_list(request: HttpRequest, status: str | None = "pending") -> object:
    """Operators: the review queue (pending by default)."""
    require_operator(request)
    return selectors.role_change_request_list(status=status)


@router.post("/role-change-requests/{request_id}/approve", response=RoleChangeRequestOut)
def role_change_approve(
    request: HttpRequest, request_id: Id, payload: ReviewIn
) -> RoleChangeRequest:
    return services.role_change_approve(
        reviewer=current_user(request), request_id=request_id, note=payload.note
    )


@router.post("/role-change-requests/{request_id}/reject", response=RoleChangeRequestOut)
def role_change_reject(
    request: HttpRequest, request_id: Id, payload: RejectIn
) -> RoleChangeRequest:
    return services.role_change_reject(
        reviewer=current_user(request), request_id=request_id, reason=payload.reason
    )


@router.post("/teams", response={201: TeamOut})
def team_create(request: HttpRequest, payload: TeamCreateIn) -> Status[Team]:
    return Status(201, services.team_create(leader=_me(request), name=payload.name))


@router.post("/teams/mine/invitations", response={202: TeamInvitationSentOut})
def team_invite(request: HttpRequest, payload: TeamMemberIn) -> Status[TeamInvitationSentOut]:
    """Invite a mobile number to the leader's team. Always 202 with the same body, whether or
    not the number belongs to a worker: he joins only by accepting."""
    invitation = services.team_invite(leader=_me(request), phone=payload.phone)
    return Status(
        202,
        TeamInvitationSentOut(phone_masked=mask(invitation.phone, head=3, tail=4), status="sent"),
    )


@router.get("/workers/me/team-invitations", response=list[TeamInvitationOut])
def my_team_invitations(request: HttpRequest) -> list[TeamInvitation]:
    return list(selectors.team_invitations_for_worker(worker=_me(request))[:50])


@router.post("/workers/me/team-invitations/{invitation_id}/accept", response=TeamOut)
def team_invitation_accept(request: HttpRequest, invitation_id: Id) -> Team:
    return services.team_invitation_accept(worker=_me(request), invitation_id=invitation_id)


@router.post("/workers/me/team-invitations/{invitation_id}/decline", response={204: None})
def team_invitation_decline(request: HttpRequest, invitation_id: Id) -> Status[None]:
    services.team_invitation_decline(worker=_me(request), invitation_id=invitation_id)
    return Status(204, None)


@router.get("/workers", response=list[WorkerBriefOut])
@paginate(Pagination)
def worker_list(
    request: HttpRequest, region_id: Id | None = None, role_id: Id | None = None
) -> object:
    """Operators: every worker, filtered by region (and the regions below it) and role."""
    require_operator(request)
    region_ids = (
        region_selectors.region_descendant_ids(region_ids=[region_id]) if region_id else None
    )
    return selectors.worker_list(region_ids=region_ids, role_id=role_id)
