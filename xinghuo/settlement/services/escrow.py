"""Escrow and the settlement of work (F2, F4, F5), on top of the ledger.

Money path of a paid order (all amounts in fen, keys make every step idempotent):

    publish   escrow ──pending──▶ escrow reserved            key reserve:<order>
    cancel    the reservation is voided                       key release:<order>
    accept    the reservation is posted                       key settle:<order>:reserve
              escrow reserved ──▶ worker earnings (gross)     key settle:<order>:gross
              worker earnings ──▶ tax payable (withheld)      key settle:<order>:tax
              worker earnings ──▶ fee revenue (worker pays)   key settle:<order>:fee
              escrow ──▶ fee revenue (employer pays)          key settle:<order>:fee
              worker earnings ──▶ employer escrow (debts)     key settle:<order>:net-debt:<c>
              worker earnings ──▶ worker wallet (net)         key settle:<order>:net

A settled order can never be settled again: its reservation is posted once and the
Withholding row is unique per order.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.core import money
from xinghuo.work_orders.models import WorkOrder

from ..exceptions import InsufficientFunds
from ..models import (
    Correction,
    LedgerAccount,
    PayoutAccount,
    SettlementPolicy,
    Transfer,
    Withholding,
)
from . import corrections, ledger, payouts, tax_facts
from .ledger import TransferSpec

P = LedgerAccount.Purpose


def policy_for(organization_id: int) -> SettlementPolicy:
    policy = SettlementPolicy.objects.filter(organization_id=organization_id).first()
    return policy or SettlementPolicy(organization_id=organization_id)


def _escrow(org_id: int) -> LedgerAccount:
    return ledger.account_for(purpose=P.ESCROW, organization_id=org_id)


def _reserved(org_id: int) -> LedgerAccount:
    return ledger.account_for(purpose=P.ESCROW_RESERVED, organization_id=org_id)


def _employer_fee(order: WorkOrder, policy: SettlementPolicy) -> int:
    fee = money.round_fen(Decimal(order.price_fen) * policy.fee_rate)
    return fee if policy.fee_payer == SettlementPolicy.FeePayer.EMPLOYER else 0


def order_reserve(*, order: WorkOrder) -> Transfer | None:
    """Reserve a paid order's price (and the employer's fee) in escrow when it is published.

    Raises InsufficientFunds when the escrow cannot cover it; the caller's transaction
    (the publication) then changes nothing.
    """
    if order.price_fen <= 0:
        return None
    amount = order.price_fen + _employer_fee(order, policy_for(order.organization_id))
    try:
        [hold] = ledger.transfers_post(
            specs=[
                TransferSpec(
                    key=f"reserve:{order.pk}",
                    debit_id=_escrow(order.organization_id).pk,
                    credit_id=_reserved(order.organization_id).pk,
                    amount_fen=amount,
                    code="reserve",
                    reference=f"order:{order.pk}",
                    pending=True,
                )
            ]
        )
    except InsufficientFunds as exc:
        raise InsufficientFunds(
            _("Top up the escrow account: it does not cover this order's price and fee."),
            detail={"needed_fen": amount, **exc.detail},
        ) from None
    return hold


def order_release(*, order: WorkOrder) -> Transfer | None:
    """Give a cancelled or expired order's reservation back to the escrow (idempotent)."""
    hold = Transfer.objects.filter(key=f"reserve:{order.pk}").first()
    if hold is None or Transfer.objects.filter(pending=hold).exists():
        return None
    return ledger.pending_void(key=f"release:{order.pk}", pending_id=hold.pk)


def order_settle(*, order: WorkOrder, at: datetime | None = None) -> Withholding | None:
    """Pay an accepted order: post its reservation, withhold tax, take the fee, credit the
    net to the worker's wallet (less what repays his correction debts). Once per order
    (IdempotencyConflict/PendingNotOpen after).

    `at` (default now) is read once: its Beijing date is the tax period of the payment, so a
    settlement at 23:59:59 on the last day of a month files in that month."""
    on = timezone.localtime(at or timezone.now()).date()
    worker_id = order.worker_id
    if order.price_fen <= 0 or worker_id is None:
        return None
    existing = Withholding.objects.filter(order=order).first()
    if existing is not None:
        return existing
    policy = policy_for(order.organization_id)
    hold = Transfer.objects.get(key=f"reserve:{order.pk}")
    earnings = ledger.account_for(purpose=P.WORKER_EARNINGS, worker_id=worker_id)
    wallet = ledger.account_for(purpose=P.WORKER_WALLET, worker_id=worker_id)
    # Lock the worker's earnings account first: his settlements run one at a time, so the
    # year-to-date figures the cumulative tax reads cannot change underneath.
    LedgerAccount.objects.select_for_update().filter(pk=earnings.pk).first()
    ledger.pending_post(key=f"settle:{order.pk}:reserve", pending_id=hold.pk)
    gross = order.price_fen
    fee, worker_fee = _fees(reserved_fen=hold.amount_fen, gross=gross, policy=policy)
    taxed = tax_facts.payment_tax(
        worker_id=worker_id,
        organization_id=order.organization_id,
        policy=policy,
        gross_fen=gross,
        on=on,
    )
    # A tax credit a correction found (over-withheld in an earlier month of this payer).
    carried = corrections.carry_into(
        worker_id=worker_id, organization_id=order.organization_id, taxed=taxed, on=on
    )
    taxed = dataclasses.replace(taxed, tax_fen=taxed.tax_fen - carried)
    # Tax first (capped at the payment by the tax module), then the worker's fee from what is
    # left; tax the payment could not cover is collected by the next cumulative payment.
    if worker_fee > gross - taxed.tax_fen:
        fee = worker_fee = gross - taxed.tax_fen
    net = gross - taxed.tax_fen - worker_fee
    specs, netting = _settle_specs(
        order,
        worker_id=worker_id,
        earnings=earnings,
        wallet=wallet,
        gross=gross,
        tax_fen=taxed.tax_fen,
        fee=fee,
        worker_fee=worker_fee,
        net=net,
    )
    netted = sum(amount for _debt, amount in netting)
    ledger.transfers_post(specs=specs)
    withholding = Withholding.objects.create(
        worker_id=worker_id,
        organization_id=order.organization_id,
        order=order,
        year=on.year,
        month=on.month,
        method=taxed.method,
        mode=policy.mode,
        income_fen=gross,
        taxable_fen=taxed.taxable_fen,
        rate=taxed.rate,
        tax_fen=taxed.tax_fen,
        fee_fen=fee,
        net_fen=net,
        carried_fen=carried,
        netted_fen=netted,
    )
    corrections.record_settlement(withholding=withholding, netting=netting, carried_fen=carried)
    _auto_withdraw(order, worker_id=worker_id, net_fen=net - netted)
    return withholding


def _fees(*, reserved_fen: int, gross: int, policy: SettlementPolicy) -> tuple[int, int]:
    """The platform's fee on a payment of `gross` and the part of it the worker pays."""
    if reserved_fen > gross:
        # The employer's fee was reserved with the price at publication: take exactly that.
        return reserved_fen - gross, 0
    if policy.fee_payer == SettlementPolicy.FeePayer.WORKER:
        fee = money.round_fen(Decimal(gross) * policy.fee_rate)
        return fee, fee
    return 0, 0


def _settle_specs(
    order: WorkOrder,
    *,
    worker_id: int,
    earnings: LedgerAccount,
    wallet: LedgerAccount,
    gross: int,
    tax_fen: int,
    fee: int,
    worker_fee: int,
    net: int,
) -> tuple[list[TransferSpec], list[tuple[Correction, int]]]:
    """The settlement's transfers (one key each) and the correction debts its net repays."""
    revenue = ledger.account_for(purpose=P.FEE_REVENUE)
    tax_payable = ledger.account_for(purpose=P.TAX_PAYABLE)
    reserved = _reserved(order.organization_id)
    ref = f"order:{order.pk}"
    specs = [
        TransferSpec(f"settle:{order.pk}:gross", reserved.pk, earnings.pk, gross, "gross", ref),
    ]
    if tax_fen:
        specs.append(
            TransferSpec(f"settle:{order.pk}:tax", earnings.pk, tax_payable.pk, tax_fen, "tax", ref)
        )
    if fee:
        source = earnings.pk if worker_fee else reserved.pk
        specs.append(TransferSpec(f"settle:{order.pk}:fee", source, revenue.pk, fee, "fee", ref))
    # Correction debts are repaid from the net first (to the employers they are owed to).
    netting = corrections.debts_to_net(worker_id=worker_id, net_fen=net)
    for debt, amount in netting:
        specs.append(
            TransferSpec(
                f"settle:{order.pk}:net-debt:{debt.pk}",
                earnings.pk,
                _escrow(debt.organization_id).pk,
                amount,
                "correction_netting",
                ref,
            )
        )
    netted = sum(amount for _debt, amount in netting)
    if net - netted:
        specs.append(
            TransferSpec(f"settle:{order.pk}:net", earnings.pk, wallet.pk, net - netted, "net", ref)
        )
    return specs, netting


def _auto_withdraw(order: WorkOrder, *, worker_id: int, net_fen: int) -> None:
    account = PayoutAccount.objects.filter(worker_id=worker_id, is_default=True).first()
    if net_fen and account is not None and account.auto_withdraw:
        # Real-time pay: straight on to the worker's account (a second approver above the
        # employer's threshold). Inside the caller's transaction: the settlement's own.
        payouts.payout_request.nested(
            worker=order.worker,  # type: ignore[arg-type]
            amount_fen=net_fen,
            requested_by=None,
            account=account,
            organization=order.organization,
            order_id=order.pk,
            payout_id=f"order-{order.pk}",
        )
