from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="workflows.work_orders_sweep")
def sweep_work_orders() -> dict[str, int]:
    """Expire (releasing escrow), flag overdue, close shifts missing a check-out (idempotent;
    run by beat)."""
    return services.work_orders_sweep()
