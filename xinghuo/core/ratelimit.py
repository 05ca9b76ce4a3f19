"""Fixed-window counters in the cache, for throttling (logins, OCR reads).

With `REDIS_URL` the cache is shared by every process; without it each process counts on
its own, which is what the demo and the tests need.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from .exceptions import RateLimited


def count(key: str, *, window_seconds: int) -> None:
    """Add one to `key`; the window starts with the first hit and lasts `window_seconds`."""
    if cache.add(key, 1, timeout=window_seconds):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window_seconds)


def hits(key: str) -> int:
    return int(cache.get(key) or 0)


def take(key: str, *, limit: int, window_seconds: int) -> None:
    """Count one use of `key`, or raise RateLimited when `limit` uses of the window are
    spent (a refused call is not counted)."""
    if hits(key) >= limit:
        raise RateLimited(
            _("Too many attempts. Please wait a while and try again."),
            detail={"limit": limit, "window_seconds": window_seconds},
        )
    count(key, window_seconds=window_seconds)
