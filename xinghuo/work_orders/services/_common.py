"""What the action families of this package share: the editor's permission, the
verification gate for paid work, locking an order, the worker's position, a shift's hours."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.selectors import Capability, require_capability
from xinghuo.core.exceptions import PermissionDenied, ValidationFailed
from xinghuo.core.geo import Point
from xinghuo.identity.selectors import employer as verification_selectors
from xinghuo.workforce.models import Worker

from ..exceptions import WorkOrderNotFound
from ..models import TrackPoint, WorkOrder

S = WorkOrder.Status


def require_editor(*, actor: User, organization: Organization) -> None:
    require_capability(
        actor=actor,
        capability=Capability.ORDERS_MANAGE,
        organization=organization,
        denied=PermissionDenied(_("Only owners, administrators and dispatchers manage orders.")),
    )


def require_verified_for_paid(*, organization: Organization, price_fen: int) -> None:
    """Paid work is published only by verified employers (企业认证): workers are paid
    through the platform, so they must know who they work for. Drafts and unpaid orders
    need no verification. Raises PermissionDenied (employer_not_verified)."""
    if price_fen > 0 and not verification_selectors.organization_is_verified(
        organization=organization
    ):
        raise PermissionDenied(
            _(
                "Complete the employer verification before publishing paid orders; "
                "you can save the order as a draft meanwhile."
            ),
            code="employer_not_verified",
            detail={"organization_id": organization.pk},
        )


def lock_org_order(*, organization: Organization, order_id: int) -> WorkOrder:
    order = (
        WorkOrder.objects.select_for_update().filter(pk=order_id, organization=organization).first()
    )
    if order is None:
        raise WorkOrderNotFound()
    return order


def lock_worker_order(*, worker: Worker, order_id: int) -> WorkOrder:
    """An order the worker holds; anyone else's order is WorkOrderNotFound."""
    order = WorkOrder.objects.select_for_update().filter(pk=order_id, worker=worker).first()
    if order is None:
        raise WorkOrderNotFound()
    return order


def required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Please give a reason."), code="reason_required", detail={"field": "reason"}
        )
    return reason[:500]


def record_position(*, worker: Worker, order: WorkOrder, point: Point, at: datetime) -> None:
    TrackPoint.objects.create(order=order, worker=worker, lat=point.lat, lng=point.lng, at=at)
    Worker.objects.filter(pk=worker.pk).exclude(last_position_at__gt=at).update(
        last_lat=point.lat, last_lng=point.lng, last_position_at=at
    )


def shift_hours(order: WorkOrder, *, out_at: datetime) -> tuple[str, ...]:
    start = order.on_site_at or out_at
    order.checked_out_at = out_at
    order.worked_minutes = max(0, int((out_at - start).total_seconds() // 60))
    order.early_leave_minutes = max(0, int((order.deadline_at - out_at).total_seconds() // 60))
    order.delivered_at = out_at
    return ("checked_out_at", "worked_minutes", "early_leave_minutes", "delivered_at")
