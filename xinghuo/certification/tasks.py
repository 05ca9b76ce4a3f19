from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="certification.sweep")
def sweep_certification() -> dict[str, int]:
    """Grade timed-out exam attempts; warn of certifications expiring within 30 days
    (idempotent; run by beat)."""
    return services.certification_sweep()
