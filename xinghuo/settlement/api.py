from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.auth import current_user
from xinghuo.workforce import selectors as workforce_selectors

from . import selectors, services
from .models import Transfer
from .schemas import EscrowOut, TopUpIn, TransferOut, WalletOut, WithholdingOut

router = Router(tags=["settlement"])


@router.get("/organizations/{organization_id}/escrow", response=EscrowOut)
def escrow(request: HttpRequest, organization_id: int) -> dict[str, int]:
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return selectors.escrow_balances(organization=org)


@router.post("/organizations/{organization_id}/escrow/top-ups", response={201: TransferOut})
def escrow_topup(request: HttpRequest, organization_id: int, payload: TopUpIn) -> Status[Transfer]:
    """A finance member confirms a bank transfer into escrow (idempotent per reference)."""
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    return Status(
        201,
        services.escrow_topup(
            actor=user, organization=org, amount_fen=payload.amount_fen, reference=payload.reference
        ),
    )


@router.get("/organizations/{organization_id}/escrow/transfers", response=list[TransferOut])
@paginate(LimitOffsetPagination)
def escrow_transfers(request: HttpRequest, organization_id: int) -> object:
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return selectors.organization_transfers(organization=org)


@router.get("/workers/me/wallet", response=WalletOut)
def wallet(request: HttpRequest, year: int | None = None) -> WalletOut:
    worker = workforce_selectors.worker_for_user(user=current_user(request))
    rows = selectors.withholdings_for_worker(worker=worker, year=year)[:100]
    return WalletOut(
        balance_fen=selectors.wallet_balance(worker=worker),
        withholdings=[WithholdingOut.from_orm(w) for w in rows],
    )
