"""The employer's figures: one cohort, the orders created in the date range (see the
package's docstring)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from xinghuo.accounts.models import Organization
from xinghuo.dispatch.models import PointsEntry
from xinghuo.regions import selectors as region_selectors
from xinghuo.regions.models import Region
from xinghuo.settlement.models import SettlementPolicy
from xinghuo.work_orders.models import WorkOrder

from ._common import S, day_start, local_tz

# The tax method a settlement wrote down says which settlement mode paid it (one per mode).
MODE_OF_METHOD = {
    "platform_cumulative": SettlementPolicy.Mode.FLEXIBLE,
    "wages_cumulative": SettlementPolicy.Mode.PAYROLL,
    "deemed_rate": SettlementPolicy.Mode.NATURAL_PERSON_INVOICE,
    "labour_per_payment": SettlementPolicy.Mode.COST_INVOICE,
}
MAX_RANGE_DAYS = 366


def _ratio(part: int, whole: int) -> Decimal | None:
    """part / whole to four places (a rate 0–1), None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _seconds(value: timedelta | float | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds())
    return round(value / 1_000_000)  # a backend that returns the average in microseconds


@dataclass(frozen=True)
class OrderFilters:
    """The employer dashboard's filters: a range of local days (inclusive) and a region."""

    start_on: date
    end_on: date
    region_id: int | None = None
    # The region and the regions below it, once looked up (see `resolved`).
    region_ids: frozenset[int] | None = None

    def resolved(self) -> OrderFilters:
        """The same filters with the region's subtree looked up, so that several statistics
        of one page do not each walk the region tree again."""
        if self.region_id is None or self.region_ids is not None:
            return self
        ids = region_selectors.region_descendant_ids(region_ids=[self.region_id])
        return replace(self, region_ids=frozenset(ids))

    @classmethod
    def last_days(cls, days: int = 30, *, region_id: int | None = None) -> OrderFilters:
        today = timezone.localdate()
        return cls(start_on=today - timedelta(days=days - 1), end_on=today, region_id=region_id)

    def days(self) -> list[date]:
        return [
            self.start_on + timedelta(days=n) for n in range((self.end_on - self.start_on).days + 1)
        ]


def employer_orders(*, organization: Organization, filters: OrderFilters) -> QuerySet[WorkOrder]:
    """The organization's orders in the filters' cohort (created in the range, in the region).

    The range is half-open in UTC, [start 00:00 Shanghai, end + 1 day 00:00 Shanghai), so
    it can use an index on `created_at`.
    """
    qs = WorkOrder.objects.filter(
        organization=organization,
        created_at__gte=day_start(filters.start_on),
        created_at__lt=day_start(filters.end_on + timedelta(days=1)),
    )
    if filters.region_id is not None:
        qs = qs.filter(region_id__in=filters.resolved().region_ids)
    return qs


def employer_status_counts(*, organization: Organization, filters: OrderFilters) -> dict[str, int]:
    """{status: orders} for every status (zeros included), in the lifecycle's order."""
    counts = dict(
        employer_orders(organization=organization, filters=filters)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return {value: counts.get(value, 0) for value in S.values}


def employer_orders_by_day(*, organization: Organization, filters: OrderFilters) -> dict[str, Any]:
    """Orders created per local day and status: {"days": [...], "series": {status: [n…]}}.

    Every day of the range is present (zeros too); only statuses with an order are listed.
    """
    rows = (
        employer_orders(organization=organization, filters=filters)
        .annotate(day=TruncDate("created_at", tzinfo=local_tz()))
        .order_by()
        .values_list("day", "status")
        .annotate(n=Count("id"))
    )
    days = filters.days()
    index = {day: n for n, day in enumerate(days)}
    series: dict[str, list[int]] = {}
    for day, status, n in rows:
        series.setdefault(status, [0] * len(days))[index[day]] += n
    ordered = {value: series[value] for value in S.values if value in series}
    return {"days": [d.isoformat() for d in days], "series": ordered}


def employer_kpis(*, organization: Organization, filters: OrderFilters) -> dict[str, Any]:
    """The headline figures of the cohort, in one aggregate query.

    - on_time_rate: accepted orders delivered by their deadline / accepted orders;
    - acceptance_rate / rejection_rate: per review of a delivery. Each delivery the employer
      reviewed was either accepted (the order is `accepted`) or sent back (`rework_count`
      counts those), so reviews = accepted + Σ rework_count and the two rates add up to 1;
    - avg_*_seconds: published → assigned and assigned → on site, from the order's own
      timestamps (the latest assignment when it was reassigned);
    - avg_rating over rated orders; spend_fen: Σ price of accepted orders.
    """
    delay: DurationField = DurationField()
    accepted = Q(status=S.ACCEPTED)
    row = employer_orders(organization=organization, filters=filters).aggregate(
        total=Count("id"),
        accepted=Count("id", filter=accepted),
        on_time=Count("id", filter=accepted & Q(delivered_at__lte=F("deadline_at"))),
        rejections=Sum("rework_count"),
        cancelled=Count("id", filter=Q(status__in=(S.CANCELLED, S.EXPIRED))),
        open=Count("id", filter=Q(status__in=S.OUTSTANDING)),
        avg_assign=Avg(
            ExpressionWrapper(F("assigned_at") - F("published_at"), output_field=delay),
            filter=Q(assigned_at__isnull=False, published_at__isnull=False),
        ),
        avg_arrive=Avg(
            ExpressionWrapper(F("on_site_at") - F("assigned_at"), output_field=delay),
            filter=Q(on_site_at__isnull=False, assigned_at__isnull=False),
        ),
        avg_rating=Avg("rating"),
        rated=Count("rating"),
        spend_fen=Sum("price_fen", filter=accepted),
    )
    rejections = row["rejections"] or 0
    reviews = row["accepted"] + rejections
    avg_rating = row["avg_rating"]
    return {
        "total": row["total"],
        "accepted": row["accepted"],
        "open": row["open"],
        "cancelled": row["cancelled"],
        "on_time": row["on_time"],
        "on_time_rate": _ratio(row["on_time"], row["accepted"]),
        "reviews": reviews,
        "rejections": rejections,
        "acceptance_rate": _ratio(row["accepted"], reviews),
        "rejection_rate": _ratio(rejections, reviews),
        "avg_assign_seconds": _seconds(row["avg_assign"]),
        "avg_arrive_seconds": _seconds(row["avg_arrive"]),
        "avg_rating": (
            Decimal(str(avg_rating)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if avg_rating is not None
            else None
        ),
        "rated": row["rated"],
        "spend_fen": row["spend_fen"] or 0,
    }


def employer_spend_by_region(
    *, organization: Organization, filters: OrderFilters
) -> list[dict[str, Any]]:
    """[{region_id, name, orders, spend_fen}] of accepted orders per region, biggest first."""
    rows = (
        employer_orders(organization=organization, filters=filters)
        .filter(status=S.ACCEPTED)
        .order_by()
        .values("region_id", "region__name")
        .annotate(orders=Count("id"), spend_fen=Sum("price_fen"))
        .order_by("-spend_fen", "region__name")
    )
    return [
        {
            "region_id": r["region_id"],
            "name": r["region__name"],
            "orders": r["orders"],
            "spend_fen": r["spend_fen"] or 0,
        }
        for r in rows
    ]


def employer_spend_by_mode(
    *, organization: Organization, filters: OrderFilters
) -> list[dict[str, Any]]:
    """[{mode, label, orders, spend_fen}] of accepted orders per settlement mode.

    The mode is the employer's policy at the time each order was settled, as its settlement
    recorded it (older settlements: read from their tax method); the policy itself may have
    changed since. Accepted
    orders without a settlement (unpaid ones) are listed under mode "".
    """
    labels = dict(SettlementPolicy.Mode.choices)
    rows = (
        employer_orders(organization=organization, filters=filters)
        .filter(status=S.ACCEPTED)
        .order_by()
        .values_list("withholding__method", "withholding__mode")
        .annotate(orders=Count("id"), spend_fen=Sum("price_fen"))
    )
    merged: dict[str, dict[str, int]] = defaultdict(lambda: {"orders": 0, "spend_fen": 0})
    for method, recorded, orders, spend in rows:
        mode = recorded or (str(MODE_OF_METHOD.get(method, "")) if method else "")
        merged[mode]["orders"] += orders
        merged[mode]["spend_fen"] += spend or 0
    out: list[dict[str, Any]] = [
        {"mode": mode, "label": str(labels.get(mode, "—")), **figures}
        for mode, figures in merged.items()
    ]
    out.sort(key=lambda r: (-r["spend_fen"], r["mode"]))
    return out


def employer_top_workers(
    *, organization: Organization, filters: OrderFilters, limit: int = 10
) -> list[dict[str, Any]]:
    """The workers who earned the most points on the cohort's orders: [{worker_id, name,
    points, orders}], ties broken by fewer orders and then by worker id."""
    orders = employer_orders(organization=organization, filters=filters)
    rows = (
        PointsEntry.objects.filter(order__in=orders.values("pk"))
        .order_by()
        .values("worker_id", "worker__user__name", "worker__user__phone")
        .annotate(points=Sum("points"), orders=Count("id"))
        .order_by("-points", "orders", "worker_id")[:limit]
    )
    return [
        {
            "worker_id": r["worker_id"],
            "name": r["worker__user__name"] or r["worker__user__phone"],
            "points": r["points"],
            "orders": r["orders"],
        }
        for r in rows
    ]


def employer_region_choices(*, organization: Organization) -> list[tuple[int, str]]:
    """The regions the employer has sites in, with every region above them, by code."""
    rows = (
        organization.sites.order_by()
        .values_list(
            "region_id",
            "region__parent_id",
            "region__parent__parent_id",
            "region__parent__parent__parent_id",
        )
        .distinct()
    )
    ids = {pk for row in rows for pk in row if pk is not None}
    regions = Region.objects.filter(pk__in=ids).order_by("code")
    return [(r.pk, f"{'　' * (r.level - 1)}{r.name}") for r in regions]


def employer_dashboard(*, organization: Organization, filters: OrderFilters) -> dict[str, Any]:
    """Everything the employer's dashboard and its export show."""
    filters = filters.resolved()
    return {
        "kpis": employer_kpis(organization=organization, filters=filters),
        "status_counts": employer_status_counts(organization=organization, filters=filters),
        "by_day": employer_orders_by_day(organization=organization, filters=filters),
        "spend_by_region": employer_spend_by_region(organization=organization, filters=filters),
        "spend_by_mode": employer_spend_by_mode(organization=organization, filters=filters),
        "top_workers": employer_top_workers(organization=organization, filters=filters),
    }
