"""The worker's figures: weekly orders and pay, ratings, totals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    Sum,
)
from django.db.models.functions import TruncWeek
from django.utils import timezone

from xinghuo.dispatch.models import PointsEntry
from xinghuo.settlement.models import Withholding
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce.models import Worker

from ._common import S, day_start, local_tz


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def worker_weekly(*, worker: Worker, weeks: int = 12) -> dict[str, Any]:
    """The worker's points and earnings per week (Monday–Sunday, Shanghai), the last `weeks`
    weeks up to this one: {"weeks": [monday…], "points": [...], "gross_fen": [...],
    "net_fen": [...]}. Earnings are his settlements (gross income, net after tax and fee)."""
    tz = local_tz()
    first = _week_start(timezone.localdate()) - timedelta(weeks=weeks - 1)
    mondays = [first + timedelta(weeks=n) for n in range(weeks)]
    index = {monday: n for n, monday in enumerate(mondays)}
    since = day_start(first)
    points = [0] * weeks
    gross = [0] * weeks
    net = [0] * weeks
    point_rows = (
        PointsEntry.objects.filter(worker=worker, created_at__gte=since)
        .annotate(week=TruncWeek("created_at", tzinfo=tz))
        .order_by()
        .values_list("week")
        .annotate(points=Sum("points"))
    )
    for week, total in point_rows:
        n = index.get(_as_date(week))
        if n is not None:
            points[n] += total or 0
    money_rows = (
        Withholding.objects.filter(worker=worker, created_at__gte=since)
        .annotate(week=TruncWeek("created_at", tzinfo=tz))
        .order_by()
        .values_list("week")
        .annotate(gross=Sum("income_fen"), net=Sum("net_fen"))
    )
    for week, g, nt in money_rows:
        n = index.get(_as_date(week))
        if n is not None:
            gross[n] += g or 0
            net[n] += nt or 0
    return {
        "weeks": [m.isoformat() for m in mondays],
        "points": points,
        "gross_fen": gross,
        "net_fen": net,
    }


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return (
            timezone.localtime(value, local_tz()).date()
            if timezone.is_aware(value)
            else (value.date())
        )
    return value


def worker_ratings(*, worker: Worker) -> dict[str, Any]:
    """The ratings employers gave the worker: {"counts": [n for 1…5], "rated", "average"}."""
    counts = dict(
        WorkOrder.objects.filter(worker=worker, rating__isnull=False)
        .order_by()
        .values_list("rating")
        .annotate(n=Count("id"))
    )
    per_star = [counts.get(star, 0) for star in range(1, 6)]
    rated = sum(per_star)
    total = sum(star * n for star, n in zip(range(1, 6), per_star, strict=True))
    average = (
        (Decimal(total) / Decimal(rated)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if rated
        else None
    )
    return {"counts": per_star, "rated": rated, "average": average}


def worker_totals(*, worker: Worker) -> dict[str, int]:
    """All-time figures: accepted orders, points and net earnings."""
    orders = WorkOrder.objects.filter(worker=worker, status=S.ACCEPTED).count()
    points = PointsEntry.objects.filter(worker=worker).aggregate(s=Sum("points"))["s"] or 0
    net = Withholding.objects.filter(worker=worker).aggregate(s=Sum("net_fen"))["s"] or 0
    return {"accepted_orders": orders, "points": points, "net_fen": net}
