"""The e签宝 v3 client: request signatures byte-exact (golden values computed with
`openssl dgst -hmac`, and the fake server recomputing them from the wire), the sign
flow against the local fake, and callback verification."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from xinghuo.contracts import selectors, services
from xinghuo.contracts.models import Agreement
from xinghuo.contracts.signing import get_signer
from xinghuo.contracts.signing.base import SignRequest
from xinghuo.contracts.signing.esign import (
    BadCallback,
    EsignClient,
    EsignError,
    callback_signature,
    content_md5,
    path_and_parameters,
    request_signature,
    string_to_sign,
)
from xinghuo.contracts.signing.fake_esign import running_fake_esign

SECRET = "test-secret-123"


# --- golden values ---------------------------------------------------------------------------


def test_string_to_sign_and_signature_golden_post() -> None:
    body = b'{"a":1}'
    assert content_md5(body) == "u2y1xo30ZSlByvZSo2by2A=="
    to_sign = string_to_sign(
        method="POST",
        accept="*/*",
        content_md5=content_md5(body),
        content_type="application/json; charset=UTF-8",
        date="",
        headers="",
        path_and_parameters="/v3/files/file-upload-url",
    )
    assert to_sign == (
        "POST\n*/*\nu2y1xo30ZSlByvZSo2by2A==\napplication/json; charset=UTF-8\n\n"
        "/v3/files/file-upload-url"
    )
    # printf '<to_sign>' | openssl dgst -sha256 -hmac test-secret-123 -binary | base64
    assert request_signature(SECRET, to_sign) == "pyCfNIhUv9KCiNv8GtBedk53Feqef511R4ybroj2LsM="


def test_string_to_sign_golden_get_with_sorted_query() -> None:
    target = path_and_parameters("/v3/sign-flow/abc/detail", {"b": "2", "flag": "", "a": "1"})
    assert target == "/v3/sign-flow/abc/detail?a=1&b=2&flag"
    assert content_md5(b"") == ""
    to_sign = string_to_sign(
        method="GET",
        accept="*/*",
        content_md5="",
        content_type="application/json; charset=UTF-8",
        date="",
        headers="",
        path_and_parameters=target,
    )
    assert request_signature(SECRET, to_sign) == "2Jc4dKWQN/Y1RHAoSW2HHGoFgDg0RKtPxcXwFSl9MxY="


def test_callback_signature_golden() -> None:
    body = b'{"action":"SIGN_FLOW_COMPLETE","signFlowId":"abc"}'
    assert (
        callback_signature(SECRET, timestamp="1700000000000", body=body)
        == "c2d08a4c51c6ab2e902c71110220e61d50d24fecce92674581f811ab234dbbd5"
    )


def test_client_headers_are_the_documented_ones() -> None:
    client = EsignClient(
        app_id="7439000001", app_secret=SECRET, base_url="https://x", clock=lambda: 1700000000.0
    )
    headers = client.signed_headers("POST", "/v3/files/file-upload-url", b'{"a":1}')
    assert headers == {
        "X-Tsign-Open-App-Id": "7439000001",
        "X-Tsign-Open-Auth-Mode": "Signature",
        "X-Tsign-Open-Ca-Timestamp": "1700000000000",
        "X-Tsign-Open-Ca-Signature": "pyCfNIhUv9KCiNv8GtBedk53Feqef511R4ybroj2LsM=",
        "Accept": "*/*",
        "Content-Type": "application/json; charset=UTF-8",
        "Content-MD5": "u2y1xo30ZSlByvZSo2by2A==",
    }


# --- against the fake server -----------------------------------------------------------------


def test_fake_recomputes_the_signature_from_the_wire_byte_exact() -> None:
    with running_fake_esign(app_secret=SECRET) as fake:
        client = fake.client()
        file_id, upload_url = client.file_upload_url(file_name="协议.pdf", pdf=b"%PDF-1.7 x")
        with pytest.raises(EsignError):  # signed correctly, but there is no such flow
            client.call("GET", "/v3/sign-flow/none/detail", query={"b": "2", "a": "1"})
    assert fake.rejected == []
    body = json.dumps(
        {
            "contentMd5": content_md5(b"%PDF-1.7 x"),
            "contentType": "application/pdf",
            "fileName": "协议.pdf",
            "fileSize": 10,
            "convertToPDF": False,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    assert fake.string_to_sign_log == [
        f"POST\n*/*\n{content_md5(body)}\napplication/json; charset=UTF-8\n\n"
        "/v3/files/file-upload-url",
        "GET\n*/*\n\napplication/json; charset=UTF-8\n\n/v3/sign-flow/none/detail?a=1&b=2",
    ]
    assert file_id and upload_url.endswith(file_id)


def test_wrong_secret_is_refused_by_the_server() -> None:
    with running_fake_esign() as fake:
        client = EsignClient(app_id=fake.app_id, app_secret="wrong", base_url=fake.base_url)
        with pytest.raises(EsignError) as exc:
            client.file_upload_url(file_name="a.pdf", pdf=b"%PDF")
    assert exc.value.code == 401
    assert fake.rejected == ["signature mismatch"]


def test_signer_signs_through_the_fake_and_verifies(verified_worker: Any, db: None) -> None:
    worker = verified_worker()
    agreement = services.agreement_get_or_generate(worker=worker)
    pdf = agreement.unsigned_pdf.read()
    with running_fake_esign() as fake:
        signer = fake.signer()
        result = signer.sign(
            SignRequest(
                pdf=pdf, document_id=agreement.number, title="t", signer_name="p", reason="r"
            )
        )
    assert result.status == "signed" and result.pdf
    assert signer.verify(result.pdf).valid
    # Someone else's certificate is not trusted.
    assert not get_signer("local").verify(result.pdf).trusted


def test_callback_verification() -> None:
    with running_fake_esign() as fake:
        client = fake.client()
        headers, body = fake.callback("SIGN_FLOW_COMPLETE", "flow1")
        assert client.verify_callback(headers=headers, body=body)["signFlowId"] == "flow1"
        with pytest.raises(BadCallback):
            client.verify_callback(headers=headers, body=body.replace(b"flow1", b"flow2"))
        with pytest.raises(BadCallback):
            client.verify_callback(headers=headers | {"X-Tsign-Open-App-Id": "other"}, body=body)
        old, old_body = fake.callback(
            "SIGN_FLOW_COMPLETE", "flow1", timestamp_ms=int((time.time() - 3600) * 1000)
        )
        with pytest.raises(BadCallback):
            client.verify_callback(headers=old, body=old_body)
        lower = {k.lower(): v for k, v in headers.items()}  # Django's request.headers case
        assert client.verify_callback(headers=lower, body=body)["action"] == "SIGN_FLOW_COMPLETE"


@pytest.mark.urls("xinghuo.contracts.tests.urls")
def test_pending_flow_completes_on_the_callback(
    api: Any, verified_worker: Any, settings: Any, tmp_path: Path
) -> None:
    with running_fake_esign(finish_at_once=False) as fake:
        ca = tmp_path / "esign-ca.pem"
        ca.write_bytes(fake.ca_pem())
        settings.CONTRACTS_SIGNER = "esign"
        settings.CONTRACTS_ESIGN = {
            "app_id": fake.app_id,
            "app_secret": fake.app_secret,
            "base_url": fake.base_url,
            "trust_roots": [str(ca)],
        }
        worker = verified_worker()
        me = api(worker.user)
        agreement = me.get("/workers/me/agreement").json()
        r = me.post(
            "/workers/me/agreement/sign",
            {"consent": True, "consent_text": agreement["consent_text_required"]},
        )
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "signing"
        assert not selectors.worker_has_signed(worker=worker)
        row = Agreement.objects.get(pk=agreement["id"])
        assert row.signer_backend == "esign" and row.provider_ref

        fake.finish(row.provider_ref)
        headers, body = fake.callback("SIGN_FLOW_COMPLETE", row.provider_ref)
        bad = api().client.post(
            "/api/v1/hooks/esign", body + b" ", content_type="application/json", headers=headers
        )
        assert bad.status_code == 401
        ok = api().client.post(
            "/api/v1/hooks/esign", body, content_type="application/json", headers=headers
        )
        assert ok.status_code == 200, ok.content
        # Callbacks repeat: the second one changes nothing.
        again = api().client.post(
            "/api/v1/hooks/esign", body, content_type="application/json", headers=headers
        )
        assert again.status_code == 200
        row.refresh_from_db()
        assert row.status == "signed"
        assert selectors.worker_has_signed(worker=worker)
        verify = me.get(f"/agreements/{row.pk}/verify").json()
        assert verify["result"] == "valid", verify
