"""The in-process sandbox channel, for the demo and tests: the channels stay private to
settlement, so code outside it drives the sandbox (return a payout, build its notification)
through these two functions."""

from __future__ import annotations

from ..channels.base import get_channel, reset_channels
from ..channels.sandbox import SandboxChannel


def sandbox_channel(name: str) -> SandboxChannel | None:
    """The channel configured as `name` when it is the in-process sandbox, else None (a real
    client or a fake server's client: nothing to drive by hand)."""
    channel = get_channel(name)
    return channel if isinstance(channel, SandboxChannel) else None


def channels_reset() -> None:
    """Forget the configured channel clients (tests that change PAYOUT_CHANNELS)."""
    reset_channels()
