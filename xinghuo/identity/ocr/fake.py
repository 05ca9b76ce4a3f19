"""An in-process OCR engine for tests and demos without images: it returns set lines."""

from __future__ import annotations

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
