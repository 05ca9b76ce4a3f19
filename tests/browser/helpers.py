"""What the browser journeys share: logging in through the login page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from conftest import PASSWORD


def log_in(page: Page, base: str, phone: str, password: str = PASSWORD) -> None:
    """Log in as `phone` through the form and wait for the signed-in header."""
    page.goto(base + "/login/")
    form = page.locator("main form")
    form.locator('input[name="phone"]').fill(phone)
    form.locator('input[name="password"]').fill(password)
    form.locator('button[type="submit"]').click()
    expect(page.locator("header .who")).to_be_visible()
