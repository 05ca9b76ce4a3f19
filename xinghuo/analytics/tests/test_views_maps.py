"""The maps (issue 7) through the test client: who may open them, and what their JSON holds on a
small fixture: two employers with sites in Xihu district, workers inside and outside it."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import rect
from xinghuo.accounts.models import User
from xinghuo.analytics import maps as map_selectors
from xinghuo.dispatch import services as dispatch_services
from xinghuo.regions import services as region_services
from xinghuo.work_orders import services as order_services
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workflows import services as workflows
from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.models import Role, Skill, Worker

pytestmark = pytest.mark.django_db

SITE_LAT, SITE_LNG = 30.26, 120.10


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def order_at(owner, org, site, title: str = "基站巡检", **fields) -> WorkOrder:
    draft = order_services.OrderDraft(
        site_id=site.pk,
        title=title,
        deadline_at=timezone.now() + timedelta(hours=8),
        price_fen=0,
        **fields,
    )
    return workflows.work_order_create(
        actor=owner, organization=org, draft=draft, publish=True
    ).order


@pytest.fixture
def world(make_employer, make_worker, hangzhou):
    """Employer A: sites A-1 (north grid, two open orders) and A-2 (south-west grid, none).
    Employer B: site B-1 in the north grid with one open order.

    Workers: zhang (Xihu district, repairer, holds fibre splicing), li (Hangzhou city, so
    above the district), wang (north grid only, off duty), zhao (Ningbo: no region of A's),
    sun (Xihu, no position reported).
    """
    a_owner, a_org = make_employer(name="甲运维")
    b_owner, b_org = make_employer(name="乙运维")
    a1 = region_services.site_create(
        organization=a_org, code="A-1", name="甲一站", lat=SITE_LAT, lng=SITE_LNG
    )
    a2 = region_services.site_create(
        organization=a_org, code="A-2", name="甲二站", lat=30.20, lng=120.07
    )
    b1 = region_services.site_create(
        organization=b_org, code="B-1", name="乙一站", lat=30.27, lng=120.11
    )
    order_at(a_owner, a_org, a1, "甲一号工单")
    order_at(a_owner, a_org, a1, "甲二号工单")
    order_at(b_owner, b_org, b1, "乙工单")

    repair = Role.objects.get(code="repair")
    other_role = Role.objects.exclude(pk=repair.pk).order_by("pk").first()
    fibre = Skill.objects.filter(requires_certification=False).order_by("pk").first()
    assert other_role is not None and fibre is not None

    def worker(name: str, *, role: Role, regions=(), grids=(), at=(SITE_LAT, SITE_LNG)) -> Worker:
        w = make_worker(name=name, role_id=role.pk)
        workforce_services.worker_set_areas(
            worker=w, region_ids=[r.pk for r in regions], grid_ids=[g.pk for g in grids]
        )
        workforce_services.worker_set_status(worker=w, status="available")
        # A's regular crew: A may assign them directly, without an offer to accept.
        dispatch_services.direct_assignment_consent_set(
            worker=w, organization_id=a_org.pk, allowed=True
        )
        if at:
            workforce_services.worker_report_position(worker=w, lat=at[0], lng=at[1])
        return w

    ningbo = region_services.region_create(
        code="330200", name="宁波市", level=2, parent=hangzhou["province"]
    )
    zhang = worker("张三", role=repair, regions=[hangzhou["district"]], at=(30.2601, 120.1001))
    workforce_services.worker_set_skills(worker=zhang, skill_ids=[fibre.pk])
    li = worker("李四", role=other_role, regions=[hangzhou["city"]], at=(30.21, 120.08))
    wang = worker("王五", role=repair, grids=[hangzhou["north"]], at=(30.28, 120.12))
    workforce_services.worker_set_status(worker=wang, status="off_duty")
    zhao = worker("赵六", role=repair, regions=[ningbo], at=(30.2602, 120.1002))
    sun = worker("孙七", role=repair, regions=[hangzhou["district"]], at=None)
    return SimpleNamespace(
        a_owner=a_owner,
        a_org=a_org,
        b_owner=b_owner,
        b_org=b_org,
        a1=a1,
        a2=a2,
        b1=b1,
        repair=repair,
        other_role=other_role,
        fibre=fibre,
        zhang=zhang,
        li=li,
        wang=wang,
        zhao=zhao,
        sun=sun,
    )


def markers(client: Client, org, **params) -> dict:
    resp = client.get("/employer/map/markers.json", {"org": org.pk, **params})
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/json"
    return resp.json()


def names(items: list[dict]) -> list[str]:
    return sorted(i["name"] for i in items)


# --- the resource map ------------------------------------------------------------------------


def test_resource_map_json_holds_the_employers_sites_with_open_order_counts(world):
    data = markers(logged_in(world.a_owner), world.a_org)
    sites = {s["code"]: s for s in data["sites"]["items"]}
    assert set(sites) == {"A-1", "A-2"}
    assert sites["A-1"]["open_orders"] == 2
    assert sites["A-2"]["open_orders"] == 0
    assert sites["A-1"]["lat"] == SITE_LAT and sites["A-1"]["grid"] == "西湖北"
    assert data["sites"]["truncated"] is False
    # The outlines: the district the sites are in and its two grids.
    assert [r["code"] for r in data["regions"]] == ["330106"]
    assert [g["code"] for g in data["grids"]] == ["XH-N", "XH-SW"]


def test_another_employers_sites_and_orders_never_appear(world):
    data = markers(logged_in(world.a_owner), world.a_org)
    assert "B-1" not in {s["code"] for s in data["sites"]["items"]}
    body = (
        logged_in(world.a_owner)
        .get("/employer/map/markers.json", {"org": world.a_org.pk})
        .content.decode()
    )
    assert "乙一站" not in body and "乙工单" not in body
    # B asking for A's organization gets B's own map (the ?org= of someone else is ignored).
    data_b = markers(logged_in(world.b_owner), world.a_org)
    assert {s["code"] for s in data_b["sites"]["items"]} == {"B-1"}
    assert data_b["sites"]["items"][0]["open_orders"] == 1


def test_resource_map_shows_the_workers_who_may_work_at_the_sites(world):
    data = markers(logged_in(world.a_owner), world.a_org)
    workers = {w["name"]: w for w in data["workers"]["items"]}
    # Zhao serves Ningbo; Sun has never reported a position.
    assert sorted(workers) == ["张三", "李四", "王五"]
    assert workers["张三"]["status"] == "available"
    assert workers["王五"]["status"] == "off_duty"
    assert workers["张三"]["stale"] is False
    assert workers["张三"]["order"] is None


def test_resource_map_filters_by_role_skill_and_region(world, hangzhou, make_worker):
    client = logged_in(world.a_owner)
    by_role = markers(client, world.a_org, role=world.repair.pk)
    assert names(by_role["workers"]["items"]) == ["张三", "王五"]
    by_skill = markers(client, world.a_org, skill=world.fibre.pk)
    assert names(by_skill["workers"]["items"]) == ["张三"]
    # A second district with a site of A's, and a worker who serves only that district.
    shangcheng = region_services.region_create(
        code="330102",
        name="上城区",
        level=3,
        parent=hangzhou["city"],
        boundary=rect(120.15, 30.20, 120.25, 30.30),
    )
    site = region_services.site_create(
        organization=world.a_org, code="A-3", name="甲三站", lat=30.25, lng=120.20
    )
    assert site.region == shangcheng
    qian = make_worker(name="钱八", role_id=world.repair.pk)
    workforce_services.worker_set_areas(worker=qian, region_ids=[shangcheng.pk])
    workforce_services.worker_report_position(worker=qian, lat=30.25, lng=120.20)

    everything = markers(client, world.a_org)
    assert names(everything["workers"]["items"]) == ["张三", "李四", "王五", "钱八"]
    xihu = markers(client, world.a_org, region=hangzhou["district"].pk)
    assert {s["code"] for s in xihu["sites"]["items"]} == {"A-1", "A-2"}
    assert names(xihu["workers"]["items"]) == ["张三", "李四", "王五"]
    # Shangcheng: its site; Li serves the whole city, Qian the district; not the Xihu workers.
    east = markers(client, world.a_org, region=shangcheng.pk)
    assert {s["code"] for s in east["sites"]["items"]} == {"A-3"}
    assert names(east["workers"]["items"]) == ["李四", "钱八"]
    assert [r["code"] for r in east["regions"]] == ["330102"]
    # A region the employer has no site in is not a choice: the filter is ignored.
    other = markers(client, world.a_org, region=999_999)
    assert len(other["sites"]["items"]) == 3


def test_worker_status_comes_from_the_orders_he_holds(world):
    order = WorkOrder.objects.get(title="甲一号工单")
    dispatch_services.work_order_assign(
        actor=world.a_owner,
        organization=world.a_org,
        work_order_id=order.pk,
        worker_id=world.zhang.pk,
    )
    order_services.work_order_depart(worker=world.zhang, order_id=order.pk)

    def zhang() -> dict:
        data = markers(logged_in(world.a_owner), world.a_org)
        return next(w for w in data["workers"]["items"] if w["name"] == "张三")

    assert zhang()["status"] == "en_route"
    assert zhang()["order"] == {"id": order.pk, "title": "甲一号工单"}
    order_services.work_order_check_in(
        worker=world.zhang, order_id=order.pk, lat=SITE_LAT, lng=SITE_LNG
    )
    assert zhang()["status"] == "on_site"
    # Employer B sees him as busy on site too, but not A's order.
    b = markers(logged_in(world.b_owner), world.b_org)
    seen_by_b = next(w for w in b["workers"]["items"] if w["name"] == "张三")
    assert seen_by_b["status"] == "on_site" and seen_by_b["order"] is None


def test_resource_map_page_renders_with_filters_and_links(world):
    resp = logged_in(world.a_owner).get("/employer/map/", {"org": world.a_org.pk})
    assert resp.status_code == 200
    body = resp.content.decode()
    assert 'id="resource-map"' in body
    assert f"/employer/map/markers.json?org={world.a_org.pk}" in body
    assert "js/maps.js" in body
    assert resp.context["map_config"]["tiles"] is None


# --- the live map ----------------------------------------------------------------------------


def assign(world, title: str, worker: Worker) -> WorkOrder:
    order = WorkOrder.objects.get(title=title)
    dispatch_services.work_order_assign(
        actor=world.a_owner, organization=world.a_org, work_order_id=order.pk, worker_id=worker.pk
    )
    return order


def test_live_positions_flag_a_stale_position(world):
    assign(world, "甲一号工单", world.zhang)
    assign(world, "甲二号工单", world.wang)
    workforce_services.worker_report_position(
        worker=world.li,
        lat=30.21,
        lng=120.08,
        at=timezone.now() + timedelta(minutes=1),
    )
    Worker.objects.filter(pk=world.wang.pk).update(
        last_position_at=timezone.now() - timedelta(minutes=16)
    )
    resp = logged_in(world.a_owner).get("/employer/live/positions.json", {"org": world.a_org.pk})
    assert resp.status_code == 200
    data = resp.json()
    assert data["stale_after_s"] == 15 * 60
    workers = {w["name"]: w for w in data["workers"]["items"]}
    assert workers["王五"]["stale"] is True
    assert workers["王五"]["age_s"] >= 16 * 60
    assert workers["张三"]["stale"] is False
    # Li works on none of A's orders: the live map does not follow him.
    assert sorted(workers) == ["张三", "王五"]


def test_live_positions_follow_the_last_report(world):
    assign(world, "甲一号工单", world.zhang)
    client = logged_in(world.a_owner)

    def zhang() -> dict:
        data = client.get("/employer/live/positions.json", {"org": world.a_org.pk}).json()
        return next(w for w in data["workers"]["items"] if w["name"] == "张三")

    assert (zhang()["lat"], zhang()["lng"]) == (30.2601, 120.1001)
    workforce_services.worker_report_position(worker=world.zhang, lat=30.2655, lng=120.1122)
    assert (zhang()["lat"], zhang()["lng"]) == (30.2655, 120.1122)


def test_live_map_page_polls_the_positions(world, settings):
    settings.MAP_LIVE_POLL_SECONDS = 5
    resp = logged_in(world.a_owner).get("/employer/live/", {"org": world.a_org.pk})
    assert resp.status_code == 200
    body = resp.content.decode()
    assert 'data-poll-seconds="5"' in body
    assert f"/employer/live/positions.json?org={world.a_org.pk}" in body


# --- who may open the employer's maps -------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/employer/map/", "/employer/live/"],
)
def test_a_worker_cannot_open_the_employer_maps(world, url):
    resp = logged_in(world.zhang.user).get(url)
    assert resp.status_code == 302 and resp.url == "/"


@pytest.mark.parametrize("url", ["/employer/map/markers.json", "/employer/live/positions.json"])
def test_a_worker_gets_no_map_json(world, url):
    assert logged_in(world.zhang.user).get(url).status_code == 404


@pytest.mark.parametrize(
    "url", ["/employer/map/", "/employer/map/markers.json", "/employer/live/positions.json"]
)
def test_anonymous_visitors_are_sent_to_log_in(world, url):
    resp = Client().get(url)
    assert resp.status_code == 302 and resp.url.startswith("/login/")


# --- the track replay ------------------------------------------------------------------------


@pytest.fixture
def finished_order(world):
    """A1's first order worked by Zhang: assigned, set off, three positions, checked in,
    delivered, accepted."""
    order = WorkOrder.objects.get(title="甲一号工单")
    dispatch_services.work_order_assign(
        actor=world.a_owner,
        organization=world.a_org,
        work_order_id=order.pk,
        worker_id=world.zhang.pk,
    )
    order_services.work_order_depart(worker=world.zhang, order_id=order.pk, lat=30.25, lng=120.09)
    for lat, lng in [(30.254, 120.094), (30.258, 120.098)]:
        order_services.work_order_report_position(
            worker=world.zhang, order_id=order.pk, lat=lat, lng=lng
        )
    order_services.work_order_check_in(
        worker=world.zhang, order_id=order.pk, lat=30.2601, lng=120.1001
    )
    order_services.work_order_deliver(worker=world.zhang, order_id=order.pk, note="已更换")
    workflows.work_order_accept(
        actor=world.a_owner, organization=world.a_org, order_id=order.pk, rating=5
    )
    order.refresh_from_db()
    return order


def test_replay_holds_the_track_and_the_events_from_assignment_to_acceptance(world, finished_order):
    resp = logged_in(world.a_owner).get(
        f"/employer/orders/{finished_order.pk}/replay/", {"org": world.a_org.pk}
    )
    assert resp.status_code == 200
    replay = resp.context["replay"]
    assert [e["type"] for e in replay["events"]] == [
        "assign",
        "depart",
        "check_in",
        "deliver",
        "accept",
    ]
    # Departure, two reports and the check-in: four positions, in time order.
    assert [(p["lat"], p["lng"]) for p in replay["track"]] == [
        (30.25, 120.09),
        (30.254, 120.094),
        (30.258, 120.098),
        (30.2601, 120.1001),
    ]
    assert replay["check_in"]["lat"] == 30.2601
    assert replay["radius_m"] == finished_order.organization.checkin_radius_m
    assert replay["site"]["code"] == "A-1"
    check_in = next(e for e in replay["events"] if e["type"] == "check_in")
    assert check_in["distance_m"] is not None
    assert 'id="replay-data"' in resp.content.decode()


def test_replay_leaves_out_an_earlier_workers_way(world, finished_order):
    # A position reported before Zhang was given the order is not his work on it.
    before = finished_order.assigned_at - timedelta(minutes=5)
    finished_order.track.create(worker=world.zhang, lat=30.3, lng=120.2, at=before)
    replay = map_selectors.order_replay(order=finished_order)
    assert (30.3, 120.2) not in [(p["lat"], p["lng"]) for p in replay["track"]]


def test_another_employer_cannot_replay_the_order(world, finished_order):
    resp = logged_in(world.b_owner).get(f"/employer/orders/{finished_order.pk}/replay/")
    assert resp.status_code == 404


def test_a_worker_cannot_open_a_replay(world, finished_order):
    resp = logged_in(world.zhang.user).get(f"/employer/orders/{finished_order.pk}/replay/")
    assert resp.status_code == 302 and resp.url == "/"


def test_an_unfinished_order_has_no_replay_yet(world):
    order = WorkOrder.objects.get(title="甲二号工单")
    resp = logged_in(world.a_owner).get(
        f"/employer/orders/{order.pk}/replay/", {"org": world.a_org.pk}
    )
    assert resp.status_code == 302
    assert resp.url == f"/employer/orders/{order.pk}/?org={world.a_org.pk}"


# --- the worker's route ----------------------------------------------------------------------


def test_worker_route_lists_his_orders_with_etas(world):
    first = WorkOrder.objects.get(title="甲一号工单")
    second = order_at(world.a_owner, world.a_org, world.a2, "甲二站巡检", priority="urgent")
    for order in (first, second):
        dispatch_services.work_order_assign(
            actor=world.a_owner,
            organization=world.a_org,
            work_order_id=order.pk,
            worker_id=world.zhang.pk,
        )
    client = logged_in(world.zhang.user)
    nearest = client.get("/worker/route/", {"mode": "nearest_first"})
    assert nearest.status_code == 200
    route = nearest.context["route"]
    # He stands at A-1: nearest first goes there first; urgent first goes to A-2 first.
    assert [s["order_id"] for s in route["stops"]] == [first.pk, second.pk]
    assert all(s["arrive"] and s["done"] for s in route["stops"])
    assert route["stops"][0]["travel_m"] < route["stops"][1]["travel_m"]
    urgent = client.get("/worker/route/", {"mode": "urgent_first"}).context["route"]
    assert [s["order_id"] for s in urgent["stops"]] == [second.pk, first.pk]
    body = nearest.content.decode()
    assert 'id="route-map"' in body and 'id="route-data"' in body


def test_worker_route_without_a_position_says_so(world):
    resp = logged_in(world.sun.user).get("/worker/route/")
    assert resp.status_code == 200
    assert resp.context["route"] is None and resp.context["problem"]


def test_an_unknown_route_mode_falls_back_to_the_optimised_day(world):
    resp = logged_in(world.zhang.user).get("/worker/route/", {"mode": "teleport"})
    assert resp.context["mode"] == "optimise"


def test_an_employer_has_no_worker_route(world):
    resp = logged_in(world.a_owner).get("/worker/route/")
    assert resp.status_code == 302 and resp.url == "/"


def test_my_orders_links_to_the_route(world):
    body = logged_in(world.zhang.user).get("/worker/orders/mine/").content.decode()
    assert 'href="/worker/route/"' in body


def test_map_tiles_setting_reaches_the_page(world, settings):
    settings.MAP_TILES = {
        "url": "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}",
        "datum": "gcj02",
        "attribution": "高德地图",
        "subdomains": "1234",
    }
    resp = logged_in(world.a_owner).get("/employer/map/", {"org": world.a_org.pk})
    tiles = resp.context["map_config"]["tiles"]
    assert tiles["datum"] == "gcj02" and tiles["subdomains"] == "1234"


def test_map_json_takes_the_same_number_of_queries_for_more_rows(
    world, make_worker, hangzhou, django_assert_num_queries
):
    client = logged_in(world.a_owner)
    with CaptureQueriesContext(connection) as few:
        markers(client, world.a_org)
    for n in range(5):
        site = region_services.site_create(
            organization=world.a_org,
            code=f"M-{n}",
            name=f"加站{n}",
            lat=30.23 + n / 1000,
            lng=120.1,
        )
        order_at(world.a_owner, world.a_org, site, f"加单{n}")
        w = make_worker(name=f"加人{n}")
        workforce_services.worker_set_areas(worker=w, region_ids=[hangzhou["district"].pk])
        workforce_services.worker_report_position(worker=w, lat=30.24, lng=120.09 + n / 1000)
    with django_assert_num_queries(len(few)):
        data = markers(client, world.a_org)
    assert len(data["sites"]["items"]) == 7 and len(data["workers"]["items"]) == 8


# --- no harvesting: exact positions only of workers on the employer's orders ---------------


def test_resource_map_shows_exact_positions_only_of_workers_on_our_orders(world):
    assign(world, "甲一号工单", world.zhang)
    data = markers(logged_in(world.a_owner), world.a_org)
    workers = {w["name"]: w for w in data["workers"]["items"]}
    assert (workers["张三"]["lat"], workers["张三"]["lng"]) == (30.2601, 120.1001)
    assert workers["张三"]["approximate"] is False
    # Li reported 30.21, 120.08: shown only in a cell of about 2 km.
    assert workers["李四"]["approximate"] is True
    assert (workers["李四"]["lat"], workers["李四"]["lng"]) != (30.21, 120.08)
    assert abs(workers["李四"]["lat"] - 30.21) <= 0.011
    assert "phone" not in workers["李四"] and world.li.user.phone not in str(data)


def test_unverified_employer_gets_no_live_positions_and_no_workers_on_its_map(world, make_employer):
    owner, org = make_employer(verified=False, escrow_fen=0)
    region_services.site_create(
        organization=org, code="U-1", name="未认证站", lat=SITE_LAT, lng=SITE_LNG
    )
    client = logged_in(owner)
    resp = client.get("/employer/live/positions.json", {"org": org.pk})
    assert resp.status_code == 403
    assert resp.json()["code"] == "employer_not_verified"
    page = client.get("/employer/live/", {"org": org.pk}, follow=True)
    assert "企业认证" in page.content.decode()
    assert markers(client, org)["workers"]["items"] == []
