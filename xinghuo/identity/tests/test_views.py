"""The worker's identity pages and the operators' review queue (xinghuo/identity/views.py)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from xinghuo.demo.clearance import person_for
from xinghuo.identity.models import IdentityVerification, RevealAudit
from xinghuo.identity.ocr.fake import FakeOcrEngine, card_lines

pytestmark = pytest.mark.django_db

PERSON = person_for("王建国", 21)


class CardReader(FakeOcrEngine):
    """The engine the settings name in these tests: it reads PERSON's card."""

    def __init__(self) -> None:
        super().__init__(
            card_lines(
                name=PERSON.name,
                sex=PERSON.sex,
                ethnicity=PERSON.ethnicity,
                birth_on=PERSON.birth_on,
                address=PERSON.address,
                id_number=PERSON.id_number,
            )
        )


@pytest.fixture(autouse=True)
def _engine(settings: Any) -> None:
    settings.IDENTITY_OCR_ENGINE = f"{__name__}.CardReader"


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def photo() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (640, 400), (210, 220, 230)).save(buf, "JPEG")
    buf.seek(0)
    buf.name = "card.jpg"
    return buf


def confirm_data(**changes: str) -> dict[str, str]:
    data = {
        "action": "confirm",
        "name": PERSON.name,
        "sex": PERSON.sex,
        "ethnicity": PERSON.ethnicity,
        "birth_on": PERSON.birth_on.isoformat(),
        "address": PERSON.address,
        "id_number": PERSON.id_number,
    }
    return {**data, **changes}


@pytest.fixture
def submitted(make_worker):  # type: ignore[no-untyped-def]
    """A worker who photographed his card and confirmed it with the address corrected."""
    worker = make_worker(name=PERSON.name)
    client = logged_in(worker.user)
    url = reverse("web:worker_identity")
    r = client.post(url, {"action": "photo", "image": photo()})
    assert r.status_code == 302
    page = client.get(url).content.decode()
    # The draft shows what was read, the full number included (it is his own card).
    assert PERSON.id_number in page and PERSON.address in page
    r = client.post(url, confirm_data(address="浙江省杭州市西湖区文三路480号"))
    assert r.status_code == 302
    return worker, client


def test_worker_flow_photo_confirm_and_pending(submitted) -> None:  # type: ignore[no-untyped-def]
    worker, client = submitted
    v = IdentityVerification.objects.get(worker=worker)
    assert v.status == "pending"
    assert v.corrected_fields == ["address"]
    page = client.get(reverse("web:worker_identity")).content.decode()
    assert 'data-status="pending"' in page
    assert PERSON.id_number not in page  # masked once submitted
    assert v.id_number_masked in page


def test_invalid_id_number_is_shown_on_the_field_and_nothing_is_submitted(make_worker) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker(name=PERSON.name)
    client = logged_in(worker.user)
    url = reverse("web:worker_identity")
    client.post(url, {"action": "photo", "image": photo()})
    bad = PERSON.id_number[:-1] + ("0" if PERSON.id_number[-1] != "0" else "1")
    r = client.post(url, confirm_data(id_number=bad))
    assert r.status_code == 200
    assert r.context["confirm_form"].errors
    assert IdentityVerification.objects.get(worker=worker).status == "draft"


def test_not_an_image_is_refused_on_the_form(make_worker) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    client = logged_in(worker.user)
    fake = io.BytesIO(b"%PDF-1.4 not a photo")
    fake.name = "card.jpg"
    r = client.post(reverse("web:worker_identity"), {"action": "photo", "image": fake})
    assert r.status_code == 200
    assert r.context["photo_form"].errors["image"]
    assert not IdentityVerification.objects.filter(worker=worker).exists()


def test_operator_sees_corrections_reveals_with_audit_and_approves(submitted, operator) -> None:  # type: ignore[no-untyped-def]
    worker, worker_client = submitted
    v = IdentityVerification.objects.get(worker=worker)
    op = logged_in(operator)
    queue = op.get(reverse("web:operator_identities"))
    html = queue.content.decode()
    assert f'id="identity-{v.pk}"' in html and "文三路480号" in html
    assert PERSON.id_number not in html
    # The corrected-only filter keeps it; nothing else is pending.
    assert (
        f'id="identity-{v.pk}"'
        in op.get(reverse("web:operator_identities") + "?corrected=1").content.decode()
    )

    detail_url = reverse("web:operator_identity_detail", args=[v.pk])
    detail = op.get(detail_url).content.decode()
    assert PERSON.id_number not in detail and 'class="corrected"' in detail
    # A reveal without a reason shows nothing and records nothing.
    r = op.post(detail_url, {"decision": "reveal_id_number", "reveal_reason": ""})
    assert PERSON.id_number not in r.content.decode()
    assert not RevealAudit.objects.exists()
    r = op.post(detail_url, {"decision": "reveal_id_number", "reveal_reason": "核对更正"})
    assert PERSON.id_number in r.content.decode()
    audit = RevealAudit.objects.get()
    assert (audit.actor, audit.field, audit.reason) == (operator, "id_number", "核对更正")
    r = op.post(detail_url, {"decision": "reveal_image", "reveal_reason": "核对照片"})
    assert 'id="revealed-image" src="data:image/jpeg;base64,' in r.content.decode()
    assert RevealAudit.objects.count() == 2

    r = op.post(detail_url, {"decision": "approve", "note": ""})
    assert r.status_code == 302
    v.refresh_from_db()
    assert v.status == "approved" and v.reviewed_by == operator
    page = worker_client.get(reverse("web:worker_identity")).content.decode()
    assert 'data-status="approved"' in page


def test_rejection_needs_a_reason_and_the_worker_sees_it(submitted, operator) -> None:  # type: ignore[no-untyped-def]
    worker, worker_client = submitted
    v = IdentityVerification.objects.get(worker=worker)
    op = logged_in(operator)
    url = reverse("web:operator_identity_detail", args=[v.pk])
    op.post(url, {"decision": "reject", "reason": ""})
    v.refresh_from_db()
    assert v.status == "pending"
    op.post(url, {"decision": "reject", "reason": "照片模糊，请重新拍摄"})
    v.refresh_from_db()
    assert v.status == "rejected"
    page = worker_client.get(reverse("web:worker_identity")).content.decode()
    assert "照片模糊，请重新拍摄" in page and 'id="identity-photo-form"' in page


def test_review_pages_are_for_operators_only(submitted) -> None:  # type: ignore[no-untyped-def]
    worker, worker_client = submitted
    v = IdentityVerification.objects.get(worker=worker)
    for url in (
        reverse("web:operator_identities"),
        reverse("web:operator_identity_detail", args=[v.pk]),
    ):
        assert worker_client.get(url).status_code == 302
    r = worker_client.post(
        reverse("web:operator_identity_detail", args=[v.pk]),
        {"decision": "reveal_id_number", "reveal_reason": "x"},
    )
    assert r.status_code == 302
    assert not RevealAudit.objects.exists()
    v.refresh_from_db()
    assert v.status == "pending"


def test_worker_home_lists_the_steps_before_paid_work(make_worker, clear_worker) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    client = logged_in(worker.user)
    html = client.get(reverse("web:worker_home")).content.decode()
    assert 'data-step="identity"' in html
    assert html.count('class="done"') == 0
    hall = client.get(reverse("web:worker_hall")).content.decode()
    assert 'id="not-cleared"' in hall
    clear_worker(worker)
    html = client.get(reverse("web:worker_home")).content.decode()
    assert html.count('class="done"') == 2  # identity and agreement
    assert 'id="not-cleared"' not in client.get(reverse("web:worker_hall")).content.decode()


def test_agreement_page_asks_for_the_identity_before_signing(make_worker) -> None:  # type: ignore[no-untyped-def]
    from xinghuo.contracts.models import Agreement

    worker = make_worker()
    client = logged_in(worker.user)
    html = client.get(reverse("web:worker_agreement")).content.decode()
    assert 'id="agreement-needs-identity"' in html and 'id="agreement-sign-form"' not in html
    agreement = Agreement.objects.get(worker=worker)
    r = client.post(
        reverse("web:worker_agreement"),
        {"consent": "on", "document_sha256": agreement.unsigned_sha256},
    )
    assert r.status_code == 200
    agreement.refresh_from_db()
    assert agreement.status == "generated"
