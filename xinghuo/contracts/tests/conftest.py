"""Fixtures of the agreement tests: media in a temporary folder, one demo signing
certificate for the session, and a worker with an approved identity."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from PIL import Image
from stdnum.cn import ric

from xinghuo.workforce.models import Worker


@pytest.fixture(scope="session")
def signing_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("contracts-signing")


@pytest.fixture(autouse=True)
def _contracts_settings(settings: Any, tmp_path: Any, signing_dir: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CONTRACTS_SIGNING_DIR = str(signing_dir)
    settings.CONTRACTS_SIGNER = "local"
    settings.PLATFORM_LEGAL_NAME = "杭州星火数智科技有限公司"


PERSON = {
    "name": "王建国",
    "sex": "M",
    "ethnicity": "汉",
    "birth_on": date(1988, 5, 12),
    "address": "浙江省杭州市西湖区文三路100号",
}


def person_id_number() -> str:
    body = "33010619880512123"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def verified_worker(make_worker: Callable[..., Worker], operator: Any) -> Callable[..., Worker]:
    """A worker whose identity an operator approved, made through the identity services
    (the in-process OCR engine reads his card)."""
    from xinghuo.identity import services as identity_services
    from xinghuo.identity.ocr.fake import FakeOcrEngine

    def make(**kwargs: Any) -> Worker:
        worker = make_worker(name=PERSON["name"], **kwargs)
        number = person_id_number()
        b = PERSON["birth_on"]
        lines = [
            f"姓名{PERSON['name']}",
            f"性别男民族{PERSON['ethnicity']}",
            f"出生{b.year}年{b.month}月{b.day}日",
            f"住址{PERSON['address']}",
            f"公民身份号码{number}",
        ]
        buf = io.BytesIO()
        Image.new("RGB", (640, 400), (200, 200, 190)).save(buf, "JPEG")
        identity_services.identity_submit_photo(
            worker=worker, image=buf.getvalue(), engine=FakeOcrEngine(lines)
        )
        v = identity_services.identity_confirm(worker=worker, **PERSON, id_number=number)
        identity_services.identity_approve(reviewer=operator, verification_id=v.pk)
        worker.refresh_from_db()
        return worker

    return make
