"""Fixed-window counters in the cache, for throttling (logins, OCR reads).

With `REDIS_URL` the cache is shared by every process; without it each process counts on
its own, which is what the demo and the tests need.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

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


# --- progressive delay -----------------------------------------------------------------
# A hard lock after N failures lets anybody lock anybody out. Instead, after `free`
# failures each further attempt on the same key must wait a delay that doubles with every
# failure, up to a cap: guessing becomes slow, and the owner of the key still gets in at
# most `max_seconds` after asking. A success clears the key's failures (when the caller
# says so) and its wait.


@dataclass(frozen=True)
class DelayRule:
    key: str
    free: int  # failures that cost no wait
    base_seconds: int  # the first wait; doubles with every further failure
    max_seconds: int
    memory_seconds: int  # failures are counted over a window this long
    reset_on_success: bool = True


def _wait_after(rule: DelayRule, failures: int) -> int:
    if failures < rule.free:
        return 0
    doublings = min(failures - rule.free, 30)
    return max(1, min(rule.base_seconds * 2**doublings, rule.max_seconds))


def _until_key(rule: DelayRule) -> str:
    return f"{rule.key}:until"


def _failures_key(rule: DelayRule) -> str:
    return f"{rule.key}:failures"


def delay_wait(rule: DelayRule, *, now: float | None = None) -> int:
    """Seconds an attempt on `rule.key` must still wait (0: it may go now)."""
    until = cache.get(_until_key(rule))
    if until is None:
        return 0
    return max(0, math.ceil(float(until) - (now or time.time())))


def delay_begin(rules: list[DelayRule]) -> int:
    """Start an attempt under every rule, or return the seconds to wait (> 0) when any
    rule says not yet.

    An attempt that may go while failures are past the allowance takes its turn
    atomically (`cache.add` of the next wait, as if it will fail), so parallel requests
    after a wait ends get one try, not one each. `delay_end` settles the turn.
    """
    now = time.time()
    wait = max((delay_wait(rule, now=now) for rule in rules), default=0)
    if wait:
        return wait
    taken: list[DelayRule] = []
    for rule in rules:
        failures = int(cache.get(_failures_key(rule)) or 0)
        next_wait = _wait_after(rule, failures + 1)
        if failures < rule.free:
            continue
        if not cache.add(_until_key(rule), now + next_wait, timeout=next_wait):
            for done in taken:  # another request took this turn: give ours back
                cache.delete(_until_key(done))
            return max(1, delay_wait(rule, now=now))
        taken.append(rule)
    return 0


def delay_end(rules: list[DelayRule], *, succeeded: bool, reset: bool = True) -> None:
    """Settle an attempt begun with `delay_begin`: count a failure (and set the wait it
    earns), or clear the wait (and, unless `reset=False`, the failures of rules that reset
    on success — a right password still waiting for its second factor does not)."""
    now = time.time()
    for rule in rules:
        if succeeded:
            cache.delete(_until_key(rule))
            if reset and rule.reset_on_success:
                cache.delete(_failures_key(rule))
            continue
        count(_failures_key(rule), window_seconds=rule.memory_seconds)
        failures = hits(_failures_key(rule))
        wait = _wait_after(rule, failures)
        if wait:
            cache.set(_until_key(rule), now + wait, timeout=wait)
