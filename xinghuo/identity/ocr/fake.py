"""An in-process OCR engine for tests and demos without images: it returns set lines."""

from __future__ import annotations

from datetime import date

import numpy as np

from .base import OcrLine


class FakeOcrEngine:
    """Returns `lines` (one text per row, top to bottom) whatever the image."""

    def __init__(self, lines: list[str] | None = None) -> None:
        self.lines = list(lines or [])
        self.calls = 0

    def read(self, image: np.ndarray) -> list[OcrLine]:
        self.calls += 1
        return [
            OcrLine(
                text,
                0.99,
                (
                    (10.0, 40.0 * i),
                    (400.0, 40.0 * i),
                    (400.0, 40.0 * i + 30),
                    (10.0, 40.0 * i + 30),
                ),
            )
            for i, text in enumerate(self.lines)
        ]


def card_lines(
    *, name: str, sex: str, ethnicity: str, birth_on: date, address: str, id_number: str
) -> list[str]:
    """The rows a perfect OCR reads off the front of an ID card with these fields (the
    address wraps after 13 characters, as printed)."""
    wrapped = [address[:13], address[13:]] if len(address) > 13 else [address]
    rows = [
        f"姓名{name}",
        f"性别{'男' if sex == 'M' else '女'}民族{ethnicity}",
        f"出生{birth_on.year}年{birth_on.month}月{birth_on.day}日",
        f"住址{wrapped[0]}",
        *wrapped[1:],
        f"公民身份号码{id_number}",
    ]
    return [r for r in rows if r]
