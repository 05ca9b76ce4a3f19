"""Top-ups: crediting a bank transaction to an employer's escrow (the bank's signed
notification, or an operator's match), and marking the declaration it answers."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.selectors import Capability, members_with_capability
from xinghuo.core import money
from xinghuo.core.exceptions import Conflict, NotFound, ValidationFailed
from xinghuo.core.transactions import durable
from xinghuo.notifications import services as notification_services

from ...channels.base import get_channel
from ...models import (
    BankTransaction,
    LedgerAccount,
    TopUpDeclaration,
    Transfer,
)
from .. import ledger
from ..ledger import TransferSpec

P = LedgerAccount.Purpose
S = BankTransaction.Source
D = TopUpDeclaration.Status


# The same ceiling as every amount typed on the platform: 100 million yuan.
MAX_AMOUNT_FEN = 10_000_000_000
MAX_STATEMENT_BYTES = 2 * 1024 * 1024
MAX_PROOF_BYTES = 8 * 1024 * 1024
MAX_STATEMENT_LINES = 10_000
BANK_ACCOUNT = "bank"
# An employer puts its top-up code in the transfer's memo (附言) so the money finds it.
TOPUP_CODE = re.compile(r"XH(\d{6,})")


class BankTransactionNotFound(NotFound):
    default_code = "bank_transaction_not_found"


class DeclarationNotFound(NotFound):
    default_code = "declaration_not_found"


class AlreadyCredited(Conflict):
    default_code = "already_credited"


def topup_code(organization: Organization) -> str:
    return f"XH{organization.pk:06d}"


def credit_key(*, account: str, txn_id: str) -> str:
    """The one idempotency key of a bank transaction's escrow credit, on every path."""
    return f"bank:{account}:{txn_id}"


def _text(value: object, limit: int) -> str:
    return str(value or "").replace("\x00", "").strip()[:limit]


def _serial(raw: str) -> str:
    """The bank serial in one spelling: banks' serials are letters and digits, so the same
    transaction typed in another case, with spaces or in full-width characters is the same
    serial (and the same idempotency key), not a second credit."""
    serial = unicodedata.normalize("NFKC", str(raw or ""))
    serial = "".join(serial.split()).upper()
    if not serial or len(serial) > 64 or "\x00" in serial or not serial.isprintable():
        raise ValidationFailed(
            _("Give the bank transfer's serial number (at most 64 characters)."),
            code="reference_required",
            detail={"field": "reference"},
        )
    return serial


def _amount(amount_fen: int) -> int:
    if type(amount_fen) is not int or not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise ValidationFailed(
            _("Amounts are whole fen above zero and at most 100 million yuan."),
            code="invalid_amount",
            detail={"field": "amount_fen"},
        )
    return amount_fen


def _declaration_matched(declaration: TopUpDeclaration, line: BankTransaction) -> None:
    declaration.status = D.MATCHED
    declaration.bank_transaction = line
    declaration.matched_at = timezone.now()
    declaration.save(update_fields=["status", "bank_transaction", "matched_at"])
    # Lazy until `notify` renders it in the platform's language.
    title = format_lazy(
        _("Your top-up of ¥{amount} has arrived"),
        amount=money.fen_to_yuan(line.amount_fen),
    )
    body = format_lazy(
        _("Bank serial {serial} is credited to the escrow account."),
        serial=declaration.bank_serial,
    )
    members = members_with_capability(
        organization=declaration.organization_id, capability=Capability.FINANCE_OPERATE
    ).select_related("user")
    for membership in members.order_by("user_id"):
        notification_services.notify(
            user=membership.user, kind="topup_arrived", title=title, body=body
        )


def _find_declaration(line: BankTransaction, organization: Organization) -> TopUpDeclaration | None:
    """The employer's open declaration this line answers: the same serial, else the oldest
    one of the same amount."""
    open_ = TopUpDeclaration.objects.select_for_update().filter(
        organization=organization, status=D.DECLARED
    )
    return (
        open_.filter(bank_serial=line.txn_id, amount_fen=line.amount_fen).first()
        or open_.filter(amount_fen=line.amount_fen).order_by("created_at", "pk").first()
    )


# --- crediting a bank transaction -----------------------------------------------------------


def _credit(
    line: BankTransaction,
    *,
    organization: Organization,
    actor: User | None,
    declaration: TopUpDeclaration | None,
) -> Transfer:
    """Credit a locked, uncredited line to `organization`'s escrow (key per bank serial)."""
    clearing = ledger.account_for(purpose=P.CHANNEL_CLEARING, channel=BANK_ACCOUNT)
    escrow = ledger.account_for(purpose=P.ESCROW, organization_id=organization.pk)
    [transfer] = ledger.transfers_post(
        specs=[
            TransferSpec(
                key=credit_key(account=line.account, txn_id=line.txn_id),
                debit_id=clearing.pk,
                credit_id=escrow.pk,
                amount_fen=line.amount_fen,
                code="topup",
                reference=line.txn_id,
                memo=f"{line.payer_name} {line.memo}",
            )
        ]
    )
    line.organization = organization
    line.transfer = transfer
    line.matched_by = actor
    line.matched_at = timezone.now()
    line.save(update_fields=["organization", "transfer", "matched_by", "matched_at"])
    declaration = declaration or _find_declaration(line, organization)
    if declaration is not None:
        _declaration_matched(declaration, line)
    return transfer


def _line_record(
    *,
    account: str,
    txn_id: str,
    amount_fen: int,
    source: str,
    payer_name: str = "",
    payer_account: str = "",
    memo: str = "",
    value_on: date | None = None,
    raw: str = "",
) -> tuple[BankTransaction, bool]:
    """The locked row of this bank serial, created when new (returns it and `created`)."""
    try:
        with transaction.atomic():
            line, created = BankTransaction.objects.get_or_create(
                account=account,
                txn_id=txn_id,
                defaults={
                    "amount_fen": amount_fen,
                    "source": source,
                    "payer_name": _text(payer_name, 128),
                    "payer_account": _text(payer_account, 64),
                    "memo": _text(memo, 255),
                    "value_on": value_on,
                    "raw": raw[:2000],
                },
            )
    except IntegrityError:  # recorded concurrently
        created = False
    line = BankTransaction.objects.select_for_update().get(account=account, txn_id=txn_id)
    if line.amount_fen != amount_fen:
        raise Conflict(
            _("The bank reported this serial before with another amount."),
            code="bank_amount_conflict",
            detail={"txn_id": txn_id, "recorded_fen": line.amount_fen},
        )
    return line, created


@durable
def bank_credit_receive(
    *,
    txn_id: str,
    amount_fen: int,
    payer_name: str = "",
    payer_account: str = "",
    memo: str = "",
    raw: str = "",
    account: str = BANK_ACCOUNT,
) -> Transfer:
    """A credit the bank has notified (signed, already verified): recorded as a bank
    transaction and credited to the employer whose top-up code is in the memo; an open
    declaration of that employer is marked matched and its finance members notified.

    Idempotent per bank serial on every path: a retry, or a line an operator has matched
    from the statement already, returns the first credit. Raises
    ValidationFailed(unmatched_credit) when the memo names no employer: the line is kept
    for an operator to match and the bank keeps retrying.
    """
    line, _created = _line_record(
        account=account,
        txn_id=_serial(txn_id),
        amount_fen=_amount(amount_fen),
        source=S.NOTIFICATION,
        payer_name=payer_name,
        payer_account=payer_account,
        memo=memo,
        value_on=timezone.localdate(),
        raw=raw,
    )
    if line.transfer_id is not None:
        return line.transfer  # type: ignore[return-value]
    match = TOPUP_CODE.search(memo)
    organization = Organization.objects.filter(pk=int(match.group(1))).first() if match else None
    if organization is None:
        # Nothing is kept here (the caller's transaction rolls back); the notification
        # handler records the line again outside it for an operator to match.
        raise _Unmatched(line.pk, txn_id)
    return _credit(line, organization=organization, actor=None, declaration=None)


class _Unmatched(ValidationFailed):
    def __init__(self, line_id: int, txn_id: str) -> None:
        super().__init__(
            _("The transfer's memo names no employer."),
            code="unmatched_credit",
            detail={"txn_id": txn_id},
        )
        self.line_id = line_id


def escrow_topup_from_bank(*, headers: dict[str, str], body: bytes) -> Transfer:
    """Credit an employer's escrow from the bank's signed 来账通知 (see bank_credit_receive).

    Raises BadSignature / ValueError (via the channel), ValidationFailed(unmatched_credit):
    the line then waits among the unmatched ones for an operator.
    """
    channel = get_channel("bank")
    parse = getattr(channel, "parse_credit_notification", None)
    if parse is None:
        raise ValidationFailed(
            _("The bank channel takes no credit notifications."), code="unsupported"
        )
    credit = parse(headers, body)
    kwargs = {
        "txn_id": credit.txn_id,
        "amount_fen": credit.amount_fen,
        "payer_name": credit.payer_name,
        "payer_account": credit.payer_account,
        "memo": credit.memo,
        "raw": body.decode("utf-8", "replace"),
    }
    try:
        return bank_credit_receive(**kwargs)
    except _Unmatched:
        # The credit is real (signed): keep its line for the operator, credit nothing.
        with transaction.atomic():
            _line_record(
                account=BANK_ACCOUNT,
                txn_id=_serial(credit.txn_id),
                amount_fen=credit.amount_fen,
                source=S.NOTIFICATION,
                payer_name=credit.payer_name,
                payer_account=credit.payer_account,
                memo=credit.memo,
                value_on=timezone.localdate(),
                raw=kwargs["raw"],
            )
        raise
