"""The double-entry ledger (F3): accounts and immutable transfers, amounts in fen.

Each transfer moves an amount from one account (debit) to another (credit), so every
transaction sums to zero by construction. Accounts carry their running totals,
changed only by `settlement.ledger` under row locks; the database refuses an
overdraft (CheckConstraint) and any change to a transfer (triggers, see migration
0002) on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.core.crypto import EncryptedTextField


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
    # The employer's settlement mode when it paid (one mode may use two tax methods: natural-
    # person invoicing is labour remuneration without a business registration); blank on
    # rows from before it was recorded, where the method tells the mode.
    mode = models.CharField(_("settlement mode"), max_length=24, blank=True, default="")
    income_fen = models.BigIntegerField(_("income (fen)"))
    taxable_fen = models.BigIntegerField(_("taxable (fen)"))
    rate = models.DecimalField(_("rate"), max_digits=5, decimal_places=4)
    tax_fen = models.BigIntegerField(_("tax withheld (fen)"))
    fee_fen = models.BigIntegerField(_("fee (fen)"), default=0)
    net_fen = models.BigIntegerField(_("net paid (fen)"))
    # Tax over-withheld in an earlier month of the same payer and method, found by a
    # correction and credited against this payment (per-payment and deemed-rate methods;
    # the cumulative methods carry it by themselves): `tax_fen` is what was withheld after it.
    carried_fen = models.BigIntegerField(_("tax credit carried in (fen)"), default=0)
    # Of `net_fen`, what repaid the worker's correction debts instead of reaching his wallet.
    netted_fen = models.BigIntegerField(_("netted against debts (fen)"), default=0)
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


class PayoutAccount(models.Model):
    """收款账户 — where a worker is paid: an Alipay account or a bank card.

    Held in the name of the worker's verified identity (代付 pays only to the payee's own
    name). The number is encrypted at rest (`account`); everything shown uses
    `account_masked`, and only an audited operator reveal (`payout_account_reveal`) or the
    payout itself reads the clear value. `account_index`, a keyed hash of the number, finds
    a worker's duplicate without decrypting. A bank card's bank and card type come from its
    BIN when it is bound.
    """

    class Channel(models.TextChoices):
        ALIPAY = "alipay", _("Alipay")
        BANK = "bank", _("Bank card")

    class CardType(models.TextChoices):
        # The codes of the BIN table (identity/bins.py).
        DEBIT = "DC", _("Debit card")
        CREDIT = "CC", _("Credit card")
        SEMI_CREDIT = "SCC", _("Semi-credit card")
        PREPAID = "PC", _("Prepaid card")

    worker = models.ForeignKey(
        "workforce.Worker",
        verbose_name=_("worker"),
        on_delete=models.CASCADE,
        related_name="payout_accounts",
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    account = EncryptedTextField(_("account (encrypted)"))
    account_index = models.CharField(
        _("account blind index"), max_length=64, blank=True, default=""
    )
    account_masked = models.CharField(_("account (masked)"), max_length=64, blank=True, default="")
    account_name = models.CharField(_("account holder"), max_length=64)
    bank_code = models.CharField(_("bank code"), max_length=32, blank=True, default="")
    bank_name = models.CharField(_("bank"), max_length=64, blank=True, default="")
    card_type = models.CharField(
        _("card type"),
        max_length=4,
        choices=CardType.choices,
        blank=True,
        default="",
    )
    is_default = models.BooleanField(_("default"), default=True)
    auto_withdraw = models.BooleanField(
        _("pay out automatically"),
        default=False,
        help_text=_("Pay each settled order out to this account at once."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payout account")
        verbose_name_plural = _("payout accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["worker"], condition=Q(is_default=True), name="one_default_payout_account"
            ),
            # A blank index is a row from before encryption that duplicated another (the
            # data migration leaves the second one unindexed rather than failing).
            models.UniqueConstraint(
                fields=["worker", "channel", "account_index"],
                condition=~Q(account_index=""),
                name="uniq_payout_account_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.account_masked}"


class Payout(models.Model):
    """代付 — money leaving a worker's wallet for his account through a channel.

    requested → (approval needed → requested) → submitted → succeeded | failed;
    succeeded → returned when the channel sends the money back later (退票).
    `payout_id` goes to the channel as its idempotency id; a payout is only ever
    re-sent with the same id, and its outcome is otherwise learned by querying.
    A payout the channel still does not know after the last allowed resubmission
    gets `attention_at` and waits for an operator (see ``payouts.RetryPolicy``).
    """

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        REQUESTED = "requested", _("Requested")
        SUBMITTED = "submitted", _("Submitted")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed (returned to wallet)")
        RETURNED = "returned", _("Returned by the bank (back in wallet)")

    payout_id = models.CharField(_("payout id"), max_length=64, unique=True)
    worker = models.ForeignKey(
        "workforce.Worker",
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="payouts",
    )
    account = models.ForeignKey(
        PayoutAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="payouts"
    )
    channel = models.CharField(_("channel"), max_length=8)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("approving organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    order = models.ForeignKey(
        "work_orders.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payouts",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("channel calls"), default=0)
    channel_ref = models.CharField(_("channel reference"), max_length=64, blank=True)
    failure_code = models.CharField(_("failure code"), max_length=64, blank=True)
    failure_message = models.CharField(_("failure message"), max_length=255, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.CharField(_("return reason"), max_length=255, blank=True)
    attention_at = models.DateTimeField(_("needs an operator since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        indexes = [
            models.Index(fields=["status", "updated_at"]),
            models.Index(fields=["worker", "created_at"]),
            models.Index(fields=["created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payout_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payout_id} {self.amount_fen} {self.status}"


class PayoutAttempt(models.Model):
    """One call to the channel about a payout: a submission (numbered 1, 2, … — the same
    channel id each time) or a query, with the channel's answer. The full history an
    operator sees for a payout that needs attention."""

    class Kind(models.TextChoices):
        SUBMIT = "submit", _("Submission")
        QUERY = "query", _("Query")

    payout = models.ForeignKey(
        Payout, verbose_name=_("payout"), on_delete=models.CASCADE, related_name="attempt_rows"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    number = models.PositiveSmallIntegerField(_("submission number"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    # succeeded | failed | submitted | unknown | unreachable | sending (no answer yet)
    outcome = models.CharField(_("outcome"), max_length=16)
    code = models.CharField(_("channel code"), max_length=64, blank=True)
    message = models.CharField(_("channel message"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("payout attempt")
        verbose_name_plural = _("payout attempts")
        ordering = ["payout", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.payout_id} {self.kind} #{self.number}: {self.outcome}"


class ReconciliationReport(models.Model):
    """对账报告 — one channel's statement for one day compared with our payouts."""

    channel = models.CharField(_("channel"), max_length=8)
    day = models.DateField(_("day"))
    matched = models.PositiveIntegerField(_("matched"), default=0)
    returned = models.PositiveIntegerField(_("returns matched"), default=0)
    mismatches = models.JSONField(_("mismatches"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reconciliation report")
        verbose_name_plural = _("reconciliation reports")
        ordering = ["-day", "channel"]

    def __str__(self) -> str:
        return f"{self.channel} {self.day}: {len(self.mismatches)} mismatches"


class BankTransaction(models.Model):
    """银行流水 — one credit received on the platform's receiving account: the only source of
    money entering an employer's escrow.

    Recorded from the bank's signed 来账通知 (`notification`) or from a line of an imported
    statement (`statement`); one row per bank serial and receiving account, whichever path saw
    it first. `transfer` is the escrow credit it backs (key `bank:<account>:<txn_id>`, the
    same on every path), empty while nobody has matched it to an employer.
    """

    class Source(models.TextChoices):
        NOTIFICATION = "notification", _("Bank notification")
        STATEMENT = "statement", _("Bank statement")

    account = models.CharField(_("receiving account"), max_length=32, default="bank")
    txn_id = models.CharField(_("bank serial"), max_length=64)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    payer_name = models.CharField(_("payer"), max_length=128, blank=True)
    payer_account = models.CharField(_("payer account"), max_length=64, blank=True)
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    value_on = models.DateField(_("value date"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    raw = models.TextField(_("raw line"), blank=True)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("employer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_transactions",
    )
    transfer = models.OneToOneField(
        Transfer,
        verbose_name=_("escrow credit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_transaction",
    )
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("matched by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bank transaction")
        verbose_name_plural = _("bank transactions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "txn_id"], name="uniq_bank_transaction"),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="bank_transaction_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account}:{self.txn_id} {self.amount_fen}"


class TopUpDeclaration(models.Model):
    """充值申报 — an employer's word that it has sent money to the platform's account.

    It moves no money: it waits (待到账) until a bank transaction is matched to it, by the
    bank's notification or by an operator against the statement.
    """

    class Status(models.TextChoices):
        DECLARED = "declared", _("Awaiting arrival")
        MATCHED = "matched", _("Arrived")

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="topup_declarations",
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("declared by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    bank_serial = models.CharField(_("bank serial"), max_length=64)
    proof = models.FileField(_("proof"), upload_to="topup-proofs/%Y/%m/", blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DECLARED
    )
    bank_transaction = models.OneToOneField(
        BankTransaction,
        verbose_name=_("bank transaction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="declaration",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)

    class Meta:
        verbose_name = _("top-up declaration")
        verbose_name_plural = _("top-up declarations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "bank_serial"], name="uniq_topup_declaration_serial"
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="topup_declaration_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.bank_serial} {self.amount_fen} {self.status}"


class BankMatchAttempt(models.Model):
    """重复入账尝试 — a refused attempt to credit a bank transaction that was credited already
    (shown on the reconciliation page)."""

    bank_transaction = models.ForeignKey(
        BankTransaction,
        verbose_name=_("bank transaction"),
        on_delete=models.PROTECT,
        related_name="refused_attempts",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("employer asked for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("refused bank match")
        verbose_name_plural = _("refused bank matches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.bank_transaction_id} by {self.actor_id}"


# --- tax facts (F4) ----------------------------------------------------------------------


class Employment(models.Model):
    """任职受雇 — a worker employed by an employer (payroll mode) from `hired_on` until
    `left_on` (inclusive; open while blank). Wages count their basic deduction from the month
    of hire with this employer this year (任职受雇月份数), not from the first wage paid."""

    worker = models.ForeignKey(
        "workforce.Worker",
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="employments",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="employments",
    )
    hired_on = models.DateField(_("hired on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        indexes = [models.Index(fields=["worker", "organization"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("hired_on")),
                name="employment_left_after_hired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.organization}: {self.hired_on}–{self.left_on or ''}"


class DeclaredDeduction(models.Model):
    """申报扣除 — what a worker declared to an employer for one month of wages: 专项扣除
    (his share of social insurance and housing fund) and 专项附加扣除 (children's education,
    continuing education, serious illness, mortgage interest or rent, elderly care, infant
    care). Cumulative wage withholding deducts the months up to the current one."""

    worker = models.ForeignKey(
        "workforce.Worker",
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="declared_deductions",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    special_fen = models.BigIntegerField(_("special deductions (fen)"), default=0)
    special_additional_fen = models.BigIntegerField(
        _("special additional deductions (fen)"), default=0
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declared deduction")
        verbose_name_plural = _("declared deductions")
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "organization", "year", "month"],
                name="uniq_declared_deduction_month",
            ),
            models.CheckConstraint(
                condition=Q(special_fen__gte=0, special_additional_fen__gte=0, month__gte=1)
                & Q(month__lte=12),
                name="declared_deduction_amounts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.year}-{self.month:02d}"


class BusinessRegistration(models.Model):
    """个体工商户登记 — a worker's business registration, the evidence that lets the
    natural-person-invoicing mode tax his pay as business income at the deemed rate
    (经营所得核定征收). Counts only once an operator has verified it."""

    worker = models.OneToOneField(
        "workforce.Worker",
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="business_registration",
    )
    registration_number = models.CharField(_("registration number"), max_length=32)
    business_name = models.CharField(_("business name"), max_length=128, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("business registration")
        verbose_name_plural = _("business registrations")

    def __str__(self) -> str:
        return f"{self.worker}: {self.registration_number}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


# --- corrections --------------------------------------------------------------------------


class Correction(models.Model):
    """更正 — an operator's correction of a settled order: a new gross amount, or a full
    refund / chargeback (new gross 0). Above a threshold a second operator approves.

    Executing it moves the difference back to the employer's escrow by reversing transfers
    (from the worker's wallet and the fee account); what the wallet cannot cover is the
    worker's debt (`debt_fen`), netted from his next earnings (`debt_open_fen` is what is
    left). The tax of the month is recomputed (`tax_after_fen`); the difference is carried
    in the next withholding, and the declaration of that month is amended.
    """

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        EXECUTED = "executed", _("Executed")
        REJECTED = "rejected", _("Rejected")

    class Kind(models.TextChoices):
        AMOUNT = "amount", _("New amount")
        REFUND = "refund", _("Full refund")
        CHARGEBACK = "chargeback", _("Chargeback")

    key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    withholding = models.ForeignKey(
        Withholding,
        verbose_name=_("settlement"),
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    order = models.ForeignKey(
        "work_orders.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    worker = models.ForeignKey(
        "workforce.Worker",
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=255)
    # The tax period of the corrected payment (its declaration is the one amended).
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    method = models.CharField(_("tax method"), max_length=24)
    old_gross_fen = models.BigIntegerField(_("gross before (fen)"))
    new_gross_fen = models.BigIntegerField(_("gross after (fen)"))
    # Filled when executed.
    employer_refund_fen = models.BigIntegerField(_("back to the employer (fen)"), default=0)
    fee_refund_fen = models.BigIntegerField(_("fee given back (fen)"), default=0)
    worker_due_fen = models.BigIntegerField(_("owed by the worker (fen)"), default=0)
    from_wallet_fen = models.BigIntegerField(_("taken from the wallet (fen)"), default=0)
    debt_fen = models.BigIntegerField(_("debt (fen)"), default=0)
    debt_open_fen = models.BigIntegerField(_("debt still open (fen)"), default=0)
    tax_before_fen = models.BigIntegerField(_("month's tax before (fen)"), default=0)
    tax_after_fen = models.BigIntegerField(_("month's tax recomputed (fen)"), default=0)
    carry_open_fen = models.BigIntegerField(_("tax credit still to carry (fen)"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        indexes = [
            models.Index(fields=["worker", "status"]),
            models.Index(fields=["year", "month"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_gross_fen__gte=0) & Q(new_gross_fen__lt=F("old_gross_fen")),
                name="correction_lowers_the_gross",
            ),
            models.CheckConstraint(
                condition=Q(debt_open_fen__gte=0)
                & Q(debt_open_fen__lte=F("debt_fen"))
                & Q(carry_open_fen__gte=0),
                name="correction_open_amounts",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="correction_has_reason"),
        ]

    def __str__(self) -> str:
        return f"correction {self.pk} of order {self.order_id}: {self.status}"

    @property
    def difference_fen(self) -> int:
        return self.old_gross_fen - self.new_gross_fen


class CorrectionEvent(models.Model):
    """One audited step of a correction (requested, approved, rejected, executed, netted,
    carried): who, when, what. Append-only."""

    correction = models.ForeignKey(
        Correction, verbose_name=_("correction"), on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("action"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    detail = models.JSONField(_("detail"), default=dict)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("correction event")
        verbose_name_plural = _("correction events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.correction_id} {self.action}"
