"""Writes for workers, teams, roles and role changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts import services as account_services
from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.selectors import Capability, has_capability, require_capability
from xinghuo.accounts.services import normalize_phone
from xinghuo.core import ratelimit
from xinghuo.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinghuo.core.geo import Datum, validate_point
from xinghuo.regions.models import Grid, Region

from .exceptions import RoleChangeRequestNotFound, RoleNotFound, TeamInvitationNotFound
from .models import Role, RoleChangeRequest, Skill, Team, TeamInvitation, Worker, WorkerSkill

DEFAULT_ROLE_CODE = "daily_maintenance"


def _active_role(role_id: int | None) -> Role:
    if role_id is None:
        role = Role.objects.filter(code=DEFAULT_ROLE_CODE).first()
    else:
        role = Role.objects.filter(pk=role_id, is_active=True).first()
    if role is None:
        raise RoleNotFound()
    return role


@transaction.atomic
def worker_register(*, phone: str, password: str, name: str, role_id: int | None = None) -> Worker:
    """Register a user and his worker profile with one role (daily maintenance by default).

    All or nothing. Raises the errors of user_create and RoleNotFound.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            _("Please enter your name."), code="name_required", detail={"field": "name"}
        )
    role = _active_role(role_id)
    user = account_services.user_create(phone=phone, password=password, name=name)
    return Worker.objects.create(user=user, role=role)


def _ids_exist(model: type[Region] | type[Grid] | type[Skill], ids: list[int], field: str) -> None:
    found = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = sorted(set(ids) - found)
    if missing:
        raise ValidationFailed(
            _("Some of the chosen items do not exist."),
            code="unknown_ids",
            detail={"field": field, "ids": missing},
        )


@transaction.atomic
def worker_set_areas(
    *, worker: Worker, region_ids: Iterable[int], grid_ids: Iterable[int] = ()
) -> Worker:
    """Set the regions and grids the worker serves (C2: he may belong to several)."""
    regions, grids = sorted(set(region_ids)), sorted(set(grid_ids))
    _ids_exist(Region, regions, "region_ids")
    _ids_exist(Grid, grids, "grid_ids")
    worker.regions.set(regions)
    worker.grids.set(grids)
    return worker


@transaction.atomic
def worker_set_skills(*, worker: Worker, skill_ids: Iterable[int]) -> Worker:
    """Declare the worker's skills. Validity dates already earned are kept for skills he keeps;
    a skill that requires certification counts for dispatch only with valid dates."""
    wanted = sorted(set(skill_ids))
    _ids_exist(Skill, wanted, "skill_ids")
    WorkerSkill.objects.filter(worker=worker).exclude(skill_id__in=wanted).delete()
    have = set(WorkerSkill.objects.filter(worker=worker).values_list("skill_id", flat=True))
    WorkerSkill.objects.bulk_create(
        [WorkerSkill(worker=worker, skill_id=sid) for sid in wanted if sid not in have]
    )
    return worker


def worker_set_status(*, worker: Worker, status: str) -> Worker:
    if status not in Worker.Status.values:
        raise ValidationFailed(
            _("Unknown status."), code="invalid_status", detail={"field": "status"}
        )
    Worker.objects.filter(pk=worker.pk).update(status=status, updated_at=timezone.now())
    worker.status = status
    return worker


def worker_report_position(
    *,
    worker: Worker,
    lat: object,
    lng: object,
    datum: str = Datum.WGS84,
    at: datetime | None = None,
) -> Worker:
    """Record the worker's last known position (WGS-84). An older report than the one
    stored (phones resend after losing signal) does not overwrite a newer one."""
    point = validate_point(lat=lat, lng=lng, datum=datum)
    now = timezone.now()
    at = at or now
    if at > now + timedelta(minutes=5):
        raise ValidationFailed(
            _("The position's time is in the future."),
            code="time_in_future",
            detail={"field": "at"},
        )
    updated = (
        Worker.objects.filter(pk=worker.pk)
        .exclude(last_position_at__gt=at)
        .update(last_lat=point.lat, last_lng=point.lng, last_position_at=at)
    )
    if updated:
        worker.last_lat, worker.last_lng, worker.last_position_at = point.lat, point.lng, at
    return worker


# --- roles -----------------------------------------------------------------------------


@transaction.atomic
def role_create(*, actor: User, organization: Organization, name: str, name_en: str = "") -> Role:
    """An employer's own role (C3). Only owners and admins of the organization."""
    require_capability(
        actor=actor,
        capability=Capability.ROLES_MANAGE,
        organization=organization,
        denied=PermissionDenied(_("Only the owner or an administrator may add roles.")),
    )
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ValidationFailed(
            _("A role needs a name of at most 64 characters."),
            code="invalid_name",
            detail={"field": "name"},
        )
    if Role.objects.filter(name=name).filter(organization__isnull=True).exists() or (
        Role.objects.filter(name=name, organization=organization).exists()
    ):
        raise Conflict(_("This role exists already."), code="role_exists", detail={"field": "name"})
    base = slugify(name_en or "", allow_unicode=False) or "role"
    role = Role.objects.create(
        code=f"org{organization.pk}-{base}"[:40],
        name=name,
        name_en=(name_en or "").strip()[:64],
        organization=organization,
    )
    # Make the code unique whatever the name: the row id settles it.
    role.code = f"org{organization.pk}-{role.pk}-{base}"[:48]
    role.save(update_fields=["code"])
    return role


@transaction.atomic
def role_change_request_create(
    *, worker: Worker, to_role_id: int, reason: str = ""
) -> RoleChangeRequest:
    """Ask for another role. The worker's role is unchanged until an operator approves.

    Raises RoleNotFound, ValidationFailed(same_role), Conflict(request_pending).
    """
    to_role = _active_role(to_role_id)
    if to_role.pk == worker.role_id:
        raise ValidationFailed(
            _("You already hold this role."), code="same_role", detail={"field": "to_role_id"}
        )
    try:
        with transaction.atomic():
            return RoleChangeRequest.objects.create(
                worker=worker,
                from_role_id=worker.role_id,
                to_role=to_role,
                reason=(reason or "").strip()[:255],
            )
    except IntegrityError:
        raise Conflict(
            _("You have a role change request waiting for review."), code="request_pending"
        ) from None


def _lock_pending_request(*, reviewer: User, request_id: int) -> RoleChangeRequest:
    if not has_capability(actor=reviewer, capability=Capability.ROLE_CHANGE_REVIEW):
        # Only operators review; to anyone else the request does not exist.
        raise RoleChangeRequestNotFound()
    request = RoleChangeRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise RoleChangeRequestNotFound()
    if request.status != RoleChangeRequest.Status.PENDING:
        raise Conflict(
            _("This request has been reviewed already."),
            code="already_reviewed",
            detail={"status": request.status},
        )
    return request


@transaction.atomic
def role_change_approve(*, reviewer: User, request_id: int, note: str = "") -> RoleChangeRequest:
    """Approve: the worker's role becomes the requested one, in the same transaction.

    Locks the request row; a second review is Conflict(already_reviewed).
    """
    request = _lock_pending_request(reviewer=reviewer, request_id=request_id)
    if not Role.objects.filter(pk=request.to_role_id, is_active=True).exists():
        raise Conflict(_("The requested role is no longer offered."), code="role_inactive")
    request.status = RoleChangeRequest.Status.APPROVED
    request.review_note = (note or "").strip()[:255]
    request.reviewed_by = reviewer
    request.reviewed_at = timezone.now()
    request.save()
    Worker.objects.filter(pk=request.worker_id).update(
        role_id=request.to_role_id, updated_at=timezone.now()
    )
    return request


@transaction.atomic
def role_change_reject(*, reviewer: User, request_id: int, reason: str) -> RoleChangeRequest:
    """Reject with a reason the worker sees; the role stays as it was."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give the worker a reason for the rejection."),
            code="reason_required",
            detail={"field": "reason"},
        )
    request = _lock_pending_request(reviewer=reviewer, request_id=request_id)
    request.status = RoleChangeRequest.Status.REJECTED
    request.review_note = reason[:255]
    request.reviewed_by = reviewer
    request.reviewed_at = timezone.now()
    request.save()
    return request


# --- teams -----------------------------------------------------------------------------


@transaction.atomic
def team_create(*, leader: Worker, name: str) -> Team:
    """A worker founds a team and becomes its leader and first member."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ValidationFailed(
            _("A team needs a name of at most 64 characters."),
            code="invalid_name",
            detail={"field": "name"},
        )
    leader = Worker.objects.select_for_update().get(pk=leader.pk)
    if leader.team_id is not None:
        raise Conflict(_("You are in a team already."), code="already_in_team")
    team = Team.objects.create(name=name, leader=leader)
    leader.team = team
    leader.save(update_fields=["team", "updated_at"])
    return team


@transaction.atomic
def team_invite(*, leader: Worker, phone: str) -> TeamInvitation:
    """The leader invites a mobile number to his team; its worker joins only by accepting.

    The answer is the same whether or not the number is registered, in a team already or
    invited before (inviting again returns the pending invitation): the leader learns nothing
    about the number. Counted against TEAM_INVITATIONS_PER_DAY per leader. Raises
    PermissionDenied (not_team_leader), ValidationFailed (invalid_phone), RateLimited.
    """
    team = Team.objects.filter(leader=leader).first()
    if team is None:
        raise PermissionDenied(_("Only a team leader may invite members."), code="not_team_leader")
    number = normalize_phone(phone)
    pending = TeamInvitation.objects.filter(
        team=team, phone=number, status=TeamInvitation.Status.PENDING
    ).first()
    if pending is not None:
        return pending
    ratelimit.take(
        f"workforce:team-invitations:{leader.pk}",
        limit=settings.TEAM_INVITATIONS_PER_DAY,
        window_seconds=86_400,
    )
    return TeamInvitation.objects.create(team=team, phone=number)


def _my_pending_invitation(*, worker: Worker, invitation_id: int) -> TeamInvitation:
    invitation = (
        TeamInvitation.objects.select_for_update()
        .select_related("team")
        .filter(pk=invitation_id, phone=worker.user.phone, status=TeamInvitation.Status.PENDING)
        .first()
    )
    if invitation is None:
        raise TeamInvitationNotFound()
    return invitation


@transaction.atomic
def team_invitation_accept(*, worker: Worker, invitation_id: int) -> Team:
    """The invited worker joins the team. Locks the worker's row. Raises
    TeamInvitationNotFound (not to his number, answered, or missing), Conflict
    (already_in_team)."""
    invitation = _my_pending_invitation(worker=worker, invitation_id=invitation_id)
    member = Worker.objects.select_for_update().get(pk=worker.pk)
    if member.team_id is not None:
        raise Conflict(_("You are in a team already."), code="already_in_team")
    member.team = invitation.team
    member.save(update_fields=["team", "updated_at"])
    invitation.status = TeamInvitation.Status.ACCEPTED
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at", "updated_at"])
    return invitation.team


@transaction.atomic
def team_invitation_decline(*, worker: Worker, invitation_id: int) -> TeamInvitation:
    """The invited worker declines. Raises TeamInvitationNotFound."""
    invitation = _my_pending_invitation(worker=worker, invitation_id=invitation_id)
    invitation.status = TeamInvitation.Status.DECLINED
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at", "updated_at"])
    return invitation
