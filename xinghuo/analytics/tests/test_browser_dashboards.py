"""Every dashboard chart renders (issue 7): the employer's, the worker's and the operator's
pages in Chromium, on the known data set of xinghuo/analytics/tests/conftest.py.

A chart passes when its ECharts instance holds series with at least one non-zero value and
its canvas has painted pixels. Screenshots go to test-artifacts/screenshots/dashboards_*.png.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.fixtures import SCREENSHOT_DIR
from tests.browser.helpers import log_in
from xinghuo.analytics.tests.conftest import stats  # noqa: F401  (the data set fixture)
from xinghuo.settlement.models import Payout, PayoutAccount

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]

# For every [data-chart] element: its id, how many series values are non-zero, and how many
# canvas pixels are not transparent.
CHART_STATE = """
() => Array.from(document.querySelectorAll('[data-chart]')).map((el) => {
  const chart = echarts.getInstanceByDom(el);
  const series = chart ? chart.getOption().series : [];
  const values = series.flatMap((s) => s.data || []).map((v) =>
    v === null || v === undefined ? 0 : (typeof v === 'object' ? v.value : v));
  const canvas = el.querySelector('canvas');
  let painted = 0;
  if (canvas) {
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  }
  return {id: el.id, nonzero: values.filter((v) => Number(v) > 0).length, painted};
})
"""


def shot(page: Page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"dashboards_{name}.png"), full_page=True)


def charts_state(page: Page, expected: int) -> list[dict]:
    page.wait_for_function(
        f"() => window.xinghuoCharts && Object.keys(window.xinghuoCharts).length === {expected}"
    )
    return page.evaluate(CHART_STATE)


def assert_all_drawn(state: list[dict], expected: int) -> None:
    assert len(state) == expected
    for chart in state:
        assert chart["nonzero"] > 0, chart
        assert chart["painted"] > 0, chart


def test_employer_dashboard_draws_every_chart(page: Page, live_server, stats) -> None:  # noqa: F811
    base = live_server.url
    log_in(page, base, stats.owner.phone)
    page.goto(
        f"{base}/employer/dashboard/?org={stats.org.pk}&start_on=2026-03-02&end_on=2026-03-04"
    )
    expect(page.locator("#kpi-total")).to_have_text("5")
    state = charts_state(page, 7)
    shot(page, "employer")
    assert_all_drawn(state, 7)
    # The export link keeps the filters.
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename == "dashboard-20260302-20260304.xlsx"


def test_worker_stats_draws_every_chart(page: Page, live_server, stats) -> None:  # noqa: F811
    base = live_server.url
    page.set_viewport_size({"width": 414, "height": 860})
    log_in(page, base, stats.zhang.user.phone)
    page.goto(base + "/worker/stats/")
    expect(page.locator("#total-points")).to_have_text("116")
    state = charts_state(page, 2)
    shot(page, "worker")
    assert_all_drawn(state, 2)


def test_operator_dashboard_draws_every_chart(
    page: Page,
    live_server,
    stats,  # noqa: F811
    operator,
) -> None:
    account = PayoutAccount.objects.create(
        worker=stats.zhang, channel="alipay", account="zhang@example.com", account_name="张三"
    )
    for n, (status, code) in enumerate(
        [("succeeded", ""), ("succeeded", ""), ("failed", "ACCOUNT_FROZEN"), ("failed", "")]
    ):
        Payout.objects.create(
            payout_id=f"ui-{n}",
            worker=stats.zhang,
            account=account,
            channel="alipay",
            amount_fen=1_000 * (n + 1),
            status=status,
            failure_code=code,
        )
    # Orders of the last 30 days, so that the region chart has something to show.
    from xinghuo.work_orders.models import WorkOrder

    WorkOrder.objects.filter(pk=stats.orders["a4"].pk).update(
        created_at=timezone.now() - timedelta(days=1)
    )
    base = live_server.url
    log_in(page, base, operator.phone)
    page.goto(base + "/operator/dashboard/")
    state = charts_state(page, 4)
    shot(page, "operator")
    assert_all_drawn(state, 4)
