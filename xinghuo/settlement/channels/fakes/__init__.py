"""Local fake servers for the real payout clients: a fake Alipay gateway and a fake bank.

Each runs on 127.0.0.1 in a background thread with keys and certificates generated
at start, verifies the client's signatures, keeps a ledger, is idempotent on our
payout id, signs its answers, and can be told to fail (``inject_fault``)::

    with running_fake_alipay() as fake:
        channel = fake.client()
        channel.submit(PayoutRequest(...))
        assert fake.payments("P1") == 1

``python -m xinghuo.settlement.channels.fakes --port 8701`` serves both for the demo
(Alipay under ``/alipay``, the bank under ``/bank``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._server import FakeApp, FakeServer, Fault, Response
from .alipay import FakeAlipay
from .bank import FakeBank
from .pki import AlipayPKI, BankKeys, make_alipay_pki, make_bank_keys

__all__ = [
    "AlipayPKI",
    "BankKeys",
    "FakeAlipay",
    "FakeApp",
    "FakeBank",
    "FakeServer",
    "Fault",
    "Response",
    "make_alipay_pki",
    "make_bank_keys",
    "running_fake_alipay",
    "running_fake_bank",
]


@contextmanager
def running_fake_alipay(**options: Any) -> Iterator[FakeAlipay]:
    """A FakeAlipay (options as for its constructor) served until the block ends."""
    fake = FakeAlipay(**options)
    server = FakeServer([fake]).start()
    try:
        yield fake
    finally:
        server.stop()


@contextmanager
def running_fake_bank(**options: Any) -> Iterator[FakeBank]:
    """A FakeBank (options as for its constructor) served until the block ends."""
    fake = FakeBank(**options)
    server = FakeServer([fake]).start()
    try:
        yield fake
    finally:
        server.stop()
