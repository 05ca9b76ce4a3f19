"""The double-entry ledger (F3): accounts and immutable transfers, amounts in fen.

Each transfer moves an amount from one account (debit) to another (credit), so every
transaction sums to zero by construction. Accounts carry their running totals,
changed only by `settlement.ledger` under row locks; the database refuses an
overdraft (CheckConstraint) and any change to a transfer (triggers, see migration
0002) on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class LedgerAccount(models.Model):
    """账户 — one ledger account of an owner for one purpose.

    Balances follow the credit-normal view (money the platform owes the owner):
    available = credits posted − debits posted − debits pending. Accounts that
    may go below zero in that view (clearing accounts: money on its way in from a
    channel) are flagged `allow_negative`.
    """

    class Purpose(models.TextChoices):
        ESCROW = "escrow", _("Employer escrow (available)")
        ESCROW_RESERVED = "escrow_reserved", _("Employer escrow (reserved for orders)")
        WORKER_WALLET = "worker_wallet", _("Worker wallet")
        WORKER_EARNINGS = "worker_earnings", _("Worker gross earnings (settling)")
        FEE_REVENUE = "fee_revenue", _("Platform fee revenue")
        TAX_PAYABLE = "tax_payable", _("Income tax withheld, payable")
        CHANNEL_CLEARING = "channel_clearing", _("Channel clearing")
        PAYOUTS_IN_TRANSIT = "payouts_in_transit", _("Payouts in transit")

    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose.choices)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_accounts",
    )
    worker = models.ForeignKey(
        "workforce.Worker",
        verbose_name=_("worker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_accounts",
    )
    # "org:<id>", "worker:<id>" or "platform": one key for the owner, so that uniqueness
    # holds without relying on NULLs (SQLite cannot make NULLs equal in a constraint).
    owner_key = models.CharField(_("owner"), max_length=32, editable=False)
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    allow_negative = models.BooleanField(_("may go negative"), default=False)
    debits_pending = models.BigIntegerField(_("debits pending (fen)"), default=0)
    debits_posted = models.BigIntegerField(_("debits posted (fen)"), default=0)
    credits_pending = models.BigIntegerField(_("credits pending (fen)"), default=0)
    credits_posted = models.BigIntegerField(_("credits posted (fen)"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "owner_key", "channel"], name="uniq_ledger_account"
            ),
            models.CheckConstraint(
                condition=Q(allow_negative=True)
                | Q(credits_posted__gte=F("debits_posted") + F("debits_pending")),
                name="ledger_account_no_overdraft",
            ),
            models.CheckConstraint(
                condition=Q(debits_pending__gte=0)
                & Q(debits_posted__gte=0)
                & Q(credits_pending__gte=0)
                & Q(credits_posted__gte=0),
                name="ledger_account_totals_non_negative",
            ),
        ]

    def __str__(self) -> str:
        owner = self.organization or self.worker or "platform"
        return (
            f"{owner} · {self.get_purpose_display()}{' · ' + self.channel if self.channel else ''}"
        )

    @property
    def balance_fen(self) -> int:
        """Posted balance (credit-normal)."""
        return self.credits_posted - self.debits_posted

    @property
    def available_fen(self) -> int:
        return self.credits_posted - self.debits_posted - self.debits_pending


class Transfer(models.Model):
    """转账 — an immutable movement of money between two accounts.

    kind: `single` (posted at once), `pending` (reserved; later posted or voided by a
    `post_pending` / `void_pending` transfer that names it), so no row ever changes.
    `key` is the client's idempotency key.
    """

    class Kind(models.TextChoices):
        SINGLE = "single", _("Posted")
        PENDING = "pending", _("Pending")
        POST_PENDING = "post_pending", _("Posts a pending transfer")
        VOID_PENDING = "void_pending", _("Voids a pending transfer")

    key = models.CharField(_("idempotency key"), max_length=128, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    debit_account = models.ForeignKey(
        LedgerAccount,
        verbose_name=_("debit account"),
        on_delete=models.PROTECT,
        related_name="debits",
    )
    credit_account = models.ForeignKey(
        LedgerAccount,
        verbose_name=_("credit account"),
        on_delete=models.PROTECT,
        related_name="credits",
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    pending = models.OneToOneField(
        "self",
        verbose_name=_("pending transfer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolution",
    )
    timeout_at = models.DateTimeField(_("pending until"), null=True, blank=True)
    code = models.CharField(_("code"), max_length=32)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
    )
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(
                condition=~Q(debit_account=F("credit_account")), name="transfer_two_accounts"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["post_pending", "void_pending"], pending__isnull=False)
                | Q(kind__in=["single", "pending"], pending__isnull=True),
                name="transfer_pending_link",
            ),
        ]
        indexes = [
            models.Index(fields=["reference"]),
            models.Index(fields=["kind", "timeout_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.amount_fen} {self.debit_account_id}→{self.credit_account_id}"


class SettlementPolicy(models.Model):
    """结算方式 — how an employer's orders are settled (F5): the mode decides the tax method,
    the fee rate and who pays the fee."""

    class Mode(models.TextChoices):
        FLEXIBLE = "flexible", _("Flexible employment (灵活用工)")
        PAYROLL = "payroll", _("Payroll (工资代发)")
        NATURAL_PERSON_INVOICE = (
            "natural_person_invoice",
            _("Natural-person invoicing (自然人代开)"),
        )
        COST_INVOICE = "cost_invoice", _("Cost invoice (成本票)")

    class FeePayer(models.TextChoices):
        EMPLOYER = "employer", _("Employer")
        WORKER = "worker", _("Worker")

    organization = models.OneToOneField(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="settlement_policy",
    )
    mode = models.CharField(_("mode"), max_length=24, choices=Mode.choices, default=Mode.FLEXIBLE)
    fee_rate = models.DecimalField(
        _("platform fee rate"), max_digits=5, decimal_places=4, default=Decimal("0.0600")
    )
    fee_payer = models.CharField(
        _("fee paid by"), max_length=8, choices=FeePayer.choices, default=FeePayer.EMPLOYER
    )
    deemed_rate = models.DecimalField(
        _("deemed tax rate (核定征收)"), max_digits=5, decimal_places=4, default=Decimal("0.0150")
    )

    class Meta:
        verbose_name = _("settlement policy")
        verbose_name_plural = _("settlement policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(fee_rate__gte=0, fee_rate__lt=1, deemed_rate__gte=0, deemed_rate__lt=1),
                name="settlement_policy_rates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.get_mode_display()}"


class Withholding(models.Model):
    """代扣个税记录 — the tax withheld on one payment to a worker (feeds the cumulative
    methods and the monthly declaration). One per settled order."""

    worker = models.ForeignKey(
        "workforce.Worker",
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="withholdings",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    order = models.OneToOneField(
        "work_orders.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="withholding",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    method = models.CharField(_("tax method"), max_length=24)
    income_fen = models.BigIntegerField(_("income (fen)"))
    taxable_fen = models.BigIntegerField(_("taxable (fen)"))
    rate = models.DecimalField(_("rate"), max_digits=5, decimal_places=4)
    tax_fen = models.BigIntegerField(_("tax withheld (fen)"))
    fee_fen = models.BigIntegerField(_("fee (fen)"), default=0)
    net_fen = models.BigIntegerField(_("net paid (fen)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tax withholding")
        verbose_name_plural = _("tax withholdings")
        indexes = [models.Index(fields=["worker", "year", "month"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(income_fen__gte=0, tax_fen__gte=0, net_fen__gte=0),
                name="withholding_amounts_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.year}-{self.month:02d}: {self.tax_fen}"
