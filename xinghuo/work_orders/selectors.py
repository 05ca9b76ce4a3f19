"""Reads for work orders. Scoped: an employer sees its own orders, a worker those he
holds (what else he may see is eligibility: `dispatch.selectors.order_get_for_worker`);
anything else is WorkOrderNotFound, like a missing order."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy

from xinghuo.accounts.models import Membership, Organization, User
from xinghuo.core import crypto
from xinghuo.workforce.models import Worker

from . import lifecycle
from .exceptions import WorkOrderNotFound
from .models import Attachment, TrackPoint, WorkOrder, WorkOrderEvent

# What an order's pages and schemas show with it, fetched in the same query.
RELATED = ("site", "region", "grid", "required_role", "worker__user", "organization")

# What each event of an order's history is called (pages, maps, timelines).
EVENT_LABELS = {
    "create": gettext_lazy("Created"),
    "publish": gettext_lazy("Published"),
    "assign": gettext_lazy("Assigned"),
    "reassign": gettext_lazy("Reassigned"),
    "decline": gettext_lazy("Given back by the worker"),
    "depart": gettext_lazy("Set off"),
    "check_in": gettext_lazy("Checked in on site"),
    "deliver": gettext_lazy("Delivered"),
    "check_out": gettext_lazy("Checked out"),
    "accept": gettext_lazy("Accepted"),
    "reject": gettext_lazy("Sent back for rework"),
    "cancel": gettext_lazy("Cancelled"),
    "expire": gettext_lazy("Expired"),
    "overdue": gettext_lazy("Overdue"),
    "alarm_merged": gettext_lazy("Alarm merged"),
    "alarm_cleared": gettext_lazy("Alarm cleared"),
    "rated": gettext_lazy("Rated"),
}


def order_list_for_organization(
    *,
    organization: Organization,
    status: str | None = None,
    priority: str | None = None,
    region_ids: set[int] | None = None,
    worker_id: int | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    search: str | None = None,
) -> QuerySet[WorkOrder]:
    qs = WorkOrder.objects.filter(organization=organization).select_related(*RELATED)
    if status:
        qs = qs.filter(status=status)
    if priority:
        qs = qs.filter(priority=priority)
    if region_ids is not None:
        qs = qs.filter(region_id__in=region_ids)
    if worker_id is not None:
        qs = qs.filter(worker_id=worker_id)
    if created_from:
        qs = qs.filter(created_at__gte=created_from)
    if created_to:
        qs = qs.filter(created_at__lt=created_to)
    if search:
        qs = qs.filter(title__icontains=search.strip()[:64])
    return qs.prefetch_related("required_skills").order_by("-created_at", "-pk")


def order_get_for_organization(*, organization: Organization, order_id: int) -> WorkOrder:
    order = (
        WorkOrder.objects.filter(pk=order_id, organization=organization)
        .select_related(*RELATED)
        .prefetch_related("required_skills")
        .first()
    )
    if order is None:
        raise WorkOrderNotFound()
    return order


def order_list_for_worker(*, worker: Worker, status: str | None = None) -> QuerySet[WorkOrder]:
    """The orders the worker holds or held ("my orders")."""
    qs = WorkOrder.objects.filter(worker=worker).select_related(*RELATED)
    if status:
        qs = qs.filter(status=status)
    return qs.prefetch_related("required_skills").order_by("-assigned_at", "-pk")


def order_events(*, order: WorkOrder, since: datetime | None = None) -> QuerySet[WorkOrderEvent]:
    """The timeline; `since` (a worker's assignment) hides what came before him: another
    worker's steps and reasons are not his to read."""
    qs = order.events.select_related("actor")
    if since is not None:
        qs = qs.filter(at__gte=since)
    return qs.order_by("at", "pk")


def order_track(*, order: WorkOrder, worker: Worker | None = None) -> QuerySet[TrackPoint]:
    """The positions reported on the order; only `worker`'s own when given."""
    qs = order.track.all()
    if worker is not None:
        qs = qs.filter(worker=worker)
    return qs.order_by("at", "pk")


def order_allowed_actions(*, order: WorkOrder, actor: User | Worker | None) -> list[str]:
    """What `actor` (a member's user, a worker, None for the system) may do to `order` now:
    `lifecycle.allowed_actions`, which the pages show their buttons from."""
    return lifecycle.allowed_actions(order, actor)


def checkin_radius_m(order: WorkOrder) -> int:
    """How close to the site check-in must be: the site's own radius, else the employer's."""
    return order.site.checkin_radius_m or order.organization.checkin_radius_m


def order_status_counts(*, organization: Organization) -> dict[str, int]:
    rows = (
        WorkOrder.objects.filter(organization=organization)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}


def attachment_get_for_user(*, user: User, attachment_id: int) -> Attachment:
    """An order's file for someone who may see the order: a member of its employer, or the
    worker holding it. Anyone else gets WorkOrderNotFound, as for a missing file."""
    attachment = Attachment.objects.select_related("order__worker").filter(pk=attachment_id).first()
    if attachment is None:
        raise WorkOrderNotFound()
    order = attachment.order
    is_member = Membership.objects.filter(user=user, organization_id=order.organization_id)
    holds = order.worker is not None and order.worker.user_id == user.pk
    if not (holds or is_member.exists()):
        raise WorkOrderNotFound()
    return attachment


def attachment_content(*, user: User, attachment_id: int) -> tuple[bytes, str]:
    """(clear bytes, content type) of an order's file, for the users of
    `attachment_get_for_user`; stored encrypted, decrypted only here."""
    attachment = attachment_get_for_user(user=user, attachment_id=attachment_id)
    return crypto.read_encrypted(attachment.file), attachment.content_type
