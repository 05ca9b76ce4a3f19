"""Payouts against the channel's daily statement: every mismatch reported."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.core.exceptions import (
    ApplicationError,
    ValidationFailed,
)

from ...channels.base import (
    ChannelError,
    StatementLine,
    UnknownChannel,
    get_channel,
)
from ...models import Payout, ReconciliationReport

S = Payout.Status


class ChannelFailed(ApplicationError):
    status_code = 502
    default_code = "channel_unavailable"


def reconcile(*, channel: str, day: date) -> ReconciliationReport:
    """Compare the channel's statement for `day` with our payouts; report every mismatch.

    Raises ValidationFailed(unknown_channel), ChannelFailed when the statement cannot be had.
    """
    try:
        statement = get_channel(channel).statement(day)
    except UnknownChannel:
        raise ValidationFailed(
            _("Unknown payout channel."), code="unknown_channel", detail={"field": "channel"}
        ) from None
    except ChannelError as exc:
        raise ChannelFailed(
            _("The channel's statement could not be fetched; try again later."),
            detail={"channel": channel, "error": str(exc)[:200]},
        ) from None
    # A payout can have two lines: paid (or failed) on one day, returned (退票) on another.
    lines = {line.payout_id: line for line in statement if line.status != "returned"}
    returns = {line.payout_id: line for line in statement if line.status == "returned"}
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    end = start + timedelta(days=1)
    ours = {
        p.payout_id: p
        for p in Payout.objects.filter(channel=channel).filter(
            finished_at__gte=start, finished_at__lt=end
        )
    }
    ours_returned = {
        p.payout_id: p
        for p in Payout.objects.filter(
            channel=channel, status=S.RETURNED, returned_at__gte=start, returned_at__lt=end
        )
    }
    known = {
        p.payout_id: p
        for p in Payout.objects.filter(payout_id__in=list(lines) + list(returns), channel=channel)
    }
    ours.update({k: v for k, v in known.items() if k in lines})
    ours_returned.update(
        {k: v for k, v in known.items() if k in returns and v.status == S.RETURNED}
    )
    paid = (S.SUCCEEDED, S.RETURNED)  # a returned payout was paid first
    mismatches: list[dict[str, object]] = []
    matched = returned = 0

    def mismatch(
        payout_id: str, problem: str, payout: Payout | None, line: StatementLine | None
    ) -> None:
        mismatches.append(
            {
                "payout_id": payout_id,
                "problem": problem,
                "ours": None
                if payout is None
                else {"status": payout.status, "amount_fen": payout.amount_fen},
                "channel": None
                if line is None
                else {**asdict(line), "finished_at": str(line.finished_at)},
            }
        )

    for payout_id in sorted(set(lines) | set(ours)):
        line, payout = lines.get(payout_id), ours.get(payout_id)
        problem = None
        if payout is None:
            problem = "unknown_to_us"
        elif line is None:
            # A returned payout whose return line is there may show only that line.
            paid_here = payout.status in paid and payout_id not in returns
            problem = "missing_in_statement" if paid_here else None
        elif line.amount_fen != payout.amount_fen:
            problem = "amount_differs"
        elif (line.status == "succeeded") != (payout.status in paid):
            problem = "status_differs"
        if problem is None:
            matched += 1 if line is not None else 0
            continue
        mismatch(payout_id, problem, payout, line)
    for payout_id in sorted(set(returns) | set(ours_returned)):
        line, payout = returns.get(payout_id), ours_returned.get(payout_id)
        if payout is None:
            # The channel sent money back that we never learned of (or not for this payout).
            problem = "return_not_applied" if payout_id in known else "unknown_to_us"
            mismatch(payout_id, problem, known.get(payout_id), line)
        elif line is None:
            mismatch(payout_id, "return_missing_in_statement", payout, None)
        elif line.amount_fen != payout.amount_fen:
            mismatch(payout_id, "amount_differs", payout, line)
        else:
            returned += 1
    return ReconciliationReport.objects.create(
        channel=channel, day=day, matched=matched, returned=returned, mismatches=mismatches
    )
