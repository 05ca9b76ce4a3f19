"""Top-ups: what the employer, the operator and the reconciliation pages read."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.selectors import Capability, require_capability
from xinghuo.core import crypto
from xinghuo.core.exceptions import NotFound

from ...models import (
    BankMatchAttempt,
    BankTransaction,
    LedgerAccount,
    TopUpDeclaration,
    Transfer,
)
from .credits import DeclarationNotFound

P = LedgerAccount.Purpose
D = TopUpDeclaration.Status


def declarations_for_organization(*, organization: Organization) -> QuerySet[TopUpDeclaration]:
    return TopUpDeclaration.objects.filter(organization=organization).select_related(
        "bank_transaction"
    )


def declaration_get(*, organization: Organization, declaration_id: int) -> TopUpDeclaration:
    """One of this employer's declarations; another employer's is not found, like a missing
    one."""
    found = declarations_for_organization(organization=organization).filter(pk=declaration_id)
    declaration = found.first()
    if declaration is None:
        raise DeclarationNotFound(_("Top-up declaration not found."))
    return declaration


def bank_transactions(*, unmatched: bool = False) -> QuerySet[BankTransaction]:
    qs = BankTransaction.objects.select_related("organization", "transfer", "matched_by")
    return qs.filter(transfer__isnull=True) if unmatched else qs


def declarations_unmatched() -> QuerySet[TopUpDeclaration]:
    return (
        TopUpDeclaration.objects.filter(status=D.DECLARED)
        .select_related("organization", "declared_by")
        .order_by("created_at", "pk")
    )


def declaration_proof(*, operator: User, declaration_id: int) -> tuple[bytes, str]:
    """The transfer receipt a finance member attached to a declaration, decrypted, with its
    image type: for the operator who matches the declaration against the statement.
    Raises PermissionDenied for anyone but an operator, NotFound when there is none."""
    require_capability(actor=operator, capability=Capability.BANK_MATCH)
    declaration = TopUpDeclaration.objects.filter(pk=declaration_id).first()
    if declaration is None or not declaration.proof:
        raise NotFound(_("No such transfer receipt."), code="receipt_not_found")
    data = crypto.read_encrypted(declaration.proof)
    if data.startswith(b"\x89PNG"):
        return data, "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return data, "image/webp"
    return data, "image/jpeg"


def match_attempts_refused() -> QuerySet[BankMatchAttempt]:
    return BankMatchAttempt.objects.select_related(
        "bank_transaction", "bank_transaction__organization", "actor", "organization"
    )


def escrow_credits_unbacked() -> QuerySet[Transfer]:
    """Money that entered an employer's escrow from outside without a bank transaction
    behind it. Money comes in from outside only through a clearing account; every posted
    transfer from one into an escrow account, single or in a batch, must be one bank
    transaction's credit (or the reversal of a transfer). Movements between our own
    accounts (a correction giving money back, a released reservation) are not entries."""
    return Transfer.objects.filter(
        credit_account__purpose=P.ESCROW,
        debit_account__purpose=P.CHANNEL_CLEARING,
        reverses__isnull=True,
        bank_transaction__isnull=True,
    ).order_by("pk")
