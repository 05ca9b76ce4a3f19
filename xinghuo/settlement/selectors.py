"""Reads for settlement: balances and withholding records, scoped to their owner."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Membership, Organization, User
from xinghuo.core.exceptions import NotFound
from xinghuo.workforce.models import Worker

from . import ledger
from .exceptions import PayoutAccountNotFound
from .models import (
    LedgerAccount,
    Payout,
    PayoutAccount,
    PayoutAttempt,
    ReconciliationReport,
    Transfer,
    Withholding,
)

P = LedgerAccount.Purpose
# The members who may see and move an organization's money: declare top-ups, record tax facts.
FINANCE_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN, Membership.Role.FINANCE)
# Those who may approve a large payout of the organization (the second person).
APPROVE_ROLES = (Membership.Role.OWNER, Membership.Role.FINANCE)


def is_finance_member(*, user: User, organization: Organization) -> bool:
    return Membership.objects.filter(
        user=user, organization=organization, role__in=FINANCE_ROLES
    ).exists()


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


# --- the finance pages (employer, worker, operator) and the exports ------------------------


def withholdings_for_organization(
    *, organization: Organization, year: int | None = None, month: int | None = None
) -> QuerySet[Withholding]:
    """The employer's settled orders (one Withholding each), newest first."""
    qs = Withholding.objects.filter(organization=organization).select_related(
        "order", "worker__user"
    )
    if year:
        qs = qs.filter(year=year)
    if month:
        qs = qs.filter(month=month)
    return qs.order_by("-created_at", "-pk")


def withholding_month_totals_for_worker(*, worker: Worker, year: int) -> list[dict[str, int]]:
    """Per month of `year`: what the worker earned, what was withheld and what he was paid."""
    rows = (
        Withholding.objects.filter(worker=worker, year=year)
        .values("month")
        .annotate(
            payments=Count("pk"),
            income_fen=Sum("income_fen"),
            tax_fen=Sum("tax_fen"),
            net_fen=Sum("net_fen"),
        )
        .order_by("-month")
    )
    return [
        # The worker's own share of the fee is what his net lacks after tax.
        {**row, "worker_fee_fen": row["income_fen"] - row["tax_fen"] - row["net_fen"]}
        for row in rows
    ]


def withholding_years_for_worker(*, worker: Worker) -> list[int]:
    years = Withholding.objects.filter(worker=worker).values_list("year", flat=True)
    return sorted(set(years), reverse=True)


def withholding_month_totals() -> list[dict[str, int]]:
    """Per declaration period (year, month), newest first: workers, payments, income, tax."""
    return list(
        Withholding.objects.values("year", "month")
        .annotate(
            workers=Count("worker", distinct=True),
            payments=Count("pk"),
            income_fen=Sum("income_fen"),
            tax_fen=Sum("tax_fen"),
        )
        .order_by("-year", "-month")
    )


def payout_accounts_for_worker(*, worker: Worker) -> QuerySet[PayoutAccount]:
    """The worker's accounts, default first. The encrypted number is not loaded: lists show
    `account_masked`."""
    return (
        PayoutAccount.objects.filter(worker=worker).defer("account").order_by("-is_default", "-pk")
    )


def payout_account_get_for_operator(*, operator: User, account_id: int) -> PayoutAccount:
    """Any worker's payout account, for a platform operator; PayoutAccountNotFound for a
    missing one and, whatever the id, for anyone who is not an operator."""
    if not operator.is_staff:
        raise PayoutAccountNotFound()
    account = PayoutAccount.objects.filter(pk=account_id).first()
    if account is None:
        raise PayoutAccountNotFound()
    return account


def payouts_for_worker(*, worker: Worker) -> QuerySet[Payout]:
    return (
        Payout.objects.filter(worker=worker)
        .select_related("account")
        .defer("account__account")
        .order_by("-created_at", "-pk")
    )


def payouts_awaiting_approval(*, organization: Organization | None) -> QuerySet[Payout]:
    """Large payouts waiting for a second approver: an organization's (payouts of its
    orders), or with `organization=None` the platform's (wallet withdrawals)."""
    qs = (
        Payout.objects.filter(status=Payout.Status.AWAITING_APPROVAL)
        .select_related("worker__user", "account", "order", "requested_by")
        .defer("account__account")
    )
    if organization is None:
        qs = qs.filter(organization__isnull=True)
    else:
        qs = qs.filter(organization=organization)
    return qs.order_by("created_at", "pk")


def payout_get_awaiting_approval(*, organization: Organization | None, payout_pk: int) -> Payout:
    """One payout of `payouts_awaiting_approval`; any other is NotFound, like a missing one."""
    payout = payouts_awaiting_approval(organization=organization).filter(pk=payout_pk).first()
    if payout is None:
        raise NotFound(_("Payout not found."), code="payout_not_found")
    return payout


# A payout the channel has not answered for this long needs a look (the sweeper queries
# after two minutes, so ten means the channel keeps saying nothing).
STUCK_AFTER = timedelta(minutes=10)


def payouts_stuck(*, now: datetime) -> QuerySet[Payout]:
    """Payouts the channel has left without an answer for STUCK_AFTER: the operators look."""
    return payouts_submitted_before(before=now - STUCK_AFTER)


def payouts_submitted_before(*, before: datetime) -> QuerySet[Payout]:
    """Payouts sent to their channel before `before` and still without an outcome."""
    return (
        Payout.objects.filter(status=Payout.Status.SUBMITTED, submitted_at__lt=before)
        .select_related("worker__user", "account")
        .defer("account__account")
        .order_by("submitted_at", "pk")
    )


def payouts_failed_since(*, since: datetime) -> QuerySet[Payout]:
    return (
        Payout.objects.filter(status=Payout.Status.FAILED, finished_at__gte=since)
        .select_related("worker__user", "account")
        .defer("account__account")
        .order_by("-finished_at", "-pk")
    )


def reconciliation_reports() -> QuerySet[ReconciliationReport]:
    return ReconciliationReport.objects.order_by("-created_at", "-pk")


def ledger_mismatch_count() -> int:
    """How many stored account totals differ from a replay of the transfers (0: sound)."""
    return len(ledger.ledger_verify())


def payouts_needing_attention() -> QuerySet[Payout]:
    """Payouts the retry policy gave up resubmitting: an operator must find out what
    happened. With their attempts (submissions and queries), oldest first."""
    return (
        Payout.objects.filter(status=Payout.Status.SUBMITTED, attention_at__isnull=False)
        .select_related("worker__user", "account")
        .defer("account__account")
        .prefetch_related("attempt_rows")
        .order_by("attention_at", "pk")
    )


def payout_attempts(*, payout_pk: int) -> QuerySet[PayoutAttempt]:
    """Raises NotFound for an unknown payout."""
    if not Payout.objects.filter(pk=payout_pk).exists():
        raise NotFound(_("Payout not found."), code="payout_not_found")
    return PayoutAttempt.objects.filter(payout_id=payout_pk).order_by("at", "pk")
