"""The statistics against figures worked out by hand from the table in conftest.py."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from xinghuo.analytics import selectors
from xinghuo.analytics.tests.conftest import SH
from xinghuo.demo.clearance import identity_submit, person_for
from xinghuo.dispatch.models import PointsEntry
from xinghuo.identity.tests.employer import submit
from xinghuo.regions.models import Region
from xinghuo.settlement.models import Payout, PayoutAccount, Withholding
from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.models import Role, Worker

pytestmark = pytest.mark.django_db

RANGE = selectors.OrderFilters(start_on=date(2026, 3, 2), end_on=date(2026, 3, 4))


def test_status_counts_cover_the_range_only(stats):
    counts = selectors.employer_status_counts(organization=stats.org, filters=RANGE)
    # a1, a2, a3 accepted; a4 published; a5 cancelled; a6 is before the range.
    assert counts["accepted"] == 3
    assert counts["published"] == 1
    assert counts["cancelled"] == 1
    assert sum(counts.values()) == 5
    assert list(counts) == [value for value, _ in selectors.S.choices]


def test_orders_by_day_use_shanghai_days(stats):
    by_day = selectors.employer_orders_by_day(organization=stats.org, filters=RANGE)
    assert by_day["days"] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    # a2 at 23:30 stays on the 2nd; a3 at 07:00 Shanghai (23:00 UTC on the 2nd) is the 3rd.
    assert by_day["series"] == {
        "published": [0, 1, 0],
        "accepted": [2, 1, 0],
        "cancelled": [0, 0, 1],
    }


def test_kpis_match_the_hand_computed_figures(stats):
    k = selectors.employer_kpis(organization=stats.org, filters=RANGE)
    assert k["total"] == 5
    assert k["accepted"] == 3
    assert k["open"] == 1
    assert k["cancelled"] == 1
    # a1 two hours early and a3 exactly at the deadline are on time; a2 an hour late.
    assert k["on_time"] == 2
    assert k["on_time_rate"] == Decimal("0.6667")
    # Reviews: 3 acceptances + 1 (a2) + 2 (a3) sends back = 6.
    assert k["reviews"] == 6
    assert k["rejections"] == 3
    assert k["acceptance_rate"] == Decimal("0.5000")
    assert k["rejection_rate"] == Decimal("0.5000")
    # (10 + 30 + 20) / 3 = 20 min; (30 + 60 + 90) / 3 = 60 min.
    assert k["avg_assign_seconds"] == 20 * 60
    assert k["avg_arrive_seconds"] == 60 * 60
    # (5 + 3 + 4) / 3
    assert k["avg_rating"] == Decimal("4.00")
    assert k["rated"] == 3
    assert k["spend_fen"] == 60_000


def test_spend_by_region_groups_accepted_orders(stats):
    rows = selectors.employer_spend_by_region(organization=stats.org, filters=RANGE)
    # Equal spend: the order between the two is the database's collation, not asserted.
    assert {r["name"]: (r["orders"], r["spend_fen"]) for r in rows} == {
        "西湖区": (2, 30_000),
        "拱墅区": (1, 30_000),
    }
    assert sorted(r["name"] for r in rows) == ["拱墅区", "西湖区"]


def test_spend_by_mode_reads_the_mode_each_settlement_recorded(stats):
    rows = selectors.employer_spend_by_mode(organization=stats.org, filters=RANGE)
    assert [(r["mode"], r["orders"], r["spend_fen"]) for r in rows] == [
        ("flexible", 2, 30_000),
        ("natural_person_invoice", 1, 30_000),
    ]


def test_top_workers_by_points(stats):
    rows = selectors.employer_top_workers(organization=stats.org, filters=RANGE)
    # 李四: a3 = 20; 张三: a1 + a2 = 17 (a6 is outside the range, b1 another employer's).
    assert [(r["worker_id"], r["points"], r["orders"]) for r in rows] == [
        (stats.li.pk, 20, 1),
        (stats.zhang.pk, 17, 2),
    ]
    assert rows[0]["name"] == "李四"


def test_region_filter_includes_the_regions_below(stats):
    city = selectors.OrderFilters(
        start_on=RANGE.start_on, end_on=RANGE.end_on, region_id=stats.hangzhou["city"].pk
    )
    xihu = selectors.OrderFilters(
        start_on=RANGE.start_on, end_on=RANGE.end_on, region_id=stats.hangzhou["district"].pk
    )
    assert selectors.employer_kpis(organization=stats.org, filters=city)["total"] == 5
    k = selectors.employer_kpis(organization=stats.org, filters=xihu)
    assert (k["total"], k["accepted"], k["spend_fen"]) == (4, 2, 30_000)
    assert k["rejections"] == 1
    assert [
        r["name"] for r in selectors.employer_spend_by_region(organization=stats.org, filters=xihu)
    ] == ["西湖区"]


def test_another_employers_orders_are_never_counted(stats):
    # Employer B's only order (b1) is in the range and in 西湖区, with 3 reworks and 50 points.
    b = selectors.employer_dashboard(organization=stats.other_org, filters=RANGE)
    assert b["kpis"]["total"] == 1
    assert b["kpis"]["rejections"] == 3
    assert b["kpis"]["spend_fen"] == 70_000
    assert [(r["worker_id"], r["points"]) for r in b["top_workers"]] == [(stats.li.pk, 50)]
    a = selectors.employer_dashboard(organization=stats.org, filters=RANGE)
    assert a["kpis"]["spend_fen"] == 60_000
    assert 50 not in [r["points"] for r in a["top_workers"]]


def test_empty_range_gives_zeros_and_no_rates(stats):
    empty = selectors.OrderFilters(start_on=date(2025, 1, 1), end_on=date(2025, 1, 2))
    k = selectors.employer_kpis(organization=stats.org, filters=empty)
    assert k["total"] == 0
    assert k["on_time_rate"] is None
    assert k["acceptance_rate"] is None
    assert k["avg_assign_seconds"] is None
    assert k["avg_rating"] is None
    assert k["spend_fen"] == 0
    by_day = selectors.employer_orders_by_day(organization=stats.org, filters=empty)
    assert by_day == {"days": ["2025-01-01", "2025-01-02"], "series": {}}


def test_region_choices_are_the_employers_regions_and_above(stats):
    names = [
        label.strip("　") for _, label in selectors.employer_region_choices(organization=stats.org)
    ]
    assert names == ["浙江省", "杭州市", "拱墅区", "西湖区"]


# --- worker -----------------------------------------------------------------------------------


def _pin_money(order, *, at, gross, net):
    PointsEntry.objects.filter(order=order).update(created_at=at)
    Withholding.objects.filter(order=order).update(created_at=at, income_fen=gross, net_fen=net)


def test_worker_weekly_points_and_earnings(stats):
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    this_week = datetime.combine(monday, time(10), tzinfo=selectors.local_tz())
    # Sunday 23:30 in Shanghai is Sunday 15:30 UTC: still last week, not this one.
    last_sunday_late = datetime.combine(monday - timedelta(days=1), time(23, 30), tzinfo=SH)
    long_ago = this_week - timedelta(weeks=20)
    o = stats.orders
    _pin_money(o["a1"], at=this_week, gross=10_000, net=9_000)  # 12 points
    _pin_money(o["a2"], at=last_sunday_late, gross=20_000, net=18_500)  # 5 points
    _pin_money(o["a6"], at=long_ago, gross=99_900, net=90_000)  # outside the 12 weeks

    weekly = selectors.worker_weekly(worker=stats.zhang, weeks=12)
    assert len(weekly["weeks"]) == 12
    assert weekly["weeks"][-1] == monday.isoformat()
    assert weekly["weeks"][-2] == (monday - timedelta(weeks=1)).isoformat()
    assert weekly["points"][-2:] == [5, 12]
    assert weekly["gross_fen"][-2:] == [20_000, 10_000]
    assert weekly["net_fen"][-2:] == [18_500, 9_000]
    assert sum(weekly["points"]) == 17
    assert sum(weekly["net_fen"]) == 27_500


def test_worker_statistics_are_his_own(stats):
    # 李四 did a3 (4 stars) for A and b1 (5 stars) for B; 张三 a1 (5), a2 (3), a6 (1).
    assert selectors.worker_ratings(worker=stats.zhang) == {
        "counts": [1, 0, 1, 0, 1],
        "rated": 3,
        "average": Decimal("3.00"),
    }
    assert selectors.worker_ratings(worker=stats.li)["counts"] == [0, 0, 0, 1, 1]
    totals = selectors.worker_totals(worker=stats.zhang)
    assert totals["accepted_orders"] == 3
    assert totals["points"] == 12 + 5 + 99
    li_weekly = selectors.worker_weekly(worker=stats.li)
    assert sum(li_weekly["points"]) == 20 + 50  # a3 and b1, settled this week


# --- operator ---------------------------------------------------------------------------------


def test_operator_workers_by_status(stats, make_worker):
    now = timezone.now()
    Worker.objects.filter(pk=stats.zhang.pk).update(
        status="available", last_position_at=now - timedelta(hours=1)
    )
    Worker.objects.filter(pk=stats.li.pk).update(
        status="busy", last_position_at=now - timedelta(days=2)
    )
    idle = make_worker(name="王五")
    gone = make_worker(name="赵六")
    Worker.objects.filter(pk=gone.pk).update(is_active=False, status="available")
    assert idle.status == "off_duty"
    assert selectors.operator_workers(now=now) == {
        "total": 4,
        "active": 3,
        "available": 1,
        "busy": 1,
        "off_duty": 1,
        "seen_24h": 1,
    }


def test_operator_orders_by_region_roll_up(stats):
    start, end = date(2026, 3, 2), date(2026, 3, 4)
    # In the range: a1, a2, a4, a5, b1 in 西湖区; a3 in 拱墅区 (a6 is on 03-01).
    cities = selectors.operator_orders_by_region(start_on=start, end_on=end)
    assert [(r["name"], r["open"], r["accepted"], r["other"], r["total"]) for r in cities] == [
        ("杭州市", 1, 4, 1, 6)
    ]
    districts = selectors.operator_orders_by_region(
        start_on=start, end_on=end, level=Region.Level.DISTRICT
    )
    assert [(r["name"], r["open"], r["accepted"], r["other"]) for r in districts] == [
        ("西湖区", 1, 3, 1),
        ("拱墅区", 0, 1, 0),
    ]


def test_operator_payouts_and_failures(stats):
    now = timezone.now()
    account = PayoutAccount.objects.create(
        worker=stats.zhang, channel="alipay", account="zhang@example.com", account_name="张三"
    )
    rows = [
        ("p1", "succeeded", 10_000, ""),
        ("p2", "failed", 5_000, "ACCOUNT_FROZEN"),
        ("p3", "failed", 2_000, "ACCOUNT_FROZEN"),
        ("p4", "failed", 1_000, "NAME_MISMATCH"),
        ("p5", "awaiting_approval", 3_000, ""),
        ("old", "failed", 7_000, "OLD"),
    ]
    for payout_id, status, amount, code in rows:
        Payout.objects.create(
            payout_id=payout_id,
            worker=stats.zhang,
            account=account,
            channel="alipay",
            amount_fen=amount,
            status=status,
            failure_code=code,
        )
    Payout.objects.filter(payout_id="old").update(created_at=now - timedelta(days=40))
    figures = selectors.operator_payouts(since=now - timedelta(days=30))
    by_status = {r["status"]: (r["count"], r["amount_fen"]) for r in figures["by_status"]}
    assert by_status == {
        "awaiting_approval": (1, 3_000),
        "requested": (0, 0),
        "submitted": (0, 0),
        "succeeded": (1, 10_000),
        "failed": (3, 8_000),
        "returned": (0, 0),
    }
    assert figures["failures"] == [
        {"code": "ACCOUNT_FROZEN", "count": 2},
        {"code": "NAME_MISMATCH", "count": 1},
    ]
    assert selectors.operator_review_queues()["payouts_awaiting_approval"] == 1


def test_operator_review_queues(stats, make_employer, make_worker):
    role = Role.objects.exclude(pk=stats.zhang.role_id).filter(is_active=True).first()
    workforce_services.role_change_request_create(worker=stats.zhang, to_role_id=role.pk, reason="")
    queues = selectors.operator_review_queues()
    assert queues["role_changes"] == 1
    assert queues["identities"] == 0 and queues["certifications"] == 0
    pending = queues["organizations"]
    owner, org = make_employer(verified=False)
    # An organization that has not submitted anything is not in the queue…
    assert selectors.operator_review_queues()["organizations"] == pending
    submit(owner, org)
    # …a submitted verification is.
    assert selectors.operator_review_queues()["organizations"] == pending + 1
    identity_submit(worker=make_worker(), person=person_for("赵六", 3))
    assert selectors.operator_review_queues()["identities"] == 1
