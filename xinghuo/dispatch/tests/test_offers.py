"""No harvesting, no assignment without consent (issue 12): candidate lists show name,
distance band and qualifications, to verified employers only and a limited number of times;
an assignment is an offer the worker accepts unless he agreed to direct assignment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from xinghuo.dispatch import services
from xinghuo.dispatch.models import AssignmentOffer
from xinghuo.dispatch.tasks import sweep_dispatch
from xinghuo.notifications.models import Notification
from xinghuo.work_orders.models import WorkOrder, WorkOrderEvent
from xinghuo.workforce import services as workforce_services


@pytest.fixture
def world(api, make_employer, make_order, make_eligible_worker):  # type: ignore[no-untyped-def]
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org)  # at 30.26, 120.10
    worker = make_eligible_worker()
    workforce_services.worker_report_position(worker=worker, lat=30.2612, lng=120.1003)
    base = f"/organizations/{org.pk}/work-orders/{order.pk}"
    return owner, org, order, worker, base


# --- candidate lists -------------------------------------------------------------------------


def test_candidate_list_shows_name_distance_band_and_qualifications_only(api, world) -> None:  # type: ignore[no-untyped-def]
    owner, _org, _order, worker, base = world
    resp = api(owner).get(f"{base}/eligible-workers")
    assert resp.status_code == 200, resp.content
    (row,) = resp.json()
    assert row["id"] == worker.pk and row["name"] == worker.user.name
    assert row["distance_band"] == "<1 km"
    assert isinstance(row["qualifications"], list)
    assert not {"phone", "last_lat", "last_lng", "distance_m"} & set(row)
    assert worker.user.phone not in resp.content.decode()
    assert "30.2612" not in resp.content.decode()


@pytest.mark.parametrize(
    ("metres", "band"),
    [
        (None, "unknown"),
        (0, "<1 km"),
        (999, "<1 km"),
        (1000, "1–3 km"),
        (9_999, "3–10 km"),
        (10_000, ">10 km"),
        (500_000, ">10 km"),
    ],
)
def test_distance_bands(metres, band) -> None:  # type: ignore[no-untyped-def]
    from xinghuo.dispatch.selectors import distance_band

    assert distance_band(metres) == band


def test_unverified_employer_may_not_list_assign_or_reassign(  # type: ignore[no-untyped-def]
    api, make_employer, make_order, make_eligible_worker
) -> None:
    owner, org = make_employer(verified=False, escrow_fen=0)
    order = make_order(owner=owner, organization=org, price_fen=0)  # unpaid: publishable
    worker = make_eligible_worker()
    client = api(owner)
    base = f"/organizations/{org.pk}/work-orders/{order.pk}"
    for resp in (
        client.get(f"{base}/eligible-workers", {"limit": 200}),
        client.post(f"{base}/assign", {"worker_id": worker.pk}),
        client.post(f"{base}/reassign", {"worker_id": worker.pk, "reason": "换人"}),
    ):
        assert resp.status_code == 403, resp.content
        assert resp.json()["code"] == "employer_not_verified"
    order.refresh_from_db()
    assert order.worker_id is None and not AssignmentOffer.objects.exists()


def test_candidate_lists_are_rate_limited_per_organization(  # type: ignore[no-untyped-def]
    api, world, make_employer, make_order, settings
) -> None:
    settings.CANDIDATE_LISTS_PER_WINDOW = 2
    owner, _org, _order, _worker, base = world
    client = api(owner)
    assert [client.get(f"{base}/eligible-workers").status_code for _ in range(2)] == [200, 200]
    resp = client.get(f"{base}/eligible-workers")
    assert resp.status_code == 429
    assert resp.json()["code"] == "candidate_lists_exhausted"
    # Another organization has its own allowance.
    other_owner, other_org = make_employer()
    other = make_order(owner=other_owner, organization=other_org)
    path = f"/organizations/{other_org.pk}/work-orders/{other.pk}/eligible-workers"
    assert api(other_owner).get(path).status_code == 200


# --- offers ----------------------------------------------------------------------------------


def test_assignment_is_an_offer_the_worker_accepts(api, world) -> None:  # type: ignore[no-untyped-def]
    owner, _org, order, worker, base = world
    resp = api(owner).post(f"{base}/assign", {"worker_id": worker.pk})
    assert resp.status_code == 202, resp.content
    offer = resp.json()
    assert offer["status"] == "pending" and offer["worker_id"] == worker.pk
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.PUBLISHED and order.worker_id is None
    assert Notification.objects.filter(user=worker.user, kind="assignment_offer").exists()

    me = api(worker.user)
    listed = me.get("/workers/me/assignment-offers").json()
    assert [o["id"] for o in listed] == [offer["id"]]
    assert listed[0]["order_title"] == order.title
    resp = me.post(f"/workers/me/assignment-offers/{offer['id']}/accept")
    assert resp.status_code == 200, resp.content
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.ASSIGNED and order.worker_id == worker.pk
    assert Notification.objects.filter(user=owner, kind="assignment_offer_accepted").exists()
    # The worker's "accept or decline" notice is answered: no longer unread.
    asked = Notification.objects.get(user=worker.user, kind="assignment_offer")
    assert asked.read_at is not None
    again = me.post(f"/workers/me/assignment-offers/{offer['id']}/accept")
    assert again.status_code == 409 and again.json()["code"] == "offer_closed"


def test_declined_offer_leaves_the_order_open_and_tells_the_dispatcher(api, world) -> None:  # type: ignore[no-untyped-def]
    owner, _org, order, worker, base = world
    offer_id = api(owner).post(f"{base}/assign", {"worker_id": worker.pk}).json()["id"]
    resp = api(worker.user).post(f"/workers/me/assignment-offers/{offer_id}/decline")
    assert resp.status_code == 200 and resp.json()["status"] == "declined"
    listed = api(owner).get(f"{base}/assignment-offers").json()
    assert [(o["id"], o["status"]) for o in listed] == [(offer_id, "declined")]
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.PUBLISHED and order.worker_id is None
    assert Notification.objects.filter(user=owner, kind="assignment_offer_declined").exists()
    asked = Notification.objects.get(user=worker.user, kind="assignment_offer")
    assert asked.read_at is not None


def test_the_orders_offer_list_takes_the_same_queries_for_one_offer_or_many(  # type: ignore[no-untyped-def]
    api, world, make_eligible_worker
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    owner, _org, _order, worker, base = world
    client = api(owner)

    def listing_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{base}/assignment-offers").status_code == 200
        return len(ctx.captured_queries)

    client.post(f"{base}/assign", {"worker_id": worker.pk})
    one = listing_queries()
    for _n in range(3):
        client.post(f"{base}/assign", {"worker_id": make_eligible_worker().pk})
    assert len(client.get(f"{base}/assignment-offers").json()) == 4
    assert listing_queries() == one


def test_another_worker_cannot_answer_an_offer(api, world, make_eligible_worker) -> None:  # type: ignore[no-untyped-def]
    owner, _org, order, worker, base = world
    offer_id = api(owner).post(f"{base}/assign", {"worker_id": worker.pk}).json()["id"]
    intruder = api(make_eligible_worker().user)
    for verb in ("accept", "decline"):
        resp = intruder.post(f"/workers/me/assignment-offers/{offer_id}/{verb}")
        assert resp.status_code == 404
    assert AssignmentOffer.objects.get(pk=offer_id).status == "pending"
    order.refresh_from_db()
    assert order.worker_id is None


def test_offers_lapse_and_the_sweep_marks_them_expired(api, world, settings) -> None:  # type: ignore[no-untyped-def]
    owner, _org, order, worker, base = world
    offer_id = api(owner).post(f"{base}/assign", {"worker_id": worker.pk}).json()["id"]
    AssignmentOffer.objects.filter(pk=offer_id).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert api(worker.user).get("/workers/me/assignment-offers").json() == []
    assert sweep_dispatch() == {"offers_expired": 1}
    assert sweep_dispatch() == {"offers_expired": 0}
    resp = api(worker.user).post(f"/workers/me/assignment-offers/{offer_id}/accept")
    assert resp.status_code == 409 and resp.json()["code"] == "offer_closed"
    order.refresh_from_db()
    assert order.worker_id is None
    assert "dispatch-sweep" in settings.CELERY_BEAT_SCHEDULE


def test_direct_assignment_consent_per_employer(api, world) -> None:  # type: ignore[no-untyped-def]
    owner, org, _order, worker, base = world
    me = api(worker.user)
    resp = me.put(f"/workers/me/direct-assignment-consents/{org.pk}", {"allowed": True})
    assert resp.status_code == 200 and resp.json() == {"organization_id": org.pk, "allowed": True}
    assert [
        c["organization_id"] for c in me.get("/workers/me/direct-assignment-consents").json()
    ] == [org.pk]
    resp = api(owner).post(f"{base}/assign", {"worker_id": worker.pk})
    assert resp.status_code == 200 and resp.json()["status"] == "assigned"
    assert not AssignmentOffer.objects.exists()
    assert (
        me.put("/workers/me/direct-assignment-consents/999999", {"allowed": True}).status_code
        == 404
    )
    me.put(f"/workers/me/direct-assignment-consents/{org.pk}", {"allowed": False})
    assert me.get("/workers/me/direct-assignment-consents").json() == []


def test_reassignment_without_consent_waits_for_the_new_worker(  # type: ignore[no-untyped-def]
    api, world, make_eligible_worker
) -> None:
    owner, org, order, worker, base = world
    services.direct_assignment_consent_set(worker=worker, organization_id=org.pk, allowed=True)
    api(owner).post(f"{base}/assign", {"worker_id": worker.pk})
    other = make_eligible_worker()
    resp = api(owner).post(f"{base}/reassign", {"worker_id": other.pk, "reason": "原人员请假"})
    assert resp.status_code == 202, resp.content
    order.refresh_from_db()
    assert order.worker_id == worker.pk  # still his until the new worker accepts
    accepted = api(other.user).post(f"/workers/me/assignment-offers/{resp.json()['id']}/accept")
    assert accepted.status_code == 200, accepted.content
    order.refresh_from_db()
    assert order.worker_id == other.pk
    event = WorkOrderEvent.objects.get(order=order, type="reassign")
    assert event.note == "原人员请假"


def test_an_offer_of_an_order_someone_else_grabbed_is_no_longer_listed_nor_accepted(  # type: ignore[no-untyped-def]
    api, world, make_eligible_worker
) -> None:
    owner, _org, order, worker, base = world
    offer_id = api(owner).post(f"{base}/assign", {"worker_id": worker.pk}).json()["id"]
    quicker = make_eligible_worker()
    assert api(quicker.user).post(f"/work-orders/{order.pk}/grab").status_code == 200
    me = api(worker.user)
    assert me.get("/workers/me/assignment-offers").json() == []
    resp = me.post(f"/workers/me/assignment-offers/{offer_id}/accept")
    assert resp.status_code == 409 and resp.json()["code"] == "order_taken"
    order.refresh_from_db()
    assert order.worker_id == quicker.pk
