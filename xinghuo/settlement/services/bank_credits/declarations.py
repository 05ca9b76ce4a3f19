"""Top-ups: the employer's declaration of a transfer (待到账). It moves no money."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.core import crypto
from xinghuo.core.exceptions import Conflict, PermissionDenied
from xinghuo.core.transactions import durable
from xinghuo.identity import services as identity_services

from ...models import (
    BankTransaction,
    TopUpDeclaration,
)
from ...selectors import is_finance_member
from .credits import BANK_ACCOUNT, _amount, _declaration_matched, _serial


@durable
def topup_declare(
    *,
    actor: User,
    organization: Organization,
    amount_fen: int,
    bank_serial: str,
    proof: bytes | None = None,
) -> TopUpDeclaration:
    """topup_declare_or_get without the flag: the declaration, new or the first one."""
    declaration, _created = topup_declare_or_get.nested(
        actor=actor,
        organization=organization,
        amount_fen=amount_fen,
        bank_serial=bank_serial,
        proof=proof,
    )
    return declaration


@durable
def topup_declare_or_get(
    *,
    actor: User,
    organization: Organization,
    amount_fen: int,
    bank_serial: str,
    proof: bytes | None = None,
) -> tuple[TopUpDeclaration, bool]:
    """A finance member says the company has sent `amount_fen` (bank serial `bank_serial`):
    recorded as 待到账. It moves no money; the bank's notification or an operator's match
    against the statement credits the escrow.

    Returns (declaration, created): `created` is False when this serial was declared before.
    Idempotent per (organization, serial): the same declaration again returns the first;
    another amount under the same serial is Conflict(declaration_conflict). Raises
    PermissionDenied for members without a finance role, ValidationFailed for bad input
    (the proof must be a JPEG, PNG or WebP photo that decodes).
    """
    if not is_finance_member(user=actor, organization=organization):
        raise PermissionDenied(
            _("Only the owner, an administrator or finance may declare top-ups.")
        )
    amount_fen, bank_serial = _amount(amount_fen), _serial(bank_serial)
    if proof:
        identity_services.photo_check(
            proof, message=_("Upload the transfer receipt as a JPEG, PNG or WebP photo.")
        )
    earlier = TopUpDeclaration.objects.filter(
        organization=organization, bank_serial=bank_serial
    ).first()
    if earlier is not None:
        if earlier.amount_fen != amount_fen:
            raise Conflict(
                _("This bank serial was declared before with another amount."),
                code="declaration_conflict",
                detail={"declaration_id": earlier.pk},
            )
        return earlier, False
    declaration = TopUpDeclaration(
        organization=organization,
        declared_by=actor,
        amount_fen=amount_fen,
        bank_serial=bank_serial,
    )
    if proof:
        # Encrypted at rest under a random name, like every uploaded document.
        crypto.save_encrypted(declaration.proof, proof)
    try:
        with transaction.atomic():
            declaration.save()
    except IntegrityError:  # declared concurrently: the first one stands
        if declaration.proof:
            declaration.proof.storage.delete(declaration.proof.name)
        first = TopUpDeclaration.objects.get(organization=organization, bank_serial=bank_serial)
        return first, False
    # A transfer the bank reported before the declaration was made finds it now.
    line = (
        BankTransaction.objects.select_for_update()
        .filter(account=BANK_ACCOUNT, txn_id=bank_serial, organization=organization)
        .first()
    )
    if line is not None and line.amount_fen == amount_fen and not hasattr(line, "declaration"):
        _declaration_matched(declaration, line)
    return declaration, True
