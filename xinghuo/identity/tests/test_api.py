from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from xinghuo.identity.models import RevealAudit

from .cards import PEOPLE
from .test_bins import card

pytestmark = [pytest.mark.django_db, pytest.mark.urls("xinghuo.identity.tests.urls")]


def upload(client, data: bytes | None = None):  # type: ignore[no-untyped-def]
    if data is None:
        buf = io.BytesIO()
        Image.new("RGB", (640, 400), (200, 200, 190)).save(buf, "JPEG")
        data = buf.getvalue()
    f = io.BytesIO(data)
    f.name = "card.jpg"
    return client.client.post(
        "/api/v1/workers/me/identity/photo", {"image": f}, headers=client.headers
    )


def confirm_payload(person=PEOPLE[0]) -> dict:  # type: ignore[no-untyped-def]
    return {
        "name": person.name,
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "birth_on": person.birth_on.isoformat(),
        "address": person.address,
        "id_number": person.id_number,
    }


def test_worker_flow_photo_confirm_review(api, make_worker, operator) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    me, op = api(worker.user), api(operator)
    assert me.get("/workers/me/identity").status_code == 404

    r = upload(me)
    assert r.status_code == 200, r.content
    draft = r.json()
    assert draft["status"] == "draft"
    assert draft["id_number"] == PEOPLE[0].id_number  # the worker checks what OCR read
    assert draft["missing_fields"] == []

    payload = confirm_payload() | {"address": PEOPLE[0].address + "2楼"}
    r = me.put("/workers/me/identity", payload)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "pending"
    assert body["id_number"] is None
    assert body["id_number_masked"] == PEOPLE[0].id_number[:4] + "*" * 10 + PEOPLE[0].id_number[-4:]
    assert body["corrected_fields"] == ["address"]

    queue = op.get("/identity/reviews").json()
    assert queue["count"] == 1
    item = queue["items"][0]
    assert item["corrected_fields"] == ["address"]
    assert item["ocr"]["address"] == PEOPLE[0].address
    assert PEOPLE[0].id_number not in str(queue)

    r = op.post(f"/identity/reviews/{item['id']}/approve", {"note": ""})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert me.get("/workers/me/identity").json()["status"] == "approved"


def test_reveal_returns_clear_values_and_records_them(api, make_worker, operator) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    me, op = api(worker.user), api(operator)
    upload(me)
    vid = me.put("/workers/me/identity", confirm_payload()).json()["id"]

    r = op.post(f"/identity/reviews/{vid}/reveal", {"field": "id_number", "reason": "核对号码"})
    assert r.status_code == 200
    assert r.json()["value"] == PEOPLE[0].id_number
    r = op.post(f"/identity/reviews/{vid}/reveal", {"field": "image", "reason": "核对照片"})
    prefix = "data:image/jpeg;base64,"
    assert r.json()["value"].startswith(prefix)
    assert base64.b64decode(r.json()["value"][len(prefix) :])[:2] == b"\xff\xd8"

    reveals = op.get(f"/identity/reviews/{vid}/reveals").json()
    assert [(x["field"], x["reason"]) for x in reveals["items"]] == [
        ("image", "核对照片"),
        ("id_number", "核对号码"),
    ]
    # Without a reason nothing is revealed.
    r = op.post(f"/identity/reviews/{vid}/reveal", {"field": "id_number", "reason": ""})
    assert r.status_code == 422
    assert RevealAudit.objects.count() == 2


def test_workers_cannot_see_the_review_queue_or_reveal(api, make_worker) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    me = api(worker.user)
    upload(me)
    vid = me.put("/workers/me/identity", confirm_payload()).json()["id"]
    assert me.get("/identity/reviews").status_code == 403
    assert me.get(f"/identity/reviews/{vid}").status_code == 404
    r = me.post(f"/identity/reviews/{vid}/reveal", {"field": "id_number", "reason": "x"})
    assert r.status_code == 404
    assert me.post(f"/identity/reviews/{vid}/approve", {}).status_code == 404
    assert not RevealAudit.objects.exists()


def test_invalid_id_number_gets_a_code_and_a_chinese_message(api, make_worker) -> None:  # type: ignore[no-untyped-def]
    me = api(make_worker().user)
    upload(me)
    bad = PEOPLE[0].id_number[:-1] + ("0" if PEOPLE[0].id_number[-1] != "0" else "1")
    r = me.put("/workers/me/identity", confirm_payload() | {"id_number": bad})
    assert r.status_code == 422
    assert r.json()["code"] == "id_number_checksum"
    assert r.json()["detail"]["field"] == "id_number"
    assert me.get("/workers/me/identity").json()["status"] == "draft"


def test_bad_upload_is_a_4xx(api, make_worker) -> None:  # type: ignore[no-untyped-def]
    me = api(make_worker().user)
    r = upload(me, b"not an image at all")
    assert r.status_code == 422
    assert r.json()["code"] == "image_type"


def test_bank_card_recognition(api, make_worker) -> None:  # type: ignore[no-untyped-def]
    me = api(make_worker().user)
    number = card("622848", 19)
    r = me.post("/identity/bank-card/recognise", {"number": number})
    assert r.status_code == 200
    body = r.json()
    assert (body["bank_code"], body["bank_name"], body["card_type"]) == (
        "ABC",
        "中国农业银行",
        "DC",
    )
    assert body["luhn_ok"] and body["warnings"] == []
    assert body["number_masked"] == number[:4] + "*" * 11 + number[-4:]
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    body = me.post("/identity/bank-card/recognise", {"number": wrong}).json()
    assert not body["luhn_ok"] and len(body["warnings"]) == 1 and body["bank_code"] == "ABC"
    r = me.post("/identity/bank-card/recognise", {"number": "12ab"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_card_number"


def test_bank_card_recognition_needs_a_login(api) -> None:  # type: ignore[no-untyped-def]
    assert (
        api().post("/identity/bank-card/recognise", {"number": "6228480000000000000"}).status_code
        == 401
    )


def test_operator_sees_other_statuses_on_request(api, make_worker, operator) -> None:  # type: ignore[no-untyped-def]
    me = api(make_worker().user)
    upload(me)
    op = api(operator)
    assert op.get("/identity/reviews").json()["count"] == 0
    assert op.get("/identity/reviews", {"status": "draft"}).json()["count"] == 1
