"""Payout channels (代付渠道): the one interface every way of paying a worker implements.

A channel moves money from the platform's account to a worker's Alipay account or
bank card. The settlement services own the payout state machine; a channel only
talks to the outside world and reports what the outside world said:

- ``submit`` sends a payout once. ``payout_id`` is our idempotency id: the channel
  passes it on (Alipay ``out_biz_no``, the bank's ``request_id``) so that sending the
  same payout again can never pay twice.
- ``query`` asks for the outcome by *our* id and never re-sends anything.
- ``parse_notification`` checks the signature of an asynchronous callback: BadSignature
  when it fails, ValueError for a genuine message that is not about a payout.
- ``statement`` fetches and parses the channel's daily reconciliation file.

Meaning of the outcomes for the caller:

- ``succeeded`` / ``failed``: final. ``failed`` means the channel confirmed that no
  money left (or that it came back: ``failure_code == "RETURNED"``).
- ``submitted``: accepted and in progress; wait for a notification or query later.
- ``unknown``: the channel answered but has no final word (system error, no record
  yet, a conflicting resubmission); keep the payout submitted and query later.
  ``is_not_found`` tells "the channel has no record of this id" (Alipay
  ORDER_NOT_EXIST, bank E3001): the retry policy resubmits such a payout, with the
  same id, once it has waited long enough.
- a return (退票): ``failed`` with ``failure_code == "RETURNED"`` (``is_return``), the
  channel's reason in ``failure_message`` and its time in ``finished_at`` when known.
- ``ChannelUnavailable``: no trustworthy answer (network, timeout, 5xx, garbled
  reply); the request may or may not have arrived, so keep the payout submitted and
  query later. Resubmitting with the same ``payout_id`` is safe: channels are
  idempotent on it.
- ``BadSignature``: the answer or callback is not provably from the channel; ignore
  it, alert, and query later.
- ``ChannelRejected``: the channel refused the *request* before looking at the
  payout (our signature, configuration or parameters are wrong). This request
  moved no money; an earlier one with the same id may have, so query before
  deciding anything.
"""

from __future__ import annotations

import importlib
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, Literal

from xinghuo.core import money

Status = Literal["submitted", "succeeded", "failed", "unknown"]
StatementStatus = Literal["succeeded", "failed", "returned"]

# China has had no daylight saving time since 1991: a fixed offset is exact and needs
# no tz database. Channels stamp and date their files in Beijing time.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

# Our payout id, the channels' idempotency id: the one definition (API schema, page form,
# payouts and channels all use it).
PAYOUT_ID_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"
PAYOUT_ID = re.compile(PAYOUT_ID_PATTERN)

# failure_code of a return (退票), whatever the channel calls it.
RETURNED = "RETURNED"
# The channels' codes for "no payout with this id": Alipay, the bank, the sandbox.
NOT_FOUND_CODES = frozenset({"ORDER_NOT_EXIST", "E3001", "NOT_FOUND"})


class ChannelError(Exception):
    """Base class of the errors a channel raises."""


class ChannelUnavailable(ChannelError):
    """No trustworthy answer: network error, timeout, HTTP 5xx, "system busy"."""


class BadSignature(ChannelError):
    """A response or notification whose signature (or binding to our request) fails."""


class ChannelRejected(ChannelError):
    """The channel refused the request itself (bad signature, config or parameters)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class UnknownChannel(LookupError):
    """``get_channel`` was asked for a name that settings do not configure."""


@dataclass(frozen=True, slots=True)
class PayoutRequest:
    """One payout (代付) of ``amount_fen`` to ``account`` held by ``account_name``."""

    payout_id: str
    amount_fen: int
    account: str
    account_name: str
    remark: str = ""

    def __post_init__(self) -> None:
        # Channels put payout_id into out_biz_no / request_id (≤ 64, letters, digits,
        # "_" and "-"); money is whole fen, and a payout of nothing is a bug upstream.
        if not PAYOUT_ID.fullmatch(self.payout_id):
            raise ValueError(f"payout_id must match {PAYOUT_ID.pattern}: {self.payout_id!r}")
        if type(self.amount_fen) is not int or self.amount_fen <= 0:
            raise ValueError(f"amount_fen must be a positive int: {self.amount_fen!r}")
        if not self.account.strip() or not self.account_name.strip():
            raise ValueError("account and account_name are required")


@dataclass(frozen=True, slots=True)
class ChannelResult:
    """What the channel said about one payout (see the module docstring)."""

    payout_id: str
    status: Status
    channel_ref: str = ""
    failure_code: str = ""
    failure_message: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # When the channel says the outcome happened (UTC), if it says so.
    finished_at: datetime | None = field(default=None, compare=False)

    @property
    def is_final(self) -> bool:
        return self.status in ("succeeded", "failed")

    @property
    def is_return(self) -> bool:
        """The money came back after leaving (退票)."""
        return self.status == "failed" and self.failure_code == RETURNED

    @property
    def is_not_found(self) -> bool:
        """The channel has no record of this payout id (it never arrived, or not yet)."""
        return self.status == "unknown" and self.failure_code in NOT_FOUND_CODES


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One payout in the channel's daily reconciliation file; ``finished_at`` is UTC."""

    payout_id: str
    channel_ref: str
    amount_fen: int
    status: StatementStatus
    finished_at: datetime | None


class PayoutChannel(ABC):
    """The interface of a payout channel; implementations must be thread-safe."""

    name: str = ""

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> PayoutChannel:
        """Build the channel from its ``settings.PAYOUT_CHANNELS[name]["OPTIONS"]``."""
        return cls(**options)

    @abstractmethod
    def submit(self, request: PayoutRequest) -> ChannelResult:
        """Send the payout; same ``payout_id`` again never pays twice."""

    @abstractmethod
    def query(self, payout_id: str) -> ChannelResult:
        """Ask for the outcome of ``payout_id`` (our id); never re-sends the payout."""

    @abstractmethod
    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> ChannelResult:
        """Verify and parse an asynchronous callback; raises BadSignature."""

    @abstractmethod
    def statement(self, day: date) -> list[StatementLine]:
        """The channel's reconciliation file for ``day`` (Beijing date), parsed."""


# --- money -------------------------------------------------------------------------------


def fen_to_yuan(amount_fen: int) -> str:
    """``123456`` → ``"1234.56"`` (core.money), for a channel: never negative."""
    if type(amount_fen) is not int or amount_fen < 0:
        raise ValueError(f"amount_fen must be a non-negative int: {amount_fen!r}")
    return money.fen_to_yuan(amount_fen)


# "1234.56" → 123456, strictly; its AmountInvalid is the ValueError the parsers expect.
yuan_to_fen = money.yuan_to_fen


def beijing_to_utc(text: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> datetime:
    """A channel's local "yyyy-MM-dd HH:mm:ss" (Beijing time) as an aware UTC datetime."""
    return datetime.strptime(text.strip(), fmt).replace(tzinfo=BEIJING).astimezone(UTC)


def header(headers: Mapping[str, str], name: str) -> str:
    """Case-insensitive header lookup that works for dicts and Django's request.headers."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return ""


# --- registry ----------------------------------------------------------------------------

BACKENDS = {
    "sandbox": "xinghuo.settlement.channels.sandbox.SandboxChannel",
    "alipay": "xinghuo.settlement.channels.alipay.AlipayChannel",
    "bank": "xinghuo.settlement.channels.bank.BankChannel",
}

# Without settings every channel name is served by its own in-process sandbox, so the
# demo and the tests pay "workers" without any outside system.
DEFAULT_PAYOUT_CHANNELS: dict[str, dict[str, Any]] = {
    "sandbox": {"BACKEND": "sandbox"},
    "alipay": {"BACKEND": "sandbox"},
    "bank": {"BACKEND": "sandbox"},
}

_instances: dict[str, PayoutChannel] = {}
_instances_lock = threading.Lock()


def _channel_settings() -> Mapping[str, Mapping[str, Any]]:
    from django.conf import settings

    return getattr(settings, "PAYOUT_CHANNELS", None) or DEFAULT_PAYOUT_CHANNELS


def get_channel(name: str) -> PayoutChannel:
    """The channel configured as ``settings.PAYOUT_CHANNELS[name]``, one instance per name.

    ``PAYOUT_CHANNELS = {"alipay": {"BACKEND": "alipay", "OPTIONS": {...}}, ...}``;
    BACKEND is ``sandbox``, ``alipay``, ``bank`` or a dotted class path. Raises
    UnknownChannel for a name that is not configured.
    """
    with _instances_lock:
        channel = _instances.get(name)
        if channel is not None:
            return channel
        config = _channel_settings().get(name)
        if config is None:
            raise UnknownChannel(name)
        backend = str(config.get("BACKEND", name))
        module_name, _, class_name = BACKENDS.get(backend, backend).rpartition(".")
        channel_class = getattr(importlib.import_module(module_name), class_name)
        channel = channel_class.from_options(dict(config.get("OPTIONS", {})))
        channel.name = name
        _instances[name] = channel
        return channel


def reset_channels() -> None:
    """Forget built channels (settings changed; tests)."""
    with _instances_lock:
        _instances.clear()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "PAYOUT_CHANNELS":
        reset_channels()


try:
    from django.test.signals import setting_changed
except ImportError:  # pragma: no cover - Django is always installed here
    pass
else:
    setting_changed.connect(_on_setting_changed, dispatch_uid="payout_channels_reset")
