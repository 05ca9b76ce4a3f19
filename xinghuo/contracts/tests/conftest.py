"""Fixtures of the agreement tests: media in a temporary folder, one demo signing
certificate for the session, and a worker with an approved identity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
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
    (the in-process OCR engine reads his card). The first one of a test is PERSON; later
    ones are invented people with their own valid ID numbers."""
    from xinghuo.demo.clearance import Person, identity_submit, person_for
    from xinghuo.identity import services as identity_services

    counter = iter(range(1, 10_000))

    def make(**kwargs: Any) -> Worker:
        n = next(counter)
        if n == 1:
            person = Person(**PERSON, id_number=person_id_number())
        else:
            person = person_for(kwargs.pop("name", "李四"), n)
        worker = make_worker(name=kwargs.pop("name", person.name), **kwargs)
        v = identity_submit(worker=worker, person=person)
        identity_services.identity_approve(reviewer=operator, verification_id=v.pk)
        worker.refresh_from_db()
        return worker

    return make
