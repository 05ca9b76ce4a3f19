from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from xinghuo.accounts.models import Organization
from xinghuo.dispatch import services
from xinghuo.dispatch.exceptions import LimitReached, OrderTaken
from xinghuo.work_orders.models import WorkOrder, WorkOrderEvent


def test_second_grab_is_order_taken(api, db, make_employer, make_order, make_eligible_worker):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org)
    first, second = make_eligible_worker(), make_eligible_worker()
    assert api(first.user).post(f"/work-orders/{order.pk}/grab").status_code == 200
    resp = api(second.user).post(f"/work-orders/{order.pk}/grab")
    assert resp.status_code == 409
    assert resp.json()["code"] == "order_taken"
    order.refresh_from_db()
    assert order.worker_id == first.pk
    # The loser no longer sees the order at all.
    assert api(second.user).get(f"/work-orders/{order.pk}").status_code == 404


def test_cap_of_open_orders_per_worker(api, db, make_employer, make_order, make_eligible_worker):
    owner, org = make_employer()
    Organization.objects.filter(pk=org.pk).update(max_open_orders_per_worker=2)
    orders = [make_order(owner=owner, organization=org, title=f"单{i}") for i in range(3)]
    worker = make_eligible_worker()
    client = api(worker.user)
    for order in orders[:2]:
        assert client.post(f"/work-orders/{order.pk}/grab").status_code == 200
    resp = client.post(f"/work-orders/{orders[2].pk}/grab")
    assert resp.status_code == 409
    assert resp.json()["code"] == "limit_reached"
    assert resp.json()["detail"] == {"limit": 2, "held": 2}
    assert WorkOrder.objects.get(pk=orders[2].pk).status == "published"


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_grabs_have_exactly_one_winner(
    make_employer, make_order, make_eligible_worker
):
    if connection.vendor != "postgresql":
        pytest.skip("row locking under real concurrency is tested on PostgreSQL (CI runs it)")
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org)
    workers = [make_eligible_worker() for _ in range(50)]
    barrier = threading.Barrier(len(workers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def grab(worker):
        try:
            barrier.wait()
            services.work_order_grab(worker=worker, work_order_id=order.pk)
            result = "won"
        except OrderTaken:
            result = "taken"
        except LimitReached:  # pragma: no cover - would be a bug in this test
            result = "limit"
        except Exception as exc:  # reported in the assertion below
            result = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=grab, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(set(outcomes)) == ["taken", "won"], outcomes
    assert outcomes.count("won") == 1
    order.refresh_from_db()
    assert order.status == "assigned"
    assert WorkOrderEvent.objects.filter(order=order, type="assign").count() == 1
    assert WorkOrder.objects.filter(worker__isnull=False).count() == 1
