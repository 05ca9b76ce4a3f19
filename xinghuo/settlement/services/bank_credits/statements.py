"""Top-ups: the operator imports the bank's statement and matches its lines."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.selectors import Capability, require_capability
from xinghuo.core import money
from xinghuo.core.exceptions import Conflict, NotFound, ValidationFailed
from xinghuo.core.transactions import durable

from ...models import (
    BankMatchAttempt,
    BankTransaction,
    TopUpDeclaration,
    Transfer,
)
from .credits import (
    BANK_ACCOUNT,
    MAX_STATEMENT_BYTES,
    MAX_STATEMENT_LINES,
    AlreadyCredited,
    BankTransactionNotFound,
    DeclarationNotFound,
    _amount,
    _credit,
    _line_record,
    _serial,
)

S = BankTransaction.Source
D = TopUpDeclaration.Status


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


def _statement_columns(header: list[str]) -> dict[str, int]:
    """Where each known column is in the statement's header (ValidationFailed without the
    serial or the amount)."""
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
    return columns


def _line_amount(text: str, number: int) -> int:
    """A statement line's amount in fen (credits above zero, debits not)."""
    try:
        return money.yuan_to_fen(text.replace(",", ""))
    except ValueError:
        raise ValidationFailed(
            _("Line %(line)s: the amount is not a number of yuan.") % {"line": number},
            code="statement_amount",
            detail={"line": number},
        ) from None


def _line_serial_and_amount(text: str, amount: int, number: int) -> tuple[str, int]:
    """A credit line's checked serial and amount; a problem refuses the file with the line
    number."""
    try:
        return _serial(text), _amount(amount)
    except ValidationFailed as exc:
        raise ValidationFailed(
            _("Line %(line)s: %(problem)s") % {"line": number, "problem": exc.message},
            code=exc.code,
            detail={"line": number},
        ) from None


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
    columns = _statement_columns([_header_name(h) for h in next(reader, [])])
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
        amount = _line_amount(cell("amount"), number)
        if amount <= 0:
            result.skipped += 1
            continue
        txn_id, amount = _line_serial_and_amount(cell("txn_id"), amount, number)
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
