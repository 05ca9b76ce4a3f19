"""Fixtures of the identity tests: media in a temporary folder, a preset fake OCR engine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from xinghuo.identity.ocr.fake import FakeOcrEngine
from xinghuo.identity.ocr.fake import card_lines as fake_card_lines

from .cards import PEOPLE, Person


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "ocr: runs the real OCR engine on generated card photos (a few seconds each)"
    )


class PresetOcrEngine(FakeOcrEngine):
    """The engine settings choose in these tests; `preset_lines` is set by the fixture."""

    preset_lines: list[str] = []

    def __init__(self) -> None:
        super().__init__(list(self.preset_lines))


def card_lines(person: Person) -> list[str]:
    """The rows a perfect OCR reads off `person`'s card."""
    return fake_card_lines(
        name=person.name,
        sex=person.sex,
        ethnicity=person.ethnicity,
        birth_on=person.birth_on,
        address=person.address,
        id_number=person.id_number,
    )


@pytest.fixture(autouse=True)
def _identity_settings(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.IDENTITY_OCR_ENGINE = "xinghuo.identity.tests.conftest.PresetOcrEngine"
    PresetOcrEngine.preset_lines = card_lines(PEOPLE[0])
    yield
    PresetOcrEngine.preset_lines = []


@pytest.fixture
def ocr_reads() -> Any:
    """ocr_reads(lines) makes the fake engine read these lines on the next photos."""

    def set_lines(lines: list[str]) -> None:
        PresetOcrEngine.preset_lines = list(lines)

    return set_lines
