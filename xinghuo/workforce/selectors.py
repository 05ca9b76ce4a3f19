"""Reads for workers, roles, skills and role change requests."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from xinghuo.accounts.models import Organization, User

from .exceptions import RoleNotFound, WorkerNotFound
from .models import Role, RoleChangeRequest, Skill, TeamInvitation, Worker


def worker_for_user(*, user: User) -> Worker:
    """The caller's own worker profile, or WorkerNotFound when he is no worker."""
    worker = (
        Worker.objects.select_related("user", "role", "team")
        .prefetch_related("regions", "grids", "worker_skills__skill")
        .filter(user=user)
        .first()
    )
    if worker is None:
        raise WorkerNotFound()
    return worker


def role_list(*, organization: Organization | None = None) -> QuerySet[Role]:
    """Active roles: the platform defaults plus, for an employer, its own."""
    scope = Q(organization__isnull=True)
    if organization is not None:
        scope |= Q(organization=organization)
    return Role.objects.filter(scope, is_active=True).order_by("pk")


def role_list_for_worker() -> QuerySet[Role]:
    """Every active role a worker may ask for: employers' roles are open to all workers."""
    return Role.objects.filter(is_active=True).order_by("pk")


def role_get(*, role_id: int, organization: Organization | None = None) -> Role:
    role = role_list(organization=organization).filter(pk=role_id).first()
    if role is None:
        raise RoleNotFound()
    return role


def skill_list() -> QuerySet[Skill]:
    return Skill.objects.order_by("pk")


def role_change_request_list(
    *, worker: Worker | None = None, status: str | None = None
) -> QuerySet[RoleChangeRequest]:
    """A worker's own requests, or (worker=None, for operators) everybody's."""
    qs = RoleChangeRequest.objects.select_related(
        "worker__user", "from_role", "to_role", "reviewed_by"
    )
    if worker is not None:
        qs = qs.filter(worker=worker)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def worker_list(
    *, region_ids: set[int] | None = None, role_id: int | None = None
) -> QuerySet[Worker]:
    qs = Worker.objects.select_related("user", "role").order_by("pk")
    if region_ids is not None:
        qs = qs.filter(regions__in=region_ids).distinct()
    if role_id is not None:
        qs = qs.filter(role_id=role_id)
    return qs


def worker_count_by_role() -> list[dict[str, object]]:
    """[{role_id, label, count}] for every role that has workers, in role order."""
    roles = Role.objects.annotate(count=Count("workers")).filter(count__gt=0).order_by("pk")
    return [{"role_id": r.pk, "label": r.label, "count": r.count} for r in roles]


def team_invitations_for_worker(*, worker: Worker) -> QuerySet[TeamInvitation]:
    """The pending invitations to the worker's mobile number, newest first."""
    return (
        TeamInvitation.objects.filter(phone=worker.user.phone, status=TeamInvitation.Status.PENDING)
        .select_related("team", "team__leader__user")
        .order_by("-created_at", "-pk")
    )


def role_choices() -> list[tuple[int, str]]:
    """The roles a worker may choose, as (id, label) choices for a form."""
    return [(r.pk, r.label) for r in role_list_for_worker()]
