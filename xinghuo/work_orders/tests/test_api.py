from __future__ import annotations

import struct
import zlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xinghuo.accounts import services as account_services
from xinghuo.dispatch import services as dispatch_services
from xinghuo.dispatch.models import PointsEntry
from xinghuo.notifications.models import Notification
from xinghuo.notifications.sms import LoggingSmsSender
from xinghuo.regions.models import Site
from xinghuo.work_orders import services
from xinghuo.work_orders.models import Attachment, TrackPoint, WorkOrder, WorkOrderEvent
from xinghuo.workflows import services as workflows

pytestmark = pytest.mark.django_db

AT_SITE = {"lat": 30.2601, "lng": 120.1001}


def png_bytes() -> bytes:
    """A valid 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def world(api, make_employer, make_order, make_eligible_worker):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org, base_points=10, price_fen=35000)
    worker = make_eligible_worker()
    return {
        "owner": owner,
        "org": org,
        "order": order,
        "worker": worker,
        "boss": api(owner),
        "me": api(worker.user),
        "base": f"/organizations/{org.pk}/work-orders/{order.pk}",
    }


def grab_and_arrive(world):
    me, order = world["me"], world["order"]
    assert me.post(f"/work-orders/{order.pk}/grab").status_code == 200
    assert me.post(f"/work-orders/{order.pk}/depart", {}).status_code == 200
    resp = me.post(f"/work-orders/{order.pk}/check-in", AT_SITE)
    assert resp.status_code == 200, resp.content


def deliver(world, note="更换了整流模块，告警已消除"):
    order = world["order"]
    return world["me"].client.post(
        f"/api/v1/work-orders/{order.pk}/deliver",
        {"note": note, "photos": [SimpleUploadedFile("a.png", png_bytes(), "image/png")]},
        headers=world["me"].headers,
    )


def test_the_whole_life_of_an_order_is_on_its_timeline(world):
    grab_and_arrive(world)
    assert deliver(world).status_code == 200
    accepted = world["boss"].post(world["base"] + "/accept", {"rating": 5, "comment": "及时"})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    events = world["boss"].get(world["base"] + "/events").json()
    assert [e["type"] for e in events] == [
        "create",
        "publish",
        "assign",
        "depart",
        "check_in",
        "deliver",
        "accept",
    ]
    check_in = events[4]
    assert check_in["actor_id"] == world["worker"].user.pk
    assert check_in["lat"] == pytest.approx(30.2601)
    assert check_in["data"]["distance_m"] < 20
    assert Attachment.objects.get().content_type == "image/png"
    assert world["boss"].get(world["base"] + "/track").json()[0]["lat"] == pytest.approx(30.2601)


@pytest.mark.parametrize(
    ("step", "path", "body"),
    [
        ("published", "/accept", {"rating": 5}),
        ("published", "/reject", {"reason": "不行"}),
        ("accepted", "/cancel", {"reason": "不要了"}),
        ("accepted", "/accept", {"rating": 3}),
        ("draft", "/accept", {"rating": 5}),
    ],
)
def test_illegal_employer_transitions_are_409_and_change_nothing(world, step, path, body):
    order = world["order"]
    if step == "accepted":
        grab_and_arrive(world)
        deliver(world)
        world["boss"].post(world["base"] + "/accept", {"rating": 4})
    if step == "draft":
        WorkOrder.objects.filter(pk=order.pk).update(status="draft")
    before = WorkOrder.objects.values().get(pk=order.pk)
    events = WorkOrderEvent.objects.count()
    resp = world["boss"].post(world["base"] + path, body)
    assert resp.status_code == 409
    assert resp.json()["code"] == "illegal_transition"
    assert WorkOrder.objects.values().get(pk=order.pk) == before
    assert WorkOrderEvent.objects.count() == events
    assert PointsEntry.objects.count() == (1 if step == "accepted" else 0)


def test_worker_cannot_deliver_before_checking_in(world):
    me, order = world["me"], world["order"]
    me.post(f"/work-orders/{order.pk}/grab")
    resp = deliver(world)
    assert resp.status_code == 409
    assert resp.json()["code"] == "illegal_transition"
    assert not Attachment.objects.exists()


def test_check_in_is_geofenced_with_the_distance_in_the_error(world):
    me, order = world["me"], world["order"]
    me.post(f"/work-orders/{order.pk}/grab")
    far = me.post(f"/work-orders/{order.pk}/check-in", {"lat": 30.2700, "lng": 120.1000})
    assert far.status_code == 422
    body = far.json()
    assert body["code"] == "outside_geofence"
    assert 1050 < body["detail"]["distance_m"] < 1150
    assert body["detail"]["radius_m"] == 500
    order.refresh_from_db()
    assert order.status == "assigned"
    # A site may widen its fence (a tower on a hill, reachable from the road below).
    Site.objects.filter(pk=order.site_id).update(checkin_radius_m=1500)
    ok = me.post(f"/work-orders/{order.pk}/check-in", {"lat": 30.2700, "lng": 120.1000})
    assert ok.status_code == 200


def test_delivery_photos_are_checked_by_content(world):
    grab_and_arrive(world)
    order = world["order"]
    fake = SimpleUploadedFile("virus.png", b"MZ\x90\x00 not a picture", "image/png")
    resp = world["me"].client.post(
        f"/api/v1/work-orders/{order.pk}/deliver",
        {"note": "完成", "photos": [fake]},
        headers=world["me"].headers,
    )
    assert resp.status_code == 422
    assert resp.json()["code"] == "bad_attachment"
    order.refresh_from_db()
    assert order.status == "on_site"
    assert not Attachment.objects.exists()


def test_rejected_work_goes_back_for_rework_and_the_worker_is_told(world):
    grab_and_arrive(world)
    deliver(world)
    no_reason = world["boss"].post(world["base"] + "/reject", {"reason": ""})
    assert no_reason.status_code == 422
    resp = world["boss"].post(world["base"] + "/reject", {"reason": "照片看不清铭牌"})
    assert resp.status_code == 200
    assert resp.json()["status"] == "en_route"
    assert resp.json()["rework_count"] == 1
    note = Notification.objects.get(user=world["worker"].user)
    assert "照片看不清铭牌" in note.body
    # Back on site (geofenced again), deliver again, accepted.
    order = world["order"]
    assert world["me"].post(f"/work-orders/{order.pk}/check-in", AT_SITE).status_code == 200
    assert deliver(world, note="已重新拍照").status_code == 200
    assert world["boss"].post(world["base"] + "/accept", {"rating": 4}).status_code == 200


def test_acceptance_awards_points_once(world):
    grab_and_arrive(world)
    deliver(world)
    world["boss"].post(world["base"] + "/accept", {"rating": 5})
    points = world["me"].get("/workers/me/points").json()
    # Delivered minutes after assignment with an 8-hour deadline: early (×1.2), rating 5 (×1.2).
    assert points["balance"] == 14
    assert points["entries"][0]["efficiency_factor"] == "1.20"
    again = world["boss"].post(world["base"] + "/accept", {"rating": 5})
    assert again.status_code == 409
    assert PointsEntry.objects.count() == 1


def test_rating_must_be_one_to_five(world):
    grab_and_arrive(world)
    deliver(world)
    for rating in (0, 6):
        resp = world["boss"].post(world["base"] + "/accept", {"rating": rating})
        assert resp.status_code == 422
    assert WorkOrder.objects.get(pk=world["order"].pk).status == "delivered"


def test_another_employer_cannot_see_or_touch_the_order(world, api, make_employer):
    stranger, other_org = make_employer()
    client = api(stranger)
    order = world["order"]
    for path in ("", "/events", "/track"):
        assert (
            client.get(f"/organizations/{other_org.pk}/work-orders/{order.pk}{path}").status_code
            == 404
        )
        assert (
            client.get(f"/organizations/{world['org'].pk}/work-orders/{order.pk}{path}").status_code
            == 404
        )
    resp = client.post(
        f"/organizations/{other_org.pk}/work-orders/{order.pk}/cancel", {"reason": "x"}
    )
    assert resp.status_code == 404
    assert client.get(f"/organizations/{other_org.pk}/work-orders").json()["count"] == 0


def test_order_creation_validates_and_only_editors_create(world, api, make_worker):
    boss, org = world["boss"], world["org"]
    site_id = world["order"].site_id
    deadline = (timezone.now() + timedelta(hours=4)).isoformat()
    past = boss.post(
        f"/organizations/{org.pk}/work-orders",
        {
            "site_id": site_id,
            "title": "x",
            "deadline_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        },
    )
    assert past.status_code == 422
    assert past.json()["code"] == "deadline_in_past"
    viewer = make_worker().user
    account_services.membership_add(
        actor=world["owner"], organization=org, phone=viewer.phone, role="viewer"
    )
    denied = api(viewer).post(
        f"/organizations/{org.pk}/work-orders",
        {"site_id": site_id, "title": "x", "deadline_at": deadline},
    )
    assert denied.status_code == 403
    assert WorkOrder.objects.count() == 1


def test_an_order_at_another_organizations_site_is_refused(world, api, make_employer, make_order):
    stranger, other_org = make_employer()
    foreign_site = make_order(owner=stranger, organization=other_org).site_id
    resp = world["boss"].post(
        f"/organizations/{world['org'].pk}/work-orders",
        {
            "site_id": foreign_site,
            "title": "借用别人的站",
            "deadline_at": (timezone.now() + timedelta(hours=4)).isoformat(),
        },
    )
    assert resp.status_code == 422
    assert resp.json()["code"] == "site_not_found"


def test_the_same_external_reference_gives_the_same_order(world):
    boss, org = world["boss"], world["org"]
    body = {
        "site_id": world["order"].site_id,
        "title": "外部工单",
        "deadline_at": (timezone.now() + timedelta(hours=4)).isoformat(),
        "external_ref": "EOMS-2026-0001",
    }
    first = boss.post(f"/organizations/{org.pk}/work-orders", body)
    second = boss.post(f"/organizations/{org.pk}/work-orders", {**body, "title": "改了标题"})
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["title"] == "外部工单"


def test_positions_make_the_track(world):
    me, order = world["me"], world["order"]
    me.post(f"/work-orders/{order.pk}/grab")
    me.post(f"/work-orders/{order.pk}/depart", {"lat": 30.25, "lng": 120.09})
    for lat in (30.255, 30.258):
        assert (
            me.post(f"/work-orders/{order.pk}/positions", {"lat": lat, "lng": 120.095}).status_code
            == 201
        )
    assert TrackPoint.objects.filter(order=order).count() == 3
    world["worker"].refresh_from_db()
    assert world["worker"].last_lat == pytest.approx(30.258)
    bad = me.post(f"/work-orders/{order.pk}/positions", {"lat": 0, "lng": 0})
    assert bad.status_code == 422


def test_decline_publishes_the_order_again(world):
    me, order = world["me"], world["order"]
    me.post(f"/work-orders/{order.pk}/grab")
    assert me.post(f"/work-orders/{order.pk}/decline", {"reason": ""}).status_code == 422
    resp = me.post(f"/work-orders/{order.pk}/decline", {"reason": "车坏了"})
    assert resp.status_code == 200
    order.refresh_from_db()
    assert order.status == "published" and order.worker_id is None
    assert WorkOrderEvent.objects.filter(order=order, type="decline").get().note == "车坏了"


def test_dispatcher_assigns_only_to_eligible_workers(world, make_worker):
    boss, order = world["boss"], world["order"]
    outsider = make_worker()
    resp = boss.post(world["base"] + "/assign", {"worker_id": outsider.pk})
    assert resp.status_code == 422
    assert resp.json()["code"] == "worker_not_eligible"
    eligible = boss.get(world["base"] + "/eligible-workers").json()
    assert [w["id"] for w in eligible] == [world["worker"].pk]
    resp = boss.post(world["base"] + "/assign", {"worker_id": world["worker"].pk})
    assert resp.status_code == 202  # an offer: he has not agreed to direct assignment
    assert Notification.objects.filter(user=world["worker"].user, kind="assignment_offer").exists()
    order.refresh_from_db()
    assert order.status == "published" and order.worker_id is None
    accepted = world["me"].post(f"/workers/me/assignment-offers/{resp.json()['id']}/accept")
    assert accepted.status_code == 200
    order.refresh_from_db()
    assert order.worker_id == world["worker"].pk


def test_reassignment_is_recorded(world, make_eligible_worker):
    boss, order = world["boss"], world["order"]
    world["me"].post(f"/work-orders/{order.pk}/grab")
    other = make_eligible_worker()
    dispatch_services.direct_assignment_consent_set(
        worker=other, organization_id=order.organization_id, allowed=True
    )
    resp = boss.post(world["base"] + "/reassign", {"worker_id": other.pk, "reason": "原人员请假"})
    assert resp.status_code == 200
    event = WorkOrderEvent.objects.get(order=order, type="reassign")
    assert event.data == {"from_worker_id": world["worker"].pk, "worker_id": other.pk}
    assert world["me"].get(f"/work-orders/{order.pk}").status_code == 404


# --- timers ----------------------------------------------------------------------------


def test_sweep_expires_untaken_orders_and_flags_overdue_ones_once(
    world, make_order, make_eligible_worker, django_capture_on_commit_callbacks
):
    order = world["order"]
    world["me"].post(f"/work-orders/{order.pk}/grab")
    urgent = make_order(
        owner=world["owner"], organization=world["org"], priority="urgent", title="急修"
    )
    untaken = make_order(owner=world["owner"], organization=world["org"], title="没人接")
    make_eligible_worker()
    api_other = world["me"]  # the same worker also takes the urgent one
    api_other.post(f"/work-orders/{urgent.pk}/grab")
    later = timezone.now() + timedelta(hours=9)
    LoggingSmsSender.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        counts = workflows.work_orders_sweep(now=later)
    assert counts == {"expired": 1, "overdue": 2, "shifts_closed": 0}
    assert WorkOrder.objects.get(pk=untaken.pk).status == "expired"
    assert WorkOrder.objects.get(pk=order.pk).is_overdue
    assert Notification.objects.filter(kind="order_overdue", user=world["worker"].user).count() == 2
    assert Notification.objects.filter(kind="order_overdue", user=world["owner"]).count() == 2
    # Only the urgent order goes out by SMS too, once per recipient.
    assert sorted(phone for phone, _text in LoggingSmsSender.outbox) == sorted(
        [world["worker"].user.phone, world["owner"].phone]
    )
    assert workflows.work_orders_sweep(now=later) == {
        "expired": 0,
        "overdue": 0,
        "shifts_closed": 0,
    }


def test_shift_hours_and_a_missing_check_out(world, make_order):
    start = timezone.now() - timedelta(minutes=20)
    shift = make_order(
        owner=world["owner"],
        organization=world["org"],
        kind="shift",
        title="机房值守",
        earliest_start_at=start,
        deadline_at=timezone.now() + timedelta(hours=2),
    )
    me = world["me"]
    assert me.post(f"/work-orders/{shift.pk}/grab").status_code == 200
    checked_in = me.post(f"/work-orders/{shift.pk}/check-in", AT_SITE).json()
    assert 19 <= checked_in["late_minutes"] <= 21
    # The worker never checks out: two hours after the shift's end the sweep closes it.
    counts = services.work_orders_sweep(now=timezone.now() + timedelta(hours=4, minutes=1))
    assert counts["shifts_closed"] == 1
    shift.refresh_from_db()
    assert shift.status == "delivered"
    assert shift.checkout_missing
    assert shift.checked_out_at == shift.deadline_at
    assert 115 <= shift.worked_minutes <= 121


def test_shift_check_out_computes_hours_and_early_leave(world, make_order):
    shift = make_order(
        owner=world["owner"],
        organization=world["org"],
        kind="shift",
        title="节日保障",
        earliest_start_at=timezone.now() - timedelta(minutes=1),
        deadline_at=timezone.now() + timedelta(hours=1),
    )
    me = world["me"]
    me.post(f"/work-orders/{shift.pk}/grab")
    me.post(f"/work-orders/{shift.pk}/check-in", AT_SITE)
    order_resp = me.post(f"/work-orders/{world['order'].pk}/check-out", AT_SITE)
    assert order_resp.status_code in (404, 409)  # not a shift (and not his)
    out = me.post(f"/work-orders/{shift.pk}/check-out", AT_SITE).json()
    assert out["status"] == "delivered"
    assert out["worked_minutes"] == 0
    assert 58 <= out["early_leave_minutes"] <= 60


def test_a_time_without_zone_is_beijing_time_and_a_long_reference_is_refused(world):
    boss, org = world["boss"], world["org"]
    naive = (timezone.localtime() + timedelta(hours=3)).replace(tzinfo=None, microsecond=0)
    body = {"site_id": world["order"].site_id, "title": "无时区", "deadline_at": naive.isoformat()}
    resp = boss.post(f"/organizations/{org.pk}/work-orders", body)
    assert resp.status_code == 201, resp.content
    stored = WorkOrder.objects.get(pk=resp.json()["id"]).deadline_at
    assert timezone.localtime(stored).replace(tzinfo=None) == naive
    too_long = boss.post(f"/organizations/{org.pk}/work-orders", {**body, "external_ref": "X" * 65})
    assert too_long.status_code == 422


def test_grabbing_a_cancelled_order_says_it_is_closed(world):
    world["boss"].post(world["base"] + "/cancel", {"reason": "业务调整"})
    resp = world["me"].post(f"/work-orders/{world['order'].pk}/grab")
    assert resp.status_code == 409
    assert resp.json()["code"] == "order_closed"


def test_employer_attaches_documents_checked_by_content(world):
    url = f"/api/v1{world['base']}/documents"
    pdf = SimpleUploadedFile("规程.pdf", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n", "application/pdf")
    resp = world["boss"].client.post(url, {"files": [pdf]}, headers=world["boss"].headers)
    assert resp.status_code == 201, resp.content
    [doc] = resp.json()
    assert doc["content_type"] == "application/pdf" and doc["purpose"] == "spec"
    assert doc["url"] == f"/files/attachments/{doc['id']}/"
    exe = SimpleUploadedFile("规程.pdf", b"MZ\x90\x00\x03", "application/pdf")
    bad = world["boss"].client.post(url, {"files": [exe]}, headers=world["boss"].headers)
    assert bad.status_code == 422
    assert bad.json()["code"] == "bad_attachment"
    assert Attachment.objects.count() == 1


def test_run_periodic_runs_both_sweeps_once(world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("run_periodic", "--once", stdout=out)
    assert "sweep: orders {'expired': 0, 'overdue': 0, 'shifts_closed': 0}" in out.getvalue()
    assert "'reservations_released': 0" in out.getvalue()
