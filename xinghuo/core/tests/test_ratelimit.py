from __future__ import annotations

import time

from xinghuo.core import ratelimit

RULE = ratelimit.DelayRule(key="t:k", free=1, base_seconds=1, max_seconds=4, memory_seconds=60)


def test_parallel_attempts_after_the_wait_get_one_turn():
    """The turn after a wait is taken atomically: a second attempt in the same instant is
    told to wait instead of getting a free guess."""
    assert ratelimit.delay_begin([RULE]) == 0
    ratelimit.delay_end([RULE], succeeded=False)  # the free failure: now a wait of 1 s
    assert ratelimit.delay_begin([RULE]) == 1
    time.sleep(1.1)
    assert ratelimit.delay_begin([RULE]) == 0  # the first takes the turn …
    assert ratelimit.delay_begin([RULE]) > 0  # … the second must wait
    ratelimit.delay_end([RULE], succeeded=True)
    assert ratelimit.delay_begin([RULE]) == 0
