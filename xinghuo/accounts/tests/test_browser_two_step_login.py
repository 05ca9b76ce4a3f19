"""Operators' second factor in a real browser (issue 12): with OPERATOR_2FA_REQUIRED an
operator is sent to the set-up after his password, scans (here: reads) the key, confirms
with a code; his next login asks for a code."""

from __future__ import annotations

import time
from base64 import b32decode
from typing import Any

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Browser, expect

from tests.browser.fixtures import SCREENSHOT_DIR, TIMEOUT_MS
from tests.browser.helpers import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]


def code_for(secret: str, steps_ahead: int = 0) -> str:
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def test_operator_sets_up_and_uses_two_step_login(
    browser: Browser, live_server: Any, operator: Any, settings: Any
) -> None:
    settings.OPERATOR_2FA_REQUIRED = True
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, live_server.url, operator.phone)
    page.wait_for_url("**/account/2fa/**")
    expect(page.locator("h1")).to_have_text("两步登录")
    expect(page.locator("#otp-qr svg")).to_be_visible()
    secret = page.locator("#otp-secret").inner_text()
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "operator_2fa_setup.png"), full_page=True)
    page.locator('input[name="otp"]').fill(code_for(secret))
    page.get_by_role("button", name="开启两步登录").click()
    page.wait_for_url("**/operator/")
    expect(page.locator(".messages")).to_contain_text("两步登录已开启")

    page.get_by_role("button", name="退出").click()
    page.goto(live_server.url + "/login/")
    form = page.locator("main form")
    form.locator('input[name="phone"]').fill(operator.phone)
    form.locator('input[name="password"]').fill("Xinghuo@2026")
    form.locator('button[type="submit"]').click()
    page.wait_for_url("**/login/otp/**")
    page.locator('input[name="otp"]').fill("000000" if code_for(secret, 1) != "000000" else "1")
    page.get_by_role("button", name="验证").click()
    expect(page.locator("#field-otp .error")).to_contain_text("验证码错误")
    page.locator('input[name="otp"]').fill(code_for(secret, 1))
    page.get_by_role("button", name="验证").click()
    expect(page.locator("header .who")).to_be_visible()
    page.screenshot(path=str(SCREENSHOT_DIR / "operator_2fa_console.png"), full_page=True)
    page.goto(live_server.url + "/admin/")
    expect(page).to_have_url(live_server.url + "/admin/")
    context.close()
