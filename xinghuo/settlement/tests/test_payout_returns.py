"""Returns (退票) after success, lost submissions resubmitted by the retry policy, and
concurrent payouts with one payout id — through the real clients against the local fake
Alipay and bank servers where a channel is involved."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from xinghuo.accounts import services as account_services
from xinghuo.notifications.models import Notification
from xinghuo.settlement.channels.alipay import TRANSFER
from xinghuo.settlement.channels.base import get_channel, reset_channels
from xinghuo.settlement.channels.fakes import (
    make_alipay_pki,
    make_bank_keys,
    running_fake_alipay,
    running_fake_bank,
)
from xinghuo.settlement.models import LedgerAccount, Payout, PayoutAttempt, Transfer
from xinghuo.settlement.services import ledger, payouts
from xinghuo.settlement.services.ledger import TransferSpec

P = LedgerAccount.Purpose
CARD = "6225880212345678"  # 招商银行; the fakes refuse accounts ending in 4 only
ALIPAY_ID = "13800138000"


@pytest.fixture(autouse=True)
def _fresh_channels():
    reset_channels()
    yield
    reset_channels()


@pytest.fixture(scope="module")
def alipay_pki():
    return make_alipay_pki()


@pytest.fixture(scope="module")
def bank_keys():
    return make_bank_keys()


@pytest.fixture
def fakes(settings, alipay_pki, bank_keys):
    """The real Alipay and bank clients, configured against local fake servers."""
    with running_fake_alipay(pki=alipay_pki) as alipay, running_fake_bank(keys=bank_keys) as bank:
        settings.PAYOUT_CHANNELS = {
            "alipay": {"BACKEND": "alipay", "OPTIONS": alipay.client_options()},
            "bank": {"BACKEND": "bank", "OPTIONS": bank.client_options()},
        }
        yield {"alipay": alipay, "bank": bank}


def fund_wallet(worker, amount):
    clearing = ledger.account_for(purpose=P.CHANNEL_CLEARING, channel="test")
    wallet = ledger.account_for(purpose=P.WORKER_WALLET, worker_id=worker.pk)
    ledger.transfers_post(
        specs=[TransferSpec(f"fund:{worker.pk}:{amount}", clearing.pk, wallet.pk, amount, "test")]
    )


def wallet_of(worker):
    return LedgerAccount.objects.get(purpose=P.WORKER_WALLET, worker=worker).available_fen


@pytest.fixture
def paid_worker(make_worker, verified_identity):
    worker = verified_identity(make_worker())
    fund_wallet(worker, 100_000)
    return worker


def bind(worker, channel):
    account = CARD if channel == "bank" else ALIPAY_ID
    return payouts.payout_account_add(
        worker=worker, channel=channel, account=account, account_name=worker.user.name
    ).account


def post_hook(api, channel, headers, body):
    return api().client.post(
        f"/api/v1/hooks/payouts/{channel}",
        body,
        content_type=headers.get("Content-Type", "application/json"),
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )


# --- returns (退票) ---------------------------------------------------------------------------


def _paid(worker, channel, fakes, capture):
    """A payout of 30,000 fen through `channel` that has succeeded."""
    bind(worker, channel)
    with capture(execute=True):
        payout = payouts.payout_request(worker=worker, amount_fen=30_000, requested_by=None)
    if channel == "bank":  # the bank settles later: its first query finds SUCCESS
        payouts.payouts_sweep(now=timezone.now() + timedelta(minutes=5))
    payout.refresh_from_db()
    assert payout.status == "succeeded"
    assert wallet_of(worker) == 70_000
    return payout


@pytest.mark.parametrize("channel", ["bank", "alipay"])
def test_a_signed_return_after_success_puts_the_money_back_once(
    channel, api, fakes, paid_worker, operator, django_capture_on_commit_callbacks
):
    payout = _paid(paid_worker, channel, fakes, django_capture_on_commit_callbacks)
    fake = fakes[channel]
    if channel == "bank":
        fake.return_payout(payout.payout_id, reason="户名不符退票")
        reason = "户名不符退票"
    else:
        fake.return_transfer(payout.payout_id, reason="收款账户被冻结，资金退回")
        reason = "收款账户被冻结，资金退回"
    headers, body = fake.notification(payout.payout_id)

    for _ in range(2):  # the channel repeats its notification until it hears "success"
        resp = post_hook(api, channel, headers, body)
        assert resp.status_code == 200 and resp.content == b"success"

    payout.refresh_from_db()
    assert payout.status == "returned"
    assert payout.return_reason == reason
    assert payout.returned_at is not None
    assert abs(payout.returned_at - timezone.now()) < timedelta(minutes=1)
    assert wallet_of(paid_worker) == 100_000
    assert Transfer.objects.filter(key=f"payout:{payout.payout_id}:returned").count() == 1
    assert ledger.ledger_verify() == []
    clearing = LedgerAccount.objects.get(purpose=P.CHANNEL_CLEARING, channel=channel)
    assert clearing.balance_fen == 0  # out and back: nothing left at the channel
    note = Notification.objects.get(user=paid_worker.user, kind="payout_returned")
    assert reason in note.body and "300.00" in note.body

    mine = api(paid_worker.user).get("/workers/me/payouts").json()["items"][0]
    assert mine["status"] == "returned" and mine["return_reason"] == reason

    # The day's reconciliation shows the return, matched against the channel's statement.
    report = api(operator).post(
        "/reconciliations", {"channel": channel, "day": str(timezone.localdate())}
    )
    assert report.status_code == 201
    assert report.json()["mismatches"] == []
    assert report.json()["returned"] == 1


def test_reconciliation_reports_a_return_we_never_applied(
    paid_worker, fakes, django_capture_on_commit_callbacks
):
    payout = _paid(paid_worker, "bank", fakes, django_capture_on_commit_callbacks)
    fakes["bank"].return_payout(payout.payout_id)  # …and its notification never arrives
    report = payouts.reconcile(channel="bank", day=timezone.localdate())
    assert [(m["payout_id"], m["problem"]) for m in report.mismatches] == [
        (payout.payout_id, "return_not_applied")
    ]
    assert report.returned == 0


def test_a_notification_from_another_channel_is_refused_and_changes_nothing(
    api, paid_worker, django_capture_on_commit_callbacks
):
    # Sandbox channels: "alipay" and "bank" are two sandboxes sharing one signing secret,
    # so the bank's notice verifies at the Alipay hook — only the channel check refuses it.
    bind(paid_worker, "bank")
    with django_capture_on_commit_callbacks(execute=True):
        payout = payouts.payout_request(worker=paid_worker, amount_fen=30_000, requested_by=None)
    bank = get_channel("bank")
    bank.return_payout(payout.payout_id, reason="账户已销户")
    headers, body = bank.notification(payout.payout_id)

    wrong = post_hook(api, "alipay", headers, body)
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "channel_mismatch"
    payout.refresh_from_db()
    assert payout.status == "succeeded" and wallet_of(paid_worker) == 70_000

    right = post_hook(api, "bank", headers, body)
    assert right.status_code == 200
    payout.refresh_from_db()
    assert payout.status == "returned" and payout.return_reason == "账户已销户"
    assert wallet_of(paid_worker) == 100_000


def test_the_worker_sees_the_return_and_its_reason_in_his_wallet(
    client, paid_worker, django_capture_on_commit_callbacks
):
    bind(paid_worker, "alipay")
    with django_capture_on_commit_callbacks(execute=True):
        payout = payouts.payout_request(worker=paid_worker, amount_fen=30_000, requested_by=None)
    sandbox = get_channel("alipay")
    sandbox.return_payout(payout.payout_id, reason="收款账户已销户，资金退回")
    payouts.payout_notification(
        channel="alipay", **_as_kwargs(sandbox.notification(payout.payout_id))
    )
    client.force_login(paid_worker.user)
    html = client.get("/worker/wallet/").content.decode()
    item = html[html.index(f'data-payout="{payout.payout_id}"') :]
    item = item[: item.index("</li>")]
    assert "退票" in item and "收款账户已销户，资金退回" in item
    assert "1,000.00" in html or "1000.00" in html  # the balance is whole again


def test_the_demo_builds_a_returned_payout(paid_worker):
    from xinghuo.demo.returns import REASON, build_returns

    bind(paid_worker, "alipay")
    payout = build_returns(preferred_phone=paid_worker.user.phone)
    assert payout is not None and payout.status == "returned"
    assert payout.return_reason == REASON
    assert wallet_of(paid_worker) == 100_000
    assert build_returns(preferred_phone=paid_worker.user.phone).pk == payout.pk
    assert ledger.ledger_verify() == []


def _as_kwargs(notification):
    headers, body = notification
    return {"headers": headers, "body": body}


def test_a_return_of_a_payout_still_submitted_fails_it_once(
    api, paid_worker, django_capture_on_commit_callbacks
):
    payouts.payout_account_add(
        worker=paid_worker,
        channel="alipay",
        account="13800000007",  # sandbox …7: accepted, settles later
        account_name=paid_worker.user.name,
    )
    with django_capture_on_commit_callbacks(execute=True):
        payout = payouts.payout_request(worker=paid_worker, amount_fen=30_000, requested_by=None)
    assert Payout.objects.get(pk=payout.pk).status == "submitted"
    sandbox = get_channel("alipay")
    sandbox.return_payout(payout.payout_id, reason="退票")
    headers, body = sandbox.notification(payout.payout_id)
    for _ in range(2):
        assert post_hook(api, "alipay", headers, body).status_code == 200
    payout.refresh_from_db()
    assert payout.status == "failed" and payout.failure_code == "RETURNED"
    assert wallet_of(paid_worker) == 100_000
    assert Transfer.objects.filter(reference=f"payout:{payout.payout_id}").count() == 2
    assert ledger.ledger_verify() == []


# --- nothing stuck: the retry policy ----------------------------------------------------------


@pytest.mark.parametrize("channel", ["alipay", "bank"])
def test_a_submission_lost_on_its_way_is_resubmitted_with_the_same_id_and_paid_once(
    channel, settings, fakes, paid_worker, django_capture_on_commit_callbacks
):
    settings.PAYOUT_RESUBMIT_AFTER_SECONDS = 120
    fake = fakes[channel]
    bind(paid_worker, channel)
    fake.inject_fault("drop")  # the first call never reaches the channel
    with django_capture_on_commit_callbacks(execute=True):
        payout = payouts.payout_request(worker=paid_worker, amount_fen=30_000, requested_by=None)
    payout.refresh_from_db()
    assert payout.status == "submitted"
    assert fake.payments(payout.payout_id) == 0

    # Too early: the channel does not know it yet, but the policy waits.
    soon = timezone.now() + timedelta(seconds=100)
    PayoutAttempt.objects.update(at=timezone.now())
    Payout.objects.filter(pk=payout.pk).update(updated_at=soon - timedelta(minutes=3))
    assert payouts.payouts_sweep(now=soon)["resubmitted"] == 0

    later = timezone.now() + timedelta(minutes=5)
    counts = payouts.payouts_sweep(now=later)
    assert counts["resubmitted"] == 1
    if channel == "bank":  # accepted again; its first query finds it paid
        payouts.payouts_sweep(now=later + timedelta(minutes=5))
    payout.refresh_from_db()
    assert payout.status == "succeeded"
    assert fake.payments(payout.payout_id) == 1
    assert payout.attempts == 2
    submits = list(payout.attempt_rows.filter(kind="submit").order_by("number"))
    assert [(a.number, a.outcome) for a in submits] == [
        (1, "unreachable"),
        (2, "succeeded" if channel == "alipay" else "submitted"),
    ]
    queries = payout.attempt_rows.filter(kind="query").order_by("at", "pk")
    assert queries[0].outcome == "unknown"
    assert queries[0].code == ("ORDER_NOT_EXIST" if channel == "alipay" else "E3001")
    assert wallet_of(paid_worker) == 70_000
    assert ledger.ledger_verify() == []


def test_after_the_last_attempt_the_payout_waits_for_an_operator_with_its_history(
    api, client, settings, fakes, operator, paid_worker, django_capture_on_commit_callbacks
):
    settings.PAYOUT_RESUBMIT_AFTER_SECONDS = 60
    settings.PAYOUT_MAX_ATTEMPTS = 2
    fake = fakes["alipay"]
    bind(paid_worker, "alipay")
    # Every transfer is lost on its way; queries go through (and find nothing).
    fake.inject_fault("drop", count=10, only=TRANSFER)
    with django_capture_on_commit_callbacks(execute=True):
        payout = payouts.payout_request(worker=paid_worker, amount_fen=30_000, requested_by=None)
    later = timezone.now() + timedelta(minutes=5)
    assert payouts.payouts_sweep(now=later)["resubmitted"] == 1
    counts = payouts.payouts_sweep(now=later + timedelta(minutes=5))
    assert counts["attention"] == 1 and counts["resubmitted"] == 0
    payout.refresh_from_db()
    assert payout.status == "submitted" and payout.attention_at is not None
    assert fake.payments(payout.payout_id) == 0
    # No further submissions, whatever the sweep sees.
    assert payouts.payouts_sweep(now=later + timedelta(minutes=15))["resubmitted"] == 0
    assert payout.attempt_rows.filter(kind="submit").count() == 2

    listed = api(operator).get("/payouts", {"attention": "true"}).json()
    assert [p["payout_id"] for p in listed["items"]] == [payout.payout_id]
    assert listed["items"][0]["attention_at"] is not None
    history = api(operator).get(f"/payouts/{payout.pk}/attempts").json()
    assert [(a["kind"], a["number"], a["outcome"]) for a in history][:3] == [
        ("submit", 1, "unreachable"),
        ("query", 1, "unknown"),
        ("submit", 2, "unreachable"),
    ]
    assert api(paid_worker.user).get(f"/payouts/{payout.pk}/attempts").status_code == 403

    client.force_login(operator)
    page = client.get("/operator/finance/")
    assert page.status_code == 200
    html = page.content.decode()
    section = html[html.index('id="attention"') :]
    assert payout.payout_id in section
    assert section.count('class="attempt"') == payout.attempt_rows.count()
    assert "ORDER_NOT_EXIST" in section


# --- races (PostgreSQL) -----------------------------------------------------------------------


def run_concurrently(calls):
    """Run the callables at once in threads; their results or exceptions, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # reported by the caller's assertions
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "unique violations under real concurrency are tested on PostgreSQL (CI runs it)"
        )


@pytest.mark.django_db(transaction=True)
def test_concurrent_payouts_with_one_payout_id_make_one_payout_and_no_5xx(
    make_worker, verified_identity
):
    needs_postgresql()
    worker = verified_identity(make_worker())
    fund_wallet(worker, 100_000)
    bind(worker, "alipay")
    token = account_services.api_token_issue(user=worker.user).raw

    def request():
        client = Client(raise_request_exception=False)
        resp = client.post(
            "/api/v1/workers/me/payouts",
            json.dumps({"amount_fen": 12_345, "payout_id": "RACE-1"}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        return resp.status_code, resp.json()

    results = run_concurrently([request] * 8)
    assert all(not isinstance(r, Exception) for r in results), results
    assert {status for status, _ in results} <= {200, 201}, results
    assert len({body["id"] for _, body in results}) == 1
    assert Payout.objects.filter(payout_id="RACE-1").count() == 1
    assert wallet_of(worker) == 100_000 - 12_345
    assert Transfer.objects.filter(key="payout:RACE-1:hold").count() == 1
    assert ledger.ledger_verify() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_posting_of_one_pending_key_returns_the_first_transfer():
    needs_postgresql()
    clearing = ledger.account_for(purpose=P.CHANNEL_CLEARING, channel="test")
    org_escrow = ledger.account_for(purpose=P.ESCROW)
    other = ledger.account_for(purpose=P.FEE_REVENUE)
    ledger.transfers_post(specs=[TransferSpec("seed", clearing.pk, org_escrow.pk, 1_000, "test")])
    [hold] = ledger.transfers_post(
        specs=[TransferSpec("hold", org_escrow.pk, other.pk, 500, "test", pending=True)]
    )
    results = run_concurrently(
        [lambda: ledger.pending_post(key="post-hold", pending_id=hold.pk)] * 6
    )
    assert all(isinstance(r, Transfer) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert ledger.ledger_verify() == []
