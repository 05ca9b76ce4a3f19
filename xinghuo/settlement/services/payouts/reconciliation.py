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


# A payout that was paid: a returned payout was paid first.
PAID = (S.SUCCEEDED, S.RETURNED)


def reconcile(*, channel: str, day: date) -> ReconciliationReport:
    """Compare the channel's statement for `day` with our payouts; report every mismatch.

    Raises ValidationFailed(unknown_channel), ChannelFailed when the statement cannot be had.
    """
    statement = _statement(channel, day)
    # A payout can have two lines: paid (or failed) on one day, returned (退票) on another.
    lines = {line.payout_id: line for line in statement if line.status != "returned"}
    returns = {line.payout_id: line for line in statement if line.status == "returned"}
    ours, ours_returned, known = _our_payouts(channel, day, lines, returns)
    mismatches: list[dict[str, object]] = []
    matched = _compare_outcomes(lines, ours, returns, mismatches)
    returned = _compare_returns(returns, ours_returned, known, mismatches)
    return ReconciliationReport.objects.create(
        channel=channel, day=day, matched=matched, returned=returned, mismatches=mismatches
    )


def _statement(channel: str, day: date) -> list[StatementLine]:
    """The channel's statement for `day` (ValidationFailed, ChannelFailed as `reconcile`)."""
    try:
        return get_channel(channel).statement(day)
    except UnknownChannel:
        raise ValidationFailed(
            _("Unknown payout channel."), code="unknown_channel", detail={"field": "channel"}
        ) from None
    except ChannelError as exc:
        raise ChannelFailed(
            _("The channel's statement could not be fetched; try again later."),
            detail={"channel": channel, "error": str(exc)[:200]},
        ) from None


def _our_payouts(
    channel: str, day: date, lines: dict[str, StatementLine], returns: dict[str, StatementLine]
) -> tuple[dict[str, Payout], dict[str, Payout], dict[str, Payout]]:
    """Our payouts finished on `day`, returned on `day`, and those the statement names
    (`known`), the last added to the first two where the statement lists them."""
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
    return ours, ours_returned, known


def _mismatch(
    payout_id: str, problem: str, payout: Payout | None, line: StatementLine | None
) -> dict[str, object]:
    return {
        "payout_id": payout_id,
        "problem": problem,
        "ours": None
        if payout is None
        else {"status": payout.status, "amount_fen": payout.amount_fen},
        "channel": None if line is None else {**asdict(line), "finished_at": str(line.finished_at)},
    }


def _compare_outcomes(
    lines: dict[str, StatementLine],
    ours: dict[str, Payout],
    returns: dict[str, StatementLine],
    mismatches: list[dict[str, object]],
) -> int:
    """Paid-or-failed lines against our payouts: mismatches appended, matches counted."""
    matched = 0
    for payout_id in sorted(set(lines) | set(ours)):
        line, payout = lines.get(payout_id), ours.get(payout_id)
        problem = _outcome_problem(payout_id, line, payout, returns)
        if problem is None:
            matched += 1 if line is not None else 0
            continue
        mismatches.append(_mismatch(payout_id, problem, payout, line))
    return matched


def _outcome_problem(
    payout_id: str,
    line: StatementLine | None,
    payout: Payout | None,
    returns: dict[str, StatementLine],
) -> str | None:
    if payout is None:
        return "unknown_to_us"
    if line is None:
        # A returned payout whose return line is there may show only that line.
        paid_here = payout.status in PAID and payout_id not in returns
        return "missing_in_statement" if paid_here else None
    if line.amount_fen != payout.amount_fen:
        return "amount_differs"
    if (line.status == "succeeded") != (payout.status in PAID):
        return "status_differs"
    return None


def _compare_returns(
    returns: dict[str, StatementLine],
    ours_returned: dict[str, Payout],
    known: dict[str, Payout],
    mismatches: list[dict[str, object]],
) -> int:
    """Return lines (退票) against our returned payouts: mismatches appended, returns counted."""
    returned = 0
    for payout_id in sorted(set(returns) | set(ours_returned)):
        line, payout = returns.get(payout_id), ours_returned.get(payout_id)
        if payout is None:
            # The channel sent money back that we never learned of (or not for this payout).
            problem = "return_not_applied" if payout_id in known else "unknown_to_us"
            mismatches.append(_mismatch(payout_id, problem, known.get(payout_id), line))
        elif line is None:
            mismatches.append(_mismatch(payout_id, "return_missing_in_statement", payout, None))
        elif line.amount_fen != payout.amount_fen:
            mismatches.append(_mismatch(payout_id, "amount_differs", payout, line))
        else:
            returned += 1
    return returned
