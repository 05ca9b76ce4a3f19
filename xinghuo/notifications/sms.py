"""SMS behind a small interface. The demo and the tests log messages instead of sending;
a provider's client plugs in through settings.SMS_BACKEND."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("xinghuo.sms")


class SmsSender(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class LoggingSmsSender:
    """Writes the message to the log and keeps it in `outbox` (for tests and the demo)."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)
        self.outbox.append((phone, text))


def sms_sender() -> SmsSender:
    backend = getattr(settings, "SMS_BACKEND", "xinghuo.notifications.sms.LoggingSmsSender")
    return import_string(backend)()
