"""Payouts: a worker's (or an organization's) request, and the second person's approval of a
large one. An approved or small request is queued for submission after commit."""

from __future__ import annotations

import uuid

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.selectors import Capability, has_capability
from xinghuo.core.exceptions import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from xinghuo.core.transactions import durable
from xinghuo.workforce.models import Worker

from ...channels.base import PAYOUT_ID
from ...models import LedgerAccount, Payout, PayoutAccount
from .. import ledger
from ..ledger import TransferSpec

P = LedgerAccount.Purpose
S = Payout.Status


def payout_id_new(*, worker_id: int) -> str:
    """A fresh payout id for a worker's withdrawal (the form carries it: a second submit
    of the same form is the same payout)."""
    return f"W{worker_id}-{uuid.uuid4().hex[:20]}"


def _platform_threshold() -> int:
    return int(getattr(settings, "PAYOUT_APPROVAL_THRESHOLD_FEN", 500_000))


@durable
def payout_request(
    *,
    worker: Worker,
    amount_fen: int,
    requested_by: User | None,
    account: PayoutAccount | None = None,
    organization: Organization | None = None,
    order_id: int | None = None,
    payout_id: str | None = None,
) -> Payout:
    """Take `amount_fen` out of the wallet into transit and queue the payout.

    Above the threshold (the organization's, for a payout of its order; the platform's
    otherwise) it waits for a second approver. Idempotent on `payout_id`.
    Raises InsufficientFunds, ValidationFailed.
    """
    payout_id = payout_id or f"P{uuid.uuid4().hex[:24]}"
    if not PAYOUT_ID.fullmatch(payout_id):
        raise ValidationFailed(
            _("A payout id is 1 to 64 letters, digits, '_' or '-'."),
            code="invalid_payout_id",
            detail={"field": "payout_id"},
        )
    if Payout.objects.filter(payout_id=payout_id).exists():
        return _first_payout(payout_id=payout_id, worker=worker, amount_fen=amount_fen)
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationFailed(
            _("Amounts are whole fen above zero."),
            code="invalid_amount",
            detail={"field": "amount_fen"},
        )
    account = account or PayoutAccount.objects.filter(worker=worker, is_default=True).first()
    if account is None or account.worker_id != worker.pk:
        raise ValidationFailed(
            _("Bind an Alipay account or a bank card first."), code="no_payout_account"
        )
    threshold = (
        organization.payout_approval_threshold_fen if organization else _platform_threshold()
    )
    wallet = ledger.account_for(purpose=P.WORKER_WALLET, worker_id=worker.pk)
    transit = ledger.account_for(purpose=P.PAYOUTS_IN_TRANSIT)
    ledger.transfers_post(
        specs=[
            TransferSpec(
                key=f"payout:{payout_id}:hold",
                debit_id=wallet.pk,
                credit_id=transit.pk,
                amount_fen=amount_fen,
                code="payout_hold",
                reference=f"payout:{payout_id}",
            )
        ]
    )
    try:
        with transaction.atomic():
            payout = Payout.objects.create(
                payout_id=payout_id,
                worker=worker,
                account=account,
                channel=account.channel,
                amount_fen=amount_fen,
                organization=organization,
                order_id=order_id,
                status=S.AWAITING_APPROVAL if amount_fen > threshold else S.REQUESTED,
                requested_by=requested_by,
            )
    except IntegrityError:
        # A concurrent request with this payout id won (the hold above was its transfer,
        # replayed): answer with its payout.
        return _first_payout(payout_id=payout_id, worker=worker, amount_fen=amount_fen)
    if payout.status == S.REQUESTED:
        _submit_after_commit(payout.pk)
    return payout


def _first_payout(*, payout_id: str, worker: Worker, amount_fen: int) -> Payout:
    """The payout made earlier under `payout_id`, when it is the same payout."""
    existing = Payout.objects.get(payout_id=payout_id)
    if existing.worker_id != worker.pk or existing.amount_fen != amount_fen:
        raise Conflict(
            _("This payout id was used for another payout."), code="idempotency_conflict"
        )
    return existing


# The task that sends a payout (settlement.tasks.submit_payout), queued by name: the tasks
# module imports this one, never the other way round.
SUBMIT_TASK = "settlement.submit_payout"


def _submit_after_commit(payout_pk: int) -> None:
    # A signature (not send_task) so that eager mode (no broker) runs it in-process.
    transaction.on_commit(lambda: current_app.signature(SUBMIT_TASK, args=(payout_pk,)).delay())


@durable
def payout_approve(*, approver: User, payout_pk: int) -> Payout:
    """A second person approves a large payout: a finance member (or owner) of the
    organization, or a platform operator for wallet withdrawals; never the requester."""
    payout = Payout.objects.select_for_update().filter(pk=payout_pk).first()
    if payout is None:
        raise NotFound(_("Payout not found."), code="payout_not_found")
    if payout.organization_id:
        allowed = has_capability(
            actor=approver,
            capability=Capability.PAYOUTS_APPROVE,
            organization=payout.organization_id,
        )
    else:
        allowed = has_capability(actor=approver, capability=Capability.PAYOUT_OPERATE)
    if not allowed:
        raise NotFound(_("Payout not found."), code="payout_not_found")
    if payout.requested_by_id == approver.pk:
        raise PermissionDenied(
            _("A second person must approve a payout you requested."), code="same_approver"
        )
    if payout.status != S.AWAITING_APPROVAL:
        raise Conflict(_("This payout needs no approval now."), code="not_awaiting_approval")
    payout.status = S.REQUESTED
    payout.approved_by = approver
    payout.approved_at = timezone.now()
    payout.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    _submit_after_commit(payout.pk)
    return payout
