"""The dashboard pages and the xlsx export (analytics/views.py) on the known data set."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

RANGE = {"start_on": "2026-03-02", "end_on": "2026-03-04"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def chart_data(response, element_id: str):
    html = response.content.decode()
    start = html.index(f'id="{element_id}" type="application/json">') + len(
        f'id="{element_id}" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_employer_dashboard_shows_the_figures_of_the_range(stats):
    response = client_for(stats.owner).get("/employer/dashboard/", {**RANGE, "org": stats.org.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="kpi-total">5<' in html
    assert 'id="kpi-on-time">66.7%<' in html
    assert 'id="kpi-acceptance">50.0%<' in html
    assert 'id="kpi-assign">20 分钟<' in html  # zh-hans, the default language
    assert 'id="kpi-spend">¥600.00<' in html
    by_day = chart_data(response, "orders-by-day-data")
    assert by_day["days"] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert {s["status"]: s["data"] for s in by_day["series"]}["accepted"] == [2, 1, 0]
    top = chart_data(response, "top-workers-data")
    assert [(r["name"], r["value"]) for r in top] == [("李四", 20), ("张三", 17)]
    for source in (
        "orders-by-status-data",
        "rates-data",
        "response-data",
        "spend-by-region-data",
        "spend-by-mode-data",
    ):
        assert chart_data(response, source)


def test_employer_dashboard_region_filter(stats):
    response = client_for(stats.owner).get(
        "/employer/dashboard/",
        {**RANGE, "org": stats.org.pk, "region": stats.hangzhou["district"].pk},
    )
    assert 'id="kpi-total">4<' in response.content.decode()
    regions = chart_data(response, "spend-by-region-data")
    assert [(r["name"], r["value"]) for r in regions] == [("西湖区", 30_000)]


def test_employer_sees_only_his_organization(stats):
    # Asking for employer B's dashboard with ?org= falls back to his own organization.
    response = client_for(stats.owner).get(
        "/employer/dashboard/", {**RANGE, "org": stats.other_org.pk}
    )
    assert 'id="kpi-total">5<' in response.content.decode()
    assert response.context["organization"] == stats.org


def test_bad_range_is_an_error_not_a_crash(stats):
    response = client_for(stats.owner).get(
        "/employer/dashboard/",
        {"start_on": "2026-03-05", "end_on": "2026-03-01", "org": stats.org.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_export_holds_the_dashboard_figures(stats):
    response = client_for(stats.owner).get(
        "/employer/dashboard/export/", {**RANGE, "org": stats.org.pk}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "dashboard-20260302-20260304.xlsx" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(wb.sheetnames) == 5
    head = [row[:2] for row in wb.worksheets[0].iter_rows(max_row=3, values_only=True)]
    assert [value for _, value in head] == [stats.org.name, "2026-03-02", "2026-03-04"]
    rows = list(wb.worksheets[0].iter_rows(min_row=5, values_only=True))
    figures = [value for _, value in rows]
    # total, accepted, open, cancelled, on time, on-time rate, reviews, rejections,
    # acceptance rate, rejection rate, minutes to assign, minutes to site, rating, spend
    assert figures[:5] == [5, 3, 1, 1, 2]
    assert figures[5] == pytest.approx(0.6667)
    assert figures[6:8] == [6, 3]
    assert figures[8:10] == [pytest.approx(0.5), pytest.approx(0.5)]
    assert figures[10:12] == [20.0, 60.0]
    assert figures[12] == pytest.approx(4.0)
    assert Decimal(str(figures[13])) == Decimal("600")
    by_day = list(wb.worksheets[1].iter_rows(values_only=True))
    assert by_day[1][0] == "2026-03-02"
    assert by_day[1][-1] == 2 and by_day[2][-1] == 2 and by_day[3][-1] == 1
    regions = {r[0]: (r[1], r[2]) for r in wb.worksheets[2].iter_rows(min_row=2, values_only=True)}
    assert regions == {"西湖区": (2, 300), "拱墅区": (1, 300)}
    modes = [r[1:] for r in wb.worksheets[3].iter_rows(min_row=2, values_only=True)]
    assert modes == [(2, 300), (1, 300)]
    workers = list(wb.worksheets[4].iter_rows(min_row=2, values_only=True))
    assert workers == [("李四", 20, 1), ("张三", 17, 2)]


def test_export_of_another_employer_is_not_reachable(stats):
    response = client_for(stats.owner).get(
        "/employer/dashboard/export/", {**RANGE, "org": stats.other_org.pk}
    )
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.worksheets[0]["B1"].value == stats.org.name


def test_worker_stats_page(stats):
    response = client_for(stats.zhang.user).get("/worker/stats/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="total-orders">3<' in html
    assert 'id="total-points">116<' in html
    ratings = chart_data(response, "ratings-data")
    assert ratings["counts"] == [1, 0, 1, 0, 1]
    weekly = chart_data(response, "weekly-data")
    assert len(weekly["weeks"]) == 12
    assert sum(weekly["points"]) == 116  # everything was settled this week


def test_operator_dashboard_is_for_staff_only(stats, operator):
    assert client_for(stats.owner).get("/operator/dashboard/").status_code == 302
    response = client_for(operator).get("/operator/dashboard/")
    assert response.status_code == 200
    payouts = chart_data(response, "payouts-data")
    # One slice per payout state, a return (退票) included.
    assert len(payouts) == 6 and payouts[-1]["name"] == "退票（已退回钱包）"
    assert chart_data(response, "workers-by-status-data")
