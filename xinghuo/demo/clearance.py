"""Workers made ready for paid work through the real services: an invented person's ID card
read, confirmed and approved, then the platform agreement generated and signed.

Used by the demo builder and by the test fixtures, so that both go through the same
gates as a real worker (identity review, consent evidence, the PAdES signature). The
card photo is a plain card-coloured image and the OCR engine is the in-process fake that
reads the person's printed rows: running the real engine on sixty generated cards would
add a minute to the demo build for nothing the OCR tests and benchmark do not already
cover.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

from PIL import Image
from stdnum.cn import ric

from xinghuo.accounts.models import User
from xinghuo.contracts import services as contract_services
from xinghuo.identity import services as identity_services
from xinghuo.identity.models import IdentityVerification
from xinghuo.workforce.models import Worker

DEMO_USER_AGENT = "Xinghuo demo/test set-up"

_ADDRESSES = (
    "浙江省杭州市西湖区文三路478号",
    "浙江省杭州市上城区解放路138号",
    "浙江省杭州市拱墅区莫干山路1108号",
    "浙江省杭州市滨江区江南大道3888号",
)
# Region codes that agree with the addresses above (西湖, 上城, 拱墅, 滨江).
_REGIONS = ("330106", "330102", "330105", "330108")


@dataclass(frozen=True)
class Person:
    name: str
    sex: str  # "M" / "F"
    ethnicity: str
    birth_on: date
    address: str
    id_number: str


def person_for(name: str, seq: int) -> Person:
    """An invented person with a valid ID number, different for every `seq` (0–99,999):
    born between 1970 and 2003, sex from the sequence digit as on real cards."""
    birth_on = date(1970, 1, 1) + timedelta(days=(seq * 7919) % (33 * 365))
    region = _REGIONS[seq % len(_REGIONS)]
    serial = seq % 1000
    body = f"{region}{birth_on:%Y%m%d}{serial:03d}"
    number = body + ric.calc_check_digit(body + "0")
    sex = "M" if serial % 2 else "F"
    return Person(
        name=name,
        sex=sex,
        ethnicity="汉",
        birth_on=birth_on,
        address=_ADDRESSES[seq % len(_ADDRESSES)],
        id_number=number,
    )


def card_photo() -> bytes:
    """A small card-coloured JPEG standing in for the photo of the card."""
    buf = io.BytesIO()
    Image.new("RGB", (428, 270), (214, 226, 236)).save(buf, "JPEG", quality=70)
    return buf.getvalue()


def identity_submit(*, worker: Worker, person: Person) -> IdentityVerification:
    """The worker photographs his card and confirms what was read: pending review."""
    lines = identity_services.card_lines(
        name=person.name,
        sex=person.sex,
        ethnicity=person.ethnicity,
        birth_on=person.birth_on,
        address=person.address,
        id_number=person.id_number,
    )
    identity_services.identity_submit_photo(
        worker=worker, image=card_photo(), engine=identity_services.FakeOcrEngine(lines)
    )
    return identity_services.identity_confirm(
        worker=worker,
        name=person.name,
        sex=person.sex,
        ethnicity=person.ethnicity,
        birth_on=person.birth_on,
        address=person.address,
        id_number=person.id_number,
    )


def agreement_sign(*, worker: Worker, ip_address: str = "127.0.0.1") -> None:
    agreement = contract_services.agreement_get_or_generate(worker=worker)
    contract_services.agreement_sign(
        worker=worker,
        consent=True,
        consent_text=contract_services.consent_text_for(agreement),
        ip_address=ip_address,
        user_agent=DEMO_USER_AGENT,
        document_sha256=agreement.unsigned_sha256,
    )


def worker_clear(*, worker: Worker, reviewer: User, person: Person) -> Worker:
    """Identity submitted and approved by `reviewer` (an operator), agreement signed."""
    verification = identity_submit(worker=worker, person=person)
    identity_services.identity_approve(reviewer=reviewer, verification_id=verification.pk)
    agreement_sign(worker=worker)
    worker.refresh_from_db()
    return worker
