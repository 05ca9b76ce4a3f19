"""Payouts: sent to the channel, and the channel's word on them (answers, notifications,
returns) applied once under the payout's row lock."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.core import money
from xinghuo.core.exceptions import NotFound
from xinghuo.core.transactions import durable
from xinghuo.notifications import services as notification_services

from ...channels.base import (
    BadSignature,
    ChannelError,
    ChannelResult,
    ChannelUnavailable,
    PayoutRequest,
    get_channel,
)
from ...exceptions import NotificationChannelMismatch
from ...models import LedgerAccount, Payout, PayoutAttempt
from .. import ledger
from ..ledger import TransferSpec

logger = logging.getLogger("xinghuo.payouts")
P = LedgerAccount.Purpose
S = Payout.Status


def _request_for(payout: Payout) -> PayoutRequest:
    return PayoutRequest(
        payout_id=payout.payout_id,
        amount_fen=payout.amount_fen,
        account=payout.account.account,
        account_name=payout.account.account_name,
        remark="星火平台劳务报酬",
    )


def payout_submit(*, payout_pk: int) -> Payout:
    """Send a requested payout to its channel (safe to repeat: the channel is idempotent).

    Each call is a numbered attempt (PayoutAttempt), written before the channel is called
    and completed with its answer."""
    with transaction.atomic():
        payout = (
            Payout.objects.select_for_update()
            .select_related("account")
            .filter(pk=payout_pk)
            .first()
        )
        if payout is None or payout.status not in (S.REQUESTED, S.SUBMITTED):
            return payout  # type: ignore[return-value]
        # Commit "submitted" before the call: after a crash we query, never resend blindly.
        payout.status = S.SUBMITTED
        payout.submitted_at = payout.submitted_at or timezone.now()
        payout.attempts += 1
        payout.save(update_fields=["status", "submitted_at", "attempts", "updated_at"])
        attempt = PayoutAttempt.objects.create(
            payout=payout, kind=PayoutAttempt.Kind.SUBMIT, number=payout.attempts, outcome="sending"
        )
    try:
        result = get_channel(payout.channel).submit(_request_for(payout))
    except (ChannelUnavailable, BadSignature, ChannelError) as exc:
        logger.warning("payout %s: channel gave no answer (%r); will query", payout.payout_id, exc)
        _attempt_answer(attempt, None, exc)
        return payout
    _attempt_answer(attempt, result, None)
    return payout_apply(result=result)


@transaction.atomic
def payout_apply(*, result: ChannelResult, channel: str | None = None) -> Payout:
    """Apply a channel's word on a payout: a final outcome once, a return after success
    once (see `_apply_return`), anything else ignored.

    `channel` is the channel the word came from when it is not the payout's own call (a
    notification): a channel speaking about another channel's payout is refused
    (NotificationChannelMismatch) and changes nothing.
    """
    payout = Payout.objects.select_for_update().filter(payout_id=result.payout_id).first()
    if payout is None:
        raise NotFound(_("Payout not found."), code="payout_not_found")
    if channel is not None and channel != payout.channel:
        raise NotificationChannelMismatch(
            _("This notification's channel is not the payout's channel."),
            detail={"payout_id": payout.payout_id},
        )
    if result.is_return and payout.status in (S.SUCCEEDED, S.RETURNED):
        return _apply_return(payout, result)
    if payout.status in (S.SUCCEEDED, S.FAILED, S.RETURNED) or not result.is_final:
        if result.channel_ref and not payout.channel_ref:
            payout.channel_ref = result.channel_ref[:64]
            payout.save(update_fields=["channel_ref", "updated_at"])
        return payout
    transit = ledger.account_for(purpose=P.PAYOUTS_IN_TRANSIT)
    ref = f"payout:{payout.payout_id}"
    if result.status == "succeeded":
        clearing = ledger.account_for(purpose=P.CHANNEL_CLEARING, channel=payout.channel)
        spec = TransferSpec(f"{ref}:out", transit.pk, clearing.pk, payout.amount_fen, "payout", ref)
    else:
        # Failed, or returned before we learned of its success: the money never reached
        # clearing, so it goes back from transit.
        wallet = ledger.account_for(purpose=P.WORKER_WALLET, worker_id=payout.worker_id)
        spec = TransferSpec(
            f"{ref}:return", transit.pk, wallet.pk, payout.amount_fen, "payout_return", ref
        )
    ledger.transfers_post(specs=[spec])
    payout.status = S.SUCCEEDED if result.status == "succeeded" else S.FAILED
    payout.finished_at = timezone.now()
    payout.channel_ref = (result.channel_ref or payout.channel_ref)[:64]
    payout.failure_code = result.failure_code[:64]
    payout.failure_message = result.failure_message[:255]
    payout.attention_at = None
    payout.save(
        update_fields=[
            "status",
            "finished_at",
            "channel_ref",
            "failure_code",
            "failure_message",
            "attention_at",
            "updated_at",
        ]
    )
    return payout


def _apply_return(payout: Payout, result: ChannelResult) -> Payout:
    """退票: a payout that had succeeded came back. The money goes from the channel's
    clearing account back to the worker's wallet (one reversing transfer per payout),
    the payout is marked returned with the channel's reason and time, the worker is told."""
    if payout.status == S.RETURNED:
        return payout
    ref = f"payout:{payout.payout_id}"
    clearing = ledger.account_for(purpose=P.CHANNEL_CLEARING, channel=payout.channel)
    wallet = ledger.account_for(purpose=P.WORKER_WALLET, worker_id=payout.worker_id)
    reason = (result.failure_message or "退票")[:255]
    ledger.transfers_post(
        specs=[
            TransferSpec(
                f"{ref}:returned",
                clearing.pk,
                wallet.pk,
                payout.amount_fen,
                "payout_returned",
                ref,
                memo=reason,
            )
        ]
    )
    payout.status = S.RETURNED
    payout.returned_at = result.finished_at or timezone.now()
    payout.return_reason = reason
    payout.save(update_fields=["status", "returned_at", "return_reason", "updated_at"])
    notification_services.notify(
        user=payout.worker.user,
        kind="payout_returned",
        title=_("A withdrawal came back to your wallet (退票)"),
        body=f"¥{money.fen_to_yuan(payout.amount_fen)} · {reason}",
        order_id=payout.order_id,
    )
    return payout


@durable
def payout_notification(*, channel: str, headers: dict[str, str], body: bytes) -> Payout:
    """A channel's asynchronous callback: verified, then applied like a query answer.

    Raises BadSignature, ValueError (not about a payout), NotFound, and
    NotificationChannelMismatch when the payout went by another channel."""
    result = get_channel(channel).parse_notification(headers, body)  # raises BadSignature
    return payout_apply(result=result, channel=channel)


def _attempt_answer(
    attempt: PayoutAttempt, result: ChannelResult | None, error: Exception | None
) -> None:
    """Record what the channel said (or that it said nothing trustworthy)."""
    if result is not None:
        attempt.outcome = result.status
        attempt.code = result.failure_code[:64]
        attempt.message = result.failure_message[:255]
    else:
        attempt.outcome = "unreachable"
        attempt.code = type(error).__name__[:64]
        attempt.message = str(error)[:255]
    attempt.save()
