"""Corrections of settled orders (issue 11): a new gross amount, or a full refund or
chargeback, asked for by an operator with a reason and, above
`CORRECTION_APPROVAL_THRESHOLD_FEN`, approved by a second operator.

Executing a correction of a payment of gross G to G' (difference D = G − G'):

    worker wallet ─▶ employer escrow   what the worker was paid too much  correction:<id>:wallet
    fee revenue   ─▶ employer escrow   the fee on D (whoever paid it)     correction:<id>:fee

The worker owes D less his share of the fee given back. His wallet never goes below zero:
what it cannot cover is his debt to that employer, netted from his next earnings at
settlement (earnings ──▶ escrow, `settle:<order>:net-debt:<id>`). The tax withheld stays
where it is: the month's tax is recomputed, and the difference is carried in the next
withholding — by the cumulative methods themselves (they compare the corrected year with
the tax already withheld), for the per-payment and deemed-rate methods as a credit against
the next payment of the same payer (`carry_open_fen`). The declaration of the corrected
month is amended (a sheet in `declaration.withholding_declaration_xlsx`). Every step is a
`CorrectionEvent` (who, when, what).

Idempotent: a request carries a key (the same key returns the first correction) and a
correction executes once (its status, under a row lock, and its ledger keys).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import User
from xinghuo.accounts.selectors import Capability, has_capability
from xinghuo.core import money
from xinghuo.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinghuo.core.transactions import durable
from xinghuo.notifications import services as notification_services
from xinghuo.workforce.models import Worker

from ..exceptions import CorrectionNotFound, IdempotencyConflict
from ..models import (
    Correction,
    CorrectionEvent,
    LedgerAccount,
    Transfer,
    Withholding,
)
from . import ledger, tax, tax_facts
from .ledger import TransferSpec

P = LedgerAccount.Purpose
S = Correction.Status
K = Correction.Kind
M = tax.TaxMethod
CUMULATIVE = (M.PLATFORM_CUMULATIVE, M.WAGES_CUMULATIVE)
# A correction's idempotency key as the API and the operators' page accept it.
KEY_PATTERN = r"^[A-Za-z0-9_\-:.]{1,64}$"


def _event(correction: Correction, action: str, actor: User | None, **detail: Any) -> None:
    CorrectionEvent.objects.create(correction=correction, action=action, actor=actor, detail=detail)


def current_gross_fen(withholding: Withholding) -> int:
    """The payment's gross as corrected so far."""
    last = withholding.corrections.filter(status=S.EXECUTED).order_by("-executed_at", "-pk").first()
    return last.new_gross_fen if last else withholding.income_fen


# --- request, approve, reject ---------------------------------------------------------------


@durable
def correction_request(
    *,
    operator: User,
    order_id: int,
    kind: str,
    reason: str,
    key: str,
    new_gross_fen: int | None = None,
) -> Correction:
    """An operator corrects a settled order: `kind` amount (with `new_gross_fen`, below the
    gross paid) or refund / chargeback (to 0), with a reason. While all taken back from the
    payment (with earlier corrections) stays at or below the threshold it executes at once;
    above it waits for a second operator.

    Idempotent per `key` (the same key returns the first correction; the same key for
    another order or amount is IdempotencyConflict). Raises CorrectionNotFound for a
    non-operator or an order without settlement, ValidationFailed, Conflict when another
    correction of the order awaits approval.
    """
    if not has_capability(actor=operator, capability=Capability.CORRECTIONS_MANAGE):
        raise CorrectionNotFound()
    key, reason = _request_checked(key=key, reason=reason, kind=kind)
    withholding = Withholding.objects.select_for_update().filter(order_id=order_id).first()
    if withholding is None:
        raise CorrectionNotFound()
    target = _target_gross(kind, new_gross_fen)
    earlier = Correction.objects.filter(key=key).first()
    if earlier is not None:
        if earlier.order_id != order_id or earlier.new_gross_fen != target:
            raise IdempotencyConflict(
                _("This idempotency key was used for a different correction.")
            )
        return earlier
    gross = current_gross_fen(withholding)
    _check_correctable(withholding, gross=gross, target=target)
    try:
        with transaction.atomic():
            correction = Correction.objects.create(
                key=key,
                withholding=withholding,
                order_id=order_id,
                worker_id=withholding.worker_id,
                organization_id=withholding.organization_id,
                kind=kind,
                status=S.AWAITING_APPROVAL,
                reason=reason,
                year=withholding.year,
                month=withholding.month,
                method=withholding.method,
                old_gross_fen=gross,
                new_gross_fen=target,
                requested_by=operator,
            )
    except IntegrityError:  # the same key, concurrently
        return Correction.objects.get(key=key)
    _event(
        correction,
        "requested",
        operator,
        kind=kind,
        old_gross_fen=gross,
        new_gross_fen=target,
        reason=reason,
    )
    # The threshold holds for everything taken back from this payment so far, not this
    # step alone: several small corrections of one order need a second operator too.
    if withholding.income_fen - target <= settings.CORRECTION_APPROVAL_THRESHOLD_FEN:
        _execute(correction, actor=operator)
    return correction


def _request_checked(*, key: str, reason: str, kind: str) -> tuple[str, str]:
    """The request's key and reason, stripped (ValidationFailed when one is missing or too
    long, or the kind unknown)."""
    key = (key or "").strip()
    if not key or len(key) > 64:
        raise ValidationFailed(
            _("Give the correction an idempotency key (at most 64 characters)."),
            detail={"field": "key"},
        )
    reason = (reason or "").strip()
    if not reason or len(reason) > 255:
        raise ValidationFailed(
            _("Give the reason for the correction (at most 255 characters)."),
            code="reason_required",
            detail={"field": "reason"},
        )
    if kind not in K.values:
        raise ValidationFailed(_("Unknown kind of correction."), detail={"field": "kind"})
    return key, reason


def _target_gross(kind: str, new_gross_fen: int | None) -> int:
    """The gross after the correction: the amount given, or 0 for a refund or chargeback."""
    if kind != K.AMOUNT:
        return 0
    if not isinstance(new_gross_fen, int) or isinstance(new_gross_fen, bool):
        raise ValidationFailed(
            _("Give the corrected amount in whole fen."),
            code="amount_required",
            detail={"field": "new_gross_fen"},
        )
    return new_gross_fen


def _check_correctable(withholding: Withholding, *, gross: int, target: int) -> None:
    """ValidationFailed unless `target` lowers the `gross` paid; Conflict while another
    correction of the order awaits approval."""
    if not 0 <= target < gross:
        raise ValidationFailed(
            _("A correction lowers the amount paid: give an amount from 0 to below %(gross)s yuan.")
            % {"gross": money.fen_to_yuan(gross)},
            code="invalid_correction_amount",
            detail={"field": "new_gross_fen", "gross_fen": gross},
        )
    if withholding.corrections.filter(status=S.AWAITING_APPROVAL).exists():
        raise Conflict(
            _("Another correction of this order is waiting for approval."),
            code="correction_pending",
        )


@durable
def correction_approve(*, operator: User, correction_id: int) -> Correction:
    """A second operator approves (and so executes) a correction above the threshold.
    Approving an executed correction returns it unchanged (it executes once)."""
    correction = _locked(operator=operator, correction_id=correction_id)
    if correction.status == S.EXECUTED:
        return correction
    if correction.status != S.AWAITING_APPROVAL:
        raise Conflict(_("This correction needs no approval."), code="not_awaiting_approval")
    if correction.requested_by_id == operator.pk:
        raise PermissionDenied(
            _("A second operator must approve a correction you asked for."),
            code="same_approver",
        )
    correction.approved_by = operator
    correction.approved_at = timezone.now()
    correction.save(update_fields=["approved_by", "approved_at"])
    _event(correction, "approved", operator)
    _execute(correction, actor=operator)
    return correction


@durable
def correction_reject(*, operator: User, correction_id: int, reason: str) -> Correction:
    """A second operator refuses a correction waiting for approval; nothing moves."""
    correction = _locked(operator=operator, correction_id=correction_id)
    reason = (reason or "").strip()[:255]
    if not reason:
        raise ValidationFailed(_("Give a reason."), detail={"field": "reason"})
    if correction.status != S.AWAITING_APPROVAL:
        raise Conflict(_("This correction needs no approval."), code="not_awaiting_approval")
    correction.status = S.REJECTED
    correction.save(update_fields=["status"])
    _event(correction, "rejected", operator, reason=reason)
    return correction


def _locked(*, operator: User, correction_id: int) -> Correction:
    if not has_capability(actor=operator, capability=Capability.CORRECTIONS_MANAGE):
        raise CorrectionNotFound()
    correction = Correction.objects.filter(pk=correction_id).first()
    if correction is None:
        raise CorrectionNotFound()
    # The worker's earnings account first, like a settlement: his debts and tax credits
    # change one at a time.
    _lock_worker(correction.worker_id)
    return Correction.objects.select_for_update().get(pk=correction_id)


def _lock_worker(worker_id: int) -> None:
    earnings = ledger.account_for(purpose=P.WORKER_EARNINGS, worker_id=worker_id)
    LedgerAccount.objects.select_for_update().filter(pk=earnings.pk).first()


# --- execution -----------------------------------------------------------------------------


def _execute(correction: Correction, *, actor: User) -> None:
    c = correction
    _lock_worker(c.worker_id)
    w = c.withholding
    fee_refund, worker_due, employer_refund = _refunds(c, w)
    wallet = ledger.account_for(purpose=P.WORKER_WALLET, worker_id=c.worker_id)
    escrow = ledger.account_for(purpose=P.ESCROW, organization_id=c.organization_id)
    revenue = ledger.account_for(purpose=P.FEE_REVENUE)
    available = LedgerAccount.objects.select_for_update().get(pk=wallet.pk).available_fen
    from_wallet = max(0, min(available, worker_due))
    debt = worker_due - from_wallet
    ledger.transfers_post(
        specs=_correction_specs(
            c,
            wallet=wallet,
            escrow=escrow,
            revenue=revenue,
            from_wallet=from_wallet,
            fee_refund=fee_refund,
        )
    )

    c.status = S.EXECUTED
    c.executed_at = timezone.now()
    c.employer_refund_fen = employer_refund
    c.fee_refund_fen = fee_refund
    c.worker_due_fen = worker_due
    c.from_wallet_fen = from_wallet
    c.debt_fen = c.debt_open_fen = debt
    c.save()  # executed first: the recomputed tax reads the corrected rows
    before, after = _record_tax(c, w)
    _event(
        c,
        "executed",
        actor,
        employer_refund_fen=employer_refund,
        fee_refund_fen=fee_refund,
        from_wallet_fen=from_wallet,
        debt_fen=debt,
        tax_before_fen=before,
        tax_after_fen=after,
        carry_fen=c.carry_open_fen,
        declaration=f"{c.year}-{c.month:02d}",
    )
    _notify_worker(c, debt=debt)


def _refunds(c: Correction, w: Withholding) -> tuple[int, int, int]:
    """(fee refunded, due from the worker, refunded to the employer) for correction `c` of
    the payment `w`."""
    worker_fee = w.income_fen - w.tax_fen - w.net_fen
    worker_paid_fee = worker_fee > 0
    # The fee follows the gross in proportion (it was a rate of it), rounded once.
    fee_now = w.fee_fen - (
        Correction.objects.filter(withholding=w, status=S.EXECUTED).aggregate(
            s=Sum("fee_refund_fen")
        )["s"]
        or 0
    )
    fee_after = (
        money.round_fen(Decimal(w.fee_fen) * c.new_gross_fen / w.income_fen) if w.income_fen else 0
    )
    fee_refund = max(0, fee_now - fee_after)
    difference = c.difference_fen
    worker_due = difference - (fee_refund if worker_paid_fee else 0)
    employer_refund = difference + (0 if worker_paid_fee else fee_refund)
    return fee_refund, worker_due, employer_refund


def _correction_specs(
    c: Correction,
    *,
    wallet: LedgerAccount,
    escrow: LedgerAccount,
    revenue: LedgerAccount,
    from_wallet: int,
    fee_refund: int,
) -> list[TransferSpec]:
    """The correction's transfers back to the employer's escrow (one key each), each
    reversing the settlement's transfer it undoes."""
    ref = f"order:{c.order_id}"
    originals = {
        t.code: t.pk for t in Transfer.objects.filter(key__startswith=f"settle:{c.order_id}:")
    }
    specs = []
    if from_wallet:
        specs.append(
            TransferSpec(
                f"correction:{c.pk}:wallet",
                wallet.pk,
                escrow.pk,
                from_wallet,
                "correction",
                ref,
                memo=c.reason,
                reverses_id=originals.get("net"),
            )
        )
    if fee_refund:
        specs.append(
            TransferSpec(
                f"correction:{c.pk}:fee",
                revenue.pk,
                escrow.pk,
                fee_refund,
                "correction_fee",
                ref,
                memo=c.reason,
                reverses_id=originals.get("fee"),
            )
        )
    return specs


def _record_tax(c: Correction, w: Withholding) -> tuple[int, int]:
    """The month's tax before and after the (executed) correction, and the tax credit it
    leaves open for a non-cumulative method; saved on `c`."""
    before, after = tax_facts.month_tax(withholding=w)
    c.tax_before_fen, c.tax_after_fen = before, after
    if c.method not in CUMULATIVE:
        line = Correction.objects.filter(
            status=S.EXECUTED,
            worker_id=c.worker_id,
            organization_id=c.organization_id,
            year=c.year,
            month=c.month,
            method=c.method,
        ).exclude(pk=c.pk)
        latest = line.order_by("-executed_at", "-pk").first()
        previous_after = latest.tax_after_fen if latest else before
        c.carry_open_fen = max(0, previous_after - after)
    c.save(update_fields=["tax_before_fen", "tax_after_fen", "carry_open_fen"])
    return before, after


def _notify_worker(c: Correction, *, debt: int) -> None:
    worker = Worker.objects.select_related("user").get(pk=c.worker_id)
    body = _("Order #%(order)s corrected from ¥%(old)s to ¥%(new)s: %(reason)s.") % {
        "order": c.order_id,
        "old": money.fen_to_yuan(c.old_gross_fen),
        "new": money.fen_to_yuan(c.new_gross_fen),
        "reason": c.reason,
    }
    if debt:
        body = f"{body} " + _(
            "¥%(debt)s your wallet did not cover will be deducted from your next earnings."
        ) % {"debt": money.fen_to_yuan(debt)}
    notification_services.notify(
        user=worker.user,
        kind=f"correction_{c.pk}",
        title=_("A payment to you was corrected"),
        body=body,
        order_id=c.order_id,
    )


# --- at the next settlement (called by services.order_settle under the worker's lock) -------


def debts_to_net(*, worker_id: int, net_fen: int) -> list[tuple[Correction, int]]:
    """The worker's open correction debts this net pays off, oldest first: (debt, amount)."""
    netting = []
    left = net_fen
    for debt in Correction.objects.filter(
        worker_id=worker_id, status=S.EXECUTED, debt_open_fen__gt=0
    ).order_by("executed_at", "pk"):
        if left <= 0:
            break
        amount = min(left, debt.debt_open_fen)
        netting.append((debt, amount))
        left -= amount
    return netting


def carry_into(*, worker_id: int, organization_id: int, taxed: tax.TaxResult, on: date) -> int:
    """How much of an open tax credit of the same payer and method this payment's tax takes
    (the cumulative methods carry corrections by themselves: 0)."""
    if taxed.method in CUMULATIVE or not taxed.tax_fen:
        return 0
    open_fen = _open_carries(
        worker_id=worker_id, organization_id=organization_id, method=taxed.method, on=on
    ).aggregate(s=Sum("carry_open_fen"))["s"]
    return min(taxed.tax_fen, open_fen or 0)


def _open_carries(
    *, worker_id: int, organization_id: int, method: str, on: date
) -> QuerySet[Correction]:
    qs = Correction.objects.filter(
        worker_id=worker_id,
        organization_id=organization_id,
        method=method,
        status=S.EXECUTED,
        carry_open_fen__gt=0,
    )
    if method == M.LABOUR_PER_PAYMENT:
        # A later payment in the corrected month is merged with it (每次): the month's
        # tax is recomputed from the corrected income and the tax withheld, nothing to carry.
        qs = qs.exclude(year=on.year, month=on.month)
    return qs.order_by("executed_at", "pk")


def record_settlement(
    *, withholding: Withholding, netting: list[tuple[Correction, int]], carried_fen: int
) -> None:
    """Book what a settlement netted and carried against the corrections, with events."""
    for debt, amount in netting:
        Correction.objects.filter(pk=debt.pk).update(debt_open_fen=F("debt_open_fen") - amount)
        _event(debt, "netted", None, order_id=withholding.order_id, amount_fen=amount)
    left = carried_fen
    for credit in _open_carries(
        worker_id=withholding.worker_id,
        organization_id=withholding.organization_id,
        method=withholding.method,
        on=date(withholding.year, withholding.month, 1),
    ):
        if left <= 0:
            break
        amount = min(left, credit.carry_open_fen)
        Correction.objects.filter(pk=credit.pk).update(carry_open_fen=F("carry_open_fen") - amount)
        _event(credit, "carried", None, order_id=withholding.order_id, amount_fen=amount)
        left -= amount


# --- reads -----------------------------------------------------------------------------------


def corrections_for_operator(*, operator: User, status: str | None = None) -> QuerySet[Correction]:
    """Every correction, newest first, for an operator; CorrectionNotFound for anyone else."""
    if not has_capability(actor=operator, capability=Capability.CORRECTIONS_MANAGE):
        raise CorrectionNotFound()
    qs = Correction.objects.select_related(
        "worker__user", "organization", "order", "requested_by", "approved_by"
    ).order_by("-created_at", "-pk")
    return qs.filter(status=status) if status else qs


def correction_get_for_operator(*, operator: User, correction_id: int) -> Correction:
    correction = corrections_for_operator(operator=operator).filter(pk=correction_id).first()
    if correction is None:
        raise CorrectionNotFound()
    return correction


def corrections_for_worker(*, worker: Worker) -> QuerySet[Correction]:
    """The worker's executed corrections, newest first (what he was told about)."""
    return Correction.objects.filter(worker=worker, status=S.EXECUTED).order_by(
        "-executed_at", "-pk"
    )


def worker_open_debt_fen(*, worker: Worker) -> int:
    return (
        Correction.objects.filter(worker=worker, status=S.EXECUTED).aggregate(
            s=Sum("debt_open_fen")
        )["s"]
        or 0
    )
