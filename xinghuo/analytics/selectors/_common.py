"""What the dashboards' figures share: the order statuses and the platform's calendar days."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings

from xinghuo.work_orders.models import WorkOrder

S = WorkOrder.Status


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_tz())
