from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field


class TopUpIn(Schema):
    amount_fen: int = Field(gt=0, le=10_000_000_000)
    reference: str = Field(max_length=64, description="the bank transfer's reference")


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
    channel: str = Field(description="alipay or bank")
    account: str = Field(max_length=64)
    account_name: str = Field(max_length=64)
    auto_withdraw: bool = False


class PayoutAccountOut(Schema):
    id: int
    channel: str
    account_masked: str
    account_name: str
    is_default: bool
    auto_withdraw: bool

    @staticmethod
    def resolve_account_masked(obj: object) -> str:
        account = obj.account  # type: ignore[attr-defined]
        return f"{account[:3]}{'*' * max(0, len(account) - 7)}{account[-4:]}"


class PayoutIn(Schema):
    amount_fen: int = Field(gt=0)
    payout_id: str | None = Field(None, max_length=64, pattern=r"^[A-Za-z0-9_\-]{1,64}$")


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


class ReconcileIn(Schema):
    channel: str
    day: date


class ReconciliationOut(Schema):
    id: int
    channel: str
    day: date
    matched: int
    mismatches: list[dict[str, object]]
