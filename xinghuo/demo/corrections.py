"""Demo: a correction of a settled order with netting (issue 11).

The worker paid most for one settled order has just withdrawn nearly all his wallet when
the employer's bank charges the order back. The demo operator records the chargeback (a
second operator approves it when it is above the threshold), the wallet gives back what it
holds and the rest becomes his debt; his next, smaller order repays part of it to the
employer before anything reaches his wallet, and the rest stays open on his wallet page.
Deterministic: the same city gives the same correction.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from xinghuo.accounts import services as account_services
from xinghuo.accounts.models import Membership, Organization, User
from xinghuo.core import money
from xinghuo.core.exceptions import ApplicationError
from xinghuo.dispatch import services as dispatch_services
from xinghuo.regions.models import Site
from xinghuo.settlement import selectors
from xinghuo.settlement import services as settlement_services
from xinghuo.settlement.models import Correction, PayoutAccount, Withholding
from xinghuo.work_orders import services as order_services
from xinghuo.workflows import services as workflows
from xinghuo.workforce.models import Worker

REVIEWER_PHONE = "13800000009"


def build_corrections(*, operator: User, password: str) -> str:
    """Make the demo's correction (a second operator, `REVIEWER_PHONE`, logs in with
    `password`); returns a line for the build log."""
    withholding = (
        Withholding.objects.filter(worker__payout_accounts__isnull=False)
        .select_related("worker__user", "organization")
        .order_by("-income_fen", "pk")
        .first()
    )
    if withholding is None:
        return "Corrections: no settled order to correct"
    worker = withholding.worker
    account = PayoutAccount.objects.filter(worker=worker, is_default=True).first()
    # He withdraws all but 10 yuan, so the chargeback finds his wallet short.
    balance = selectors.wallet_balance(worker=worker)
    if account is not None and balance > 1_000:
        settlement_services.payout_request.nested(
            worker=worker,
            amount_fen=balance - 1_000,
            requested_by=worker.user,
            account=account,
            payout_id=f"DEMO-WITHDRAW-{worker.pk}",
        )
    correction = settlement_services.correction_request.nested(
        operator=operator,
        order_id=withholding.order_id,
        kind=Correction.Kind.CHARGEBACK,
        reason="用工单位开户行发起拒付（演示）",
        key=f"DEMO-CHARGEBACK-{withholding.order_id}",
    )
    reviewed = ""
    if correction.status == Correction.Status.AWAITING_APPROVAL:
        reviewer = account_services.user_create(
            phone=REVIEWER_PHONE, password=password, name="周复核", is_staff=True
        )
        reviewed = f"; approved by the second operator {REVIEWER_PHONE}"
        correction = settlement_services.correction_approve.nested(
            operator=reviewer, correction_id=correction.pk
        )
    # Half the debt's worth of work: part of it is netted, the rest stays open on his wallet.
    price = max(10_000, correction.debt_fen // 200 * 100)
    netted = _next_order_for(worker=worker, organization=withholding.organization, price_fen=price)
    open_debt = settlement_services.worker_open_debt_fen(worker=worker)
    return (
        f"Correction (/operator/corrections/): order #{withholding.order_id} of "
        f"{worker.user.name} charged back, ¥{_yuan(correction.old_gross_fen)}: "
        f"¥{_yuan(correction.from_wallet_fen)} from his wallet, the rest a debt of "
        f"¥{_yuan(correction.debt_fen)}, ¥{_yuan(netted)} of it netted from his next earnings, "
        f"¥{_yuan(open_debt)} still open ({worker.user.phone}, /worker/wallet/){reviewed}"
    )


def _yuan(fen: int) -> str:
    return money.fen_to_yuan(fen)


def _next_order_for(*, worker: Worker, organization: Organization, price_fen: int) -> int:
    """A small order of the same employer done by the worker and accepted: his settlement
    nets the debt. Returns what was netted (0 when he could not take the order)."""
    owner = Membership.objects.get(organization=organization, role=Membership.Role.OWNER).user
    site = Site.objects.filter(organization=organization).order_by("code").first()
    if site is None:
        return 0
    draft = order_services.OrderDraft(
        site_id=site.pk,
        title="门禁检查（更正演示）",
        description=f"{site.name}：门禁与告警检查。",
        deadline_at=timezone.now() + timedelta(hours=6),
        price_fen=price_fen,
        base_points=5,
    )
    order = workflows.work_order_create(actor=owner, organization=organization, draft=draft)
    order_id = order.order.pk
    try:
        dispatch_services.work_order_assign(
            actor=owner, organization=organization, work_order_id=order_id, worker_id=worker.pk
        )
        order_services.work_order_check_in(
            worker=worker, order_id=order_id, lat=site.lat + 0.0003, lng=site.lng - 0.0002
        )
        order_services.work_order_deliver(worker=worker, order_id=order_id, note="门禁正常。")
        workflows.work_order_accept(
            actor=owner, organization=organization, order_id=order_id, rating=5
        )
    except ApplicationError:
        return 0  # not eligible now: his debt stays open for the next one
    settled = Withholding.objects.filter(order_id=order_id).first()
    return settled.netted_fen if settled else 0
