"""Bank card payouts over a bank direct-link API (银企直连代付), bank-neutral.

Modelled on the signed JSON APIs of 招商银行 / 平安银行: the adapter for a given bank
maps its field names onto this shape. Every message, both ways, is

    POST {base_url}/{transfer|query|statement}
    Content-Type: application/json; charset=utf-8
    X-Signature: base64(SHA256withRSA(canonical JSON of the whole envelope))

    {"head": {"merchant_id", "request_id", "timestamp", "nonce"}, "body": {...}}

Canonical JSON: keys sorted, no whitespace, UTF-8, non-ASCII unescaped; floats are
not allowed (amounts are yuan strings with two decimals). We sign with our key; the
bank signs its answers and notifications with its key, and its answer echoes our
``merchant_id`` and ``request_id`` and adds ``code`` and ``message`` to the head.

- transfer: ``head.request_id`` = payout_id, the bank's idempotency key; body
  ``{amount, currency, payee_account, payee_name, remark}``.
- query: fresh ``head.request_id``; body ``{orig_request_id}``.
- statement: fresh ``head.request_id``; body ``{date}``; answer body ``{date, format:
  "csv", content}`` with columns ``request_id,bank_ref,amount,status,finished_at``.
- notification (bank → us): head ``{merchant_id, request_id, timestamp, nonce}``,
  body like a transfer answer.

Transfer answers carry ``{request_id, bank_ref, amount, status, fail_code,
fail_reason, finished_at}``; status PROCESSING, SUCCESS, FAILED or RETURNED (退票).
Head codes: 0000 ok; E1001 bad signature; E1002 bad request; E1003 unknown merchant;
E2001 request_id reused with other content; E3001 no such payout; E9999 busy.

HTTP is the standard library's ``urllib.request`` (see ``_http``).
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from . import _crypto, _http
from .base import (
    BEIJING,
    RETURNED,
    BadSignature,
    ChannelError,
    ChannelRejected,
    ChannelResult,
    ChannelUnavailable,
    PayoutChannel,
    PayoutRequest,
    StatementLine,
    fen_to_yuan,
    header,
    yuan_to_fen,
)


@dataclass(frozen=True, slots=True)
class IncomingCredit:
    """Money the bank received for us (来账), as its signed notification says."""

    txn_id: str
    amount_fen: int
    payer_name: str
    payer_account: str
    memo: str


SIGNATURE_HEADER = "X-Signature"
OK = "0000"
BUSY = "E9999"
CONFLICT = "E2001"
NOT_FOUND = "E3001"


def now_beijing(clock: Callable[[], datetime]) -> str:
    return clock().astimezone(BEIJING).isoformat(timespec="seconds")


def new_nonce() -> str:
    return secrets.token_hex(16)


class BankChannel(PayoutChannel):
    """Payouts to bank cards (代付到银行卡) by a bank's direct-link API."""

    name = "bank"

    def __init__(
        self,
        *,
        base_url: str,
        merchant_id: str,
        private_key: str | bytes,
        bank_public_key: str | bytes,
        timeout: float = 10.0,
        notification_max_age: float = 600.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.merchant_id = merchant_id
        self.timeout = timeout
        self.notification_max_age = timedelta(seconds=notification_max_age)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._private_key = _crypto.load_private_key(private_key)
        self._bank_key = _crypto.load_public_key(bank_public_key)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> BankChannel:
        """Options as for ``__init__``; each PEM may instead be given as ``<name>_path``."""
        opts = dict(options)
        for name in ("private_key", "bank_public_key"):
            path = opts.pop(f"{name}_path", None)
            if not opts.get(name) and path:
                opts[name] = Path(path).read_bytes()
        return cls(**opts)

    # -- messages --

    def envelope(self, request_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        head = {
            "merchant_id": self.merchant_id,
            "request_id": request_id,
            "timestamp": now_beijing(self._clock),
            "nonce": new_nonce(),
        }
        return {"head": head, "body": dict(body)}

    def sign_envelope(self, envelope: Mapping[str, Any]) -> tuple[bytes, str]:
        """The bytes to send and their ``X-Signature``."""
        data = _crypto.canonical_json(envelope)
        return data, _crypto.sign(self._private_key, data)

    def _post(self, endpoint: str, request_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Send one signed message; the bank's verified answer envelope."""
        data, signature = self.sign_envelope(self.envelope(request_id, body))
        resp = _http.request(
            "POST",
            f"{self.base_url}/{endpoint}",
            body=data,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                SIGNATURE_HEADER: signature,
            },
            timeout=self.timeout,
        )
        signature = header(resp.headers, SIGNATURE_HEADER)
        if not signature:
            if resp.status == 200:
                raise BadSignature(f"unsigned bank answer to {endpoint}")
            raise ChannelUnavailable(f"bank answered HTTP {resp.status} to {endpoint}")
        answer = self.verify_message(resp.body, signature)
        head = answer["head"]
        if head.get("merchant_id") != self.merchant_id or head.get("request_id") != request_id:
            raise BadSignature(f"bank answer is not about request {request_id}")
        code = str(head.get("code", ""))
        if code == BUSY:
            raise ChannelUnavailable(f"bank busy: {head.get('message', '')}")
        if code not in (OK, CONFLICT, NOT_FOUND):
            raise ChannelRejected(code, str(head.get("message", "")))
        return answer

    def verify_message(self, body: bytes, signature: str) -> dict[str, Any]:
        """A bank message whose signature over its canonical JSON verifies."""
        try:
            message = _crypto.strict_json_loads(body)
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadSignature(f"bank message is not canonicalizable JSON: {exc}") from exc
        if not isinstance(message, dict) or not isinstance(message.get("head"), dict):
            raise BadSignature("bank message without a head")
        if not _crypto.verify(self._bank_key, _crypto.canonical_json(message), signature):
            raise BadSignature("bank signature does not verify")
        if not isinstance(message.get("body", {}), dict):
            raise BadSignature("bank message body is not an object")
        return message

    # -- PayoutChannel --

    def submit(self, request: PayoutRequest) -> ChannelResult:
        body = {
            "amount": fen_to_yuan(request.amount_fen),
            "currency": "CNY",
            "payee_account": request.account,
            "payee_name": request.account_name,
            "remark": request.remark,
        }
        answer = self._post("transfer", request.payout_id, body)
        return self._result(request.payout_id, answer)

    def query(self, payout_id: str) -> ChannelResult:
        answer = self._post("query", "Q" + secrets.token_hex(16), {"orig_request_id": payout_id})
        return self._result(payout_id, answer)

    def _verified_notification(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        """A notification signed by the bank, for our merchant, sent recently."""
        message = self.verify_message(body, header(headers, SIGNATURE_HEADER))
        head = message["head"]
        if head.get("merchant_id") != self.merchant_id:
            raise BadSignature(f"notification for merchant {head.get('merchant_id')}")
        try:
            sent_at = datetime.fromisoformat(str(head.get("timestamp")))
        except ValueError:
            raise BadSignature("notification without a valid timestamp") from None
        if sent_at.tzinfo is None:
            raise BadSignature("notification timestamp without an offset")
        age = self._clock() - sent_at
        # A captured notification must not be replayable for ever; the bank re-signs
        # each retry with a fresh timestamp.
        if age > self.notification_max_age or age < -timedelta(minutes=5):
            raise BadSignature(f"notification timestamp {sent_at.isoformat()} out of range")
        return message

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> ChannelResult:
        message = self._verified_notification(headers, body)
        payout_id = str(message.get("body", {}).get("request_id", ""))
        if not payout_id:
            raise BadSignature("notification without request_id")
        return self._status_result(payout_id, message.get("body", {}))

    def parse_credit_notification(self, headers: Mapping[str, str], body: bytes) -> IncomingCredit:
        """A signed 来账通知: money received on the platform's account (an employer's top-up).

        Body: {"type": "credit", "txn_id", "amount" (yuan), "payer_name", "payer_account",
        "memo"}. Raises BadSignature, ValueError for a signed message of another kind.
        """
        message = self._verified_notification(headers, body)
        credit = message.get("body", {})
        if credit.get("type") != "credit" or not credit.get("txn_id"):
            raise ValueError("not a credit notification")
        return IncomingCredit(
            txn_id=str(credit["txn_id"])[:64],
            amount_fen=yuan_to_fen(str(credit.get("amount", ""))),
            payer_name=str(credit.get("payer_name", ""))[:128],
            payer_account=str(credit.get("payer_account", ""))[:64],
            memo=str(credit.get("memo", ""))[:255],
        )

    def statement(self, day: date) -> list[StatementLine]:
        answer = self._post("statement", "S" + secrets.token_hex(16), {"date": day.isoformat()})
        code = answer["head"].get("code")
        if code != OK:
            raise ChannelRejected(str(code), str(answer["head"].get("message", "")))
        body = answer.get("body", {})
        if body.get("format") != "csv":
            raise ChannelError(f"unsupported statement format {body.get('format')}")
        return parse_statement_csv(str(body.get("content", "")))

    # -- answers --

    def _result(self, payout_id: str, answer: Mapping[str, Any]) -> ChannelResult:
        head, body = answer["head"], answer.get("body", {})
        code, message = str(head.get("code")), str(head.get("message", ""))
        if code == CONFLICT:
            # The bank holds another payout under this id; ours may or may not be paid.
            return ChannelResult(payout_id, "unknown", "", code, message, raw=dict(answer))
        if code == NOT_FOUND:
            return ChannelResult(payout_id, "unknown", "", code, message, raw=dict(answer))
        if body.get("request_id") != payout_id:
            raise BadSignature(f"bank answer about {body.get('request_id')}, not {payout_id}")
        return self._status_result(payout_id, body)

    @staticmethod
    def _status_result(payout_id: str, body: Mapping[str, Any]) -> ChannelResult:
        status = str(body.get("status", ""))
        ref = str(body.get("bank_ref", ""))
        code, reason = str(body.get("fail_code", "")), str(body.get("fail_reason", ""))
        raw = dict(body)
        if status == "SUCCESS":
            return ChannelResult(payout_id, "succeeded", ref, raw=raw)
        if status in ("PROCESSING", "ACCEPTED"):
            return ChannelResult(payout_id, "submitted", ref, raw=raw)
        if status == "FAILED":
            return ChannelResult(payout_id, "failed", ref, code or status, reason, raw=raw)
        if status == "RETURNED":
            finished = str(body.get("finished_at", ""))
            try:
                at = datetime.fromisoformat(finished).astimezone(UTC) if finished else None
            except ValueError:
                at = None
            return ChannelResult(
                payout_id, "failed", ref, RETURNED, reason or "退票", raw=raw, finished_at=at
            )
        return ChannelResult(payout_id, "unknown", ref, status, reason, raw=raw)


STATEMENT_COLUMNS = ("request_id", "bank_ref", "amount", "status", "finished_at")
_STATEMENT_STATUS = {"SUCCESS": "succeeded", "FAILED": "failed", "RETURNED": "returned"}


def parse_statement_csv(content: str) -> list[StatementLine]:
    """Final payouts of a bank statement; rows still PROCESSING are not reconciled."""
    reader = csv.DictReader(io.StringIO(content))
    missing = set(STATEMENT_COLUMNS) - set(reader.fieldnames or ())
    if missing:
        raise ChannelError(f"statement lacks columns {sorted(missing)}")
    lines = []
    for row in reader:
        status = _STATEMENT_STATUS.get(row["status"])
        if status is None:
            continue
        finished = row["finished_at"]
        lines.append(
            StatementLine(
                payout_id=row["request_id"],
                channel_ref=row["bank_ref"],
                amount_fen=yuan_to_fen(row["amount"]),
                status=status,  # type: ignore[arg-type]
                finished_at=datetime.fromisoformat(finished).astimezone(UTC) if finished else None,
            )
        )
    return lines
