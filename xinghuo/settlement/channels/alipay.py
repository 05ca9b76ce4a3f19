"""Alipay (支付宝) payouts to Alipay accounts, public-key-certificate mode, RSA2.

Open API calls (``https://openapi.alipay.com/gateway.do``):

- ``alipay.fund.trans.uni.transfer`` (单笔转账): product TRANS_ACCOUNT_NO_PWD, scene
  DIRECT_TRANSFER, payee by logon id and real name, ``out_biz_no`` = our payout_id.
- ``alipay.fund.trans.common.query`` (转账业务单据查询) by ``out_biz_no``.
- ``alipay.data.dataservice.bill.downloadurl.query`` for the daily account bill
  (``signcustomer``: a zip of GBK CSV files), parsed into statement lines.
- Asynchronous ``alipay.fund.trans.order.changed`` messages (form-encoded POST).

Signing (Alipay's "自行实现签名"): every non-empty request parameter except ``sign``,
sorted by name, ``name=value`` joined by ``&``, values not URL-encoded, signed with
SHA256withRSA and base64. Certificate mode adds ``app_cert_sn`` and
``alipay_root_cert_sn``. Answers are verified over the raw JSON text of the
``<method>_response`` object exactly as received; notifications over the sorted
parameters without ``sign`` and ``sign_type``.

HTTP is the standard library's ``urllib.request`` (see ``_http``).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import urllib.parse
import zipfile
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from . import _crypto, _http
from .base import (
    BEIJING,
    RETURNED,
    BadSignature,
    ChannelRejected,
    ChannelResult,
    ChannelUnavailable,
    PayoutChannel,
    PayoutRequest,
    StatementLine,
    Status,
    beijing_to_utc,
    fen_to_yuan,
    yuan_to_fen,
)

GATEWAY_URL = "https://openapi.alipay.com/gateway.do"
TRANSFER = "alipay.fund.trans.uni.transfer"
QUERY = "alipay.fund.trans.common.query"
BILL_URL_QUERY = "alipay.data.dataservice.bill.downloadurl.query"
ORDER_CHANGED = "alipay.fund.trans.order.changed"
PRODUCT_CODE = "TRANS_ACCOUNT_NO_PWD"
BIZ_SCENE = "DIRECT_TRANSFER"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

# PKCS#1 signature algorithms (sha1WithRSAEncryption, sha256WithRSAEncryption, …): only
# the RSA certificates of Alipay's root bundle count in alipay_root_cert_sn; its ECC
# and SM2 roots are skipped, as the official SDKs do.
_RSA_SIGNATURE_OID_PREFIX = "1.2.840.113549.1.1."

# 40004 sub_codes of uni.transfer that mean "refused, no money moved for this
# out_biz_no". Any other 40004 (SYSTEM_ERROR, PAYMENT_INFO_INCONSISTENCY, codes added
# later) is reported as "unknown" so the caller queries instead of giving up.
FINAL_TRANSFER_FAILURES = frozenset(
    {
        "PAYEE_NOT_EXIST",
        "PAYEE_USER_INFO_ERROR",
        "PAYEE_ACCOUNT_STATUS_ERROR",
        "PAYEE_ACC_OCUPIED",
        "PAYEE_CERTIFY_LEVEL_LIMIT",
        "PAYEE_NOT_RELNAME_CERTIFY",
        "PAYER_BALANCE_NOT_ENOUGH",
        "BALANCE_IS_NOT_ENOUGH",
        "PAYER_STATUS_ERROR",
        "PAYER_CERTIFY_CHECK_FAIL",
        "PERMIT_CHECK_PERM_LIMITED",
        "EXCEED_LIMIT_SM_AMOUNT",
        "EXCEED_LIMIT_DM_AMOUNT",
        "EXCEED_LIMIT_UNRN_DM_AMOUNT",
        "INVALID_PARAMETER",
    }
)
# Gateway codes that refuse the request before any business processing.
_REJECTING_CODES = frozenset({"20001", "40001", "40002", "40006"})


# --- certificates and signing strings ---------------------------------------------------


def cert_sn(cert: x509.Certificate) -> str:
    """Alipay's certificate SN: MD5 (hex) of the issuer DN followed by the serial number
    in decimal. The DN is in RFC 2253 form, most specific RDN first, "," between, as
    Java's ``X500Principal.getName()`` prints it (``CN=…,OU=…,O=…,C=CN``)."""
    text = cert.issuer.rfc4514_string() + str(cert.serial_number)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def root_cert_sn(bundle_pem: bytes) -> str:
    """``alipay_root_cert_sn``: the SNs of the RSA-signed certificates of the root
    bundle, in file order, joined by "_"."""
    certs = x509.load_pem_x509_certificates(bundle_pem)
    sns = [
        cert_sn(cert)
        for cert in certs
        if cert.signature_algorithm_oid.dotted_string.startswith(_RSA_SIGNATURE_OID_PREFIX)
    ]
    if not sns:
        raise ValueError("the Alipay root certificate bundle holds no RSA certificate")
    return "_".join(sns)


def sign_content(params: Mapping[str, str]) -> str:
    """The string Alipay signs: non-empty parameters but ``sign``, sorted, ``k=v&…``."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v)


def top_level_raw_values(text: str) -> dict[str, str]:
    """The raw JSON text of each value of a top-level object, exactly as received.

    Alipay signs the bytes of ``"<method>_response": {…}``'s value as it sent them, so
    the value must be cut from the text, not re-serialized. Strings, escapes and
    nested braces are handled by the JSON decoder itself.
    """
    try:
        return _raw_members(json.JSONDecoder(), text)
    except IndexError:
        raise ValueError("truncated JSON") from None


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _raw_members(decoder: json.JSONDecoder, text: str) -> dict[str, str]:
    result: dict[str, str] = {}
    i = _skip_space(text, 0)
    if text[i] != "{":
        raise ValueError("not a JSON object")
    i = _skip_space(text, i + 1)
    if text[i] == "}":
        return result
    while True:
        key, start, end = _raw_member(decoder, text, i)
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = text[start:end]
        i = _skip_space(text, end)
        if text[i] == ",":
            i = _skip_space(text, i + 1)
        elif text[i] == "}":
            return result
        else:
            raise ValueError("',' or '}' expected")


def _raw_member(decoder: json.JSONDecoder, text: str, i: int) -> tuple[str, int, int]:
    """The member at `i`: its key, and where its value's text starts and ends."""
    key, i = decoder.raw_decode(text, i)
    if not isinstance(key, str):
        raise ValueError("object key is not a string")
    i = _skip_space(text, i)
    if text[i] != ":":
        raise ValueError("':' expected")
    start = _skip_space(text, i + 1)
    _, end = decoder.raw_decode(text, start)
    return key, start, end


def _load_first_cert(pem: bytes) -> x509.Certificate:
    # Alipay's certificate files may carry the issuing chain after the leaf.
    return x509.load_pem_x509_certificates(pem)[0]


def _parse_form(body: bytes) -> dict[str, str]:
    """A form-encoded body decoded with the charset it names (Alipay: utf-8 or GBK)."""
    probe = dict(urllib.parse.parse_qsl(body.decode("latin-1"), keep_blank_values=True))
    charset = probe.get("charset", "utf-8") or "utf-8"
    try:
        text = body.decode(charset)
        pairs = urllib.parse.parse_qsl(text, keep_blank_values=True, encoding=charset)
    except (LookupError, UnicodeDecodeError):
        raise BadSignature(f"notification in an unusable charset {charset!r}") from None
    params = dict(pairs)
    if len(params) != len(pairs):
        raise BadSignature("notification repeats a parameter")
    return params


# --- the channel -------------------------------------------------------------------------


class AlipayChannel(PayoutChannel):
    """Transfers to Alipay accounts (支付宝转账到支付宝账户)."""

    name = "alipay"

    def __init__(
        self,
        *,
        app_id: str,
        app_private_key: str | bytes,
        app_cert: str | bytes,
        alipay_cert: str | bytes,
        alipay_root_cert: str | bytes,
        gateway_url: str = GATEWAY_URL,
        notify_url: str = "",
        timeout: float = 10.0,
        bill_type: str = "signcustomer",
        order_title: str = "",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.app_id = app_id
        self.gateway_url = gateway_url
        self.notify_url = notify_url
        self.timeout = timeout
        self.bill_type = bill_type
        self.order_title = order_title
        self._clock = clock or (lambda: datetime.now(UTC))
        self._private_key = _crypto.load_private_key(app_private_key)
        app = _load_first_cert(_crypto.read_pem(app_cert))
        alipay = _load_first_cert(_crypto.read_pem(alipay_cert))
        if app.public_key() != self._private_key.public_key():
            raise ValueError("app_cert does not hold the public key of app_private_key")
        alipay_key = alipay.public_key()
        if not isinstance(alipay_key, rsa.RSAPublicKey):
            raise ValueError("alipay_cert must hold an RSA key for RSA2")
        self._alipay_key = alipay_key
        self.app_cert_sn = cert_sn(app)
        self.alipay_cert_sn = cert_sn(alipay)
        self.alipay_root_cert_sn = root_cert_sn(_crypto.read_pem(alipay_root_cert))

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> AlipayChannel:
        """Options as for ``__init__``; each PEM may instead be given as ``<name>_path``."""
        opts = dict(options)
        for name in ("app_private_key", "app_cert", "alipay_cert", "alipay_root_cert"):
            path = opts.pop(f"{name}_path", None)
            if not opts.get(name) and path:
                opts[name] = Path(path).read_bytes()
        return cls(**opts)

    # -- requests --

    def request_params(self, method: str, biz_content: Mapping[str, Any]) -> dict[str, str]:
        """The unsigned common and business parameters of one call."""
        params = {
            "app_id": self.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": self._clock().astimezone(BEIJING).strftime(TIMESTAMP_FORMAT),
            "version": "1.0",
            "app_cert_sn": self.app_cert_sn,
            "alipay_root_cert_sn": self.alipay_root_cert_sn,
            "biz_content": json.dumps(biz_content, ensure_ascii=False, separators=(",", ":")),
        }
        if method == TRANSFER and self.notify_url:
            params["notify_url"] = self.notify_url
        return params

    def transfer_params(self, request: PayoutRequest) -> dict[str, str]:
        biz: dict[str, Any] = {
            "out_biz_no": request.payout_id,
            "trans_amount": fen_to_yuan(request.amount_fen),
            "product_code": PRODUCT_CODE,
            "biz_scene": BIZ_SCENE,
            "payee_info": {
                "identity": request.account,
                "identity_type": "ALIPAY_LOGON_ID",
                "name": request.account_name,
            },
        }
        if self.order_title or request.remark:
            biz["order_title"] = self.order_title or request.remark
        if request.remark:
            biz["remark"] = request.remark
        return self.request_params(TRANSFER, biz)

    def sign_params(self, params: Mapping[str, str]) -> dict[str, str]:
        content = sign_content(params).encode("utf-8")
        return {**params, "sign": _crypto.sign(self._private_key, content)}

    def _call(self, params: Mapping[str, str]) -> dict[str, Any]:
        body = urllib.parse.urlencode(self.sign_params(params), encoding="utf-8")
        separator = "&" if "?" in self.gateway_url else "?"
        url = self.gateway_url
        if "charset=" not in url:
            url = f"{url}{separator}charset=utf-8"
        resp = _http.request(
            "POST",
            url,
            body=body.encode("ascii"),
            headers={
                "Content-Type": "application/x-www-form-urlencoded;charset=utf-8",
                "Accept": "application/json",
            },
            timeout=self.timeout,
        )
        if resp.status != 200:
            raise ChannelUnavailable(f"Alipay gateway answered HTTP {resp.status}")
        return self.verify_response(resp.body, params["method"])

    def verify_response(self, body: bytes, method: str) -> dict[str, Any]:
        """The ``<method>_response`` (or ``error_response``) object of a synchronous
        answer, after checking Alipay's signature over its raw text."""
        try:
            values = top_level_raw_values(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ChannelUnavailable(f"unparseable Alipay answer: {exc}") from exc
        raw = values.get(method.replace(".", "_") + "_response") or values.get("error_response")
        if raw is None:
            raise ChannelUnavailable("Alipay answer without a response object")
        content = json.loads(raw)
        if not isinstance(content, dict):
            raise ChannelUnavailable("Alipay response is not an object")
        signature = json.loads(values["sign"]) if "sign" in values else ""
        if not isinstance(signature, str) or not signature:
            raise BadSignature(
                f"unsigned Alipay answer {content.get('code')}/{content.get('sub_code')}"
            )
        answer_sn = json.loads(values["alipay_cert_sn"]) if "alipay_cert_sn" in values else ""
        if answer_sn and answer_sn != self.alipay_cert_sn:
            # Alipay rotated its certificate: download the new one
            # (alipay.open.app.alipaycert.download) and update the settings.
            raise BadSignature(f"answer signed by Alipay certificate {answer_sn}, not ours")
        if not self._verify(raw, signature):
            raise BadSignature("Alipay answer signature does not verify")
        return content

    def _verify(self, raw: str, signature: str) -> bool:
        if _crypto.verify(self._alipay_key, raw.encode("utf-8"), signature):
            return True
        # Alipay's own SDKs retry with "\/" unescaped: some answers are signed before
        # the JSON writer escapes slashes.
        return "\\/" in raw and _crypto.verify(
            self._alipay_key, raw.replace("\\/", "/").encode("utf-8"), signature
        )

    # -- PayoutChannel --

    def submit(self, request: PayoutRequest) -> ChannelResult:
        content = self._call(self.transfer_params(request))
        return self._result(request.payout_id, content, final_failures=FINAL_TRANSFER_FAILURES)

    def query(self, payout_id: str) -> ChannelResult:
        biz = {"out_biz_no": payout_id, "product_code": PRODUCT_CODE, "biz_scene": BIZ_SCENE}
        content = self._call(self.request_params(QUERY, biz))
        # ORDER_NOT_EXIST is "unknown": the transfer may still be in flight, and a
        # resubmission with the same out_biz_no is safe.
        return self._result(payout_id, content, final_failures=frozenset())

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> ChannelResult:
        params = _parse_form(body)
        signature = params.pop("sign", "")
        sign_type = params.pop("sign_type", "")
        if not signature:
            raise BadSignature("notification without sign")
        if sign_type and sign_type.upper() != "RSA2":
            raise BadSignature(f"notification sign_type {sign_type!r} is not RSA2")
        charset = params.get("charset") or "utf-8"
        if not _crypto.verify(self._alipay_key, sign_content(params).encode(charset), signature):
            raise BadSignature("notification signature does not verify")
        if params.get("app_id", self.app_id) != self.app_id:
            raise BadSignature(f"notification for another app {params['app_id']}")
        if params.get("msg_method", ORDER_CHANGED) != ORDER_CHANGED:
            raise ValueError(f"not a transfer notification: {params['msg_method']}")
        biz = json.loads(params["biz_content"]) if params.get("biz_content") else params
        payout_id = biz.get("out_biz_no") if isinstance(biz, dict) else None
        if not payout_id or not isinstance(payout_id, str):
            raise ValueError("transfer notification without out_biz_no")
        result = self._status_result(payout_id, str(biz.get("status", "")), biz)
        stamp = params.get("utc_timestamp", "")
        if result.is_return and stamp.isdigit():
            # The message's own time (ms since the epoch) is when Alipay reported the return.
            at = datetime.fromtimestamp(int(stamp) / 1000, tz=UTC)
            result = dataclasses.replace(result, finished_at=at)
        return result

    def statement(self, day: date) -> list[StatementLine]:
        biz = {"bill_type": self.bill_type, "bill_date": day.isoformat()}
        content = self._call(self.request_params(BILL_URL_QUERY, biz))
        code, sub_code = content.get("code"), content.get("sub_code", "")
        if code != "10000":
            if sub_code == "isp.bill_not_exist":
                return []
            if code == "20000":
                raise ChannelUnavailable(f"bill query: {sub_code} {content.get('sub_msg', '')}")
            raise ChannelRejected(sub_code or str(code), content.get("sub_msg", ""))
        resp = _http.request("GET", content["bill_download_url"], timeout=self.timeout * 3)
        if resp.status != 200:
            raise ChannelUnavailable(f"bill download answered HTTP {resp.status}")
        return parse_account_bill(resp.body)

    # -- answers --

    def _result(
        self, payout_id: str, content: Mapping[str, Any], *, final_failures: frozenset[str]
    ) -> ChannelResult:
        code = str(content.get("code", ""))
        sub_code = str(content.get("sub_code", ""))
        message = str(content.get("sub_msg") or content.get("msg") or "")
        if code == "10000":
            answered_id = content.get("out_biz_no")
            if answered_id and answered_id != payout_id:
                raise BadSignature(f"answer about out_biz_no {answered_id}, not {payout_id}")
            return self._status_result(payout_id, str(content.get("status", "")), content)
        if code == "20000":
            raise ChannelUnavailable(f"Alipay busy: {sub_code} {message}")
        if code in _REJECTING_CODES:
            raise ChannelRejected(sub_code or code, message)
        status: Status = "failed" if code == "40004" and sub_code in final_failures else "unknown"
        return ChannelResult(
            payout_id=payout_id,
            status=status,
            failure_code=sub_code or code,
            failure_message=message,
            raw=dict(content),
        )

    def _status_result(
        self, payout_id: str, status: str, content: Mapping[str, Any]
    ) -> ChannelResult:
        ref = str(content.get("order_id", ""))
        reason = str(content.get("fail_reason", ""))
        raw = dict(content)
        if status == "SUCCESS":
            return ChannelResult(payout_id, "succeeded", ref, raw=raw)
        if status in ("", "DEALING", "WAIT_PAY", "INIT"):
            return ChannelResult(payout_id, "submitted", ref, raw=raw)
        if status in ("FAIL", "CLOSED"):
            code = str(content.get("error_code") or status)
            return ChannelResult(payout_id, "failed", ref, code, reason, raw=raw)
        if status == "REFUND":
            return ChannelResult(payout_id, "failed", ref, RETURNED, reason or "退票", raw=raw)
        return ChannelResult(payout_id, "unknown", ref, status, reason, raw=raw)


# --- the daily bill ----------------------------------------------------------------------


def parse_account_bill(zip_bytes: bytes) -> list[StatementLine]:
    """Transfers in a ``signcustomer`` bill: a zip of GBK CSV files whose detail file
    (账务明细) has ``#`` comment lines around a header row and tab-padded cells.

    Money out with a merchant order number (商户订单号 = out_biz_no) is a succeeded
    transfer; money in of a refund type (退…) is a returned one; fee rows are skipped.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    except zipfile.BadZipFile as exc:
        raise ChannelUnavailable(f"bill download is not a zip: {exc}") from exc
    lines: list[StatementLine] = []
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            data = archive.read(info)
            text = data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else None
            lines.extend(_bill_lines(text if text is not None else data.decode("gb18030")))
    return lines


def _bill_lines(text: str) -> list[StatementLine]:
    rows = [
        [cell.strip() for cell in row]
        for row in csv.reader(line for line in text.splitlines() if not line.startswith("#"))
        if row
    ]
    if not rows:
        return []
    head = rows[0]

    def column(prefix: str) -> int | None:
        return next((i for i, name in enumerate(head) if name.startswith(prefix)), None)

    order, ref, at = column("商户订单号"), column("业务流水号"), column("发生时间")
    income, expense, kind = column("收入金额"), column("支出金额"), column("业务类型")
    if order is None or expense is None or at is None:
        return []  # the summary file (汇总) or something else: no per-order rows
    result = []
    for row in rows[1:]:
        if len(row) < len(head) or not row[order]:
            continue
        business = row[kind] if kind is not None else ""
        if "费" in business:
            continue
        out_fen = abs(yuan_to_fen(row[expense] or "0"))
        in_fen = abs(yuan_to_fen(row[income] or "0")) if income is not None else 0
        if out_fen:
            status, amount = "succeeded", out_fen
        elif in_fen and "退" in business:
            status, amount = "returned", in_fen
        else:
            continue
        result.append(
            StatementLine(
                payout_id=row[order],
                channel_ref=row[ref] if ref is not None else "",
                amount_fen=amount,
                status=status,  # type: ignore[arg-type]
                finished_at=beijing_to_utc(row[at]) if row[at] else None,
            )
        )
    return result
