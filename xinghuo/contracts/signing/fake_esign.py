"""A local fake of the e签宝 open API v3 for the client's tests (and a demo if wanted).

It runs on 127.0.0.1 (port 0: any free port) in a background thread, recomputes the
StringToSign of every API request from what actually arrived and compares the
signature byte for byte (keeping the last StringToSign for golden tests), checks the
upload's Content-MD5, signs the uploaded PDF with PAdES under its own demo CA when a
flow with an auto-signing platform is created, and makes signed callbacks::

    with running_fake_esign() as fake:
        signer = fake.signer()
        result = signer.sign(SignRequest(...))
        headers, body = fake.callback("SIGN_FLOW_COMPLETE", result.provider_ref)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization

from .base import SignRequest
from .esign import (
    EsignClient,
    EsignSigner,
    callback_signature,
    content_md5,
    request_signature,
    string_to_sign,
)
from .pades import SigningIdentity, _load, _self_signed, sign_pades

_FLOW = re.compile(r"^/v3/sign-flow/([A-Za-z0-9]+)/(detail|file-download-url)$")


@dataclass
class Flow:
    file_id: str
    status: int
    signed_pdf: bytes = b""


@dataclass
class FakeEsign:
    app_id: str = "7439000001"
    app_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    # True: the flow finishes when created; False: it stays "signing" until `finish`.
    finish_at_once: bool = True
    base_url: str = ""
    identity: SigningIdentity = field(default_factory=lambda: _demo_identity("e签宝（测试CA）"))
    string_to_sign_log: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- what tests use --------------------------------------------------------------------

    def client(self, **kwargs: Any) -> EsignClient:
        return EsignClient(
            app_id=self.app_id, app_secret=self.app_secret, base_url=self.base_url, **kwargs
        )

    def signer(self, **kwargs: Any) -> EsignSigner:
        return EsignSigner(client=self.client(**kwargs), trust_roots=[self.identity.cert])

    def ca_pem(self) -> bytes:
        from cryptography import x509

        return x509.load_der_x509_certificate(self.identity.cert.dump()).public_bytes(
            serialization.Encoding.PEM
        )

    def finish(self, flow_id: str) -> None:
        with self.lock:
            flow = self.flows[flow_id]
            pdf = self.files[flow.file_id]["content"]
            flow.signed_pdf = self._sign(pdf, flow_id)
            flow.status = 2

    def callback(
        self, action: str, flow_id: str, *, timestamp_ms: int | None = None
    ) -> tuple[dict[str, str], bytes]:
        """Headers and body of a callback as e签宝 sends it, signed with the app secret."""
        body = json.dumps(
            {"action": action, "signFlowId": flow_id, "timestamp": int(time.time() * 1000)},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
        return (
            {
                "X-Tsign-Open-App-Id": self.app_id,
                "X-Tsign-Open-TIMESTAMP": ts,
                "X-Tsign-Open-SIGNATURE-ALGORITHM": "hmac-sha256",
                "X-Tsign-Open-SIGNATURE": callback_signature(
                    self.app_secret, timestamp=ts, body=body
                ),
                "Content-Type": "application/json",
            },
            body,
        )

    # --- the server side ---------------------------------------------------------------------

    def _sign(self, pdf: bytes, flow_id: str) -> bytes:
        return sign_pades(
            pdf,
            self.identity,
            SignRequest(
                pdf=pdf, document_id=flow_id, title="", signer_name="e签宝", reason="平台自动签署"
            ),
        )

    def check_signature(self, method: str, target: str, headers: Any, body: bytes) -> str | None:
        """None when the request is signed correctly, else the reason."""
        if headers.get("X-Tsign-Open-App-Id") != self.app_id:
            return "unknown app id"
        if headers.get("X-Tsign-Open-Auth-Mode") != "Signature":
            return "auth mode must be Signature"
        if not (headers.get("X-Tsign-Open-Ca-Timestamp") or "").isdigit():
            return "timestamp missing"
        declared_md5 = headers.get("Content-MD5") or ""
        if declared_md5 != content_md5(body):
            return "Content-MD5 does not match the body"
        to_sign = string_to_sign(
            method=method,
            accept=headers.get("Accept") or "",
            content_md5=declared_md5,
            content_type=headers.get("Content-Type") or "",
            date=headers.get("Date") or "",
            headers="",
            path_and_parameters=target,
        )
        with self.lock:
            self.string_to_sign_log.append(to_sign)
        expected = request_signature(self.app_secret, to_sign)
        if not hmac.compare_digest(expected, headers.get("X-Tsign-Open-Ca-Signature") or ""):
            return "signature mismatch"
        return None

    def handle(self, method: str, target: str, headers: Any, body: bytes) -> tuple[int, bytes]:
        path = urlsplit(target).path
        if method == "PUT" and path.startswith("/upload/"):
            return self._upload(path.rsplit("/", 1)[1], headers, body)
        if method == "GET" and path.startswith("/download/"):
            flow = self.flows.get(path.rsplit("/", 1)[1])
            return (200, flow.signed_pdf) if flow and flow.signed_pdf else (404, b"")
        problem = self.check_signature(method, target, headers, body)
        if problem:
            with self.lock:
                self.rejected.append(problem)
            return 401, _json({"code": 401, "message": f"签名校验失败: {problem}"})
        payload = json.loads(body) if body else {}
        if method == "POST" and path == "/v3/files/file-upload-url":
            return self._file_upload_url(payload)
        if method == "POST" and path == "/v3/sign-flow/create-by-file":
            return self._create_flow(payload)
        match = _FLOW.match(path)
        if method == "GET" and match:
            return self._flow_read(match.group(1), match.group(2))
        return 404, _json({"code": 404, "message": "not found"})

    def _file_upload_url(self, payload: dict[str, Any]) -> tuple[int, bytes]:
        file_id = secrets.token_hex(16)
        with self.lock:
            self.files[file_id] = {"md5": payload["contentMd5"], "content": None}
        return 200, _ok({"fileId": file_id, "fileUploadUrl": f"{self.base_url}/upload/{file_id}"})

    def _create_flow(self, payload: dict[str, Any]) -> tuple[int, bytes]:
        file_id = payload["docs"][0]["fileId"]
        with self.lock:
            upload = self.files.get(file_id)
        if not upload or upload["content"] is None:
            return 200, _json({"code": 1435002, "message": "文件未上传"})
        auto = payload["signers"][0]["signFields"][0]["normalSignFieldConfig"]["autoSign"]
        flow_id = secrets.token_hex(16)
        with self.lock:
            self.flows[flow_id] = Flow(file_id=file_id, status=1)
        if auto and self.finish_at_once:
            self.finish(flow_id)
        return 200, _ok({"signFlowId": flow_id})

    def _flow_read(self, flow_id: str, what: str) -> tuple[int, bytes]:
        """A flow's detail (its status) or its signed files."""
        flow = self.flows.get(flow_id)
        if flow is None:
            return 200, _json({"code": 1437102, "message": "流程不存在"})
        if what == "detail":
            return 200, _ok({"signFlowId": flow_id, "signFlowStatus": flow.status})
        return 200, _ok(
            {
                "files": [
                    {
                        "fileId": flow.file_id,
                        "fileName": "signed.pdf",
                        "downloadUrl": f"{self.base_url}/download/{flow_id}",
                    }
                ]
            }
        )

    def _upload(self, file_id: str, headers: Any, body: bytes) -> tuple[int, bytes]:
        with self.lock:
            upload = self.files.get(file_id)
            md5 = base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324
            if upload is None or headers.get("Content-MD5") != md5 or upload["md5"] != md5:
                return 400, b"md5 mismatch"
            upload["content"] = body
        return 200, b""


def _demo_identity(name: str) -> SigningIdentity:
    bundle = _self_signed(name)
    return _load(bundle, bundle, None)


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def _ok(data: Any) -> bytes:
    return _json({"code": 0, "message": "成功", "data": data})


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload = self.server.fake.handle(self.command, self.path, self.headers, body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = _dispatch

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeEsign


@contextmanager
def running_fake_esign(**options: Any) -> Iterator[FakeEsign]:
    fake = FakeEsign(**options)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
