"""Payouts (F1, F3): from a worker's wallet to his Alipay account or bank card.

Ledger path (keys make each step happen once):

    request    worker wallet ──▶ payouts in transit            payout:<id>:hold
    succeeded  payouts in transit ──▶ channel clearing         payout:<id>:out
    failed     payouts in transit ──▶ worker wallet (returned) payout:<id>:return
    returned   channel clearing ──▶ worker wallet (退票)       payout:<id>:returned

A payout is never lost and never sent twice:
- it is marked `submitted` and committed *before* the channel is called; a crash
  before that leaves it `requested` (the sweeper submits it, with the same id), a
  crash or timeout after leaves it `submitted` (the sweeper *queries* the channel by
  our id — it never sends a new payout);
- channels are idempotent on our `payout_id`, so even a repeated submit cannot pay twice;
- a final outcome is applied once, under the payout's row lock; a return (退票) after
  success is applied once more, as its own reversing transfer;
- one retry policy (``RetryPolicy``, driven by the sweep) decides when a payout the
  channel does not know is resubmitted with the same id, and when it is handed to an
  operator instead.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.selectors import Capability, has_capability
from xinghuo.core import money
from xinghuo.core.exceptions import (
    ApplicationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from xinghuo.core.transactions import durable
from xinghuo.notifications import services as notification_services
from xinghuo.workforce.models import Worker

from ...channels.base import (
    PAYOUT_ID_PATTERN,
    BadSignature,
    ChannelError,
    ChannelResult,
    ChannelUnavailable,
    PayoutRequest,
    StatementLine,
    UnknownChannel,
    get_channel,
)
from ...exceptions import NotificationChannelMismatch
from ...models import LedgerAccount, Payout, PayoutAccount, PayoutAttempt, ReconciliationReport
from .. import ledger
from ..ledger import TransferSpec

# Binding accounts lives in payout_accounts; callers of `payouts.payout_account_add` keep working.
from ..payout_accounts import payout_account_add as payout_account_add

logger = logging.getLogger("xinghuo.payouts")
P = LedgerAccount.Purpose
S = Payout.Status


class ChannelFailed(ApplicationError):
    status_code = 502
    default_code = "channel_unavailable"


PAYOUT_ID = re.compile(PAYOUT_ID_PATTERN)


def payout_id_new(*, worker_id: int) -> str:
    """A fresh payout id for a worker's withdrawal (the form carries it: a second submit
    of the same form is the same payout)."""
    return f"W{worker_id}-{uuid.uuid4().hex[:20]}"


# A submitted payout older than this is queried; a requested one is (re)submitted.
STALE_AFTER = timedelta(minutes=2)
# A payout its channel has not answered for this long needs a look (the sweep queries after
# two minutes, so ten means the channel keeps saying nothing).
STUCK_AFTER = timedelta(minutes=10)


def _platform_threshold() -> int:
    return int(getattr(settings, "PAYOUT_APPROVAL_THRESHOLD_FEN", 500_000))


@durable
def payout_request(
    *,
    worker: Worker,
    amount_fen: int,
    requested_by: User | None,
    account: PayoutAccount | None = None,
    organization: Organization | None = None,
    order_id: int | None = None,
    payout_id: str | None = None,
) -> Payout:
    """Take `amount_fen` out of the wallet into transit and queue the payout.

    Above the threshold (the organization's, for a payout of its order; the platform's
    otherwise) it waits for a second approver. Idempotent on `payout_id`.
    Raises InsufficientFunds, ValidationFailed.
    """
    payout_id = payout_id or f"P{uuid.uuid4().hex[:24]}"
    if not PAYOUT_ID.match(payout_id):
        raise ValidationFailed(
            _("A payout id is 1 to 64 letters, digits, '_' or '-'."),
            code="invalid_payout_id",
            detail={"field": "payout_id"},
        )
    if Payout.objects.filter(payout_id=payout_id).exists():
        return _first_payout(payout_id=payout_id, worker=worker, amount_fen=amount_fen)
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationFailed(
            _("Amounts are whole fen above zero."),
            code="invalid_amount",
            detail={"field": "amount_fen"},
        )
    account = account or PayoutAccount.objects.filter(worker=worker, is_default=True).first()
    if account is None or account.worker_id != worker.pk:
        raise ValidationFailed(
            _("Bind an Alipay account or a bank card first."), code="no_payout_account"
        )
    threshold = (
        organization.payout_approval_threshold_fen if organization else _platform_threshold()
    )
    wallet = ledger.account_for(purpose=P.WORKER_WALLET, worker_id=worker.pk)
    transit = ledger.account_for(purpose=P.PAYOUTS_IN_TRANSIT)
    ledger.transfers_post(
        specs=[
            TransferSpec(
                key=f"payout:{payout_id}:hold",
                debit_id=wallet.pk,
                credit_id=transit.pk,
                amount_fen=amount_fen,
                code="payout_hold",
                reference=f"payout:{payout_id}",
            )
        ]
    )
    try:
        with transaction.atomic():
            payout = Payout.objects.create(
                payout_id=payout_id,
                worker=worker,
                account=account,
                channel=account.channel,
                amount_fen=amount_fen,
                organization=organization,
                order_id=order_id,
                status=S.AWAITING_APPROVAL if amount_fen > threshold else S.REQUESTED,
                requested_by=requested_by,
            )
    except IntegrityError:
        # A concurrent request with this payout id won (the hold above was its transfer,
        # replayed): answer with its payout.
        return _first_payout(payout_id=payout_id, worker=worker, amount_fen=amount_fen)
    if payout.status == S.REQUESTED:
        _submit_after_commit(payout.pk)
    return payout


def _first_payout(*, payout_id: str, worker: Worker, amount_fen: int) -> Payout:
    """The payout made earlier under `payout_id`, when it is the same payout."""
    existing = Payout.objects.get(payout_id=payout_id)
    if existing.worker_id != worker.pk or existing.amount_fen != amount_fen:
        raise Conflict(
            _("This payout id was used for another payout."), code="idempotency_conflict"
        )
    return existing


# The task that sends a payout (settlement.tasks.submit_payout), queued by name: the tasks
# module imports this one, never the other way round.
SUBMIT_TASK = "settlement.submit_payout"


def _submit_after_commit(payout_pk: int) -> None:
    # A signature (not send_task) so that eager mode (no broker) runs it in-process.
    transaction.on_commit(lambda: current_app.signature(SUBMIT_TASK, args=(payout_pk,)).delay())


@durable
def payout_approve(*, approver: User, payout_pk: int) -> Payout:
    """A second person approves a large payout: a finance member (or owner) of the
    organization, or a platform operator for wallet withdrawals; never the requester."""
    payout = Payout.objects.select_for_update().filter(pk=payout_pk).first()
    if payout is None:
        raise NotFound(_("Payout not found."), code="payout_not_found")
    if payout.organization_id:
        allowed = has_capability(
            actor=approver,
            capability=Capability.PAYOUTS_APPROVE,
            organization=payout.organization_id,
        )
    else:
        allowed = has_capability(actor=approver, capability=Capability.PAYOUT_OPERATE)
    if not allowed:
        raise NotFound(_("Payout not found."), code="payout_not_found")
    if payout.requested_by_id == approver.pk:
        raise PermissionDenied(
            _("A second person must approve a payout you requested."), code="same_approver"
        )
    if payout.status != S.AWAITING_APPROVAL:
        raise Conflict(_("This payout needs no approval now."), code="not_awaiting_approval")
    payout.status = S.REQUESTED
    payout.approved_by = approver
    payout.approved_at = timezone.now()
    payout.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    _submit_after_commit(payout.pk)
    return payout


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


# --- the retry policy --------------------------------------------------------------------


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
