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

By action family: ``requests`` (request, approve), ``submission`` (submit, the channel's
answers and notifications, returns), ``retry`` (the retry policy and the sweep),
``reconciliation`` (against the channel's daily statement).
"""

# Binding accounts lives in payout_accounts; callers of `payouts.payout_account_add` keep working.
from ..payout_accounts import payout_account_add as payout_account_add
from .reconciliation import ChannelFailed, reconcile
from .requests import (
    SUBMIT_TASK,
    payout_approve,
    payout_id_new,
    payout_request,
)
from .retry import RetryPolicy, payouts_sweep
from .submission import payout_apply, payout_notification, payout_submit

__all__ = [
    "SUBMIT_TASK",
    "ChannelFailed",
    "RetryPolicy",
    "payout_account_add",
    "payout_apply",
    "payout_approve",
    "payout_id_new",
    "payout_notification",
    "payout_request",
    "payout_submit",
    "payouts_sweep",
    "reconcile",
]
