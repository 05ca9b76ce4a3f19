"""Payouts through the sandbox channel: states, approval, crash recovery, reconciliation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import current_app
from django.db import transaction
from django.utils import timezone

from xinghuo.core.exceptions import ValidationFailed
from xinghuo.settlement import services as settlement_services
from xinghuo.settlement.channels.base import get_channel, reset_channels
from xinghuo.settlement.exceptions import InsufficientFunds
from xinghuo.settlement.models import LedgerAccount, Payout
from xinghuo.settlement.services import ledger, payouts
from xinghuo.settlement.services.ledger import TransferSpec

pytestmark = pytest.mark.django_db
P = LedgerAccount.Purpose


@pytest.fixture(autouse=True)
def _fresh_channels():
    reset_channels()
    yield
    reset_channels()


def fund_wallet(worker, amount):
    clearing = ledger.account_for(purpose=P.CHANNEL_CLEARING, channel="test")
    wallet = ledger.account_for(purpose=P.WORKER_WALLET, worker_id=worker.pk)
    ledger.transfers_post(
        specs=[TransferSpec(f"fund:{worker.pk}:{amount}", clearing.pk, wallet.pk, amount, "test")]
    )
    return wallet


def wallet_of(worker):
    return LedgerAccount.objects.get(purpose=P.WORKER_WALLET, worker=worker).available_fen


@pytest.fixture
def paid_worker(make_worker, verified_identity):
    worker = verified_identity(make_worker())
    fund_wallet(worker, 100_000)
    return worker


def bind(worker, account="13800138000", channel="alipay", **kw):
    # The sandbox channel decides the outcome by the account's last character.
    return payouts.payout_account_add(
        worker=worker, channel=channel, account=account, account_name=worker.user.name, **kw
    ).account


def test_a_payout_succeeds_and_leaves_the_ledger_sound(
    paid_worker, django_capture_on_commit_callbacks
):
    bind(paid_worker)
    with django_capture_on_commit_callbacks(execute=True):
        payout = payouts.payout_request(worker=paid_worker, amount_fen=30_000, requested_by=None)
    payout.refresh_from_db()
    assert payout.status == "succeeded"
    assert wallet_of(paid_worker) == 70_000
    assert LedgerAccount.objects.get(purpose=P.PAYOUTS_IN_TRANSIT).balance_fen == 0
    assert len(get_channel("alipay").ledger) == 1
    assert ledger.ledger_verify() == []


def test_a_failed_payout_returns_the_money_to_the_wallet(
    paid_worker, django_capture_on_commit_callbacks
):
    bind(paid_worker, account="6222020200112233444", channel="bank")  # …4: account not found
    with django_capture_on_commit_callbacks(execute=True):
        payout = payouts.payout_request(worker=paid_worker, amount_fen=30_000, requested_by=None)
    payout.refresh_from_db()
    assert payout.status == "failed"
    assert payout.failure_code == "ACCOUNT_NOT_EXIST"
    assert wallet_of(paid_worker) == 100_000
    assert ledger.ledger_verify() == []


def test_no_payout_beyond_the_wallet(paid_worker):
    bind(paid_worker)
    with pytest.raises(InsufficientFunds):
        payouts.payout_request(worker=paid_worker, amount_fen=100_001, requested_by=None)
    assert not Payout.objects.exists()


def test_a_lost_answer_is_resolved_by_querying_never_by_paying_again(
    paid_worker, django_capture_on_commit_callbacks
):
    bind(paid_worker, account="13800000009")  # …9: paid, but the answer is lost
    with django_capture_on_commit_callbacks(execute=True):
        payout = payouts.payout_request(worker=paid_worker, amount_fen=20_000, requested_by=None)
    payout.refresh_from_db()
    assert payout.status == "submitted"
    later = timezone.now() + timedelta(minutes=5)
    counts = payouts.payouts_sweep(now=later)
    assert (counts["queried"], counts["resolved"], counts["resubmitted"]) == (1, 1, 0)
    payout.refresh_from_db()
    assert payout.status == "succeeded"
    assert len(get_channel("alipay").ledger) == 1  # paid once
    assert payouts.payouts_sweep(now=later)["queried"] == 0


def test_a_crash_before_submission_is_submitted_by_the_sweeper(paid_worker):
    bind(paid_worker)
    # No on-commit callbacks run: the process "died" before the payout was sent.
    payout = payouts.payout_request(worker=paid_worker, amount_fen=20_000, requested_by=None)
    assert Payout.objects.get(pk=payout.pk).status == "requested"
    counts = payouts.payouts_sweep(now=timezone.now() + timedelta(minutes=5))
    assert counts["submitted"] == 1
    assert Payout.objects.get(pk=payout.pk).status == "succeeded"
    # Sending again (a second sweeper, a retry) never pays twice.
    payouts.payout_submit(payout_pk=payout.pk)
    assert len(get_channel("alipay").ledger) == 1


def test_the_same_payout_id_is_one_payout(paid_worker):
    bind(paid_worker)
    a = payouts.payout_request(
        worker=paid_worker, amount_fen=100, requested_by=None, payout_id="W1"
    )
    b = payouts.payout_request(
        worker=paid_worker, amount_fen=100, requested_by=None, payout_id="W1"
    )
    assert a.pk == b.pk
    assert wallet_of(paid_worker) == 99_900


@pytest.mark.parametrize("payout_id", ["W1\n", "W 1", "", "x" * 65, "W1\x00"])
def test_a_malformed_payout_id_is_refused_and_moves_nothing(paid_worker, payout_id):
    bind(paid_worker)
    with pytest.raises(ValidationFailed) as exc:
        payouts.payout_request(
            worker=paid_worker, amount_fen=100, requested_by=None, payout_id=payout_id or "W1\n"
        )
    assert exc.value.code == "invalid_payout_id"
    assert not Payout.objects.exists()
    assert wallet_of(paid_worker) == 100_000


def test_large_payouts_need_a_second_approver(
    make_employer, make_worker, paid_worker, django_capture_on_commit_callbacks
):
    from xinghuo.accounts import services as account_services
    from xinghuo.core.exceptions import ApplicationError

    owner, org = make_employer()
    finance = make_worker().user
    account_services.membership_add(
        actor=owner, organization=org, phone=finance.phone, role="finance"
    )
    org.payout_approval_threshold_fen = 50_000
    org.save()
    bind(paid_worker)
    payout = payouts.payout_request(
        worker=paid_worker, amount_fen=60_000, requested_by=finance, organization=org
    )
    assert payout.status == "awaiting_approval"
    with pytest.raises(ApplicationError) as same:
        payouts.payout_approve(approver=finance, payout_pk=payout.pk)
    assert same.value.code == "same_approver"
    with pytest.raises(ApplicationError):  # a worker is no approver: not found
        payouts.payout_approve(approver=paid_worker.user, payout_pk=payout.pk)
    with django_capture_on_commit_callbacks(execute=True):
        payouts.payout_approve(approver=owner, payout_pk=payout.pk)
    payout.refresh_from_db()
    assert payout.status == "succeeded" and payout.approved_by == owner


def test_a_signed_notification_completes_a_payout_and_a_forged_one_is_refused(
    paid_worker, django_capture_on_commit_callbacks
):
    from xinghuo.settlement.channels.base import BadSignature

    bind(paid_worker, account="13800000007")  # …7: accepted, settles later
    with django_capture_on_commit_callbacks(execute=True):
        payout = payouts.payout_request(worker=paid_worker, amount_fen=5_000, requested_by=None)
    assert Payout.objects.get(pk=payout.pk).status == "submitted"
    channel = get_channel("alipay")
    channel.complete(payout.payout_id)
    headers, body = channel.notification(payout.payout_id)
    with pytest.raises(BadSignature):
        payouts.payout_notification(channel="alipay", headers=headers, body=body + b" ")
    assert Payout.objects.get(pk=payout.pk).status == "submitted"
    payouts.payout_notification(channel="alipay", headers=headers, body=body)
    assert Payout.objects.get(pk=payout.pk).status == "succeeded"


def test_reconciliation_reports_every_mismatch(paid_worker, django_capture_on_commit_callbacks):
    bind(paid_worker)
    with django_capture_on_commit_callbacks(execute=True):
        ok = payouts.payout_request(worker=paid_worker, amount_fen=1_000, requested_by=None)
        odd = payouts.payout_request(worker=paid_worker, amount_fen=2_000, requested_by=None)
    # Our records say one payout succeeded that the channel says failed.
    Payout.objects.filter(pk=odd.pk).update(status="succeeded")
    channel = get_channel("alipay")
    channel._payouts[odd.payout_id] = channel._payouts[odd.payout_id].__class__(
        request=channel._payouts[odd.payout_id].request,
        channel_ref="X",
        status="failed",
        failure_code="RETURNED",
        finished_at=channel._payouts[odd.payout_id].finished_at,
    )
    report = payouts.reconcile(channel="alipay", day=timezone.localdate())
    problems = {m["payout_id"]: m["problem"] for m in report.mismatches}
    assert problems == {odd.payout_id: "status_differs"}
    assert report.matched == 1
    assert ok.payout_id not in problems


def test_auto_withdraw_pays_a_settled_order_at_once(
    api,
    make_employer,
    make_order,
    make_eligible_worker,
    verified_identity,
    django_capture_on_commit_callbacks,
):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org, price_fen=20_000)
    worker = verified_identity(make_eligible_worker())
    bind(worker, auto_withdraw=True)
    me = api(worker.user)
    me.post(f"/work-orders/{order.pk}/grab")
    me.post(f"/work-orders/{order.pk}/check-in", {"lat": 30.2601, "lng": 120.1001})
    me.client.post(f"/api/v1/work-orders/{order.pk}/deliver", {"note": "好了"}, headers=me.headers)
    with django_capture_on_commit_callbacks(execute=True):
        resp = api(owner).post(
            f"/organizations/{org.pk}/work-orders/{order.pk}/accept", {"rating": 5}
        )
    assert resp.status_code == 200
    payout = Payout.objects.get(payout_id=f"order-{order.pk}")
    assert payout.status == "succeeded" and payout.amount_fen == 20_000  # no tax at this size
    assert wallet_of(worker) == 0
    assert ledger.ledger_verify() == []


def test_payout_api(api, paid_worker, operator, django_capture_on_commit_callbacks):
    me = api(paid_worker.user)
    bad = me.post(
        "/workers/me/payout-accounts", {"channel": "wechat", "account": "x", "account_name": "y"}
    )
    assert bad.status_code == 422
    resp = me.post(
        "/workers/me/payout-accounts",
        {"channel": "bank", "account": "6225880212345678", "account_name": paid_worker.user.name},
    )
    assert resp.status_code == 201
    assert resp.json()["account"]["account_masked"] == "6225 **** **** 5678"
    assert resp.json()["account"]["bank_name"] == "招商银行"
    with django_capture_on_commit_callbacks(execute=True):
        created = me.post("/workers/me/payouts", {"amount_fen": 12_345, "payout_id": "API-1"})
    assert created.status_code == 201
    assert me.get("/workers/me/payouts").json()["items"][0]["status"] == "succeeded"
    assert me.get("/workers/me/wallet").json()["balance_fen"] == 100_000 - 12_345
    too_much = me.post("/workers/me/payouts", {"amount_fen": 10_000_000})
    assert too_much.status_code == 409 and too_much.json()["code"] == "insufficient_funds"
    assert me.get("/payouts").status_code == 403
    assert api(operator).get("/payouts", {"status": "succeeded"}).json()["count"] == 1
    forged = api().post("/hooks/payouts/bank", {"payout_id": "API-1", "status": "failed"})
    assert forged.status_code == 401
    assert Payout.objects.get(payout_id="API-1").status == "succeeded"
    report = api(operator).post(
        "/reconciliations", {"channel": "bank", "day": str(timezone.localdate())}
    )
    assert report.status_code == 201 and report.json()["mismatches"] == []


@pytest.mark.parametrize(
    "service",
    [
        settlement_services.payout_request,
        settlement_services.payout_approve,
        settlement_services.payout_notification,
        settlement_services.topup_declare,
        settlement_services.bank_credit_receive,
        settlement_services.bank_statement_import,
        settlement_services.correction_request,
        settlement_services.correction_approve,
        settlement_services.correction_reject,
    ],
)
def test_money_entry_points_refuse_to_run_inside_another_transaction(service):
    # Durable: the check is made on entering the transaction, before any argument is read.
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        service()


def test_a_payout_requested_nested_is_undone_with_the_callers_transaction(paid_worker):
    bind(paid_worker)

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        payouts.payout_request.nested(worker=paid_worker, amount_fen=30_000, requested_by=None)
        assert Payout.objects.filter(worker=paid_worker).count() == 1
        raise Undo
    assert not Payout.objects.filter(worker=paid_worker).exists()
    assert wallet_of(paid_worker) == 100_000


def test_the_payout_task_is_queued_by_name_and_registered(paid_worker):
    # Services never import settlement.tasks; the app registers the task under this name.
    assert payouts.SUBMIT_TASK in current_app.tasks
