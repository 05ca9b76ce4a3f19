from __future__ import annotations

from celery import shared_task

from .services import ledger, payouts


@shared_task(name=payouts.SUBMIT_TASK)
def submit_payout(payout_pk: int) -> str:
    """Send one payout (idempotent: the channel knows our payout id)."""
    return payouts.payout_submit(payout_pk=payout_pk).status


@shared_task(name="settlement.sweep")
def sweep() -> dict[str, int]:
    """Resolve stale payouts and release expired reservations (run every minute by beat)."""
    counts = payouts.payouts_sweep()
    counts["reservations_released"] = ledger.pending_void_expired()
    return counts
