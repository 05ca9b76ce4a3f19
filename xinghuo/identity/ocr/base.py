"""The OCR interface: an engine turns an image into text lines with their boxes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class OcrLine:
    text: str
    score: float
    # Four (x, y) corners, clockwise from the top left, in the image's pixels.
    box: tuple[tuple[float, float], ...]

    @property
    def top(self) -> float:
        return min(y for _, y in self.box)

    @property
    def bottom(self) -> float:
        return max(y for _, y in self.box)

    @property
    def left(self) -> float:
        return min(x for x, _ in self.box)


class OcrEngine(Protocol):
    """Reads the text of a BGR image (numpy, as OpenCV holds it)."""

    def read(self, image: np.ndarray) -> list[OcrLine]: ...


class OcrUnavailable(Exception):
    """The engine cannot run here (its package or model files are missing)."""
