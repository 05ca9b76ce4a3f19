"""A fake bank direct-link API speaking the protocol described in ``channels/bank.py``.

It verifies the merchant's signature over the canonical JSON, keeps payouts by
``request_id`` (the same id again returns the first payout, never a second one),
answers signed with the bank's key (pretty-printed, so the client must canonicalize
rather than compare bytes), settles PROCESSING payouts when asked or at the first
query, and writes the daily CSV statement. Accounts ending in "4" or listed in
``missing_accounts`` do not exist.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from .. import _crypto
from ..bank import SIGNATURE_HEADER, STATEMENT_COLUMNS, BankChannel
from ..base import BEIJING, fen_to_yuan, header, yuan_to_fen
from ._server import FakeApp, Response
from .pki import BankKeys, make_bank_keys, private_pem, public_pem

_AMOUNT = re.compile(r"^\d{1,9}\.\d{2}$")
_MESSAGES = {
    "0000": "成功",
    "E1001": "验签失败",
    "E1002": "请求报文格式错误",
    "E1003": "商户不存在",
    "E2001": "请求流水号重复且内容不一致",
    "E3001": "交易不存在",
}


class FakeBank(FakeApp):
    prefix = "/bank"
    api_paths = frozenset({"/transfer", "/query", "/statement"})

    def __init__(
        self,
        *,
        merchant_id: str = "XH0000000001",
        keys: BankKeys | None = None,
        missing_accounts: Iterable[str] = (),
        settle_on_query: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.merchant_id = merchant_id
        self.keys = keys or make_bank_keys()
        self.missing_accounts = set(missing_accounts)
        self.settle_on_query = settle_on_query
        self.clock = clock or (lambda: datetime.now(UTC))
        self._merchant_public_key = self.keys.merchant_key.public_key()
        self._payouts: dict[str, dict[str, Any]] = {}
        self._fingerprints: dict[str, tuple[str, str, str]] = {}
        self._ids = itertools.count(1)
        self.ledger: list[dict[str, Any]] = []  # one row per payout that took money

    # -- for tests and the demo --

    def client_options(self, **overrides: Any) -> dict[str, Any]:
        options: dict[str, Any] = {
            "base_url": self.base_url,
            "merchant_id": self.merchant_id,
            "private_key": private_pem(self.keys.merchant_key),
            "bank_public_key": public_pem(self.keys.bank_key),
            "timeout": 5.0,
        }
        options.update(overrides)
        return options

    def client(self, **overrides: Any) -> BankChannel:
        return BankChannel(**self.client_options(**overrides))

    def is_missing(self, account: str) -> bool:
        return account in self.missing_accounts or account.endswith("4")

    def payout(self, request_id: str) -> dict[str, Any] | None:
        with self._lock:
            payout = self._payouts.get(request_id)
            return dict(payout) if payout else None

    def payments(self, request_id: str) -> int:
        with self._lock:
            return sum(1 for row in self.ledger if row["request_id"] == request_id)

    def settle(self, request_id: str | None = None) -> None:
        """Finish PROCESSING payouts (one, or all) as SUCCESS."""
        with self._lock:
            for payout in self._payouts.values():
                if payout["status"] == "PROCESSING" and request_id in (None, payout["request_id"]):
                    payout.update(status="SUCCESS", finished_at=self._now())

    def return_payout(self, request_id: str, reason: str = "户名不符退票") -> None:
        """The receiving bank sent a SUCCESS payout back (退票)."""
        with self._lock:
            self._payouts[request_id].update(
                status="RETURNED",
                fail_code="RETURNED",
                fail_reason=reason,
                finished_at=self._now(),
            )

    def notification(self, request_id: str) -> tuple[dict[str, str], bytes]:
        """The signed POST the bank sends when a payout reaches a final state."""
        envelope = {
            "head": {
                "merchant_id": self.merchant_id,
                "request_id": "N" + secrets.token_hex(16),
                "timestamp": self._now(),
                "nonce": secrets.token_hex(16),
            },
            "body": self.payout(request_id),
        }
        return self._signed(envelope)

    def credit_notification(
        self, *, txn_id: str, amount_fen: int, memo: str, payer_name: str = "某某运维有限公司"
    ) -> tuple[dict[str, str], bytes]:
        """The signed 来账通知 the bank sends when money arrives on the platform's account."""
        envelope = {
            "head": {
                "merchant_id": self.merchant_id,
                "request_id": "N" + secrets.token_hex(16),
                "timestamp": self._now(),
                "nonce": secrets.token_hex(16),
            },
            "body": {
                "type": "credit",
                "txn_id": txn_id,
                "amount": fen_to_yuan(amount_fen),
                "payer_name": payer_name,
                "payer_account": "6225880200001234",
                "memo": memo,
            },
        }
        return self._signed(envelope)

    # -- HTTP --

    def process(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Response:
        if method != "POST" or path not in self.api_paths:
            return Response(404, b"not found")
        try:
            message = _crypto.strict_json_loads(body)
            head, payload = message["head"], message["body"]
            if not isinstance(head, dict):
                raise ValueError("head is not an object")
            request_id = str(head["request_id"])
            if not isinstance(payload, dict):
                raise ValueError("body is not an object")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return self._answer(400, {}, "E1002", {})
        signature = header(headers, SIGNATURE_HEADER)
        if not _crypto.verify(
            self._merchant_public_key, _crypto.canonical_json(message), signature
        ):
            return self._answer(401, head, "E1001", {})
        if head.get("merchant_id") != self.merchant_id:
            return self._answer(403, head, "E1003", {})
        if path == "/transfer":
            code, answer = self._transfer(request_id, payload)
        elif path == "/query":
            code, answer = self._query(str(payload.get("orig_request_id", "")))
        else:
            code, answer = self._statement(str(payload.get("date", "")))
        return self._answer(200 if code in ("0000", "E2001", "E3001") else 400, head, code, answer)

    def tamper(self, body: bytes) -> bytes:
        return body.replace(b'"message": "', b'"message": "tampered ', 1)

    def _now(self) -> str:
        return self.clock().astimezone(BEIJING).isoformat(timespec="seconds")

    def _signed(self, envelope: Mapping[str, Any]) -> tuple[dict[str, str], bytes]:
        signature = _crypto.sign(self.keys.bank_key, _crypto.canonical_json(envelope))
        headers = {"Content-Type": "application/json; charset=utf-8", SIGNATURE_HEADER: signature}
        return headers, json.dumps(envelope, indent=2).encode()

    def _answer(
        self, status: int, request_head: Mapping[str, Any], code: str, body: Mapping[str, Any]
    ) -> Response:
        envelope = {
            "head": {
                "merchant_id": request_head.get("merchant_id", self.merchant_id),
                "request_id": request_head.get("request_id", ""),
                "timestamp": self._now(),
                "nonce": secrets.token_hex(16),
                "code": code,
                "message": _MESSAGES.get(code, ""),
            },
            "body": dict(body),
        }
        headers, data = self._signed(envelope)
        return Response(status, data, headers)

    def _transfer(self, request_id: str, body: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        amount = str(body.get("amount", ""))
        account, name = str(body.get("payee_account", "")), str(body.get("payee_name", ""))
        if (
            not _AMOUNT.match(amount)
            or yuan_to_fen(amount) <= 0
            or body.get("currency") != "CNY"
            or not account
            or not name
        ):
            return "E1002", {}
        fingerprint = (amount, account, name)
        with self._lock:
            if request_id in self._fingerprints:
                if self._fingerprints[request_id] != fingerprint:
                    return "E2001", {}
                return "0000", dict(self._payouts[request_id])
            n = next(self._ids)
            payout = {
                "request_id": request_id,
                "bank_ref": f"B{self.clock().astimezone(BEIJING):%Y%m%d}{n:010d}",
                "amount": amount,
                "status": "PROCESSING",
                "fail_code": "",
                "fail_reason": "",
                "finished_at": "",
            }
            if self.is_missing(account):
                payout.update(
                    status="FAILED",
                    fail_code="ACCOUNT_NOT_EXIST",
                    fail_reason="收款账户不存在",
                    finished_at=self._now(),
                )
            else:
                self.ledger.append({"request_id": request_id, "amount": amount, "account": account})
            self._fingerprints[request_id] = fingerprint
            self._payouts[request_id] = payout
            return "0000", dict(payout)

    def _query(self, request_id: str) -> tuple[str, dict[str, Any]]:
        if self.settle_on_query:
            self.settle(request_id)
        payout = self.payout(request_id)
        if payout is None:
            return "E3001", {}
        return "0000", payout

    def _statement(self, day_text: str) -> tuple[str, dict[str, Any]]:
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            return "E1002", {}
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(STATEMENT_COLUMNS)
        with self._lock:
            for p in self._payouts.values():
                if p["finished_at"] and datetime.fromisoformat(p["finished_at"]).date() == day:
                    writer.writerow([p[column] for column in STATEMENT_COLUMNS])
        return "0000", {"date": day.isoformat(), "format": "csv", "content": out.getvalue()}
