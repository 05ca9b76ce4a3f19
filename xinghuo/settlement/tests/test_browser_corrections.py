"""Corrections in Chromium (issue 11): an operator corrects a settled order on the console,
and the worker reads it, with the debt still to be netted, on his wallet at 360 px."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in
from xinghuo.settlement import services as settlement_services
from xinghuo.settlement.models import Correction
from xinghuo.work_orders.models import WorkOrder

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]


def test_an_operator_corrects_an_order_and_the_worker_sees_it_on_a_phone(
    page: Page, live_server, make_employer, make_worker, make_order, operator
) -> None:
    owner, org = make_employer()
    worker = make_worker(name="孙九")
    order = make_order(owner=owner, organization=org, price_fen=80_000)
    WorkOrder.objects.filter(pk=order.pk).update(worker=worker)
    order.refresh_from_db()
    with transaction.atomic():
        settlement_services.order_settle(
            order=order, at=datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        )
    base = live_server.url

    log_in(page, base, operator.phone)
    page.goto(base + "/operator/corrections/")
    form = page.locator("#correction-form")
    form.locator('input[name="order_id"]').fill(str(order.pk))
    form.locator('input[name="kind"][value="chargeback"]').check()
    form.locator('input[name="reason"]').fill("银行拒付")
    form.locator('button[type="submit"]').click()
    expect(page.locator('#correction-list tr[data-correction] >> text="银行拒付"')).to_be_visible()
    correction = Correction.objects.get()
    assert correction.status == "executed"  # 800 yuan: under the threshold
    assert settlement_services.ledger_verify() == []

    page.context.clear_cookies()
    page.set_viewport_size({"width": 360, "height": 800})
    log_in(page, base, worker.user.phone)
    page.goto(base + "/worker/wallet/")
    section = page.locator("#corrections")
    expect(section).to_be_visible()
    expect(section).to_contain_text("银行拒付")
    expect(section).to_contain_text("¥800.00 → ¥0.00")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the wallet scrolls sideways at 360 px ({width} px)"
