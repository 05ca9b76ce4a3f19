"""ID-card OCR: find the card in the photo, straighten it, read it, parse the fields.

The engine is chosen by ``settings.IDENTITY_OCR_ENGINE`` (a dotted path to a class with
the `OcrEngine` interface): RapidOCR by default, `FakeOcrEngine` in tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from .base import OcrEngine, OcrLine, OcrUnavailable
from .card import ImageUnreadable, decode_image, straighten_card
from .parse import IdCardFields, parse_id_card

DEFAULT_ENGINE = "xinghuo.identity.ocr.rapid.RapidOcrEngine"

__all__ = [
    "IdCardFields",
    "ImageUnreadable",
    "OcrEngine",
    "OcrLine",
    "OcrUnavailable",
    "get_engine",
    "read_id_card",
]


def get_engine() -> OcrEngine:
    return import_string(getattr(settings, "IDENTITY_OCR_ENGINE", DEFAULT_ENGINE))()


@dataclass
class CardReading:
    fields: IdCardFields
    card_found: bool


def read_id_card(data: bytes, *, engine: OcrEngine | None = None) -> CardReading:
    """Read the front of an ID card from a photo's bytes. Raises ImageUnreadable."""
    image = decode_image(data)
    card, found = straighten_card(image)
    lines = (engine or get_engine()).read(card)
    return CardReading(fields=parse_id_card(lines), card_found=found)
