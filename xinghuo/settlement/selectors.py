"""Reads for settlement: balances and withholding records, scoped to their owner."""

from __future__ import annotations

from django.db.models import QuerySet

from xinghuo.accounts.models import Organization
from xinghuo.workforce.models import Worker

from .models import LedgerAccount, Transfer, Withholding

P = LedgerAccount.Purpose


def _account(**owner: object) -> LedgerAccount | None:
    return LedgerAccount.objects.filter(**owner).first()


def escrow_balances(*, organization: Organization) -> dict[str, int]:
    """available: free to reserve; reserved: held for published orders; total."""
    escrow = _account(purpose=P.ESCROW, organization=organization)
    available = escrow.available_fen if escrow else 0
    reserved = escrow.debits_pending if escrow else 0
    return {"available_fen": available, "reserved_fen": reserved, "total_fen": available + reserved}


def wallet_balance(*, worker: Worker) -> int:
    wallet = _account(purpose=P.WORKER_WALLET, worker=worker)
    return wallet.available_fen if wallet else 0


def organization_transfers(*, organization: Organization) -> QuerySet[Transfer]:
    """Movements of the employer's escrow accounts, newest first."""
    ids = list(LedgerAccount.objects.filter(organization=organization).values_list("pk", flat=True))
    return (
        Transfer.objects.filter(debit_account_id__in=ids)
        | Transfer.objects.filter(credit_account_id__in=ids)
    ).order_by("-created_at", "-pk")


def withholdings_for_worker(*, worker: Worker, year: int | None = None) -> QuerySet[Withholding]:
    qs = Withholding.objects.filter(worker=worker).select_related("order")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-created_at", "-pk")
