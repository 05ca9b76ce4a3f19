"""The xlsx plumbing the declaration and the statements share: a sheet of typed cells, a book."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from xinghuo.core import money


def yuan(fen: int) -> Decimal:
    """Fen as yuan, exactly, with two decimals: 123456 → Decimal("1234.56")."""
    return money.fen_to_decimal(fen)


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(moment: datetime) -> datetime:
    # xlsx has no time zones: Beijing wall clock, naive.
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


NUMBER_FORMATS = {"money": "#,##0.00", "rate": "0.00%", "datetime": "yyyy-mm-dd hh:mm"}


class _Sheet:
    def __init__(self, sheet: Any, columns: Sequence[tuple[str, int, str | None]], header_row: int):
        self.sheet = sheet
        self.columns = columns
        self.header_row = header_row

    def row(self, *values: Any) -> None:
        self.sheet.append(list(values))
        cells = self.sheet[self.sheet.max_row]
        for cell, (_name, _width, kind) in zip(cells, self.columns, strict=False):
            if kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[kind]

    def totals(self, label: str, sums_fen: dict[str, int]) -> None:
        from openpyxl.styles import Font

        names = [name for name, _width, _kind in self.columns]
        values: list[Any] = [None] * len(names)
        values[0] = label
        for name, fen in sums_fen.items():
            values[names.index(name)] = yuan(fen)
        self.row(*values)
        for cell in self.sheet[self.sheet.max_row]:
            cell.font = Font(bold=True)

    def note(self, column: int, text: str) -> None:
        from openpyxl.comments import Comment

        self.sheet.cell(row=self.header_row, column=column).comment = Comment(text, "星火")


class _Book:
    def __init__(self) -> None:
        import openpyxl

        self.book = openpyxl.Workbook()
        self.fresh = True

    def _new(self, name: str) -> Any:
        if self.fresh:
            self.fresh = False
            sheet = self.book.active
            sheet.title = name
            return sheet
        return self.book.create_sheet(name)

    def sheet(
        self,
        name: str,
        *,
        title: str,
        facts: Iterable[str],
        columns: Sequence[tuple[str, int, str | None]],
    ) -> _Sheet:
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter

        sheet = self._new(name)
        sheet.append([title])
        sheet["A1"].font = Font(bold=True, size=14)
        for fact in facts:
            sheet.append([fact])
        sheet.append([])
        sheet.append([name for name, _width, _kind in columns])
        header_row = sheet.max_row
        fill = PatternFill("solid", fgColor="FFF4E6")
        for index, (_name, width, _kind) in enumerate(columns, start=1):
            cell = sheet.cell(row=header_row, column=index)
            cell.font = Font(bold=True)
            cell.fill = fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = f"A{header_row + 1}"
        return _Sheet(sheet, columns, header_row)

    def notes(self, name: str, lines: Iterable[str]) -> None:
        from openpyxl.styles import Alignment

        sheet = self._new(name)
        sheet.column_dimensions["A"].width = 110
        for line in lines:
            sheet.append([line])
            sheet.cell(row=sheet.max_row, column=1).alignment = Alignment(wrap_text=True)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.book.save(buffer)
        return buffer.getvalue()
