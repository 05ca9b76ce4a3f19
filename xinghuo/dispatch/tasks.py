from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="dispatch.sweep")
def sweep_dispatch() -> dict[str, int]:
    """Lapse the assignment offers past their time (idempotent; run by beat)."""
    return {"offers_expired": services.assignment_offers_expire()}
