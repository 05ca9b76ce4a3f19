"""Payout channels: one interface (``base``), real clients (``alipay``, ``bank``), an
in-process ``sandbox``, and local fake servers for the real clients (``fakes``).

Other code uses ``get_channel(name)`` and the types re-exported here.
"""

from .base import (
    BadSignature,
    ChannelError,
    ChannelRejected,
    ChannelResult,
    ChannelUnavailable,
    PayoutChannel,
    PayoutRequest,
    StatementLine,
    UnknownChannel,
    get_channel,
    reset_channels,
)

__all__ = [
    "BadSignature",
    "ChannelError",
    "ChannelRejected",
    "ChannelResult",
    "ChannelUnavailable",
    "PayoutChannel",
    "PayoutRequest",
    "StatementLine",
    "UnknownChannel",
    "get_channel",
    "reset_channels",
]
