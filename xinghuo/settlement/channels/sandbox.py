"""An in-process payout channel (沙箱渠道) for unit tests and the demo.

Outcomes are decided by the last character of the account, so a test or a demo
script can choose them:

- ``…4``: refused at once, ``failed`` with ``ACCOUNT_NOT_EXIST``.
- ``…7``: accepted, ``submitted``; it has succeeded by the first ``query`` (or call
  ``complete``), like a bank transfer that settles later.
- ``…9``: paid, but the answer is lost: ``submit`` raises ChannelUnavailable once and
  ``query`` tells the truth (``succeeded``), the case reconciliation exists for.
- anything else: ``succeeded`` at once.

Payouts are kept in memory per instance; the same ``payout_id`` again returns the
first outcome and never pays twice. Notifications are JSON signed with HMAC-SHA256
(``X-Sandbox-Signature``), made by ``notification``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from .base import (
    BEIJING,
    RETURNED,
    BadSignature,
    ChannelResult,
    ChannelUnavailable,
    PayoutChannel,
    PayoutRequest,
    StatementLine,
    header,
)

SIGNATURE_HEADER = "X-Sandbox-Signature"


@dataclass(frozen=True, slots=True)
class SandboxPayout:
    request: PayoutRequest
    channel_ref: str
    status: str  # "submitted" | "succeeded" | "failed" | "returned"
    failure_code: str = ""
    failure_message: str = ""
    finished_at: datetime | None = None
    returned_at: datetime | None = None


class SandboxChannel(PayoutChannel):
    name = "sandbox"

    def __init__(
        self,
        *,
        notification_secret: str = "xinghuo-sandbox",  # noqa: S107 - not a secret: a fake
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._secret = notification_secret.encode()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._payouts: dict[str, SandboxPayout] = {}
        self._counter = 0

    @property
    def payouts(self) -> dict[str, SandboxPayout]:
        """Every payout the sandbox has seen, by payout_id (a copy)."""
        with self._lock:
            return dict(self._payouts)

    @property
    def ledger(self) -> list[SandboxPayout]:
        """The payouts that moved money, once each."""
        return [p for p in self.payouts.values() if p.status == "succeeded"]

    def submit(self, request: PayoutRequest) -> ChannelResult:
        with self._lock:
            existing = self._payouts.get(request.payout_id)
            if existing is not None:
                if existing.request != request:
                    return ChannelResult(
                        request.payout_id,
                        "unknown",
                        existing.channel_ref,
                        "REQUEST_ID_CONFLICT",
                        "同一 payout_id 的付款信息不一致",
                    )
                return self._result(existing)
            self._counter += 1
            ref = f"SBX{self._counter:010d}"
            now = self._clock()
            last = request.account[-1]
            if last == "4":
                payout = SandboxPayout(
                    request, ref, "failed", "ACCOUNT_NOT_EXIST", "收款账户不存在", now
                )
            elif last == "7":
                payout = SandboxPayout(request, ref, "submitted")
            else:
                payout = SandboxPayout(request, ref, "succeeded", finished_at=now)
            self._payouts[request.payout_id] = payout
        if last == "9":
            raise ChannelUnavailable("sandbox: the payout was made but its answer was lost")
        return self._result(payout)

    def complete(self, payout_id: str) -> ChannelResult:
        """Finish a ``submitted`` payout as succeeded (a bank settling it)."""
        with self._lock:
            payout = self._payouts[payout_id]
            if payout.status == "submitted":
                payout = replace(payout, status="succeeded", finished_at=self._clock())
                self._payouts[payout_id] = payout
        return self._result(payout)

    def return_payout(
        self, payout_id: str, reason: str = "收款账户已销户，资金退回"
    ) -> ChannelResult:
        """The receiving side sent a succeeded payout back (退票)."""
        with self._lock:
            payout = self._payouts[payout_id]
            payout = replace(
                payout,
                status="returned",
                failure_code=RETURNED,
                failure_message=reason,
                returned_at=self._clock(),
            )
            self._payouts[payout_id] = payout
        return self._result(payout)

    def query(self, payout_id: str) -> ChannelResult:
        with self._lock:
            known = payout_id in self._payouts
        if not known:
            return ChannelResult(payout_id, "unknown", "", "NOT_FOUND", "沙箱中没有这笔付款")
        return self.complete(payout_id)

    def notification(self, payout_id: str) -> tuple[dict[str, str], bytes]:
        """The (headers, body) the sandbox would POST about ``payout_id``."""
        payout = self.payouts[payout_id]
        body = json.dumps(
            {
                "payout_id": payout_id,
                "status": "failed" if payout.status == "returned" else payout.status,
                "finished_at": (
                    payout.returned_at or payout.finished_at or self._clock()
                ).isoformat(),
                "channel_ref": payout.channel_ref,
                "amount_fen": payout.request.amount_fen,
                "failure_code": payout.failure_code,
                "failure_message": payout.failure_message,
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        return {SIGNATURE_HEADER: self._sign(body)}, body

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> ChannelResult:
        if not hmac.compare_digest(header(headers, SIGNATURE_HEADER), self._sign(body)):
            raise BadSignature("sandbox notification signature does not verify")
        data = json.loads(body)
        if not isinstance(data, dict) or data.get("status") not in (
            "submitted",
            "succeeded",
            "failed",
        ):
            raise ValueError("not a sandbox payout notification")
        finished = data.get("finished_at")
        return ChannelResult(
            payout_id=data["payout_id"],
            status=data["status"],
            channel_ref=data.get("channel_ref", ""),
            failure_code=data.get("failure_code", ""),
            failure_message=data.get("failure_message", ""),
            raw=data,
            finished_at=datetime.fromisoformat(finished) if finished else None,
        )

    def statement(self, day: date) -> list[StatementLine]:
        """The payouts finished on ``day`` and, as their own lines, those returned on it."""
        lines = [
            StatementLine(
                payout_id=p.request.payout_id,
                channel_ref=p.channel_ref,
                amount_fen=p.request.amount_fen,
                status="succeeded" if p.status in ("succeeded", "returned") else "failed",
                finished_at=p.finished_at,
            )
            for p in self.payouts.values()
            if p.finished_at is not None and p.finished_at.astimezone(BEIJING).date() == day
        ]
        lines += [
            StatementLine(
                payout_id=p.request.payout_id,
                channel_ref=p.channel_ref,
                amount_fen=p.request.amount_fen,
                status="returned",
                finished_at=p.returned_at,
            )
            for p in self.payouts.values()
            if p.returned_at is not None and p.returned_at.astimezone(BEIJING).date() == day
        ]
        return lines

    def _sign(self, body: bytes) -> str:
        return hmac.new(self._secret, body, hashlib.sha256).hexdigest()

    @staticmethod
    def _result(payout: SandboxPayout) -> ChannelResult:
        return ChannelResult(
            payout_id=payout.request.payout_id,
            status="failed" if payout.status == "returned" else payout.status,  # type: ignore[arg-type]
            finished_at=payout.returned_at or payout.finished_at,
            channel_ref=payout.channel_ref,
            failure_code=payout.failure_code,
            failure_message=payout.failure_message,
        )
