"""Employer verification (企业认证) in a real browser: the employer sees the banner, submits
the form with a licence photo; the operator reveals the licence (audited) and approves."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.fixtures import SCREENSHOT_DIR, TIMEOUT_MS
from tests.browser.helpers import log_in as sign_in
from xinghuo.demo.licence import licence_image
from xinghuo.identity.models import EmployerVerification, RevealAudit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]


def shot(page: Page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"employer_verification_{name}.png"), full_page=True)


def log_in(browser: Browser, base: str, phone: str) -> Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, base, phone)
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


def test_employer_submits_and_operator_reveals_and_approves(
    browser: Browser, live_server: Any, make_employer: Any, operator: Any, tmp_path: Any
) -> None:
    owner, org = make_employer(verified=False)
    licence = tmp_path / "营业执照.png"
    licence.write_bytes(
        licence_image(
            company_name=org.name,
            credit_code=org.credit_code,
            legal_representative="王建华",
            address="浙江省杭州市西湖区文三路478号",
            established_on=date(2018, 5, 20),
            registered_capital="人民币伍佰万元",
        )
    )

    employer = log_in(browser, live_server.url, owner.phone)
    employer.goto(live_server.url + "/employer/")
    banner = employer.locator("#verification-banner")
    expect(banner).to_be_visible()
    banner.locator("a").click()
    form = employer.locator("#verification-form form")
    expect(form.locator('input[name="credit_code"]')).to_have_value(org.credit_code)
    form.locator('input[name="legal_representative"]').fill("王建华")
    form.locator('input[name="contact_name"]').fill("刘晓梅")
    form.locator('input[name="contact_phone"]').fill("13912345678")
    form.locator('input[name="licence"]').set_input_files(str(licence))
    shot(employer, "1_form")
    form.locator('button[type="submit"]').click()
    expect(employer.locator("#verification-state")).to_have_class("state state-pending")
    shot(employer, "2_pending")

    op = log_in(browser, live_server.url, operator.phone)
    op.goto(live_server.url + "/operator/employers/")
    card = op.locator(f"#verification-{EmployerVerification.objects.get().pk}")
    expect(card).to_contain_text("王建华")
    expect(card.locator(".licence img")).to_have_count(0)
    card.locator('input[name="reveal_reason"]').fill("核对营业执照")
    card.locator('button[value="reveal"]').click()
    image = op.locator(".licence img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") == 1000
    assert RevealAudit.objects.get().reason == "核对营业执照"
    shot(op, "3_revealed")
    op.locator(f"#verification-{EmployerVerification.objects.get().pk}").locator(
        'button[value="approve"]'
    ).click()
    expect(op.locator(".messages")).to_be_visible()
    shot(op, "4_approved")

    employer.goto(live_server.url + "/employer/")
    expect(employer.locator("#verification-banner")).to_have_count(0)
    org.refresh_from_db()
    assert org.status == "verified"
