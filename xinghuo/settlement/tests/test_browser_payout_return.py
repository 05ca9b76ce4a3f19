"""A returned payout (退票) seen in browsers: the worker's wallet on a 360 px phone shows
退票 with the channel's reason; the operator's finance page lists a payout the retry
policy handed over, with its attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from tests.browser.fixtures import SCREENSHOT_DIR, TIMEOUT_MS
from tests.browser.helpers import log_in
from xinghuo.settlement import services as settlement_services
from xinghuo.settlement.models import LedgerAccount, Payout, PayoutAttempt
from xinghuo.settlement.services import TransferSpec, channels_reset
from xinghuo.settlement.tests.identities import approve_identity

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]
P = LedgerAccount.Purpose
REASON = "收款账户已销户，资金退回"


def test_the_worker_sees_his_returned_withdrawal_on_a_phone(
    browser: Browser, live_server, make_worker, operator, django_capture_on_commit_callbacks
):
    channels_reset()
    worker = make_worker()
    approve_identity(worker, reviewer=operator, seq=1)
    clearing = settlement_services.account_for(purpose=P.CHANNEL_CLEARING, channel="test")
    wallet = settlement_services.account_for(purpose=P.WORKER_WALLET, worker_id=worker.pk)
    settlement_services.transfers_post(
        specs=[TransferSpec("fund", clearing.pk, wallet.pk, 50_000, "test")]
    )
    settlement_services.payout_account_add(
        worker=worker, channel="alipay", account="13800138000", account_name=worker.user.name
    )
    with django_capture_on_commit_callbacks(execute=True):
        payout = settlement_services.payout_request(
            worker=worker, amount_fen=20_000, requested_by=None
        )
    sandbox = settlement_services.sandbox_channel("alipay")
    sandbox.return_payout(payout.payout_id, reason=REASON)
    headers, body = sandbox.notification(payout.payout_id)
    settlement_services.payout_notification(channel="alipay", headers=headers, body=body)
    # And one the retry policy gave up on, for the operator.
    stuck = settlement_services.payout_request(
        worker=worker, amount_fen=1_000, requested_by=None, payout_id="LOST-1"
    )
    Payout.objects.filter(pk=stuck.pk).update(
        status="submitted", attempts=3, attention_at=timezone.now() - timedelta(minutes=1)
    )
    for n in (1, 2, 3):
        PayoutAttempt.objects.create(payout=stuck, kind="submit", number=n, outcome="unreachable")
        PayoutAttempt.objects.create(
            payout=stuck, kind="query", number=n, outcome="unknown", code="ORDER_NOT_EXIST"
        )

    phone = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 780})
    phone.set_default_timeout(TIMEOUT_MS)
    page = phone.new_page()
    try:
        log_in(page, live_server.url, worker.user.phone)
        page.goto(live_server.url + "/worker/wallet/")
        item = page.locator(f'[data-payout="{payout.payout_id}"]')
        expect(item).to_contain_text("退票")
        expect(item).to_contain_text(REASON)
        expect(item.locator(".status")).to_have_text("退票（已退回钱包）")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the wallet is {overflow}px wider than a 360px screen"
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / "payout_return_wallet_360.png"), full_page=True)
    finally:
        phone.close()

    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    desk.set_default_timeout(TIMEOUT_MS)
    page = desk.new_page()
    try:
        log_in(page, live_server.url, operator.phone)
        page.goto(live_server.url + "/operator/finance/")
        section = page.locator("#attention")
        expect(section).to_contain_text("LOST-1")
        attempts = PayoutAttempt.objects.filter(payout=stuck).count()
        expect(section.locator("li.attempt")).to_have_count(attempts)
        expect(section).to_contain_text("ORDER_NOT_EXIST")
        expect(page.locator("#count-attention")).to_have_text("1")
        page.screenshot(path=str(SCREENSHOT_DIR / "payout_attention_operator.png"), full_page=True)
    finally:
        desk.close()
    channels_reset()
