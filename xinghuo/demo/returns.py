"""Demo: a withdrawal that the channel paid and then sent back (退票).

The demo worker (or, if he has nothing to withdraw, the first worker who has) withdraws
100 yuan; the in-process sandbox channel pays it, later returns it, and its signed
return notification is applied like any other: the money is back in the wallet, the
payout shows 退票 with the channel's reason, and the worker has a notice.
"""

from __future__ import annotations

from xinghuo.core import money
from xinghuo.settlement import selectors
from xinghuo.settlement import services as settlement_services
from xinghuo.settlement.models import Payout, PayoutAccount
from xinghuo.workforce.models import Worker

PAYOUT_ID = "DEMO-RETURN-1"
AMOUNT_FEN = 10_000
REASON = "收款账户已销户，资金退回"
# Sandbox outcomes by the account's last character: 4 fails, 7 settles later, 9 loses
# the answer; anything else is paid at once.
_NOT_PAID_AT_ONCE = ("4", "7", "9")


def _candidates(preferred_phone: str) -> list[Worker]:
    workers = (
        Worker.objects.filter(payout_accounts__is_default=True)
        .select_related("user")
        .order_by("pk")
        .distinct()
    )
    return sorted(workers, key=lambda w: (w.user.phone != preferred_phone, w.pk))


def build_returns(*, preferred_phone: str) -> Payout | None:
    """The returned payout, or None when no worker has 100 yuan to withdraw to a sandbox."""
    existing = Payout.objects.filter(payout_id=PAYOUT_ID).first()
    if existing is not None:
        return existing
    for worker in _candidates(preferred_phone):
        account = PayoutAccount.objects.get(worker=worker, is_default=True)
        channel = settlement_services.sandbox_channel(account.channel)
        if (
            channel is None
            or account.account[-1:] in _NOT_PAID_AT_ONCE
            or selectors.wallet_balance(worker=worker) < AMOUNT_FEN
        ):
            continue
        payout = settlement_services.payout_request.nested(
            worker=worker,
            amount_fen=AMOUNT_FEN,
            requested_by=worker.user,
            account=account,
            payout_id=PAYOUT_ID,
        )
        # Sent now rather than after the build's transaction commits (that later call
        # finds the payout settled and does nothing).
        settlement_services.payout_submit(payout_pk=payout.pk)
        channel.return_payout(PAYOUT_ID, reason=REASON)
        headers, body = channel.notification(PAYOUT_ID)
        return settlement_services.payout_notification.nested(
            channel=account.channel, headers=headers, body=body
        )
    return None


def build_returns_summary(*, preferred_phone: str) -> str:
    """`build_returns`, as the line the demo build prints (whose wallet shows it)."""
    payout = build_returns(preferred_phone=preferred_phone)
    if payout is None:
        return "Returned payout (退票): none (no worker with 100 yuan to withdraw)"
    user = payout.worker.user
    amount = money.fen_to_yuan(payout.amount_fen)
    return (
        f"Returned payout (退票): {payout.payout_id}, ¥{amount} back in the "
        f"wallet of {user.name} ({user.phone}, /worker/wallet/)"
    )
