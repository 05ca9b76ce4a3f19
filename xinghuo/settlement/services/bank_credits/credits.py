"""Money into escrow (F2): only from the bank, never by typing.

    employer      declares a transfer (amount, bank serial, receipt photo) → 待到账, no money
    bank          signed 来账通知 → BankTransaction(notification) → escrow credited
    operator      imports the statement → BankTransaction(statement) lines, unmatched;
                  matches a line to an employer (or its declaration) → escrow credited

Every escrow credit is `channel clearing → escrow` under ONE key per bank transaction,
`bank:<receiving account>:<bank serial>`, whichever path comes first; the other path finds
the row credited and credits nothing. A refused second match is recorded
(BankMatchAttempt) for the reconciliation page. `escrow_credits_unbacked` lists escrow
credits without a bank transaction (`manage.py verify_ledger` fails on them).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.selectors import Capability, members_with_capability, require_capability
from xinghuo.core import crypto, money
from xinghuo.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinghuo.core.transactions import durable
from xinghuo.identity import services as identity_services
from xinghuo.notifications import services as notification_services

from ...channels.base import get_channel
from ...models import (
    BankMatchAttempt,
    BankTransaction,
    LedgerAccount,
    TopUpDeclaration,
    Transfer,
)
from ...selectors import is_finance_member
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


# --- the employer's declaration -------------------------------------------------------------


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


# --- the operator: statement import and matching ---------------------------------------------

# Column names of the statement file, English or as Chinese banks export them.
STATEMENT_COLUMNS = {
    "txn_id": ("txn_id", "serial", "交易流水号", "流水号"),
    "value_on": ("value_date", "记账日期", "交易日期"),
    "amount": ("amount", "金额", "贷方金额", "收入金额"),
    "payer_name": ("payer_name", "付款人名称", "对方户名"),
    "payer_account": ("payer_account", "付款人账号", "对方账号"),
    "memo": ("memo", "附言", "摘要", "用途"),
}


@dataclass
class StatementImport:
    created: list[BankTransaction] = field(default_factory=list)
    existing: int = 0
    skipped: int = 0  # debits: not money coming in
    errors: list[dict[str, object]] = field(default_factory=list)


def _statement_rows(data: bytes) -> Iterator[list[str]]:
    """The statement's rows as text cells, from a CSV (UTF-8 or GB18030) or an .xlsx file
    (its first sheet, read without formulas)."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise ValidationFailed(
            _("The statement file is larger than 2 MB."),
            code="statement_too_large",
            detail={"field": "file"},
        )
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    return csv.reader(io.StringIO(_statement_text(data)))


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # A zip bomb: refuse what would unpack to far more than the upload itself.
            if sum(i.file_size for i in archive.infolist()) > 50 * MAX_STATEMENT_BYTES:
                raise zipfile.BadZipFile("too large when unpacked")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = [
            ["" if cell is None else _cell_text(cell) for cell in row]
            for row in book.worksheets[0].iter_rows(
                max_row=MAX_STATEMENT_LINES + 2, values_only=True
            )
        ]
        book.close()
    except Exception:
        # A hostile file makes openpyxl and lxml raise about anything (XMLSyntaxError is a
        # SyntaxError, a missing part a KeyError…): whatever it is, it is not a statement.
        raise ValidationFailed(
            _("Upload the statement as a CSV or Excel (.xlsx) file."),
            code="statement_type",
            detail={"field": "file"},
        ) from None
    return iter(rows)


def _cell_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # Amounts typed as numbers: two decimals at most, as the bank writes them.
        return f"{value:.2f}" if round(value, 2) == value else repr(value)
    return str(value)


def _statement_text(data: bytes) -> str:
    if b"\x00" in data:
        raise ValidationFailed(
            _("Upload the statement as a CSV or Excel (.xlsx) file."),
            code="statement_type",
            detail={"field": "file"},
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(
        _("Upload the statement as a CSV or Excel (.xlsx) file."),
        code="statement_type",
        detail={"field": "file"},
    )


def _date(value: str) -> date | None:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _header_name(cell: str) -> str:
    """A statement column's name without its unit: "金额（元）" and "Amount (CNY)" read as
    "金额" and "amount" (the page asks for "金额（元）"; banks write units in brackets)."""
    return re.sub(r"\s*[(（][^)）]*[)）]\s*$", "", cell.strip()).strip().lower()


@durable
def bank_statement_import(
    *, operator: User, data: bytes, account: str = BANK_ACCOUNT
) -> StatementImport:
    """Read a bank statement (CSV or .xlsx: serial, value date, amount in yuan, payer, payer
    account, memo) into bank transactions, unmatched: an operator matches them. Idempotent by
    serial: a line seen before (by notification or an earlier import) is counted `existing`;
    debits are skipped. All or nothing: a malformed line refuses the file with its line number.
    """
    require_capability(actor=operator, capability=Capability.BANK_MATCH)
    reader = _statement_rows(data)
    header = [_header_name(h) for h in next(reader, [])]
    columns: dict[str, int] = {}
    for name, aliases in STATEMENT_COLUMNS.items():
        for alias in aliases:
            if alias in header:
                columns[name] = header.index(alias)
                break
    missing = {"txn_id", "amount"} - set(columns)
    if missing:
        raise ValidationFailed(
            _("The statement has no column for the serial or the amount."),
            code="statement_columns",
            detail={"missing": sorted(missing)},
        )
    result = StatementImport()
    for number, row in enumerate(reader, start=2):
        if number > MAX_STATEMENT_LINES + 1:
            raise ValidationFailed(
                _("The statement has more than 10,000 lines: import it in parts."),
                code="statement_too_long",
            )

        def cell(name: str, row: list[str] = row) -> str:
            index = columns.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        if not any(c.strip() for c in row):
            continue
        try:
            amount = money.yuan_to_fen(cell("amount").replace(",", ""))
        except ValueError:
            raise ValidationFailed(
                _("Line %(line)s: the amount is not a number of yuan.") % {"line": number},
                code="statement_amount",
                detail={"line": number},
            ) from None
        if amount <= 0:
            result.skipped += 1
            continue
        try:
            txn_id, amount = _serial(cell("txn_id")), _amount(amount)
        except ValidationFailed as exc:
            raise ValidationFailed(
                _("Line %(line)s: %(problem)s") % {"line": number, "problem": exc.message},
                code=exc.code,
                detail={"line": number},
            ) from None
        line, created = _line_record(
            account=account,
            txn_id=txn_id,
            amount_fen=amount,
            source=S.STATEMENT,
            payer_name=cell("payer_name"),
            payer_account=cell("payer_account"),
            memo=cell("memo"),
            value_on=_date(cell("value_on")),
            raw=",".join(row)[:2000],
        )
        if created:
            result.created.append(line)
        else:
            result.existing += 1
    return result


def bank_transaction_match(
    *,
    operator: User,
    bank_transaction_id: int,
    organization_id: int | None = None,
    declaration_id: int | None = None,
) -> Transfer:
    """An operator matches a statement line to an employer (or to its declaration): the
    line's amount is credited to that escrow under the line's one key.

    A line credited already (by the notification or an earlier match) is refused with
    Conflict(already_credited), and the attempt is recorded for reconciliation. Raises
    BankTransactionNotFound, DeclarationNotFound, ValidationFailed(amount_differs) when a
    declaration names another amount.
    """
    require_capability(actor=operator, capability=Capability.BANK_MATCH)
    if (organization_id is None) == (declaration_id is None):
        raise ValidationFailed(
            _("Match the line to an employer or to a declaration."), code="match_target"
        )
    refused: AlreadyCredited | None = None
    with transaction.atomic(durable=True):
        line = BankTransaction.objects.select_for_update().filter(pk=bank_transaction_id).first()
        if line is None:
            raise BankTransactionNotFound(_("Bank transaction not found."))
        declaration = None
        if declaration_id is not None:
            declaration = (
                TopUpDeclaration.objects.select_for_update()
                .select_related("organization")
                .filter(pk=declaration_id)
                .first()
            )
            if declaration is None:
                raise DeclarationNotFound(_("Top-up declaration not found."))
            organization = declaration.organization
        else:
            assert organization_id is not None  # one of the two, checked above
            found = Organization.objects.filter(pk=organization_id).first()
            if found is None:
                raise NotFound(_("Organization not found."), code="organization_not_found")
            organization = found
        if line.transfer_id is not None:
            refused = AlreadyCredited(
                _("This bank transaction has been credited already; it is not credited again."),
                detail={"bank_transaction_id": line.pk, "organization_id": line.organization_id},
            )
        else:
            if declaration is not None:
                if declaration.status != D.DECLARED:
                    raise Conflict(
                        _("This declaration has been matched already."),
                        code="declaration_matched",
                    )
                if declaration.amount_fen != line.amount_fen:
                    raise ValidationFailed(
                        _("The declaration names another amount than the bank line."),
                        code="amount_differs",
                        detail={
                            "declared_fen": declaration.amount_fen,
                            "line_fen": line.amount_fen,
                        },
                    )
            return _credit(line, organization=organization, actor=operator, declaration=declaration)
    # Recorded outside the refused transaction so that the attempt survives the refusal.
    BankMatchAttempt.objects.create(
        bank_transaction_id=bank_transaction_id, actor=operator, organization=organization
    )
    raise refused


# --- reads ---------------------------------------------------------------------------------


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
