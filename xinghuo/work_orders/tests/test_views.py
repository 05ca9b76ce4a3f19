"""The work-order pages: the employer's console and the worker's H5, through the test client."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from xinghuo.accounts.models import User
from xinghuo.core.geo import Point, haversine_m
from xinghuo.core.tests.bombs import png
from xinghuo.dispatch import services as dispatch_services
from xinghuo.dispatch.models import AssignmentOffer
from xinghuo.regions import services as region_services
from xinghuo.work_orders import services as order_services
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workflows import services as workflows
from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.models import Role, Skill

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
SITE_LAT, SITE_LNG = 30.26, 120.10
# A 1×1 PNG that decodes (uploads must pass core.images.check_image).
PNG_1PX = png(1, 1)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def local_input(dt) -> str:
    """How a `datetime-local` input sends a time: Beijing wall clock, minutes."""
    return dt.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def errors_of(response) -> list[str]:
    """The error messages shown (the texts get translated later: tests check levels and numbers)."""
    return [str(m) for m in response.context["messages"] if m.level == messages.ERROR]


@pytest.fixture
def employer(make_employer, hangzhou):
    user, org = make_employer()
    site = region_services.site_create(
        organization=org, code="A-1", name="甲站", lat=SITE_LAT, lng=SITE_LNG
    )
    return user, org, site


@pytest.fixture
def make_order(employer):
    user, org, site = employer

    def make(**fields) -> WorkOrder:
        draft = order_services.OrderDraft(
            site_id=site.pk,
            title=fields.pop("title", "更换蓄电池"),
            deadline_at=fields.pop("deadline_at", timezone.now() + timedelta(days=1)),
            price_fen=fields.pop("price_fen", 8800),
            base_points=fields.pop("base_points", 10),
            **fields,
        )
        return workflows.work_order_create(actor=user, organization=org, draft=draft).order

    return make


@pytest.fixture
def eligible_worker(make_worker, clear_worker, hangzhou):
    def make(**kwargs):
        worker = clear_worker(make_worker(**kwargs))
        return workforce_services.worker_set_areas(
            worker=worker, region_ids=[hangzhou["district"].pk]
        )

    return make


# --- the employer's console ------------------------------------------------------------------


def test_employer_creates_an_order_through_the_form(employer):
    user, org, site = employer
    role = Role.objects.get(code="repair")
    skills = list(Skill.objects.order_by("pk")[:2])
    deadline = timezone.now() + timedelta(days=2)
    client = logged_in(user)
    assert client.get("/employer/orders/new/").status_code == 200

    resp = client.post(
        "/employer/orders/new/",
        {
            "site_id": site.pk,
            "kind": "order",
            "title": "  机房空调告警处理 ",
            "description": "空调不制冷",
            "required_role_id": role.pk,
            "required_skill_ids": [s.pk for s in skills],
            "priority": "urgent",
            "deadline_at": local_input(deadline),
            "estimated_minutes": 90,
            "price_yuan": "120.05",
            "base_points": 15,
            "publish": "on",
        },
    )

    order = WorkOrder.objects.get()
    assert resp.status_code == 302
    assert resp.url == f"/employer/orders/{order.pk}/?org={org.pk}"
    assert order.organization == org and order.site == site
    assert order.title == "机房空调告警处理"
    assert order.status == "published"
    assert order.price_fen == 12005
    assert order.priority == "urgent" and order.required_role == role
    assert set(order.required_skills.all()) == set(skills)
    # Typed as Beijing time, stored as the same instant.
    assert order.deadline_at == deadline.replace(second=0, microsecond=0)
    detail = client.get(resp.url)
    assert detail.status_code == 200
    assert "机房空调告警处理" in detail.content.decode()
    assert "120.05" in detail.content.decode()
    assert [e["event"].type for e in detail.context["timeline"]] == ["create", "publish"]


def test_an_order_saved_as_draft_is_published_from_its_page(employer):
    user, _org, site = employer
    client = logged_in(user)
    client.post(
        "/employer/orders/new/",
        {
            "site_id": site.pk,
            "kind": "order",
            "title": "巡检",
            "priority": "normal",
            "deadline_at": local_input(timezone.now() + timedelta(days=1)),
            "estimated_minutes": 60,
            "price_yuan": "0",
            "base_points": 10,
        },
    )
    order = WorkOrder.objects.get()
    assert order.status == "draft"
    client.post(f"/employer/orders/{order.pk}/", {"action": "publish"})
    order.refresh_from_db()
    assert order.status == "published"


def test_a_price_finer_than_a_fen_is_a_form_error_and_creates_nothing(employer):
    user, _org, site = employer
    resp = logged_in(user).post(
        "/employer/orders/new/",
        {
            "site_id": site.pk,
            "kind": "order",
            "title": "巡检",
            "priority": "normal",
            "deadline_at": local_input(timezone.now() + timedelta(days=1)),
            "estimated_minutes": 60,
            "price_yuan": "12.345",
            "base_points": 10,
        },
    )
    assert resp.status_code == 200
    assert resp.context["form"].errors["price_yuan"]
    assert not WorkOrder.objects.exists()


def test_a_service_refusal_shows_on_the_form_field(employer):
    user, _org, site = employer
    resp = logged_in(user).post(
        "/employer/orders/new/",
        {
            "site_id": site.pk,
            "kind": "order",
            "title": "巡检",
            "priority": "normal",
            "deadline_at": local_input(timezone.now() - timedelta(hours=1)),
            "estimated_minutes": 60,
            "price_yuan": "1",
            "base_points": 10,
        },
    )
    assert resp.status_code == 200
    assert resp.context["form"].errors["deadline_at"]
    assert not WorkOrder.objects.exists()


def test_another_employers_order_is_not_found(make_employer, make_order):
    order = make_order()
    other, _other_org = make_employer()
    client = logged_in(other)
    assert client.get(f"/employer/orders/{order.pk}/").status_code == 404
    assert (
        client.post(
            f"/employer/orders/{order.pk}/", {"action": "cancel", "reason": "不要了"}
        ).status_code
        == 404
    )
    assert client.get(f"/employer/dispatch/?order={order.pk}").status_code == 404
    order.refresh_from_db()
    assert order.status == "published"
    assert client.get("/employer/orders/").context["page_obj"].paginator.count == 0


def test_order_list_filters_and_pages(employer, make_order):
    user, _org, _site = employer
    for n in range(23):
        make_order(title=f"巡检{n}")
    make_order(title="紧急抢修", priority="urgent")
    client = logged_in(user)
    first = client.get("/employer/orders/")
    assert first.context["page_obj"].paginator.count == 24
    assert len(first.context["rows"]) == 20
    assert len(client.get("/employer/orders/?page=2").context["rows"]) == 4
    urgent = client.get("/employer/orders/?priority=urgent").context["rows"]
    assert [r["order"].title for r in urgent] == ["紧急抢修"]
    found = client.get("/employer/orders/?q=巡检1").context["page_obj"].paginator.count
    assert found == 11  # 巡检1, 巡检10 … 巡检19
    assert client.get("/employer/orders/?status=draft").context["page_obj"].paginator.count == 0


def test_employer_cancels_with_a_reason_and_the_reason_is_required(employer, make_order):
    user, _org, _site = employer
    order = make_order()
    client = logged_in(user)
    resp = client.post(f"/employer/orders/{order.pk}/", {"action": "cancel", "reason": ""})
    assert resp.status_code == 200
    assert resp.context["cancel_form"].errors["reason"]
    order.refresh_from_db()
    assert order.status == "published"
    client.post(f"/employer/orders/{order.pk}/", {"action": "cancel", "reason": "站点停电"})
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_dispatch_board_lists_eligible_workers_nearest_first_and_assigns(
    employer, make_order, eligible_worker, make_worker
):
    user, _org, _site = employer
    order = make_order()
    near = eligible_worker(name="近")
    far = eligible_worker(name="远")
    unknown = eligible_worker(name="无位置")
    make_worker(name="外区")  # no areas: not eligible
    workforce_services.worker_report_position(worker=near, lat=SITE_LAT + 0.001, lng=SITE_LNG)
    workforce_services.worker_report_position(worker=far, lat=SITE_LAT + 0.05, lng=SITE_LNG)
    client = logged_in(user)

    board = client.get(f"/employer/dispatch/?order={order.pk}")
    names = [c.name for c in board.context["candidates"]]
    assert names == ["近", "远", "无位置"]
    bands = [c.distance_band for c in board.context["candidates"]]
    assert bands == ["<1 km", "3–10 km", "unknown"]
    body = board.content.decode()
    assert near.user.phone not in body and str(SITE_LAT + 0.001) not in body

    # He has not agreed to direct assignment: an offer, assigned once he accepts.
    resp = client.post(f"/employer/dispatch/?order={order.pk}", {"worker_id": near.pk})
    assert resp.status_code == 302
    order.refresh_from_db()
    assert order.status == "published" and order.worker is None
    offer = AssignmentOffer.objects.get(order=order, worker=near)
    detail = client.get(f"/employer/orders/{order.pk}/").content.decode()
    assert 'id="order-offers"' in detail and "近" in detail
    dispatch_services.assignment_offer_accept(worker=near, offer_id=offer.pk)
    order.refresh_from_db()
    assert order.status == "assigned" and order.worker == near
    # Taken now: another assignment is refused with the service's message.
    resp = client.post(
        f"/employer/dispatch/?order={order.pk}", {"worker_id": unknown.pk}, follow=True
    )
    assert errors_of(resp)
    order.refresh_from_db()
    assert order.worker == near


# --- the worker's H5 -------------------------------------------------------------------------


def test_worker_not_eligible_gets_404_on_the_order_and_the_grab(make_order, make_worker):
    order = make_order()
    outsider = make_worker()  # serves no region
    client = logged_in(outsider.user)
    assert client.get(f"/worker/orders/{order.pk}/").status_code == 404
    assert client.post(f"/worker/orders/{order.pk}/grab/").status_code == 404
    assert order.title not in client.get("/worker/orders/").content.decode()
    order.refresh_from_db()
    assert order.status == "published" and order.worker is None


def test_wrong_role_is_not_eligible_either(make_order, eligible_worker):
    order = make_order(required_role_id=Role.objects.get(code="repair").pk)
    worker = eligible_worker()  # the default role, daily maintenance
    client = logged_in(worker.user)
    assert client.get(f"/worker/orders/{order.pk}/").status_code == 404
    assert client.post(f"/worker/orders/{order.pk}/grab/").status_code == 404


def test_eligible_worker_grabs_from_the_hall_and_a_second_one_is_told_it_is_taken(
    make_order, eligible_worker
):
    order = make_order(title="基站巡检", price_fen=8800, base_points=10)
    first, second = eligible_worker(), eligible_worker()
    client = logged_in(first.user)

    hall = client.get("/worker/orders/")
    page = hall.content.decode()
    assert "基站巡检" in page and "¥88.00" in page and "甲站" in page
    assert hall.context["rows"][0]["points"] == 12  # 10 × on time 1.0 × top rating 1.2

    detail = client.get(f"/worker/orders/{order.pk}/")
    assert detail.status_code == 200 and detail.context["can_grab"]
    assert detail.context["map_data"]["track"] == []

    resp = client.post(f"/worker/orders/{order.pk}/grab/")
    assert resp.status_code == 302 and resp.url == f"/worker/orders/{order.pk}/"
    order.refresh_from_db()
    assert order.status == "assigned" and order.worker == first
    mine = client.get("/worker/orders/mine/")
    assert [r["order"].pk for r in mine.context["rows"]] == [order.pk]

    resp = logged_in(second.user).post(f"/worker/orders/{order.pk}/grab/", follow=True)
    assert resp.redirect_chain[-1][0] == "/worker/orders/"
    assert errors_of(resp)
    order.refresh_from_db()
    assert order.worker == first


def test_grab_beyond_the_employers_cap_shows_the_limit(employer, make_order, eligible_worker):
    _user, org, _site = employer
    org.max_open_orders_per_worker = 1
    org.save(update_fields=["max_open_orders_per_worker"])
    one, two = make_order(), make_order()
    worker = eligible_worker()
    client = logged_in(worker.user)
    client.post(f"/worker/orders/{one.pk}/grab/")
    resp = client.post(f"/worker/orders/{two.pk}/grab/", follow=True)
    assert any("(1)" in m for m in errors_of(resp))
    two.refresh_from_db()
    assert two.status == "published"


def test_check_in_far_from_the_site_shows_the_distance_and_near_it_succeeds(
    make_order, eligible_worker
):
    order = make_order()
    worker = eligible_worker()
    dispatch_services.work_order_grab(worker=worker, work_order_id=order.pk)
    client = logged_in(worker.user)
    client.post(f"/worker/orders/{order.pk}/", {"action": "depart", "lat": "", "lng": ""})
    order.refresh_from_db()
    assert order.status == "en_route"

    far_lat = SITE_LAT + 0.04
    resp = client.post(
        f"/worker/orders/{order.pk}/",
        {"action": "check_in", "lat": str(far_lat), "lng": str(SITE_LNG)},
    )
    distance = round(haversine_m(Point(far_lat, SITE_LNG), Point(SITE_LAT, SITE_LNG)))
    assert resp.status_code == 200
    assert any(str(distance) in m for m in errors_of(resp))
    assert str(distance) in resp.content.decode()
    order.refresh_from_db()
    assert order.status == "en_route"

    resp = client.post(
        f"/worker/orders/{order.pk}/",
        {"action": "check_in", "lat": str(SITE_LAT + 0.0003), "lng": str(SITE_LNG)},
    )
    assert resp.status_code == 302
    order.refresh_from_db()
    assert order.status == "on_site"
    assert order.track.count() == 1


def test_check_in_without_a_position_is_refused(make_order, eligible_worker):
    order = make_order()
    worker = eligible_worker()
    dispatch_services.work_order_grab(worker=worker, work_order_id=order.pk)
    resp = logged_in(worker.user).post(
        f"/worker/orders/{order.pk}/", {"action": "check_in", "lat": "", "lng": ""}
    )
    assert resp.status_code == 200
    assert errors_of(resp)
    order.refresh_from_db()
    assert order.status == "assigned"


def test_steps_on_someone_elses_order_are_not_found(make_order, eligible_worker):
    order = make_order()
    holder, other = eligible_worker(), eligible_worker()
    dispatch_services.work_order_grab(worker=holder, work_order_id=order.pk)
    client = logged_in(other.user)
    assert client.get(f"/worker/orders/{order.pk}/").status_code == 404
    resp = client.post(
        f"/worker/orders/{order.pk}/",
        {"action": "check_in", "lat": str(SITE_LAT), "lng": str(SITE_LNG)},
    )
    assert resp.status_code == 404


def test_worker_declines_with_a_reason_and_the_order_returns_to_the_hall(
    make_order, eligible_worker
):
    order = make_order()
    worker = eligible_worker()
    dispatch_services.work_order_grab(worker=worker, work_order_id=order.pk)
    client = logged_in(worker.user)
    resp = client.post(f"/worker/orders/{order.pk}/", {"action": "decline", "reason": ""})
    assert resp.status_code == 200 and resp.context["decline_form"].errors
    resp = client.post(f"/worker/orders/{order.pk}/", {"action": "decline", "reason": "车坏了"})
    assert resp.status_code == 302
    order.refresh_from_db()
    assert order.status == "published" and order.worker is None


def test_delivery_acceptance_and_points_end_to_end(
    employer, make_order, eligible_worker, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    user, _org, _site = employer
    order = make_order(base_points=10)
    worker = eligible_worker()
    dispatch_services.work_order_grab(worker=worker, work_order_id=order.pk)
    order_services.work_order_check_in(worker=worker, order_id=order.pk, lat=SITE_LAT, lng=SITE_LNG)
    client = logged_in(worker.user)

    bad = client.post(
        f"/worker/orders/{order.pk}/",
        {
            "action": "deliver",
            "note": "已更换",
            "photos": [SimpleUploadedFile("x.png", b"not an image", content_type="image/png")],
        },
    )
    assert bad.status_code == 200
    assert bad.context["deliver_form"].errors
    resp = client.post(
        f"/worker/orders/{order.pk}/",
        {
            "action": "deliver",
            "note": "已更换蓄电池两组",
            "photos": [SimpleUploadedFile("done.png", PNG_1PX, content_type="image/png")],
        },
    )
    assert resp.status_code == 302
    order.refresh_from_db()
    assert order.status == "delivered" and order.attachments.count() == 1

    console = logged_in(user)
    detail = console.get(f"/employer/orders/{order.pk}/").content.decode()
    assert "已更换蓄电池两组" in detail
    assert f"/files/attachments/{order.attachments.get().pk}/" in detail
    console.post(
        f"/employer/orders/{order.pk}/", {"action": "accept", "rating": "5", "comment": "好"}
    )
    order.refresh_from_db()
    assert order.status == "accepted" and order.rating == 5

    points = client.get("/worker/points/")
    # 10 base × 1.2 delivered early × 1.2 for five stars = 14.4 → 14
    assert points.context["balance"] == 14
    assert re.search(r'id="points-balance">14<', points.content.decode())
    assert [e.order_id for e in points.context["page_obj"]] == [order.pk]


def test_employer_rejects_with_a_reason_and_the_worker_is_told(
    employer, make_order, eligible_worker
):
    user, _org, _site = employer
    order = make_order()
    worker = eligible_worker()
    dispatch_services.work_order_grab(worker=worker, work_order_id=order.pk)
    order_services.work_order_check_in(worker=worker, order_id=order.pk, lat=SITE_LAT, lng=SITE_LNG)
    order_services.work_order_deliver(worker=worker, order_id=order.pk, note="好了")
    logged_in(user).post(f"/employer/orders/{order.pk}/", {"action": "reject", "reason": "没拍照"})
    order.refresh_from_db()
    assert order.status == "en_route" and order.rework_count == 1

    notices = logged_in(worker.user).get("/worker/notifications/")
    assert "没拍照" in notices.content.decode()
    assert notices.context["unread_count"] == 1
    note = notices.context["page_obj"][0]
    logged_in(worker.user).post("/worker/notifications/", {"notification_id": note.pk})
    assert logged_in(worker.user).get("/worker/notifications/").context["unread_count"] == 0


def test_worker_sees_only_his_own_track_on_an_order_someone_gave_back(make_order, eligible_worker):
    order = make_order()
    first, second = eligible_worker(), eligible_worker()
    dispatch_services.work_order_grab(worker=first, work_order_id=order.pk)
    order_services.work_order_report_position(
        worker=first, order_id=order.pk, lat=SITE_LAT + 0.01, lng=SITE_LNG
    )
    dispatch_services.work_order_decline(worker=first, work_order_id=order.pk, reason="家里有事")
    dispatch_services.work_order_grab(worker=second, work_order_id=order.pk)
    assert order.track.count() == 1

    resp = logged_in(second.user).get(f"/worker/orders/{order.pk}/")
    assert resp.context["map_data"]["track"] == []
    assert all(row["event"].type != "decline" for row in resp.context["timeline"])
    assert "家里有事" not in resp.content.decode()


def test_pages_link_into_the_order_pages(employer, eligible_worker):
    user, _org, _site = employer
    page = logged_in(user).get("/employer/").content.decode()
    for url in ("/employer/orders/", "/employer/orders/new/", "/employer/dispatch/"):
        assert url in page
    worker = eligible_worker()
    page = logged_in(worker.user).get("/worker/").content.decode()
    for url in ("/worker/orders/", "/worker/orders/mine/", "/worker/points/"):
        assert url in page


def test_yuan_is_exact():
    from xinghuo.web.scope import yuan
    from xinghuo.work_orders.forms import yuan_to_fen

    assert yuan(12005) == "120.05"
    assert yuan(0) == "0.00"
    assert yuan_to_fen(Decimal("0.29")) == 29  # float would give 28.999…
    assert yuan_to_fen(Decimal("1000000.00")) == 100_000_000


# --- assignment offers on the worker's H5 ----------------------------------------------------


def test_worker_accepts_an_offer_on_his_messages_page_and_may_allow_direct_assignment(
    employer, make_order, eligible_worker
):
    user, org, _site = employer
    order, later = make_order(), make_order()
    worker = eligible_worker(name="应邀")
    client = logged_in(user)
    client.post(f"/employer/dispatch/?order={order.pk}", {"worker_id": worker.pk})
    me = logged_in(worker.user)
    assert 'id="offers-waiting"' in me.get("/worker/orders/mine/").content.decode()
    page = me.get("/worker/notifications/")
    (offer,) = page.context["offers"]
    assert offer.order == order
    resp = me.post(
        "/worker/notifications/",
        {"action": "offer_accept", "offer_id": offer.pk, "direct": "on"},
        follow=True,
    )
    assert [m.level_tag for m in resp.context["messages"]] == ["success"]
    order.refresh_from_db()
    assert order.worker == worker and order.status == "assigned"
    # He allowed direct assignment: the next order is his at once.
    client.post(f"/employer/dispatch/?order={later.pk}", {"worker_id": worker.pk})
    later.refresh_from_db()
    assert later.worker == worker
    # And he can take that back.
    me.post("/worker/notifications/", {"action": "direct_off", "organization_id": org.pk})
    assert me.get("/worker/notifications/").context["consents"] == []


def test_worker_declines_an_offer_on_his_messages_page(employer, make_order, eligible_worker):
    user, _org, _site = employer
    order = make_order()
    worker = eligible_worker(name="婉拒")
    logged_in(user).post(f"/employer/dispatch/?order={order.pk}", {"worker_id": worker.pk})
    me = logged_in(worker.user)
    (offer,) = me.get("/worker/notifications/").context["offers"]
    me.post("/worker/notifications/", {"action": "offer_decline", "offer_id": offer.pk})
    assert me.get("/worker/notifications/").context["offers"] == []
    order.refresh_from_db()
    assert order.worker is None and order.status == "published"


def test_dispatch_board_of_an_unverified_employer_says_why_it_lists_nobody(
    make_employer, eligible_worker
):
    owner, org = make_employer(verified=False, escrow_fen=0)
    site = region_services.site_create(
        organization=org, code="U-1", name="未认证站", lat=SITE_LAT, lng=SITE_LNG
    )
    draft = order_services.OrderDraft(
        site_id=site.pk, title="志愿巡检", deadline_at=timezone.now() + timedelta(days=1)
    )
    order = workflows.work_order_create(actor=owner, organization=org, draft=draft).order
    worker = eligible_worker(name="不可见")
    board = logged_in(owner).get(f"/employer/dispatch/?org={org.pk}&order={order.pk}")
    body = board.content.decode()
    assert 'id="candidates-error"' in body and "企业认证" in body
    assert worker.user.name not in body


def test_worker_joins_a_team_from_his_messages_page(make_worker):
    from xinghuo.workforce import services as team_services

    leader, worker = make_worker(name="王班长"), make_worker(name="赵队员")
    team_services.team_create(leader=leader, name="西湖油机班")
    team_services.team_invite(leader=leader, phone=worker.user.phone)
    me = logged_in(worker.user)
    (invitation,) = me.get("/worker/notifications/").context["team_invitations"]
    assert worker.team_id is None
    me.post("/worker/notifications/", {"action": "team_accept", "invitation_id": invitation.pk})
    worker.refresh_from_db()
    assert worker.team is not None and worker.team.name == "西湖油机班"
    assert me.get("/worker/notifications/").context["team_invitations"] == []


def test_another_workers_offer_or_invitation_cannot_be_answered_from_the_messages_page(
    employer, make_order, eligible_worker, make_worker
):
    from xinghuo.workforce import services as team_services
    from xinghuo.workforce.models import TeamInvitation

    user, _org, _site = employer
    order = make_order()
    worker, intruder = eligible_worker(name="受邀人"), eligible_worker(name="旁人")
    logged_in(user).post(f"/employer/dispatch/?order={order.pk}", {"worker_id": worker.pk})
    (offer,) = logged_in(worker.user).get("/worker/notifications/").context["offers"]
    leader = make_worker(name="李班长")
    team_services.team_create(leader=leader, name="滨江班")
    invitation = team_services.team_invite(leader=leader, phone=worker.user.phone)
    other = logged_in(intruder.user)
    for data in (
        {"action": "offer_accept", "offer_id": offer.pk},
        {"action": "offer_decline", "offer_id": offer.pk},
        {"action": "team_accept", "invitation_id": invitation.pk},
        {"action": "team_decline", "invitation_id": invitation.pk},
    ):
        resp = other.post("/worker/notifications/", data, follow=True)
        assert resp.status_code == 200
        assert [m.level_tag for m in resp.context["messages"]] == ["error"], data
    order.refresh_from_db()
    offer.refresh_from_db()
    intruder.refresh_from_db()
    assert order.status == "published" and order.worker is None
    assert offer.status == "pending" and intruder.team_id is None
    assert TeamInvitation.objects.get(pk=invitation.pk).status == "pending"
