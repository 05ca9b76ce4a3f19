"""Money into escrow in a real browser (issue 11): the employer's finance member declares a
transfer on a 360 px phone (待到账, no money); the operator imports the bank statement and
credits the line to the declaration; the employer then sees it arrived (已到账)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.fixtures import SCREENSHOT_DIR, TIMEOUT_MS
from tests.browser.helpers import log_in as sign_in
from xinghuo.settlement import selectors

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]


def open_as(browser: Browser, base: str, phone: str, width: int) -> Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, base, phone)
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


def test_declared_top_up_waits_until_the_operator_matches_the_bank_line(
    browser: Browser, live_server: Any, make_employer: Any, operator: Any, tmp_path: Any
) -> None:
    owner, org = make_employer(escrow_fen=0)
    employer = open_as(browser, live_server.url, owner.phone, 360)
    employer.goto(f"{live_server.url}/employer/finance/?org={org.pk}")
    form = employer.locator("#topup-form")
    form.locator("input[name=amount_yuan]").fill("3000.00")
    form.locator("input[name=reference]").fill("CMB-B-0001")
    form.locator("button[type=submit]").click()
    expect(employer.locator("#declarations")).to_contain_text("待到账")
    expect(employer.locator("#escrow-available")).to_have_text("¥0.00")
    overflow = employer.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    employer.screenshot(path=str(SCREENSHOT_DIR / "topup_declared_360.png"), full_page=True)

    statement = tmp_path / "statement.csv"
    statement.write_text(
        "交易流水号,记账日期,金额,付款人名称,付款人账号,附言\n"
        "ICBC-B-0001,2026-11-27,3000.00,某运维公司,6222,转账\n",
        encoding="utf-8",
    )
    desk = open_as(browser, live_server.url, operator.phone, 1280)
    desk.goto(live_server.url + "/operator/finance/")
    desk.locator("#bank-credits-link").click()
    desk.locator("#statement-form input[type=file]").set_input_files(str(statement))
    desk.locator("#statement-form button[type=submit]").click()
    row = desk.locator("#unmatched-lines tr[data-line]")
    expect(row).to_have_count(1)
    row.locator("select[name=declaration]").select_option(index=1)
    row.locator("button[type=submit]").click()
    expect(desk.locator("#unmatched-lines tr[data-line]")).to_have_count(0)
    desk.screenshot(path=str(SCREENSHOT_DIR / "topup_operator_bank.png"), full_page=True)

    employer.reload()
    expect(employer.locator("#declarations")).to_contain_text("已到账")
    expect(employer.locator("#escrow-available")).to_have_text("¥3,000.00")
    assert selectors.escrow_balances(organization=org)["available_fen"] == 300_000
