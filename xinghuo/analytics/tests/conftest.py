"""A small, fully known data set for the statistics: orders made through the services, then
their timestamps (and points, settlements) pinned with `.update()` so that every figure in
the tests can be worked out by hand.

Employer A, range 2026-03-02 … 2026-03-04 (Asia/Shanghai). Minutes: publish → assign,
assign → on site; "vs deadline": delivery before (−) or after (+) the deadline.

| order | created (Shanghai)   | region | status    | ¥   | min   | vs deadline | rework | ★ | pts |
|-------|----------------------|--------|-----------|-----|-------|-------------|--------|---|-----|
| a1    | 03-02 09:00          | 西湖区 | accepted  | 100 | 10/30 | −2 h        | 0      | 5 | 12  |
| a2    | 03-02 23:30          | 西湖区 | accepted  | 200 | 30/60 | +1 h (late) | 1      | 3 | 5   |
| a3    | 03-03 07:00 (UTC 2d) | 拱墅区 | accepted  | 300 | 20/90 | 0 (on time) | 2      | 4 | 20  |
| a4    | 03-03 12:00          | 西湖区 | published | 50  | –     | –           | 0      | – | –   |
| a5    | 03-04 08:00          | 西湖区 | cancelled | 80  | –     | –           | 0      | – | –   |
| a6    | 03-01 20:00 (before) | 西湖区 | accepted  | 999 | 5/5   | −1 h        | 0      | 1 | 99  |

a1, a2 by worker 张三; a3 by 李四; a6 by 张三. a3's settlement is recorded under the
natural-person-invoice tax method, the others under the flexible (platform) method.
Employer B has one accepted order in the range (must never show up in A's figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import rect
from xinghuo.dispatch import services as dispatch_services
from xinghuo.dispatch.models import PointsEntry
from xinghuo.regions import services as region_services
from xinghuo.settlement.models import Withholding
from xinghuo.work_orders import services as order_services
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workflows import services as workflows
from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.models import Worker

SH = ZoneInfo("Asia/Shanghai")
SITE = (30.26, 120.10)  # 西湖区, north grid
GONGSHU_SITE = (30.33, 120.15)


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SH)


@dataclass
class Fixture:
    owner: Any
    org: Any
    other_org: Any
    hangzhou: dict[str, Any]
    gongshu: Any
    zhang: Worker
    li: Worker
    orders: dict[str, WorkOrder]


def _work(*, order: WorkOrder, worker: Worker, owner: Any, org: Any, rejects: int, rating: int):
    order_services_worker_flow(order=order, worker=worker)
    for n in range(rejects):
        order_services.work_order_reject(
            actor=owner, organization=org, order_id=order.pk, reason=f"返工 {n + 1}"
        )
        order_services.work_order_check_in(
            worker=worker, order_id=order.pk, lat=order.site.lat, lng=order.site.lng
        )
        order_services.work_order_deliver(worker=worker, order_id=order.pk, note="已整改")
    workflows.work_order_accept(actor=owner, organization=org, order_id=order.pk, rating=rating)


def order_services_worker_flow(*, order: WorkOrder, worker: Worker) -> None:
    dispatch_services.work_order_grab(worker=worker, work_order_id=order.pk)
    order_services.work_order_check_in(
        worker=worker, order_id=order.pk, lat=order.site.lat, lng=order.site.lng
    )
    order_services.work_order_deliver(worker=worker, order_id=order.pk, note="完成")


def _pin(order: WorkOrder, **fields: Any) -> None:
    WorkOrder.objects.filter(pk=order.pk).update(**fields)


@pytest.fixture
def stats(make_employer, make_order, make_worker, clear_worker, hangzhou) -> Fixture:
    owner, org = make_employer(name="甲运维")
    other_owner, other_org = make_employer(name="乙运维")
    gongshu = region_services.region_create(
        code="330105",
        name="拱墅区",
        level=3,
        parent=hangzhou["city"],
        boundary=rect(120.10, 30.30, 120.20, 30.40),
    )
    zhang = make_worker(name="张三")
    li = make_worker(name="李四")
    clear_worker(zhang)
    clear_worker(li)
    for w in (zhang, li):
        workforce_services.worker_set_areas(
            worker=w, region_ids=[hangzhou["district"].pk, gongshu.pk]
        )

    def order(o, key, price_yuan, **kw):
        lat, lng = kw.pop("at", SITE)
        return make_order(
            owner=o[0],
            organization=o[1],
            price_fen=price_yuan * 100,
            lat=lat,
            lng=lng,
            title=key,
            **kw,
        )

    A = (owner, org)
    orders = {
        "a1": order(A, "a1", 100),
        "a2": order(A, "a2", 200),
        "a3": order(A, "a3", 300, at=GONGSHU_SITE),
        "a4": order(A, "a4", 50),
        "a5": order(A, "a5", 80),
        "a6": order(A, "a6", 999),
        "b1": order((other_owner, other_org), "b1", 700),
    }
    _work(order=orders["a1"], worker=zhang, owner=owner, org=org, rejects=0, rating=5)
    _work(order=orders["a2"], worker=zhang, owner=owner, org=org, rejects=1, rating=3)
    _work(order=orders["a3"], worker=li, owner=owner, org=org, rejects=2, rating=4)
    _work(order=orders["a6"], worker=zhang, owner=owner, org=org, rejects=0, rating=1)
    _work(order=orders["b1"], worker=li, owner=other_owner, org=other_org, rejects=3, rating=5)
    workflows.work_order_cancel(
        actor=owner, organization=org, order_id=orders["a5"].pk, reason="重复工单"
    )

    def life(created, assign_min, site_min, deliver_vs_deadline_min):
        published = created
        assigned = published + timedelta(minutes=assign_min)
        on_site = assigned + timedelta(minutes=site_min)
        delivered = on_site + timedelta(minutes=30)
        deadline = delivered - timedelta(minutes=deliver_vs_deadline_min)
        return {
            "created_at": created,
            "published_at": published,
            "assigned_at": assigned,
            "on_site_at": on_site,
            "delivered_at": delivered,
            "deadline_at": deadline,
            "accepted_at": delivered + timedelta(hours=1),
        }

    _pin(orders["a1"], **life(sh(2, 9), 10, 30, -120))
    _pin(orders["a2"], **life(sh(2, 23, 30), 30, 60, 60))
    _pin(orders["a3"], **life(sh(3, 7), 20, 90, 0))
    _pin(orders["a4"], created_at=sh(3, 12), published_at=sh(3, 12))
    _pin(orders["a5"], created_at=sh(4, 8), published_at=sh(4, 8))
    _pin(orders["a6"], **life(sh(1, 20), 5, 5, -60))
    _pin(orders["b1"], **life(sh(3, 10), 1, 1, 0))

    for key, points in {"a1": 12, "a2": 5, "a3": 20, "a6": 99, "b1": 50}.items():
        PointsEntry.objects.filter(order=orders[key]).update(points=points)
    Withholding.objects.filter(order=orders["a3"]).update(
        method="deemed_rate", mode="natural_person_invoice"
    )
    for key in orders:
        orders[key].refresh_from_db()
    return Fixture(owner, org, other_org, hangzhou, gongshu, zhang, li, orders)
