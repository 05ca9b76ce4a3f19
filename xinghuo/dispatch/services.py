"""Writes for dispatch: grab (抢单), dispatcher assignment, decline, points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.selectors import Capability, require_capability
from xinghuo.core import ratelimit
from xinghuo.core.exceptions import Conflict, PermissionDenied, RateLimited, ValidationFailed
from xinghuo.identity.selectors import employer as verification_selectors
from xinghuo.notifications import services as notification_services
from xinghuo.regions import selectors as region_selectors
from xinghuo.work_orders import services as order_services
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce.models import Worker

from . import points, selectors
from .exceptions import (
    AssignmentOfferNotFound,
    EmployerNotVerified,
    LimitReached,
    OfferClosed,
    OrderClosed,
    OrderTaken,
    OrganizationNotFound,
    WorkerNotEligible,
    WorkOrderNotFound,
)
from .models import (
    AssignmentOffer,
    DirectAssignmentConsent,
    PointsEntry,
    PointsRule,
    RegionCoefficient,
)

S = WorkOrder.Status


def _check_cap(*, worker: Worker, organization: Organization) -> None:
    """Lock the worker's row so his concurrent grabs are counted one after another."""
    Worker.objects.select_for_update().filter(pk=worker.pk).first()
    held = WorkOrder.objects.filter(
        worker=worker, organization=organization, status__in=S.HELD
    ).count()
    if held >= organization.max_open_orders_per_worker:
        raise LimitReached(
            _("You hold as many open orders of this employer as you may (%(n)d).")
            % {"n": organization.max_open_orders_per_worker},
            detail={"limit": organization.max_open_orders_per_worker, "held": held},
        )


@transaction.atomic
def work_order_grab(*, worker: Worker, work_order_id: int) -> WorkOrder:
    """Give an open order to `worker`; exactly one concurrent grab wins.

    Raises WorkOrderNotFound when the worker may not see the order (same error as a
    missing one) — a paid order before his identity is approved and the agreement signed
    included, as on the order's detail: a distinct answer would tell him which paid orders
    match him; OrderTaken when another worker was first or the order is closed,
    LimitReached at the employer's cap of open orders per worker.
    """
    order = (
        selectors.orders_eligible_for_worker(worker=worker)
        .select_related("organization")
        .filter(pk=work_order_id)
        .exclude(status=S.DRAFT)
        .first()
    )
    if order is None:
        raise WorkOrderNotFound()
    if order.status in (S.CANCELLED, S.EXPIRED):
        raise OrderClosed(
            _("This order has been cancelled or has expired."), detail={"status": order.status}
        )
    if order.status != S.PUBLISHED:
        raise OrderTaken(_("Someone else took this order first."), detail={"status": order.status})
    _check_cap(worker=worker, organization=order.organization)
    if not order_services.work_order_claim(order=order, worker=worker, actor=worker.user):
        raise OrderTaken(_("Someone else took this order first."))
    return order


def _eligible_worker(*, order: WorkOrder, worker_id: int) -> Worker:
    worker = (
        selectors.workers_eligible_for_order(order=order, ignore_clearance=True)
        .filter(pk=worker_id)
        .first()
    )
    if (
        worker is not None
        and order.price_fen > 0
        and not selectors.worker_is_cleared(worker=worker)
    ):
        raise WorkerNotEligible(
            _("This worker has not verified his identity and signed the agreement yet."),
            code="worker_not_cleared",
            detail={"field": "worker_id"},
        )
    if worker is None:
        raise WorkerNotEligible(
            _("This worker may not take this order (region, role or skills)."),
            detail={"field": "worker_id"},
        )
    return worker


def require_verified_employer(*, organization: Organization) -> None:
    """Workers' names, positions and assignments are for verified employers (企业认证) only:
    anyone may register an organization, and an unreviewed one must not harvest workers.
    Raises EmployerNotVerified."""
    if not verification_selectors.organization_is_verified(organization=organization):
        raise EmployerNotVerified(
            _(
                "Only verified employers may see candidate workers, assign orders or follow "
                "workers' positions: complete the employer verification (企业认证) first."
            ),
            detail={"organization_id": organization.pk},
        )


def work_order_candidates(
    *, organization: Organization, order: WorkOrder, limit: int | None = None
) -> list[selectors.Candidate]:
    """The workers `order` (scoped to `organization` by the caller) may go to, as a verified
    employer may see them: name, distance band and qualifications.

    Counts one use of the organization's CANDIDATE_LISTS_PER_WINDOW. Raises
    EmployerNotVerified, RateLimited (candidate_lists_exhausted).
    """
    candidate_list_count(organization=organization)
    return selectors.order_candidates(order=order, limit=limit)


def candidate_list_count(*, organization: Organization) -> None:
    """One use of the organization's CANDIDATE_LISTS_PER_WINDOW: a candidate list, or an
    auto-assign plan (it names candidates with ETAs from where they are). Raises
    EmployerNotVerified, RateLimited (candidate_lists_exhausted)."""
    require_verified_employer(organization=organization)
    limit_per_window = settings.CANDIDATE_LISTS_PER_WINDOW
    window = settings.CANDIDATE_LIST_WINDOW_SECONDS
    try:
        ratelimit.take(
            f"dispatch:candidates:{organization.pk}", limit=limit_per_window, window_seconds=window
        )
    except RateLimited as exc:
        raise RateLimited(
            _("Your organization has opened too many candidate lists; try again later."),
            code="candidate_lists_exhausted",
            detail=exc.detail,
        ) from None


@dataclass(frozen=True)
class Assignment:
    """What an assignment did: `offer` is None when the worker had agreed to direct
    assignment and now holds the order; otherwise the order waits for his answer."""

    order: WorkOrder
    offer: AssignmentOffer | None


def _offer_ttl() -> timedelta:
    return timedelta(minutes=settings.ASSIGNMENT_OFFER_TTL_MINUTES)


def _offer(
    *, order: WorkOrder, worker: Worker, actor: User, organization: Organization, reason: str = ""
) -> AssignmentOffer:
    """A pending offer of `order` to `worker`, told by a notification; offering again
    returns the pending one."""
    now = timezone.now()
    existing = AssignmentOffer.objects.filter(
        order=order, worker=worker, status=AssignmentOffer.Status.PENDING, expires_at__gt=now
    ).first()
    if existing is not None:
        return existing
    AssignmentOffer.objects.filter(
        order=order, worker=worker, status=AssignmentOffer.Status.PENDING
    ).update(status=AssignmentOffer.Status.EXPIRED)
    try:
        with transaction.atomic():
            offer = AssignmentOffer.objects.create(
                order=order,
                worker=worker,
                organization=organization,
                offered_by=actor,
                reason=reason,
                expires_at=now + _offer_ttl(),
            )
    except IntegrityError:  # a concurrent offer of the same order to him was first
        return AssignmentOffer.objects.get(
            order=order, worker=worker, status=AssignmentOffer.Status.PENDING
        )
    notification_services.notify(
        user=worker.user,
        kind="assignment_offer",
        title=_("An employer offers you an order: accept or decline"),
        body=f"{organization.name} · {order.title}",
        order_id=order.pk,
    )
    return offer


@transaction.atomic
def work_order_assign(
    *, actor: User, organization: Organization, work_order_id: int, worker_id: int
) -> Assignment:
    """A dispatcher gives a published order to an eligible worker: at once if the worker has
    agreed to direct assignment from this employer, otherwise as an offer he answers.

    Raises PermissionDenied (not an editor), EmployerNotVerified, WorkOrderNotFound,
    OrderTaken, WorkerNotEligible, LimitReached.
    """
    order_services.require_editor(actor=actor, organization=organization)
    require_verified_employer(organization=organization)
    order = WorkOrder.objects.filter(pk=work_order_id, organization=organization).first()
    if order is None:
        raise WorkOrderNotFound()
    if order.status != S.PUBLISHED:
        raise OrderTaken(
            _("The order is not open for assignment."), detail={"status": order.status}
        )
    worker = _eligible_worker(order=order, worker_id=worker_id)
    _check_cap(worker=worker, organization=organization)
    if not selectors.direct_assignment_allowed(worker=worker, organization_id=organization.pk):
        offer = _offer(order=order, worker=worker, actor=actor, organization=organization)
        return Assignment(order=order, offer=offer)
    if not order_services.work_order_claim(order=order, worker=worker, actor=actor):
        raise OrderTaken(_("Someone else took this order first."))
    notification_services.notify(
        user=worker.user,
        kind="order_assigned",
        title=_("New order assigned to you"),
        body=order.title,
        order_id=order.pk,
    )
    return Assignment(order=order, offer=None)


@transaction.atomic
def work_order_reassign(
    *, actor: User, organization: Organization, work_order_id: int, worker_id: int, reason: str
) -> Assignment:
    """Move an assigned order (not yet under way) to another eligible worker, with a reason:
    at once if he has agreed to direct assignment from this employer, otherwise once he
    accepts the offer (the order stays with its worker meanwhile)."""
    order_services.require_editor(actor=actor, organization=organization)
    require_verified_employer(organization=organization)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Please give a reason."), code="reason_required", detail={"field": "reason"}
        )
    order = (
        WorkOrder.objects.select_for_update()
        .filter(pk=work_order_id, organization=organization)
        .first()
    )
    if order is None:
        raise WorkOrderNotFound()
    if order.worker_id == worker_id:
        raise Conflict(_("The order is with this worker already."), code="same_worker")
    worker = _eligible_worker(order=order, worker_id=worker_id)
    _check_cap(worker=worker, organization=organization)
    if not selectors.direct_assignment_allowed(worker=worker, organization_id=organization.pk):
        if order.status != S.ASSIGNED:
            raise OrderTaken(
                _("The order cannot be handed over now."), detail={"status": order.status}
            )
        offer = _offer(
            order=order, worker=worker, actor=actor, organization=organization, reason=reason
        )
        return Assignment(order=order, offer=offer)
    order_services.work_order_hand_over(order=order, worker=worker, actor=actor, reason=reason)
    notification_services.notify(
        user=worker.user,
        kind="order_assigned",
        title=_("New order assigned to you"),
        body=order.title,
        order_id=order.pk,
    )
    return Assignment(order=order, offer=None)


def _pending_offer_locked(*, worker: Worker, offer_id: int) -> AssignmentOffer:
    offer = (
        AssignmentOffer.objects.select_for_update()
        .select_related("organization", "offered_by")
        .filter(pk=offer_id, worker=worker)
        .first()
    )
    if offer is None:
        raise AssignmentOfferNotFound()
    if offer.status == AssignmentOffer.Status.PENDING and offer.expires_at <= timezone.now():
        offer.status = AssignmentOffer.Status.EXPIRED
        offer.save(update_fields=["status"])
    if offer.status != AssignmentOffer.Status.PENDING:
        raise OfferClosed(_("This offer is no longer open."), detail={"status": offer.status})
    return offer


def _close_offer(offer: AssignmentOffer, status: str) -> None:
    offer.status = status
    offer.answered_at = timezone.now()
    offer.save(update_fields=["status", "answered_at"])
    # The "accept or decline" notice is answered: it no longer counts as unread.
    notification_services.notifications_mark_read_about(
        user=offer.worker.user, kind="assignment_offer", order_id=offer.order_id
    )


@transaction.atomic
def assignment_offer_accept(*, worker: Worker, offer_id: int) -> WorkOrder:
    """The worker takes the offered order; the dispatcher who offered it is told, and the
    order's other pending offers are withdrawn.

    Locks the offer, then the order. Raises AssignmentOfferNotFound (not his, or missing),
    OfferClosed (answered, withdrawn or expired), OrderTaken (the order went to someone else
    meanwhile: the offer is withdrawn), WorkerNotEligible, LimitReached.
    """
    offer = _pending_offer_locked(worker=worker, offer_id=offer_id)
    order = WorkOrder.objects.select_for_update().get(pk=offer.order_id)
    handing_over = bool(offer.reason)
    open_status = S.ASSIGNED if handing_over else S.PUBLISHED
    if order.status != open_status or order.worker_id == worker.pk:
        raise OrderTaken(
            _("This order is no longer open for you."), detail={"status": order.status}
        )
    _eligible_worker(order=order, worker_id=worker.pk)
    _check_cap(worker=worker, organization=offer.organization)
    if handing_over:
        order_services.work_order_hand_over(
            order=order, worker=worker, actor=offer.offered_by, reason=offer.reason
        )
    elif not order_services.work_order_claim(order=order, worker=worker, actor=worker.user):
        raise OrderTaken(_("Someone else took this order first."))
    _close_offer(offer, AssignmentOffer.Status.ACCEPTED)
    AssignmentOffer.objects.filter(order=order, status=AssignmentOffer.Status.PENDING).exclude(
        pk=offer.pk
    ).update(status=AssignmentOffer.Status.WITHDRAWN, answered_at=timezone.now())
    notification_services.notify(
        user=offer.offered_by,
        kind="assignment_offer_accepted",
        title=_("The worker accepted the order"),
        body=f"{worker.user.name} · {order.title}",
        order_id=order.pk,
    )
    return order


@transaction.atomic
def assignment_offer_decline(*, worker: Worker, offer_id: int) -> AssignmentOffer:
    """The worker declines the offer; the dispatcher who offered it is told. Raises
    AssignmentOfferNotFound, OfferClosed."""
    offer = _pending_offer_locked(worker=worker, offer_id=offer_id)
    _close_offer(offer, AssignmentOffer.Status.DECLINED)
    notification_services.notify(
        user=offer.offered_by,
        kind="assignment_offer_declined",
        title=_("The worker declined the order"),
        body=f"{worker.user.name} · {offer.order.title}",
        order_id=offer.order_id,
    )
    return offer


def assignment_offers_expire(*, now: datetime | None = None) -> int:
    """Lapse the pending offers past their time (idempotent; run by beat). Returns how many."""
    return AssignmentOffer.objects.filter(
        status=AssignmentOffer.Status.PENDING, expires_at__lte=now or timezone.now()
    ).update(status=AssignmentOffer.Status.EXPIRED)


@transaction.atomic
def direct_assignment_consent_set(*, worker: Worker, organization_id: int, allowed: bool) -> bool:
    """The worker lets an employer assign him orders without asking (allowed=True) or takes
    that back. Idempotent. Raises OrganizationNotFound for an unknown organization."""
    if not Organization.objects.filter(pk=organization_id).exists():
        raise OrganizationNotFound()
    if allowed:
        DirectAssignmentConsent.objects.get_or_create(
            worker=worker, organization_id=organization_id
        )
    else:
        DirectAssignmentConsent.objects.filter(
            worker=worker, organization_id=organization_id
        ).delete()
    return allowed


@transaction.atomic
def work_order_decline(*, worker: Worker, work_order_id: int, reason: str) -> WorkOrder:
    """The assigned worker gives the order back with a reason; it is published again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Please give a reason."), code="reason_required", detail={"field": "reason"}
        )
    order = WorkOrder.objects.select_for_update().filter(pk=work_order_id, worker=worker).first()
    if order is None:
        raise WorkOrderNotFound()
    return order_services.work_order_release(order=order, actor=worker.user, reason=reason)


def points_award(*, order: WorkOrder) -> PointsEntry:
    """Award the points of an accepted order, once (the order is the entry's unique key)."""
    assert order.status == S.ACCEPTED and order.worker_id and order.delivered_at
    breakdown = points.for_order(order=order, delivered_at=order.delivered_at, rating=order.rating)
    entry, _created = PointsEntry.objects.get_or_create(
        order=order,
        defaults={
            "worker_id": order.worker_id,
            "points": breakdown.points,
            "base_points": breakdown.base_points,
            "efficiency_factor": breakdown.efficiency_factor,
            "quality_factor": breakdown.quality_factor,
            "region_factor": breakdown.region_factor,
        },
    )
    return entry


def _require_manager(*, actor: User, organization: Organization) -> None:
    require_capability(
        actor=actor,
        capability=Capability.POINTS_RULES_MANAGE,
        organization=organization,
        denied=PermissionDenied(_("Only the owner or an administrator may change points rules.")),
    )


def _factor(
    value: Decimal, *, field: str, low: Decimal = Decimal("0"), high: Decimal = Decimal("5")
) -> Decimal:
    if not (low < value <= high) or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed(
            _("Factors lie above %(low)s and at most %(high)s, with two decimals at most.")
            % {"low": low, "high": high},
            code="invalid_factor",
            detail={"field": field},
        )
    return value


@transaction.atomic
def points_rule_set(
    *,
    actor: User,
    organization: Organization,
    early_factor: Decimal,
    early_share: Decimal,
    on_time_factor: Decimal,
    late_factor: Decimal,
    quality_factors: dict[int, Decimal],
) -> PointsRule:
    """Set the employer's points rule (D6). It applies to orders accepted from now on and to
    every preview; points already awarded keep the factors they were computed with."""
    _require_manager(actor=actor, organization=organization)
    if set(quality_factors) != {1, 2, 3, 4, 5}:
        raise ValidationFailed(
            _("Give a quality factor for each rating from 1 to 5."),
            code="invalid_factor",
            detail={"field": "quality_factors"},
        )
    values = {
        "early_factor": _factor(early_factor, field="early_factor"),
        "early_share": _factor(early_share, field="early_share", high=Decimal("1")),
        "on_time_factor": _factor(on_time_factor, field="on_time_factor"),
        "late_factor": _factor(late_factor, field="late_factor"),
        "quality_factors": {
            str(r): str(_factor(f, field=f"quality_factors.{r}"))
            for r, f in sorted(quality_factors.items())
        },
    }
    rule, _created = PointsRule.objects.update_or_create(organization=organization, defaults=values)
    return rule


@transaction.atomic
def region_coefficient_set(
    *, actor: User, organization: Organization, region_id: int, coefficient: Decimal
) -> RegionCoefficient:
    """Set the employer's coefficient for a region (and the regions below it)."""
    _require_manager(actor=actor, organization=organization)
    region_selectors.region_get(region_id=region_id)
    coefficient = _factor(coefficient, field="coefficient")
    row, _created = RegionCoefficient.objects.update_or_create(
        organization=organization, region_id=region_id, defaults={"coefficient": coefficient}
    )
    return row
