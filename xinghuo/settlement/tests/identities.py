"""Approved identities for the payout tests, made through the identity services: the
in-process OCR engine reads an invented card, the worker confirms, an operator approves.

(The root conftest's `clear_worker` also signs the platform agreement; binding a payout
account only needs the identity, so these tests skip the PDF.)
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from PIL import Image
from stdnum.cn import ric

from xinghuo.accounts.models import User
from xinghuo.identity import selectors as identity_selectors
from xinghuo.identity import services as identity_services
from xinghuo.identity.models import IdentityVerification
from xinghuo.identity.ocr.fake import FakeOcrEngine
from xinghuo.workforce.models import Worker

# Beijing Chaoyang: a region no other fixture uses, so the numbers never meet theirs.
REGION = "110105"


def id_number(seq: int) -> tuple[str, date, str]:
    """A valid ID number different for every `seq` (1–999), its birth date and sex."""
    birth_on = date(1970, 1, 1) + timedelta(days=(seq * 37) % (30 * 365))
    body = f"{REGION}{birth_on:%Y%m%d}{seq % 1000:03d}"
    sex = "M" if seq % 2 else "F"
    return body + ric.calc_check_digit(body + "0"), birth_on, sex


def submit_identity(worker: Worker, *, seq: int, name: str | None = None) -> IdentityVerification:
    """The worker's card read and confirmed under `name` (his user's name by default): his
    identity is pending review."""
    name = name or worker.user.name
    number, birth_on, sex = id_number(seq)
    person = {
        "name": name,
        "sex": sex,
        "ethnicity": "汉",
        "birth_on": birth_on,
        "address": "北京市朝阳区建国路88号",
    }
    lines = [
        f"姓名{name}",
        f"性别{'男' if sex == 'M' else '女'}民族汉",
        f"出生{birth_on.year}年{birth_on.month}月{birth_on.day}日",
        f"住址{person['address']}",
        f"公民身份号码{number}",
    ]
    photo = io.BytesIO()
    Image.new("RGB", (428, 270), (214, 226, 236)).save(photo, "JPEG")
    identity_services.identity_submit_photo(
        worker=worker, image=photo.getvalue(), engine=FakeOcrEngine(lines)
    )
    return identity_services.identity_confirm(worker=worker, **person, id_number=number)


def approve_identity(worker: Worker, *, reviewer: User, seq: int, name: str | None = None) -> None:
    """Verify `worker` under `name` (his user's name by default); nothing if he is already."""
    if identity_selectors.worker_is_identity_verified(worker=worker):
        return
    verification = submit_identity(worker, seq=seq, name=name)
    identity_services.identity_approve(reviewer=reviewer, verification_id=verification.pk)
