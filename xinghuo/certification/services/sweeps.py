"""The certification app's periodic job."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from .certifications import certification_expiry_warn
from .exams import exam_timeout_sweep


def certification_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: time-outs and expiry warnings (both idempotent)."""
    now = now or timezone.now()
    return {
        "attempts_timed_out": exam_timeout_sweep(now=now),
        "expiry_warnings": certification_expiry_warn(today=timezone.localdate(now)),
    }
