"""Payouts without an outcome: the one retry policy and the sweep that drives it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ...channels.base import (
    ChannelError,
    ChannelResult,
    get_channel,
)
from ...models import Payout, PayoutAttempt
from .submission import _attempt_answer, payout_apply, payout_submit

logger = logging.getLogger("xinghuo.payouts")
S = Payout.Status


# A submitted payout older than this is queried; a requested one is (re)submitted.
STALE_AFTER = timedelta(minutes=2)
# A payout its channel has not answered for this long needs a look (the sweep queries after
# two minutes, so ten means the channel keeps saying nothing).
STUCK_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class RetryPolicy:
    """The one policy for payouts without an outcome (driven by `payouts_sweep`):

    - a `requested` payout untouched for `stale_after` is submitted;
    - a `submitted` payout untouched for `stale_after` is *queried* by its id;
    - when the channel answers that it does not know the id, and the last submission is
      `resubmit_after` old, the payout is submitted again with the *same* id (Alipay
      out_biz_no, the bank's request id), so it can never be paid twice;
    - once `max_attempts` submissions are made and the channel still does not know it,
      no more are made: the payout gets `attention_at` and appears on the operator's
      finance page with every attempt. Queries go on, so a late answer still settles it.
    - a `submitted` payout without an outcome for `stuck_after` is listed for operators.
    """

    stale_after: timedelta
    resubmit_after: timedelta
    max_attempts: int
    stuck_after: timedelta = STUCK_AFTER

    @classmethod
    def from_settings(cls) -> RetryPolicy:
        return cls(
            stale_after=STALE_AFTER,
            resubmit_after=timedelta(
                seconds=int(getattr(settings, "PAYOUT_RESUBMIT_AFTER_SECONDS", 600))
            ),
            max_attempts=max(1, int(getattr(settings, "PAYOUT_MAX_ATTEMPTS", 3))),
        )

    def step(
        self, *, payout: Payout, answer: ChannelResult, last_submit: datetime, now: datetime
    ) -> str:
        """What to do about a submitted payout after the channel's `answer` to a query:
        "apply" (final), "resubmit", "attention" or "wait"."""
        if answer.is_final:
            return "apply"
        if not answer.is_not_found or now - last_submit < self.resubmit_after:
            return "wait"
        if payout.attempts >= self.max_attempts:
            return "wait" if payout.attention_at else "attention"
        return "resubmit"


def payouts_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Resolve payouts left behind by a crash, a timeout or a lost request (idempotent;
    run every minute), by the `RetryPolicy`."""
    policy = RetryPolicy.from_settings()
    now = now or timezone.now()
    counts = {"submitted": 0, "queried": 0, "resolved": 0, "resubmitted": 0, "attention": 0}
    stale = now - policy.stale_after
    for pk in Payout.objects.filter(status=S.REQUESTED, updated_at__lt=stale).values_list(
        "pk", flat=True
    ):
        payout_submit(payout_pk=pk)
        counts["submitted"] += 1
    for payout in Payout.objects.filter(status=S.SUBMITTED, updated_at__lt=stale):
        counts["queried"] += 1
        try:
            result = get_channel(payout.channel).query(payout.payout_id)
        except ChannelError as exc:
            logger.warning("payout %s: query failed (%r)", payout.payout_id, exc)
            _record_query(payout, None, exc)
            continue
        _record_query(payout, result, None)
        last = (
            (
                PayoutAttempt.objects.filter(payout=payout, kind=PayoutAttempt.Kind.SUBMIT)
                .order_by("-at", "-pk")
                .values_list("at", flat=True)
                .first()
            )
            or payout.submitted_at
            or payout.updated_at
        )
        step = policy.step(payout=payout, answer=result, last_submit=last, now=now)
        if step == "apply":
            payout_apply(result=result)
            counts["resolved"] += 1
        elif step == "resubmit":
            logger.warning("payout %s unknown to its channel: resubmitting", payout.payout_id)
            payout_submit(payout_pk=payout.pk)
            counts["resubmitted"] += 1
        elif step == "attention":
            logger.error(
                "payout %s: no channel record after %s submissions",
                payout.payout_id,
                payout.attempts,
            )
            Payout.objects.filter(pk=payout.pk, status=S.SUBMITTED).update(
                attention_at=now, updated_at=now
            )
            counts["attention"] += 1
    return counts


def _record_query(payout: Payout, result: ChannelResult | None, error: Exception | None) -> None:
    attempt = PayoutAttempt(payout=payout, kind=PayoutAttempt.Kind.QUERY, number=payout.attempts)
    _attempt_answer(attempt, result, error)
