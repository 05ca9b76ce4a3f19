"""e签宝 (esign.cn) open API v3 behind the Signer interface.

Request signing, as the v3 "签名鉴权" rules define it (implemented from their public
description and checked byte-exactly against our local fake, not against the live
service — see docs/agreements.md)::

    StringToSign = HTTPMethod + "\\n" + Accept + "\\n" + Content-MD5 + "\\n"
                 + Content-Type + "\\n" + Date + "\\n" + Headers + PathAndParameters
    X-Tsign-Open-Ca-Signature = Base64(HMAC-SHA256(AppSecret, StringToSign))

- Content-MD5 = Base64(MD5(raw body bytes)); empty for a request without a body.
- Date is empty (the timestamp travels in X-Tsign-Open-Ca-Timestamp, milliseconds).
- Headers is empty: no custom header is signed.
- PathAndParameters = the path, then "?" and the query parameters sorted by name as
  ``name=value`` joined by "&" (a parameter without value as ``name``) — exactly the
  string sent on the request line.

Callbacks carry X-Tsign-Open-TIMESTAMP and X-Tsign-Open-SIGNATURE =
hex(HMAC-SHA256(AppSecret, timestamp + query values sorted by name + raw body)).

The flow for the platform's own signature: ask for an upload URL (declaring the
file's MD5) → PUT the PDF there → create a sign flow from the file in which the
platform's organisation signs automatically → when the flow is finished (at once, or
after the SIGN_FLOW_COMPLETE callback) download the signed PDF.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

from .base import Signer, SigningError, SignRequest, SignResult, Verification
from .pades import validate_pades

ACCEPT = "*/*"
JSON_CONTENT_TYPE = "application/json; charset=UTF-8"
PDF_CONTENT_TYPE = "application/pdf"
CALLBACK_MAX_SKEW_MS = 10 * 60 * 1000
FLOW_FINISHED = 2  # signFlowStatus: 0 draft, 1 signing, 2 finished, 3 revoked, 5 expired, 7 refused
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class EsignError(SigningError):
    def __init__(self, code: int | str, message: str) -> None:
        super().__init__(f"e签宝 {code}: {message}")
        self.code = code
        self.message = message


class BadCallback(SigningError):
    """A callback whose signature, app id or timestamp does not check out."""


def content_md5(body: bytes) -> str:
    if not body:
        return ""
    return base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324 - required by the API


def path_and_parameters(path: str, query: Mapping[str, str] | None = None) -> str:
    if not query:
        return path
    parts = [
        quote(k, safe="") if v == "" else f"{quote(k, safe='')}={quote(str(v), safe='')}"
        for k, v in sorted(query.items())
    ]
    return f"{path}?{'&'.join(parts)}"


def string_to_sign(
    *,
    method: str,
    accept: str,
    content_md5: str,
    content_type: str,
    date: str,
    headers: str,
    path_and_parameters: str,
) -> str:
    return (
        f"{method}\n{accept}\n{content_md5}\n{content_type}\n{date}\n{headers}{path_and_parameters}"
    )


def request_signature(app_secret: str, to_sign: str) -> str:
    digest = hmac.new(app_secret.encode(), to_sign.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def callback_signature(
    app_secret: str, *, timestamp: str, body: bytes, query: Mapping[str, str] | None = None
) -> str:
    values = "".join(v for _, v in sorted((query or {}).items()))
    message = timestamp.encode() + values.encode() + body
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str:
    lower = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lower), "")


@dataclass(frozen=True)
class HttpResult:
    status: int
    body: bytes


class EsignClient:
    """The v3 calls we use. Every call raises EsignError for a refusal (HTTP or body
    ``code`` ≠ 0) and SigningError when the service cannot be reached."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        base_url: str,
        timeout: float = 15.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError("e签宝 base_url must be http(s)")
        self.app_id = app_id
        self.app_secret = app_secret
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.clock = clock

    # --- signing ---------------------------------------------------------------------------

    def signed_headers(
        self, method: str, path_with_query: str, body: bytes = b""
    ) -> dict[str, str]:
        md5 = content_md5(body)
        to_sign = string_to_sign(
            method=method,
            accept=ACCEPT,
            content_md5=md5,
            content_type=JSON_CONTENT_TYPE,
            date="",
            headers="",
            path_and_parameters=path_with_query,
        )
        return {
            "X-Tsign-Open-App-Id": self.app_id,
            "X-Tsign-Open-Auth-Mode": "Signature",
            "X-Tsign-Open-Ca-Timestamp": str(int(self.clock() * 1000)),
            "X-Tsign-Open-Ca-Signature": request_signature(self.app_secret, to_sign),
            "Accept": ACCEPT,
            "Content-Type": JSON_CONTENT_TYPE,
            "Content-MD5": md5,
        }

    # --- transport -------------------------------------------------------------------------

    def _send(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str]
    ) -> HttpResult:
        if urlsplit(url).scheme not in ("http", "https"):
            raise SigningError(f"refusing a non-http URL: {url}")
        handlers: list[urllib.request.BaseHandler] = []
        if urlsplit(url).hostname in _LOOPBACK:
            handlers.append(urllib.request.ProxyHandler({}))
        opener = urllib.request.build_opener(*handlers)
        req = urllib.request.Request(  # noqa: S310 - scheme checked above
            url, data=body, headers=dict(headers), method=method
        )
        try:
            with opener.open(req, timeout=self.timeout) as resp:
                return HttpResult(resp.status, resp.read())
        except urllib.error.HTTPError as exc:
            return HttpResult(exc.code, exc.read() or b"")
        except (urllib.error.URLError, OSError) as exc:
            raise SigningError(f"e签宝 unreachable: {method} {url}: {exc}") from exc

    def call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        payload: Any = None,
    ) -> Any:
        target = path_and_parameters(path, query)
        body = (
            json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
            if payload is not None
            else b""
        )
        result = self._send(
            method, self.base_url + target, body or None, self.signed_headers(method, target, body)
        )
        try:
            answer = json.loads(result.body or b"{}")
        except ValueError:
            raise EsignError(result.status, "answer is not JSON") from None
        if result.status != 200 or answer.get("code") != 0:
            raise EsignError(answer.get("code", result.status), str(answer.get("message", "")))
        return answer.get("data") or {}

    # --- the API ---------------------------------------------------------------------------

    def file_upload_url(self, *, file_name: str, pdf: bytes) -> tuple[str, str]:
        data = self.call(
            "POST",
            "/v3/files/file-upload-url",
            payload={
                "contentMd5": base64.b64encode(hashlib.md5(pdf).digest()).decode(),  # noqa: S324
                "contentType": PDF_CONTENT_TYPE,
                "fileName": file_name,
                "fileSize": len(pdf),
                "convertToPDF": False,
            },
        )
        return str(data["fileId"]), str(data["fileUploadUrl"])

    def upload(self, upload_url: str, pdf: bytes) -> None:
        # A pre-signed storage URL: authenticated by the URL itself and the declared MD5.
        result = self._send(
            "PUT",
            upload_url,
            pdf,
            {
                "Content-MD5": base64.b64encode(hashlib.md5(pdf).digest()).decode(),  # noqa: S324
                "Content-Type": PDF_CONTENT_TYPE,
            },
        )
        if result.status != 200:
            raise EsignError(result.status, "upload refused")

    def sign_flow_create_by_file(
        self, *, file_id: str, file_name: str, title: str, notify_url: str = ""
    ) -> str:
        config: dict[str, Any] = {"signFlowTitle": title, "autoStart": True, "autoFinish": True}
        if notify_url:
            config["notifyUrl"] = notify_url
        data = self.call(
            "POST",
            "/v3/sign-flow/create-by-file",
            payload={
                "docs": [{"fileId": file_id, "fileName": file_name}],
                "signFlowConfig": config,
                "signers": [
                    {
                        # The platform's own organisation, signing automatically.
                        "signerType": 1,
                        "signFields": [
                            {
                                "fileId": file_id,
                                "normalSignFieldConfig": {
                                    "autoSign": True,
                                    "signFieldStyle": 1,
                                    "signFieldPosition": {
                                        "positionPage": "1",
                                        "positionX": 420,
                                        "positionY": 120,
                                    },
                                },
                            }
                        ],
                    }
                ],
            },
        )
        return str(data["signFlowId"])

    def sign_flow_detail(self, sign_flow_id: str) -> dict[str, Any]:
        return self.call("GET", f"/v3/sign-flow/{quote(sign_flow_id, safe='')}/detail")

    def file_download_url(self, sign_flow_id: str) -> str:
        data = self.call("GET", f"/v3/sign-flow/{quote(sign_flow_id, safe='')}/file-download-url")
        files = data.get("files") or []
        if not files:
            raise EsignError("no_file", "the flow has no signed file")
        return str(files[0]["downloadUrl"])

    def download(self, url: str) -> bytes:
        result = self._send("GET", url, None, {})
        if result.status != 200:
            raise EsignError(result.status, "download refused")
        return result.body

    def verify_callback(
        self,
        *,
        headers: Mapping[str, str],
        body: bytes,
        query: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The callback's JSON when its signature, app id and timestamp check out."""
        timestamp = _header(headers, "X-Tsign-Open-TIMESTAMP")
        signature = _header(headers, "X-Tsign-Open-SIGNATURE")
        algorithm = _header(headers, "X-Tsign-Open-SIGNATURE-ALGORITHM").lower()
        app_id = _header(headers, "X-Tsign-Open-App-Id")
        if app_id and app_id != self.app_id:
            raise BadCallback("callback for another app")
        if algorithm and algorithm != "hmac-sha256":
            raise BadCallback(f"unsupported algorithm {algorithm}")
        if not timestamp.isdigit() or not signature:
            raise BadCallback("timestamp or signature missing")
        if abs(int(self.clock() * 1000) - int(timestamp)) > CALLBACK_MAX_SKEW_MS:
            raise BadCallback("callback timestamp too old or in the future")
        expected = callback_signature(self.app_secret, timestamp=timestamp, body=body, query=query)
        if not hmac.compare_digest(expected, signature.lower()):
            raise BadCallback("callback signature does not match")
        try:
            return json.loads(body)
        except ValueError:
            raise BadCallback("callback body is not JSON") from None


class EsignSigner(Signer):
    """The platform's signature applied by e签宝; verified locally with pyHanko against
    the provider's CA certificates (``trust_roots``)."""

    name = "esign"

    def __init__(
        self,
        *,
        client: EsignClient,
        trust_roots: list[asn1_x509.Certificate],
        notify_url: str = "",
    ) -> None:
        self.client = client
        self.trust_roots = trust_roots
        self.notify_url = notify_url

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> EsignSigner:
        roots = []
        for path in options.get("trust_roots", ()):
            data = Path(path).read_bytes()
            if pem.detect(data):
                data = pem.unarmor(data)[2]
            roots.append(asn1_x509.Certificate.load(data))
        return cls(
            client=EsignClient(
                app_id=options["app_id"],
                app_secret=options["app_secret"],
                base_url=options.get("base_url", "https://openapi.esign.cn"),
                timeout=float(options.get("timeout", 15)),
            ),
            trust_roots=roots,
            notify_url=options.get("notify_url", ""),
        )

    def sign(self, request: SignRequest) -> SignResult:
        file_name = f"{request.document_id}.pdf"
        file_id, upload_url = self.client.file_upload_url(file_name=file_name, pdf=request.pdf)
        self.client.upload(upload_url, request.pdf)
        flow_id = self.client.sign_flow_create_by_file(
            file_id=file_id, file_name=file_name, title=request.title, notify_url=self.notify_url
        )
        return self.fetch(flow_id)

    def fetch(self, provider_ref: str) -> SignResult:
        detail = self.client.sign_flow_detail(provider_ref)
        if detail.get("signFlowStatus") != FLOW_FINISHED:
            return SignResult(status="pending", provider_ref=provider_ref)
        pdf = self.client.download(self.client.file_download_url(provider_ref))
        verification = self.verify(pdf)
        return SignResult(
            status="signed",
            pdf=pdf,
            provider_ref=provider_ref,
            certificate_sha256=verification.certificate_sha256,
        )

    def verify(self, pdf: bytes) -> Verification:
        return validate_pades(pdf, trust_roots=self.trust_roots)
