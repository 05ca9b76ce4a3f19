"""The operator's platform-wide figures: workers, orders by region, payouts, review queues."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Count,
    Q,
    Sum,
)
from django.utils import timezone

from xinghuo.certification.models import Certification
from xinghuo.identity.models import EmployerVerification, IdentityVerification
from xinghuo.regions.models import Region
from xinghuo.settlement.models import Payout
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce.models import RoleChangeRequest, Worker

from ._common import S, day_start


def operator_workers(*, now: datetime | None = None) -> dict[str, int]:
    """Workers: active (may take orders), by status, and seen (a position) in the last 24 h."""
    now = now or timezone.now()
    W = Worker.Status
    active = Q(is_active=True)
    return Worker.objects.aggregate(
        total=Count("id"),
        active=Count("id", filter=active),
        available=Count("id", filter=active & Q(status=W.AVAILABLE)),
        busy=Count("id", filter=active & Q(status=W.BUSY)),
        off_duty=Count("id", filter=active & Q(status=W.OFF_DUTY)),
        seen_24h=Count("id", filter=active & Q(last_position_at__gte=now - timedelta(hours=24))),
    )


def operator_orders_by_region(
    *, start_on: date, end_on: date, level: int = Region.Level.CITY, limit: int = 15
) -> list[dict[str, Any]]:
    """Orders created in the range per region, rolled up to `level` (cities by default):
    [{region_id, name, open, accepted, other, total}], most orders first, at most `limit`.

    Two queries: the counts per (region, status), then the region tree to roll them up
    (bounded by the number of regions, not of orders). Orders in a region above `level`
    stay on that region.
    """
    rows = (
        WorkOrder.objects.filter(
            created_at__gte=day_start(start_on),
            created_at__lt=day_start(end_on + timedelta(days=1)),
        )
        .order_by()
        .values_list("region_id", "status")
        .annotate(n=Count("id"))
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"open": 0, "accepted": 0, "other": 0})
    for region_id, status, n in rows:
        bucket = "open" if status in S.OUTSTANDING else "accepted" if status == S.ACCEPTED else ""
        counts[region_id][bucket or "other"] += n
    if not counts:
        return []
    regions = {
        pk: (parent_id, lvl, name)
        for pk, parent_id, lvl, name in Region.objects.values_list(
            "pk", "parent_id", "level", "name"
        )
    }
    rolled: dict[int, dict[str, int]] = defaultdict(lambda: {"open": 0, "accepted": 0, "other": 0})
    for region_id, figures in counts.items():
        target = region_id
        while regions[target][1] > level and regions[target][0] is not None:
            target = regions[target][0]
        for key, n in figures.items():
            rolled[target][key] += n
    out: list[dict[str, Any]] = [
        {"region_id": pk, "name": regions[pk][2], **f, "total": sum(f.values())}
        for pk, f in rolled.items()
    ]
    out.sort(key=lambda r: (-r["total"], r["name"]))
    return out[:limit]


def operator_payouts(*, since: datetime) -> dict[str, Any]:
    """Payouts made since `since`: count and amount per status, and the failures by code."""
    labels = dict(Payout.Status.choices)
    recent = Payout.objects.filter(created_at__gte=since).order_by()
    by_status = dict(
        (status, (n, amount or 0))
        for status, n, amount in recent.values_list("status").annotate(
            n=Count("id"), amount=Sum("amount_fen")
        )
    )
    failures = (
        recent.filter(status=Payout.Status.FAILED)
        .values_list("failure_code")
        .annotate(n=Count("id"))
        .order_by("-n", "failure_code")[:10]
    )
    return {
        "by_status": [
            {
                "status": value,
                "label": str(labels[value]),
                "count": by_status.get(value, (0, 0))[0],
                "amount_fen": by_status.get(value, (0, 0))[1],
            }
            for value in Payout.Status.values
        ],
        "failures": [{"code": code or "—", "count": n} for code, n in failures],
    }


def operator_review_queues() -> dict[str, int]:
    """What waits for an operator: role changes, employers to verify, identities and
    certifications to review, payouts to approve."""
    return {
        "identities": IdentityVerification.objects.filter(
            status=IdentityVerification.Status.PENDING
        ).count(),
        "certifications": Certification.objects.filter(status=Certification.Status.PENDING).count(),
        "role_changes": RoleChangeRequest.objects.filter(
            status=RoleChangeRequest.Status.PENDING
        ).count(),
        # Submitted verifications waiting, as in the queue (not organizations that never
        # submitted).
        "organizations": EmployerVerification.objects.filter(
            status=EmployerVerification.Status.PENDING
        ).count(),
        "payouts_awaiting_approval": Payout.objects.filter(
            status=Payout.Status.AWAITING_APPROVAL
        ).count(),
    }
