"""The pages satisfy the Content-Security-Policy (issue 12): the main worker, employer and
operator pages in Chromium, with the CSP the server sends (also in the demo), report no
violation ("Refused to execute inline script…", "Refused to apply inline style…", "Refused
to load…") and their scripts run.

Violations are caught both as console messages and as `securitypolicyviolation` events.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in
from xinghuo.certification import services as certification_services
from xinghuo.certification.tests.conftest import height, small_exam  # noqa: F401  (fixtures)
from xinghuo.identity.models import IdentityVerification

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]

# Records every CSP violation the page sees, before any of its own scripts run.
VIOLATION_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


class Violations:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(VIOLATION_LISTENER)
        page.on("console", self._on_console)

    def _on_console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to"):
            self.console.append(text)

    def visit(self, url: str) -> list[str]:
        """Open `url`, let its scripts run, and return what the CSP refused there."""
        self.console.clear()
        response = self.page.goto(url)
        assert response is not None and response.ok, (url, response and response.status)
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(150)  # charts and maps draw after load
        return self.console + self.page.evaluate("window.__cspViolations || []")


def _assert_clean(violations: Violations, base: str, paths: list[str]) -> None:
    found = {path: violations.visit(base + path) for path in paths}
    assert {path: v for path, v in found.items() if v} == {}


@pytest.fixture
def city(
    make_employer: Callable[..., Any],
    make_order: Callable[..., Any],
    make_eligible_worker: Callable[..., Any],
    operator: Any,
) -> dict[str, Any]:
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org)
    worker = make_eligible_worker(name="王五")
    return {"owner": owner, "org": org, "order": order, "worker": worker, "operator": operator}


def test_anonymous_pages_keep_the_policy(page: Page, live_server: Any) -> None:
    violations = Violations(page)
    _assert_clean(violations, live_server.url, ["/api/v1/docs", "/login/", "/register/"])
    # The register page's script (now a static file) still switches the fields.
    page.locator("input[name=kind][value=employer]").check()
    expect(page.locator("#field-credit_code")).to_be_visible()
    expect(page.locator("#field-role_id")).to_be_hidden()


def test_worker_pages_keep_the_policy(
    page: Page,
    live_server: Any,
    city: dict[str, Any],
    small_exam: Any,  # noqa: F811
) -> None:
    worker = city["worker"]
    attempt = certification_services.exam_start(worker=worker, exam_id=small_exam.pk)
    violations = Violations(page)
    log_in(page, live_server.url, worker.user.phone)
    paths = [
        reverse("web:worker_home"),
        reverse("web:worker_hall"),
        reverse("web:worker_order_detail", args=[city["order"].pk]),
        reverse("web:worker_my_orders"),
        reverse("web:worker_points"),
        reverse("web:worker_notifications"),
        reverse("web:worker_stats"),
        reverse("web:worker_route"),
        reverse("web:worker_certifications"),
        reverse("web:worker_exams"),
        reverse("web:worker_radar"),
        reverse("web:worker_agreement"),
        reverse("web:worker_identity"),
        reverse("web:worker_exam_take", args=[attempt.pk]),
    ]
    _assert_clean(violations, live_server.url, paths)
    # The exam's countdown script (now a static file) turned the seconds into mm:ss.
    expect(page.locator("#countdown-value")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    # The wallet's card-number script and the tax year's automatic submit (no onchange=).
    assert violations.visit(live_server.url + reverse("web:worker_wallet")) == []
    page.locator("#account-form [name=channel][value=bank]").check()
    expect(page.locator("#card-photo")).to_be_visible()
    year = page.locator("#tax select[name=year]")
    options = year.locator("option").all_inner_texts()
    if len(options) > 1:
        with page.expect_navigation():
            year.select_option(options[-1])
        assert f"year={options[-1]}" in page.url


def test_employer_pages_keep_the_policy(page: Page, live_server: Any, city: dict[str, Any]) -> None:
    org, order = city["org"], city["order"]
    violations = Violations(page)
    log_in(page, live_server.url, city["owner"].phone)
    q = f"?org={org.pk}"
    paths = [
        reverse("web:employer_home") + q,
        reverse("web:employer_orders") + q,
        reverse("web:employer_order_create") + q,
        reverse("web:employer_order_detail", args=[order.pk]),
        reverse("web:employer_dispatch") + q,
        reverse("web:employer_auto_assign") + q,
        reverse("web:employer_finance") + q,
        reverse("web:employer_dashboard") + q,
        reverse("web:employer_map") + q,
        reverse("web:employer_live") + q,
        reverse("web:employer_verification") + q,
    ]
    _assert_clean(violations, live_server.url, paths)


def test_operator_pages_keep_the_policy(page: Page, live_server: Any, city: dict[str, Any]) -> None:
    verification = IdentityVerification.objects.get(worker=city["worker"])
    violations = Violations(page)
    log_in(page, live_server.url, city["operator"].phone)
    paths = [
        reverse("web:operator_home"),
        reverse("web:operator_finance"),
        reverse("web:operator_dashboard"),
        reverse("web:operator_identities"),
        reverse("web:operator_identity_detail", args=[verification.pk]),
        reverse("web:operator_employers"),
        reverse("web:operator_certifications"),
        reverse("admin:index"),
    ]
    _assert_clean(violations, live_server.url, paths)
    # The console's chart (its script now a static file) is drawn.
    page.goto(live_server.url + reverse("web:operator_home"))
    expect(page.locator("#workers-by-role canvas")).to_be_visible()
