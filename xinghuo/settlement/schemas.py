from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from .channels.base import PAYOUT_ID_PATTERN
from .models import PayoutAccount, TopUpDeclaration
from .services import corrections
from .services.payout_accounts import AccountWarning


class TopUpIn(Schema):
    """A declaration of a transfer sent to the platform's account: it moves no money."""

    amount_fen: int = Field(gt=0, le=10_000_000_000)
    reference: str = Field(
        min_length=1, max_length=64, description="the bank transfer's serial number (流水号)"
    )


class TopUpDeclarationOut(Schema):
    id: int
    amount_fen: int
    bank_serial: str
    status: str = Field(description="declared (待到账, no money moved) or matched (已到账)")
    has_proof: bool
    bank_transaction_id: int | None
    topup_code: str = Field(description="what to write in the transfer's memo (附言)")
    created_at: datetime
    matched_at: datetime | None

    @staticmethod
    def resolve_has_proof(obj: TopUpDeclaration) -> bool:
        return bool(obj.proof)

    @staticmethod
    def resolve_topup_code(obj: TopUpDeclaration) -> str:
        return f"XH{obj.organization_id:06d}"


class BankTransactionOut(Schema):
    id: int
    account: str
    txn_id: str
    amount_fen: int
    payer_name: str
    payer_account: str
    memo: str
    value_on: date | None
    source: str
    organization_id: int | None
    transfer_id: int | None
    matched_at: datetime | None
    created_at: datetime


class BankMatchIn(Schema):
    organization_id: int | None = Field(None, ge=1, le=2**62)
    declaration_id: int | None = Field(None, ge=1, le=2**62)


class StatementImportOut(Schema):
    created: int
    existing: int
    skipped: int
    lines: list[BankTransactionOut]


class BankMatchAttemptOut(Schema):
    id: int
    bank_transaction_id: int
    actor_id: int | None
    organization_id: int | None
    created_at: datetime


class BankReconciliationOut(Schema):
    unmatched_lines: list[BankTransactionOut]
    unmatched_declarations: list[TopUpDeclarationOut]
    refused_attempts: list[BankMatchAttemptOut]


class EscrowOut(Schema):
    available_fen: int
    reserved_fen: int
    total_fen: int


class TransferOut(Schema):
    id: int
    key: str
    kind: str
    code: str
    amount_fen: int
    debit_account_id: int
    credit_account_id: int
    reference: str
    created_at: datetime


class WithholdingOut(Schema):
    order_id: int
    year: int
    month: int
    method: str
    income_fen: int
    taxable_fen: int
    rate: Decimal
    tax_fen: int
    fee_fen: int
    net_fen: int
    created_at: datetime


class WalletOut(Schema):
    balance_fen: int
    withholdings: list[WithholdingOut]


class PayoutAccountIn(Schema):
    channel: str = Field(max_length=16, description="alipay or bank")
    account: str = Field(
        max_length=64,
        description="a mainland mobile number or e-mail (Alipay), or a card number of 12–19 "
        "digits (bank; spaces and dashes are ignored)",
    )
    account_name: str = Field(
        "",
        max_length=64,
        description="optional: the account is always in the worker's verified name; another "
        "name is refused (account_name_mismatch)",
    )
    auto_withdraw: bool = False


class PayoutAccountOut(Schema):
    """A payout account as shown anywhere: the number only masked."""

    id: int
    channel: str
    account_masked: str
    account_name: str
    bank_code: str
    bank_name: str
    card_type: str = Field(description="DC, CC, SCC or PC (bank cards); empty otherwise")
    card_type_label: str
    is_default: bool
    auto_withdraw: bool
    created_at: datetime

    @staticmethod
    def resolve_card_type_label(obj: PayoutAccount) -> str:
        return str(obj.get_card_type_display()) if obj.card_type else ""


class AccountWarningOut(Schema):
    code: str = Field(description="card_number_check_failed or bank_not_recognised")
    message: str

    @staticmethod
    def resolve_message(obj: AccountWarning) -> str:
        return str(obj.message)


class PayoutAccountAddedOut(Schema):
    account: PayoutAccountOut
    warnings: list[AccountWarningOut] = Field(
        description="what the worker should check (a failed check digit, an unknown bank); "
        "the account is bound all the same"
    )


class PayoutAccountRevealIn(Schema):
    reason: str = Field(min_length=1, max_length=255, description="why (recorded)")


class PayoutAccountRevealOut(Schema):
    id: int
    channel: str
    account: str = Field(description="the clear number; every reveal is recorded")
    account_masked: str


class PayoutIn(Schema):
    amount_fen: int = Field(gt=0)
    payout_id: str | None = Field(None, max_length=64, pattern=PAYOUT_ID_PATTERN)


class PayoutOut(Schema):
    id: int
    payout_id: str
    channel: str
    amount_fen: int
    status: str
    failure_code: str
    failure_message: str
    created_at: datetime
    finished_at: datetime | None
    # A return (退票) after success: status "returned", the channel's reason and time.
    returned_at: datetime | None
    return_reason: str
    # Set when the retry policy gave up resubmitting: an operator must look at it.
    attention_at: datetime | None


class PayoutAttemptOut(Schema):
    """One call to the channel: a submission (numbered) or a query, and its answer."""

    kind: str
    number: int
    at: datetime
    outcome: str
    code: str
    message: str


class ReconcileIn(Schema):
    channel: str = Field(max_length=16)
    day: date


class ReconciliationOut(Schema):
    id: int
    channel: str
    day: date
    matched: int
    returned: int
    mismatches: list[dict[str, object]]


# --- corrections (issue 11) ------------------------------------------------------------------


class CorrectionIn(Schema):
    kind: str = Field(description="amount (with new_gross_fen), refund or chargeback (to 0)")
    new_gross_fen: int | None = Field(None, ge=0, le=10_000_000_000)
    reason: str = Field(min_length=1, max_length=255)
    key: str = Field(
        min_length=1,
        max_length=64,
        pattern=corrections.KEY_PATTERN,
        description="idempotency key: the same key returns the first correction",
    )


class CorrectionRejectIn(Schema):
    reason: str = Field(min_length=1, max_length=255)


class CorrectionEventOut(Schema):
    action: str
    actor_id: int | None
    detail: dict[str, object]
    created_at: datetime


class CorrectionOut(Schema):
    id: int
    key: str
    order_id: int
    worker_id: int
    organization_id: int
    kind: str
    status: str
    reason: str
    year: int
    month: int
    method: str
    old_gross_fen: int
    new_gross_fen: int
    employer_refund_fen: int
    fee_refund_fen: int
    worker_due_fen: int
    from_wallet_fen: int
    debt_fen: int
    debt_open_fen: int
    tax_before_fen: int
    tax_after_fen: int
    carry_open_fen: int
    requested_by_id: int
    approved_by_id: int | None
    created_at: datetime
    approved_at: datetime | None
    executed_at: datetime | None


class CorrectionDetailOut(CorrectionOut):
    events: list[CorrectionEventOut]

    @staticmethod
    def resolve_events(obj: object) -> list[object]:
        return list(obj.events.all())  # type: ignore[attr-defined]


class WorkerCorrectionOut(Schema):
    """A correction as the worker sees it."""

    id: int
    order_id: int
    kind: str
    reason: str
    old_gross_fen: int
    new_gross_fen: int
    from_wallet_fen: int
    debt_fen: int
    debt_open_fen: int
    tax_before_fen: int
    tax_after_fen: int
    executed_at: datetime | None


class WorkerCorrectionsOut(Schema):
    open_debt_fen: int = Field(description="still to be netted from your next earnings")
    corrections: list[WorkerCorrectionOut]


# --- tax facts (issue 11) --------------------------------------------------------------------


class EmploymentIn(Schema):
    worker_id: int
    hired_on: date
    left_on: date | None = None


class EmploymentOut(Schema):
    id: int
    worker_id: int
    organization_id: int
    hired_on: date
    left_on: date | None


class DeclaredDeductionIn(Schema):
    worker_id: int
    year: int = Field(ge=2000, le=2100)
    month: int = Field(ge=1, le=12)
    special_fen: int = Field(0, ge=0, le=100_000_000, description="专项扣除 (social insurance)")
    special_additional_fen: int = Field(0, ge=0, le=100_000_000, description="专项附加扣除")


class DeclaredDeductionOut(Schema):
    id: int
    worker_id: int
    organization_id: int
    year: int
    month: int
    special_fen: int
    special_additional_fen: int


class BusinessRegistrationIn(Schema):
    registration_number: str = Field(max_length=32)
    business_name: str = Field("", max_length=128)


class BusinessRegistrationOut(Schema):
    worker_id: int
    registration_number: str
    business_name: str
    is_verified: bool
    verified_at: datetime | None
