from __future__ import annotations

from datetime import datetime
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
