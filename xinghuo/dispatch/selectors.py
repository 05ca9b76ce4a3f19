"""Reads for dispatch: who may see and take which order, recommendations, points.

The eligibility rule (MISSION C2, C3, C4, B4) lives here and nowhere else:

    a worker is eligible for an order when
      - the worker is active;
      - the order's site lies in one of the worker's regions (or a region below one)
        or in one of the worker's grids;
      - the order names no role, or the worker holds that role;
      - for every skill the order requires, the worker holds it, and where the skill
        requires certification, its validity covers today (Asia/Shanghai date);
      - for a paid order (price above zero), the worker is cleared for paid work: his
        identity is approved and he has signed the platform agreement (MISSION A4).

It is written once per direction — the orders a worker may see, the workers an
order may go to — because each must be one indexed SQL query; the two are kept
in step by `tests/test_eligibility.py`, which checks them against each other.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from xinghuo.contracts import selectors as contract_selectors
from xinghuo.core.geo import Point, haversine_m
from xinghuo.identity import selectors as identity_selectors
from xinghuo.regions import selectors as region_selectors
from xinghuo.work_orders import selectors as order_selectors
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce.models import Skill, Worker, WorkerSkill

from . import points
from .exceptions import WorkOrderNotFound
from .models import AssignmentOffer, DirectAssignmentConsent, PointsEntry


def _today() -> date:
    return timezone.localdate()


def valid_skill_ids(*, worker: Worker, on: date | None = None) -> set[int]:
    """The skills that count for dispatch today: uncertified skills always, certified ones
    while their validity covers the day."""
    on = on or _today()
    rows = WorkerSkill.objects.filter(worker=worker).values_list(
        "skill_id", "skill__requires_certification", "valid_from", "valid_until"
    )
    return {
        skill_id
        for skill_id, certified, valid_from, valid_until in rows
        if not certified
        or (
            valid_until is not None
            and valid_until >= on
            and (valid_from is None or valid_from <= on)
        )
    }


def cleared_worker_ids() -> QuerySet[Worker, int]:
    """Ids of the workers cleared for paid work, for `pk__in=` filters (one subquery)."""
    return (
        Worker.objects.filter(pk__in=identity_selectors.verified_worker_ids())
        .filter(pk__in=contract_selectors.signed_worker_ids())
        .values_list("pk", flat=True)
    )


def worker_is_cleared(*, worker: Worker) -> bool:
    """May the worker take paid work: identity approved and platform agreement signed?
    (One query.)"""
    return cleared_worker_ids().filter(pk=worker.pk).exists()


def orders_eligible_for_worker(
    *, worker: Worker, on: date | None = None, ignore_clearance: bool = False
) -> QuerySet[WorkOrder]:
    """Every order (any status) whose requirements the worker meets.

    `ignore_clearance` leaves paid orders in for a worker not yet cleared for paid work,
    so that a grab can tell him why he may not take one.
    """
    if not worker.is_active:
        return WorkOrder.objects.none()
    region_ids = list(worker.regions.values_list("pk", flat=True))
    grid_ids = list(worker.grids.values_list("pk", flat=True))
    area = Q(region_id__in=region_selectors.region_descendant_ids(region_ids=region_ids))
    if grid_ids:
        area |= Q(grid_id__in=grid_ids)
    missing_skill = WorkOrder.required_skills.through.objects.filter(
        workorder_id=OuterRef("pk")
    ).exclude(skill_id__in=valid_skill_ids(worker=worker, on=on))
    qs = (
        WorkOrder.objects.filter(area)
        .filter(Q(required_role__isnull=True) | Q(required_role_id=worker.role_id))
        .filter(~Exists(missing_skill))
    )
    if not ignore_clearance and not worker_is_cleared(worker=worker):
        qs = qs.filter(price_fen=0)
    return qs


def orders_visible_to_worker(*, worker: Worker, on: date | None = None) -> QuerySet[WorkOrder]:
    """The order hall: published orders the worker is eligible for."""
    return orders_eligible_for_worker(worker=worker, on=on).filter(
        status=WorkOrder.Status.PUBLISHED
    )


def worker_covers(*, region_ids: Iterable[int], grid_ids: Iterable[int]) -> Q:
    """A filter on workers: those who may take work in one of `region_ids` — given with
    every region above them, since a worker of a city serves its districts — or in one of
    `grid_ids`."""
    area = Q(
        Exists(
            Worker.regions.through.objects.filter(
                worker_id=OuterRef("pk"), region_id__in=list(region_ids)
            )
        )
    )
    grid_ids = list(grid_ids)
    if grid_ids:
        area |= Q(
            Exists(
                Worker.grids.through.objects.filter(worker_id=OuterRef("pk"), grid_id__in=grid_ids)
            )
        )
    return area


def worker_holds_skill(*, skill: Skill, on: date) -> Exists:
    """A filter on workers: those who hold `skill` on day `on` (a skill that requires
    certification only while its validity covers the day)."""
    held = WorkerSkill.objects.filter(worker_id=OuterRef("pk"), skill_id=skill.pk)
    if skill.requires_certification:
        held = held.filter(valid_until__gte=on).filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=on)
        )
    return Exists(held)


def workers_eligible_for_order(
    *, order: WorkOrder, on: date | None = None, ignore_clearance: bool = False
) -> QuerySet[Worker]:
    """Every worker who meets the order's requirements (whatever his status or load);
    `ignore_clearance` as in `orders_eligible_for_worker`."""
    on = on or _today()
    area = worker_covers(
        region_ids=region_selectors.region_ancestor_ids(region_id=order.region_id),
        grid_ids=[order.grid_id] if order.grid_id else [],
    )
    qs = Worker.objects.filter(is_active=True).filter(area)
    if order.required_role_id:
        qs = qs.filter(role_id=order.required_role_id)
    for skill in order.required_skills.all():
        qs = qs.filter(worker_holds_skill(skill=skill, on=on))
    if order.price_fen > 0 and not ignore_clearance:
        qs = qs.filter(pk__in=cleared_worker_ids())
    return qs


def workers_eligible_nearest(
    *, order: WorkOrder, limit: int | None = None
) -> list[tuple[Worker, int | None]]:
    """The order's eligible workers with their distance to its site in metres, nearest first;
    workers without a known position last."""
    site = Point(lat=order.site.lat, lng=order.site.lng)
    rows: list[tuple[Worker, int | None]] = []
    for worker in workers_eligible_for_order(order=order).select_related("user", "role"):
        known = worker.last_lat is not None and worker.last_lng is not None
        distance = (
            round(haversine_m(site, Point(lat=worker.last_lat, lng=worker.last_lng)))  # type: ignore[arg-type]
            if known
            else None
        )
        rows.append((worker, distance))
    rows.sort(key=lambda r: (r[1] is None, r[1] or 0, r[0].pk))
    return rows[:limit] if limit is not None else rows


# --- candidate lists: what an employer sees of workers not (yet) on its orders ----------------

# Upper bounds in metres and their labels; anything further is the last label.
DISTANCE_BANDS: tuple[tuple[int, str], ...] = (
    (1_000, "<1 km"),
    (3_000, "1–3 km"),
    (10_000, "3–10 km"),
)
FAR_BAND = ">10 km"
UNKNOWN_BAND = "unknown"


def distance_band(distance_m: float | None) -> str:
    """How far, coarsely: an exact distance from a known site would give the position away."""
    if distance_m is None:
        return UNKNOWN_BAND
    return next((label for bound, label in DISTANCE_BANDS if distance_m < bound), FAR_BAND)


@dataclass(frozen=True)
class Candidate:
    """A worker an order may go to, as an employer may see him before he works for it: no
    phone number, no position."""

    worker_id: int
    name: str
    role: str
    status: str
    distance_band: str
    qualifications: list[str]

    @property
    def status_label(self) -> str:
        return str(Worker.Status(self.status).label)


def order_candidates(*, order: WorkOrder, limit: int | None = None) -> list[Candidate]:
    """The order's eligible workers, nearest first, with the skills that count today (two
    queries besides eligibility)."""
    rows = workers_eligible_nearest(order=order, limit=limit)
    on = _today()
    held: dict[int, list[str]] = defaultdict(list)
    for ws in (
        WorkerSkill.objects.filter(worker_id__in=[w.pk for w, _d in rows])
        .select_related("skill")
        .order_by("skill_id")
    ):
        if not ws.skill.requires_certification or (
            ws.valid_until is not None
            and ws.valid_until >= on
            and (ws.valid_from is None or ws.valid_from <= on)
        ):
            held[ws.worker_id].append(ws.skill.label)
    return [
        Candidate(
            worker_id=w.pk,
            name=w.user.name,
            role=w.role.label,
            status=w.status,
            distance_band=distance_band(distance),
            qualifications=held[w.pk],
        )
        for w, distance in rows
    ]


# --- assignment offers and direct-assignment consent -----------------------------------------


def direct_assignment_allowed(*, worker: Worker, organization_id: int) -> bool:
    """Has the worker agreed that this employer may assign him orders without asking?"""
    return DirectAssignmentConsent.objects.filter(
        worker=worker, organization_id=organization_id
    ).exists()


def direct_assignment_consents(*, worker: Worker) -> QuerySet[DirectAssignmentConsent]:
    return DirectAssignmentConsent.objects.filter(worker=worker).select_related("organization")


def assignment_offers_for_worker(
    *, worker: Worker, pending_only: bool = False, now: datetime | None = None
) -> QuerySet[AssignmentOffer]:
    """The worker's offers, newest first; `pending_only`: those he may still answer."""
    qs = AssignmentOffer.objects.filter(worker=worker).select_related(
        "order", "order__site", "organization"
    )
    if pending_only:
        # An order someone else took meanwhile is no longer on offer, whatever the row says.
        still_open = Q(reason="", order__status=WorkOrder.Status.PUBLISHED) | (
            ~Q(reason="") & Q(order__status=WorkOrder.Status.ASSIGNED)
        )
        qs = qs.filter(
            still_open, status=AssignmentOffer.Status.PENDING, expires_at__gt=now or timezone.now()
        )
    return qs.order_by("-created_at", "-pk")


def assignment_offers_for_order(*, order: WorkOrder) -> QuerySet[AssignmentOffer]:
    """The caller has scoped the order to the organization."""
    return order.assignment_offers.select_related("worker__user", "organization").order_by(
        "-created_at", "-pk"
    )


def worker_is_eligible(*, worker: Worker, order: WorkOrder, on: date | None = None) -> bool:
    return orders_eligible_for_worker(worker=worker, on=on).filter(pk=order.pk).exists()


def worker_can_see(*, worker: Worker, order: WorkOrder) -> bool:
    """A worker sees an order he holds (or held), or a published one he is eligible for."""
    if order.worker_id == worker.pk:
        return True
    return order.status == WorkOrder.Status.PUBLISHED and worker_is_eligible(
        worker=worker, order=order
    )


def order_get_for_worker(*, worker: Worker, order_id: int) -> WorkOrder:
    """An order the worker holds (or held), or a published one he is eligible for; anything
    else is WorkOrderNotFound, like a missing order."""
    order = (
        WorkOrder.objects.filter(pk=order_id)
        .select_related(*order_selectors.RELATED)
        .prefetch_related("required_skills")
        .first()
    )
    if order is None or not worker_can_see(worker=worker, order=order):
        raise WorkOrderNotFound()
    return order


# --- recommendation (D4) ---------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    order: WorkOrder
    distance_m: float | None
    score: float
    preview_points: int
    preview_pay_fen: int


def recommended_orders(
    *, worker: Worker, now: datetime | None = None, limit: int = 50
) -> list[Recommendation]:
    """The worker's order hall, best first.

    Lower score is better:
        score = distance_km − 30·urgent + 0.5·min(hours to deadline, 72) − 0.01·pay_yuan
    so an urgent order 30 km away ranks with a normal one next door, a deadline a day
    closer is worth 12 km, and 100 yuan more pay is worth 1 km. Without a known
    position, distance counts as 0 for every order.
    """
    now = now or timezone.now()
    orders = list(
        orders_visible_to_worker(worker=worker)
        .select_related("site", "organization", "region")
        .order_by("deadline_at", "pk")[:2000]
    )
    here = (
        Point(lat=worker.last_lat, lng=worker.last_lng)
        if worker.last_lat is not None and worker.last_lng is not None
        else None
    )
    rules = points.rules_for_orders(orders)
    region_factors = points.RegionFactors(
        [o.organization_id for o in orders], [o.region_id for o in orders]
    )
    scored = []
    for order in orders:
        distance = (
            haversine_m(here, Point(lat=order.site.lat, lng=order.site.lng)) if here else None
        )
        hours_left = max(0.0, (order.deadline_at - now).total_seconds() / 3600)
        score = (
            (distance or 0) / 1000
            - (30 if order.priority == WorkOrder.Priority.URGENT else 0)
            + 0.5 * min(hours_left, 72)
            - 0.01 * order.price_fen / 100
        )
        preview = points.preview(order=order, rule=rules[order.pk], region_factors=region_factors)
        scored.append(
            Recommendation(
                order=order,
                distance_m=None if distance is None else round(distance),
                score=round(score, 3) if math.isfinite(score) else score,
                preview_points=preview.points,
                preview_pay_fen=order.price_fen,
            )
        )
    scored.sort(key=lambda r: (r.score, r.order.pk))
    return scored[:limit]


def points_history(*, worker: Worker) -> QuerySet[PointsEntry]:
    """The worker's points entries, newest first."""
    return worker.points_entries.select_related("order").order_by("-created_at", "-pk")


def points_balance(*, worker: Worker) -> int:
    return worker.points_entries.aggregate(total=Sum("points"))["total"] or 0
