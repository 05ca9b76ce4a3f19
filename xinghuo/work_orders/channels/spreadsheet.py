"""Orders from a spreadsheet (工单批量导入): xlsx, or csv in UTF-8 (with or without BOM) or GB18030.

Columns are found by their header, Chinese or English (站址编码 or site_code…), in any
order; unknown columns are ignored and listed in the report. Line numbers are the
spreadsheet's own row numbers (the header is line 1), as Excel or WPS shows them.

Each row is made in its own savepoint through `work_order_create` (channel "import"):
a bad row is reported and rejects nothing else. A row whose 外部编号 (external_ref)
was imported before is a duplicate, not an error, and creates nothing; rows without
one are not deduplicated, so fill it in to make a re-import safe.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.core.exceptions import ApplicationError
from xinghuo.workforce.models import Role, Skill

from .. import services
from ..models import WorkOrder
from ..services import OrderDraft
from . import common
from .exceptions import BadImportFile

MAX_ROWS = 5_000
MAX_BYTES = 5 * 1024 * 1024
# An xlsx is a zip: bound what it expands to, and how many (even empty) rows we walk.
MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_PHYSICAL_ROWS = 50_000
MAX_COLUMNS = 64

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# column key → (template header, accepted headers). The first Chinese header is the template's.
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "site_code": ("站址编码", ("站址编码", "站址代码", "站址", "site_code", "site")),
    "title": ("标题", ("标题", "工单标题", "title")),
    "description": ("描述", ("描述", "工单描述", "说明", "description")),
    "kind": ("类型", ("类型", "工单类型", "kind", "type")),
    "role": ("岗位", ("岗位", "岗位角色", "角色", "role")),
    "skills": ("技能", ("技能", "所需技能", "skills")),
    "priority": ("优先级", ("优先级", "priority")),
    "earliest_start": (
        "最早开始",
        ("最早开始", "最早开始时间", "开始时间", "earliest_start", "earliest_start_at"),
    ),
    "deadline": ("截止时间", ("截止时间", "截止", "deadline", "deadline_at")),
    "estimated_minutes": (
        "预计时长(分钟)",
        ("预计时长(分钟)", "预计时长", "estimated_minutes"),
    ),
    "price_yuan": ("价格(元)", ("价格(元)", "价格", "price_yuan", "price")),
    "base_points": ("基础积分", ("基础积分", "积分", "base_points")),
    "external_ref": ("外部编号", ("外部编号", "external_ref")),
}
REQUIRED_COLUMNS = ("site_code", "title", "deadline")

KINDS = {
    "工单": WorkOrder.Kind.ORDER,
    "order": WorkOrder.Kind.ORDER,
    "值守": WorkOrder.Kind.SHIFT,
    "shift": WorkOrder.Kind.SHIFT,
}
PRIORITIES = {
    "紧急": WorkOrder.Priority.URGENT,
    "urgent": WorkOrder.Priority.URGENT,
    "普通": WorkOrder.Priority.NORMAL,
    "一般": WorkOrder.Priority.NORMAL,
    "normal": WorkOrder.Priority.NORMAL,
}

# work_order_create names its fields after OrderDraft; the report names the columns.
_DRAFT_FIELD_TO_COLUMN = {
    "site_id": "site_code",
    "deadline_at": "deadline",
    "earliest_start_at": "earliest_start",
    "required_role_id": "role",
    "required_skill_ids": "skills",
    "price_fen": "price_yuan",
}


def _header_key(text: object) -> str:
    # NFKC folds full-width brackets: 价格（元） reads as 价格(元). A trailing * marks "required".
    normalised = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return "".join(normalised.split()).rstrip("*").casefold()


_HEADER_LOOKUP = {
    _header_key(alias): key for key, (_header, aliases) in COLUMNS.items() for alias in aliases
}


@dataclass
class ImportReport:
    """What an import did: every non-empty row is in exactly one of the three lists."""

    rows: int = 0
    created: list[int] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


# --- reading the file ------------------------------------------------------------------------


def _file_error(message: Any, code: str, **detail: Any) -> BadImportFile:
    return BadImportFile(message, code=code, detail={"field": "file", **detail})


def _read_bytes(file: IO[bytes]) -> bytes:
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _file_error(_("The file is larger than 5 MB."), "file_too_large", max_bytes=MAX_BYTES)
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _file_error(_("The file is larger than 5 MB."), "file_too_large", max_bytes=MAX_BYTES)
    if not data.strip():
        raise _file_error(_("The file is empty."), "empty_file")
    return data


def _unsupported() -> BadImportFile:
    return _file_error(
        _("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."), "unsupported_file_type"
    )


def _xlsx_rows(data: bytes) -> Iterator[Sequence[object]]:
    import openpyxl  # only imports pay for it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if "xl/workbook.xml" not in archive.namelist():
                raise _unsupported()  # a zip, but a .docx or some other archive
    except zipfile.BadZipFile:
        raise _file_error(
            _("The workbook is damaged and cannot be read."), "bad_spreadsheet"
        ) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise _file_error(_("The file is larger than 5 MB."), "file_too_large", max_bytes=MAX_BYTES)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # The first sheet holds the orders (the template's second sheet is the instructions).
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    except ApplicationError:
        raise
    except Exception:  # openpyxl raises many kinds of error for a damaged workbook
        raise _file_error(
            _("The workbook is damaged and cannot be read."), "bad_spreadsheet"
        ) from None


def _decode_text(data: bytes) -> str:
    # Excel on a Chinese Windows saves "CSV (逗号分隔)" in GB18030 (GBK), not UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(_("The CSV file must be encoded in UTF-8 or GB18030 (GBK)."), "bad_encoding")


def _csv_rows(data: bytes) -> Iterator[Sequence[object]]:
    text = _decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count) if first_line else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error:
        raise _file_error(_("The CSV file cannot be read."), "bad_spreadsheet") from None


def _rows(file: IO[bytes]) -> Iterator[Sequence[object]]:
    data = _read_bytes(file)
    name = (getattr(file, "name", "") or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    # Trust the content over the name, except to tell a CSV from any other text.
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # the old binary .xls (OLE2)
        raise _file_error(
            _("Old .xls workbooks are not supported: save the file as .xlsx or CSV."),
            "unsupported_file_type",
        )
    if extension in ("csv", "txt") and b"\x00" not in data:
        return _csv_rows(data)
    raise _unsupported()


# --- rows to drafts --------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _columns(header: Sequence[object], report: ImportReport) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _HEADER_LOOKUP.get(_header_key(cell))
        if key is None:
            if _text(cell):
                report.ignored_columns.append(_text(cell)[:64])
            continue
        if key in columns:
            raise _file_error(
                _("Column “%(column)s” appears twice.") % {"column": _text(cell)[:64]},
                "duplicate_column",
                column=key,
            )
        columns[key] = index
    missing = [key for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        raise _file_error(
            _("Required columns are missing: %(columns)s.")
            % {"columns": "、".join(COLUMNS[key][0] for key in missing)},
            "missing_columns",
            columns=missing,
        )
    return columns


def _choice(value: object, choices: Mapping[str, str], *, default: str, column: str) -> str:
    text = _text(value)
    if not text:
        return default
    choice = choices.get(text.casefold())
    if choice is None:
        raise common.bad(
            _("“%(value)s” is not one of: %(allowed)s.")
            % {"value": text[:32], "allowed": "、".join(choices)},
            column,
            f"invalid_{column}",
        )
    return choice


def _draft(
    values: dict[str, object], *, site_ids: dict[str, int], catalogue: common.Catalogue
) -> OrderDraft:
    site_code = _text(values.get("site_code"))
    site_id = site_ids.get(site_code)
    if site_id is None:
        raise common.unknown_site(site_code)
    deadline = common.parse_datetime(values.get("deadline"), field="deadline")
    if deadline is None:
        raise common.bad(_("The deadline is required."), "deadline", "required")
    optional: dict[str, Any] = {}
    for column in ("estimated_minutes", "base_points"):
        number = common.parse_int(values.get(column), field=column)
        if number is not None:
            optional[column] = number
    price_fen = common.yuan_to_fen(values.get("price_yuan"), field="price_yuan")
    if price_fen is not None:
        optional["price_fen"] = price_fen
    return OrderDraft(
        site_id=site_id,
        title=_text(values.get("title")),
        description=_text(values.get("description")),
        deadline_at=deadline,
        earliest_start_at=common.parse_datetime(
            values.get("earliest_start"), field="earliest_start"
        ),
        kind=_choice(values.get("kind"), KINDS, default=WorkOrder.Kind.ORDER, column="kind"),
        priority=_choice(
            values.get("priority"), PRIORITIES, default=WorkOrder.Priority.NORMAL, column="priority"
        ),
        required_role_id=catalogue.role_id(values.get("role")),
        required_skill_ids=catalogue.skill_ids(_text(values.get("skills"))),
        external_ref=common.external_ref(values.get("external_ref")),
        **optional,
    )


def _error(line: int, exc: ApplicationError) -> dict[str, Any]:
    column = exc.detail.get("field")
    return {
        "line": line,
        "code": exc.code,
        "message": str(exc.message),
        "field": _DRAFT_FIELD_TO_COLUMN.get(column, column) if column else None,
    }


# --- the service -----------------------------------------------------------------------------


@transaction.atomic
def work_order_import(
    *,
    actor: User,
    organization: Organization,
    file: IO[bytes],
    create: services.OrderCreate,
    publish: bool = True,
) -> ImportReport:
    """Create orders (published unless publish=False) from an xlsx/csv file, one savepoint
    per row, by `create` (`workflows.services.work_order_create`: a row whose escrow is
    short is a row error); report by line.

    At most 5 MB and 5,000 rows (else the whole file is refused, nothing created).
    Idempotent per row on 外部编号 (channel "import"). Raises PermissionDenied for
    members who may not manage orders, BadImportFile (422) for a file that cannot
    be read; a bad row is only reported.
    """
    services.require_editor(actor=actor, organization=organization)
    rows = _rows(file)
    header = next(rows, None)
    if header is None:
        raise _file_error(_("The file is empty."), "empty_file")
    report = ImportReport()
    columns = _columns(header, report)
    # Read the whole sheet first so that an oversized file is refused before any row is made.
    body = _sheet_body(rows, columns)
    report.rows = len(body)
    catalogue = common.Catalogue.load(organization=organization)
    site_ids = common.site_ids_for_codes(
        organization=organization, codes=(_text(values.get("site_code")) for _line, values in body)
    )
    for line, values in body:
        try:
            ref = common.external_ref(values.get("external_ref"))
            # Known reference: a duplicate whatever the rest of the row says.
            existing = _existing_order_id(organization=organization, ref=ref)
            if existing is None:
                draft = _draft(values, site_ids=site_ids, catalogue=catalogue)
                with transaction.atomic():
                    result = create(
                        actor=actor,
                        organization=organization,
                        draft=draft,
                        channel=WorkOrder.Channel.IMPORT,
                        publish=publish,
                    )
                if result.created:
                    report.created.append(result.order.pk)
                    continue
                existing = result.order.pk
        except ApplicationError as exc:
            report.errors.append(_error(line, exc))
            continue
        report.duplicates.append({"line": line, "external_ref": ref, "order_id": existing})
    return report


def _sheet_body(
    rows: Iterator[Sequence[object]], columns: dict[str, int]
) -> list[tuple[int, dict[str, object]]]:
    """The non-empty rows by line, their values by column key; BadImportFile
    (too_many_rows) for a sheet past the limits."""
    body: list[tuple[int, dict[str, object]]] = []
    for line, row in enumerate(rows, start=2):
        if line > MAX_PHYSICAL_ROWS:
            # Not silently cut short: empty rows that were formatted still count here.
            raise _file_error(
                _(
                    "The sheet has more than %(n)d rows, counting empty formatted ones: "
                    "delete the unused rows."
                )
                % {"n": MAX_PHYSICAL_ROWS},
                "too_many_rows",
                max_rows=MAX_ROWS,
            )
        values = {key: row[index] if index < len(row) else None for key, index in columns.items()}
        if not any(_text(v) for v in values.values()):
            continue
        if len(body) >= MAX_ROWS:
            raise _file_error(
                _("At most %(n)d rows per file: split the file.") % {"n": MAX_ROWS},
                "too_many_rows",
                max_rows=MAX_ROWS,
            )
        body.append((line, values))
    return body


def _existing_order_id(*, organization: Organization, ref: str) -> int | None:
    """The imported order with this external reference, if any."""
    if not ref:
        return None
    return (
        WorkOrder.objects.filter(
            organization=organization, channel=WorkOrder.Channel.IMPORT, external_ref=ref
        )
        .values_list("pk", flat=True)
        .first()
    )


# --- the template ----------------------------------------------------------------------------

_COLUMN_HELP: dict[str, tuple[bool, str]] = {
    "site_code": (True, "站址编码，须是本企业已登记的站址"),
    "title": (True, "工单标题，最多 128 字"),
    "description": (False, "工作内容说明"),
    "kind": (False, "工单 或 值守，默认 工单；值守须填最早开始"),
    "role": (False, "岗位编码或中文名称，见下表"),
    "skills": (False, "技能编码或中文名称，多个用 、 , ， ; 分隔，见下表"),
    "priority": (False, "紧急 或 普通，默认 普通"),
    "earliest_start": (False, "北京时间，如 2026-12-01 08:00"),
    "deadline": (True, "北京时间，如 2026-12-01 18:00，须晚于现在"),
    "estimated_minutes": (False, "整数分钟，默认 60"),
    "price_yuan": (False, "元，最多两位小数，如 350.00"),
    "base_points": (False, "整数，默认 10"),
    "external_ref": (False, "贵方系统的编号；填写后重复导入不会重复建单"),
}


def import_template_xlsx(*, organization: Organization) -> bytes:
    """The import template: headers in Chinese, one example row, and a sheet of instructions
    listing the roles and skills this organization may use."""
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "工单"
    sheet.append([header for header, _aliases in COLUMNS.values()])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    tomorrow = timezone.localdate() + timedelta(days=1)
    example = {
        "site_code": "HZ-XH-0001",
        "title": "市电停电发电保障",
        "description": "携带油机前往站点发电，恢复供电后拍照回单",
        "kind": "工单",
        "role": "发电人员",
        "skills": "油机发电、电工作业",
        "priority": "紧急",
        "earliest_start": datetime.combine(tomorrow, time(8, 0)),
        "deadline": datetime.combine(tomorrow, time(18, 0)),
        "estimated_minutes": 240,
        "price_yuan": 350.00,
        "base_points": 20,
        "external_ref": "ERP-2026-0001",
    }
    sheet.append([example[key] for key in COLUMNS])
    for index, key in enumerate(COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = 18 if key not in ("title", "description") else 30
        if key in ("earliest_start", "deadline"):
            sheet.cell(row=2, column=index).number_format = "yyyy-mm-dd hh:mm"
        if key == "price_yuan":
            sheet.cell(row=2, column=index).number_format = "0.00"
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet("填写说明")
    guide.append(["列名", "必填", "说明"])
    for key, (required, text) in _COLUMN_HELP.items():
        guide.append([COLUMNS[key][0], "是" if required else "", text])
    guide.append([])
    guide.append(["岗位编码", "岗位名称"])
    roles = Role.objects.filter(is_active=True, organization__isnull=True) | Role.objects.filter(
        is_active=True, organization=organization
    )
    for role in roles.order_by("pk"):
        guide.append([role.code, role.name])
    guide.append([])
    guide.append(["技能编码", "技能名称"])
    for skill in Skill.objects.order_by("pk"):
        guide.append([skill.code, skill.name])
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 18
    guide.column_dimensions["C"].width = 50
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
