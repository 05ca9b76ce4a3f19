from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from xinghuo.contracts.models import Agreement

from .helpers import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.urls("xinghuo.contracts.tests.urls")]
UA = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) XinghuoTest"}


def sign_payload(agreement: dict, **overrides: object) -> dict:
    return {
        "consent": True,
        "consent_text": agreement["consent_text_required"],
        "document_sha256": agreement["unsigned_sha256"],
    } | overrides


def test_worker_reads_signs_downloads_and_verifies(api, verified_worker) -> None:  # type: ignore[no-untyped-def]
    worker = verified_worker()
    me = api(worker.user)
    r = me.get("/workers/me/agreement")
    assert r.status_code == 200, r.content
    agreement = r.json()
    assert agreement["status"] == "generated"
    assert agreement["party_id_number_masked"] == "3301**********1237"
    assert agreement["number"] in agreement["consent_text_required"]

    pdf = me.get("/workers/me/agreement/pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert "王建国" in pdf_text(pdf.content)

    r = me.post("/workers/me/agreement/sign", sign_payload(agreement), **UA)
    assert r.status_code == 200, r.content
    signed = r.json()
    assert signed["status"] == "signed"
    assert signed["consent_text"] == agreement["consent_text_required"]
    row = Agreement.objects.get(pk=agreement["id"])
    assert row.signer_ip == "127.0.0.1"
    assert row.signer_user_agent == UA["HTTP_USER_AGENT"]

    download = me.get("/workers/me/agreement/pdf", {"download": "true"})
    assert download["Content-Disposition"].startswith("attachment")
    assert download.content.startswith(pdf.content)  # signed = shown document + signature

    r = me.get(f"/agreements/{agreement['id']}/verify")
    assert r.status_code == 200, r.content
    assert r.json()["result"] == "valid"
    assert r.json()["signature_valid"] is True

    # Signing again changes nothing.
    again = me.post("/workers/me/agreement/sign", sign_payload(agreement, consent_text="x"))
    assert again.status_code == 200
    assert again.json()["signed_sha256"] == signed["signed_sha256"]
    assert again.json()["consent_text"] == signed["consent_text"]


def test_sign_without_consent_is_refused(api, verified_worker) -> None:  # type: ignore[no-untyped-def]
    me = api(verified_worker().user)
    agreement = me.get("/workers/me/agreement").json()
    r = me.post("/workers/me/agreement/sign", sign_payload(agreement, consent=False))
    assert r.status_code == 422
    assert r.json()["code"] == "consent_required"
    r = me.post("/workers/me/agreement/sign", {"consent_text": "x"})
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"
    assert Agreement.objects.get(pk=agreement["id"]).status == "generated"


def test_tampered_file_is_reported(api, verified_worker) -> None:  # type: ignore[no-untyped-def]
    worker = verified_worker()
    me = api(worker.user)
    agreement = me.get("/workers/me/agreement").json()
    me.post("/workers/me/agreement/sign", sign_payload(agreement))
    row = Agreement.objects.get(pk=agreement["id"])
    path = Path(settings.MEDIA_ROOT) / row.signed_pdf.name
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x20
    path.write_bytes(bytes(data))
    body = me.get(f"/agreements/{agreement['id']}/verify").json()
    assert body["result"] == "tampered"
    assert body["signature_valid"] is False
    assert body["checks"]["file_hash_matches"] is False


def test_other_worker_cannot_read_sign_or_verify(api, verified_worker) -> None:  # type: ignore[no-untyped-def]
    owner, other = verified_worker(), verified_worker()
    mine = api(owner.user).get("/workers/me/agreement").json()
    them = api(other.user)
    # Their own endpoints only ever touch their own agreement…
    assert them.get("/workers/me/agreement/pdf").status_code == 404
    r = them.post("/workers/me/agreement/sign", sign_payload(mine))
    assert r.status_code == 404
    assert Agreement.objects.get(pk=mine["id"]).status == "generated"
    # …and someone else's agreement id is not found.
    api(owner.user).post("/workers/me/agreement/sign", sign_payload(mine))
    r = them.get(f"/agreements/{mine['id']}/verify")
    assert r.status_code == 404
    assert r.json()["code"] == "agreement_not_found"
    assert them.get("/agreements/999999/verify").json()["code"] == "agreement_not_found"


def test_operator_verifies_any_agreement(api, verified_worker, operator) -> None:  # type: ignore[no-untyped-def]
    me = api(verified_worker().user)
    agreement = me.get("/workers/me/agreement").json()
    assert api(operator).get(f"/agreements/{agreement['id']}/verify").json()["result"] == (
        "not_signed"
    )
    me.post("/workers/me/agreement/sign", sign_payload(agreement))
    assert api(operator).get(f"/agreements/{agreement['id']}/verify").json()["result"] == "valid"


def test_anonymous_is_refused(api) -> None:  # type: ignore[no-untyped-def]
    assert api().get("/workers/me/agreement").status_code == 401
