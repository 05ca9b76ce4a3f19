"""A worker's first visit, through a real browser: register, log out, log in again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [
    pytest.mark.browser,
    # The live server answers from another thread, so the data must be committed.
    pytest.mark.django_db(transaction=True),
    # The default roles come from a data migration; an earlier transactional
    # test's flush may have deleted them (see conftest.migration_data).
    pytest.mark.usefixtures("migration_data"),
]

NAME = "张三"
PHONE = "13912345678"
PASSWORD = "Xinghuo@2026"
DEFAULT_ROLE = "日常维护人员"


def _register_worker(page: Page, base_url: str) -> None:
    page.goto(base_url + "/register/")
    form = page.locator("form#register-form")
    form.locator('input[name="kind"][value="worker"]').check()
    form.locator('input[name="name"]').fill(NAME)
    form.locator('input[name="phone"]').fill(PHONE)
    form.locator('input[name="password"]').fill(PASSWORD)
    form.locator('button[type="submit"]').click()


def _log_in(page: Page, base_url: str, password: str) -> None:
    page.goto(base_url + "/login/")
    form = page.locator("main form")
    form.locator('input[name="phone"]').fill(PHONE)
    form.locator('input[name="password"]').fill(password)
    form.locator('button[type="submit"]').click()


def _expect_worker_home(page: Page, base_url: str) -> None:
    expect(page).to_have_url(base_url + "/worker/")
    expect(page.locator("#worker-profile h1")).to_have_text(NAME)
    expect(page.locator("#worker-role")).to_have_text(DEFAULT_ROLE)
    expect(page.locator("header .who")).to_have_text(NAME)


def test_worker_registers_logs_out_and_logs_in_again(page: Page, live_server) -> None:
    base = live_server.url

    _register_worker(page, base)
    _expect_worker_home(page, base)

    page.locator('header form[action$="/logout/"] button').click()
    expect(page).to_have_url(base + "/login/")
    expect(page.locator('header form[action$="/logout/"]')).to_have_count(0)

    # Logged out for real: the worker page sends us back to the login page.
    page.goto(base + "/worker/")
    expect(page).to_have_url(re.compile(re.escape(base) + r"/login/"))

    _log_in(page, base, PASSWORD)
    _expect_worker_home(page, base)


def test_wrong_password_shows_an_error_and_stays_on_login(page: Page, live_server) -> None:
    base = live_server.url
    _register_worker(page, base)
    _expect_worker_home(page, base)
    page.locator('header form[action$="/logout/"] button').click()
    expect(page).to_have_url(base + "/login/")

    _log_in(page, base, "Wrong@2026x")

    expect(page).to_have_url(base + "/login/")
    error = page.locator('main form [role="alert"]')
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(page.locator('input[name="phone"]')).to_have_value(PHONE)
    expect(page.locator('input[name="password"]')).to_have_value("")
    expect(page.locator('header form[action$="/logout/"]')).to_have_count(0)
