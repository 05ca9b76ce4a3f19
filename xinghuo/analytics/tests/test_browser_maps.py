"""The maps (issue 7) in Chromium: the resource map's markers for a filter, the live map moving
a worker after his app reports a position, the track replay playing from the first event to
the last, the worker's route, and maps.js's WGS-84 → GCJ-02 against the Python conversion.

Data: the fixture of xinghuo/analytics/tests/test_views_maps.py. Screenshots go to
test-artifacts/screenshots/maps_*.png.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.fixtures import SCREENSHOT_DIR
from tests.browser.helpers import log_in
from xinghuo.accounts import services as account_services
from xinghuo.analytics.tests.test_views_maps import finished_order, order_at, world  # noqa: F401
from xinghuo.core.geo import Point, wgs84_to_gcj02
from xinghuo.dispatch import services as dispatch_services
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce.models import Worker

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]

# How many markers of a kind the map shows: single markers plus what the clusters hold.
SHOWN = """
(kind) => Array.from(document.querySelectorAll(`.mk[data-kind="${kind}"]`)).reduce(
  (n, el) => n + (el.dataset.count ? Number(el.dataset.count) : 1), 0)
"""


# Screen distance (px) between the replayed worker and the check-in point.
MOVER_TO_CHECK_IN = """
(() => {
  const centre = (sel) => {
    const r = document.querySelector(sel).getBoundingClientRect();
    return [r.x + r.width / 2, r.y + r.height / 2];
  };
  const [m, c] = [centre('.mk.mover'), centre('.mk.checkin')];
  return Math.hypot(m[0] - c[0], m[1] - c[1]);
})()
"""
# Where the map draws a site's marker (Leaflet's own lat/lng, after any datum conversion).
DRAWN_AT = """
(siteId) => {
  let ll = null;
  xinghuoMap.map.eachLayer((l) => {
    const el = l.getElement && l.getElement();
    if (el && el.dataset.kind === 'site' && el.dataset.id === String(siteId)) ll = l.getLatLng();
  });
  return [ll.lat, ll.lng];
}
"""


def shot(page: Page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"maps_{name}.png"), full_page=True)


def test_resource_map_shows_the_markers_of_a_filter(page: Page, live_server, world) -> None:  # noqa: F811
    base = live_server.url
    log_in(page, base, world.a_owner.phone)
    page.goto(f"{base}/employer/map/?org={world.a_org.pk}")
    expect(page.locator("#resource-map")).to_have_attribute("data-ready", "1")
    # Both of A's sites; Zhang, Li and Wang (not Zhao in Ningbo, not Sun with no position).
    assert page.evaluate(SHOWN, "site") == 2
    assert page.evaluate(SHOWN, "worker") == 3
    expect(page.locator("#worker-count")).to_have_text("3")
    expect(page.locator(".grid-outline")).to_have_count(2)

    # Filter by role through the form: the repairers Zhang and Wang.
    page.locator("#id_role").select_option(str(world.repair.pk))
    page.locator("#map-filters button[type=submit]").click()
    expect(page).to_have_url(
        f"{base}/employer/map/?org={world.a_org.pk}&region=&role={world.repair.pk}&skill="
    )
    expect(page.locator("#resource-map")).to_have_attribute("data-ready", "1")
    assert page.evaluate(SHOWN, "worker") == 2
    assert page.evaluate(SHOWN, "site") == 2
    expect(page.locator("#resource-map .mk.worker.status-off_duty")).to_have_count(1)

    # A site's card: its open orders.
    # (Zhang stands at the site: his marker, on top, covers it; the click goes to the site's.)
    page.locator(f'.mk[data-kind="site"][data-id="{world.a1.pk}"]').dispatch_event("click")
    card = page.locator(".leaflet-popup .site-card")
    expect(card).to_contain_text("甲一站")
    expect(card.locator(".open-count")).to_have_text("2")
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    shot(page, "resource")

    # Zoomed out, the two sites are one cluster of two; a click on it zooms back in.
    page.evaluate("xinghuoMap.map.setZoom(5, {animate: false})")
    cluster = page.locator('.mk.cluster[data-kind="site"]')
    expect(cluster).to_have_attribute("data-count", "2")
    assert page.evaluate(SHOWN, "site") == 2
    expect(page.locator('.mk.cluster[data-kind="worker"]')).to_have_attribute("data-count", "2")
    expect(page.locator(".leaflet-popup")).to_have_count(0)  # its marker went into the cluster
    shot(page, "resource_clustered")
    cluster.click()
    expect(page.locator('#resource-map .mk.site[data-kind="site"]')).to_have_count(2)


def test_live_map_moves_a_worker_after_his_app_reports_a_position(
    page: Page,
    browser: Browser,
    live_server,
    world,  # noqa: F811
    settings,
) -> None:
    settings.MAP_LIVE_POLL_SECONDS = 1
    # The live map follows the workers on A's orders only.
    for title, worker in (("甲一号工单", world.zhang), ("甲二号工单", world.wang)):
        dispatch_services.work_order_assign(
            actor=world.a_owner,
            organization=world.a_org,
            work_order_id=WorkOrder.objects.get(title=title).pk,
            worker_id=worker.pk,
        )
    # Wang's phone has been silent for 20 minutes: shown greyed.
    Worker.objects.filter(pk=world.wang.pk).update(
        last_position_at=world.wang.last_position_at - timedelta(minutes=20)
    )
    base = live_server.url
    log_in(page, base, world.a_owner.phone)
    page.goto(f"{base}/employer/live/?org={world.a_org.pk}")
    zhang = page.locator(f'.mk[data-kind="worker"][data-id="{world.zhang.pk}"]')
    expect(zhang).to_have_attribute("data-lat", "30.2601")
    expect(page.locator(f'.mk.stale[data-kind="worker"][data-id="{world.wang.pk}"]')).to_have_count(
        1
    )
    expect(
        page.locator(f'.mk.stale[data-kind="worker"][data-id="{world.zhang.pk}"]')
    ).to_have_count(0)
    expect(page.locator(f'#live-list li.stale[data-id="{world.wang.pk}"]')).to_have_count(1)
    before = zhang.bounding_box()
    polls = int(page.locator("#live-map").get_attribute("data-polls") or 0)

    # His app reports a new position, with his bearer token, over HTTP.
    token = account_services.api_token_issue(user=world.zhang.user).raw
    app = browser.new_context()
    try:
        resp = app.request.post(
            base + "/api/v1/workers/me/position",
            data={"lat": 30.2755, "lng": 120.1255},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert resp.status == 200, resp.text()
    finally:
        app.close()

    # No reload: the next poll moves his marker.
    expect(zhang).to_have_attribute("data-lat", "30.2755")
    expect(zhang).to_have_attribute("data-lng", "120.1255")
    assert int(page.locator("#live-map").get_attribute("data-polls") or 0) > polls
    after = zhang.bounding_box()
    assert before is not None and after is not None
    assert after["x"] > before["x"] and after["y"] < before["y"]  # north-east of where he was
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    shot(page, "live")


def test_replay_plays_from_the_first_event_to_the_last(
    page: Page,
    live_server,
    world,  # noqa: F811
    finished_order,  # noqa: F811
) -> None:
    # Spread the steps over an hour, as on a real day (the fixture runs them in a second).
    order: WorkOrder = finished_order
    end = order.accepted_at
    minutes_before = {"assign": 60, "depart": 55, "check_in": 35, "deliver": 10, "accept": 0}
    for event in order.events.all():
        if event.type in minutes_before:
            event.at = end - timedelta(minutes=minutes_before[event.type])
            event.save(update_fields=["at"])
    for point, minutes in zip(order.track.order_by("at", "pk"), [55, 48, 41, 35], strict=True):
        point.at = end - timedelta(minutes=minutes)
        point.save(update_fields=["at"])
    WorkOrder.objects.filter(pk=order.pk).update(assigned_at=end - timedelta(minutes=60))

    base = live_server.url
    log_in(page, base, world.a_owner.phone)
    page.goto(f"{base}/employer/orders/{order.pk}/replay/?org={world.a_org.pk}")
    replay = page.locator("#replay-map")
    expect(replay).to_have_attribute("data-ready", "1")
    expect(page.locator(".mk.event")).to_have_count(5)
    expect(page.locator(".geofence")).to_have_count(1)
    expect(page.locator(".mk.checkin")).to_have_count(1)
    expect(page.locator("#replay-event")).to_have_attribute("data-type", "assign")
    expect(page.locator("#replay-events li.reached")).to_have_count(1)
    assert page.locator("#replay-slider").input_value() == "0"
    shot(page, "replay_start")

    page.locator("#replay-play").click()
    expect(replay).to_have_attribute("data-state", "playing")
    expect(page.locator("#replay-event")).to_have_attribute("data-type", "check_in")
    expect(replay).to_have_attribute("data-state", "ended")
    expect(page.locator("#replay-event")).to_have_attribute("data-type", "accept")
    expect(page.locator("#replay-events li.reached")).to_have_count(5)
    assert page.locator("#replay-slider").input_value() == "1000"
    # The worker's marker ends where his track ends (at the check-in point).
    mover = page.evaluate(MOVER_TO_CHECK_IN)
    assert mover < 10
    shot(page, "replay_end")

    # The slider takes the replay back to any moment.
    page.locator("#replay-slider").fill("0")
    expect(page.locator("#replay-event")).to_have_attribute("data-type", "assign")


def test_worker_route_map_shows_his_stops(page: Page, live_server, world) -> None:  # noqa: F811
    # One order at A-1, where he stands, one at A-2 in the south-west grid.
    second = order_at(world.a_owner, world.a_org, world.a2, "甲二站巡检", priority="urgent")
    for order in (WorkOrder.objects.get(title="甲一号工单"), second):
        dispatch_services.work_order_assign(
            actor=world.a_owner,
            organization=world.a_org,
            work_order_id=order.pk,
            worker_id=world.zhang.pk,
        )
    base = live_server.url
    page.set_viewport_size({"width": 414, "height": 860})
    log_in(page, base, world.zhang.user.phone)
    page.goto(base + "/worker/orders/mine/")
    page.locator("#route-link").click()
    expect(page.locator("#route-map")).to_have_attribute("data-ready", "1")
    expect(page.locator(".mk.stop")).to_have_count(2)
    expect(page.locator("#route-stops .eta")).to_have_count(2)
    page.locator('#route-modes input[value="nearest_first"]').check()
    expect(page).to_have_url(base + "/worker/route/?mode=nearest_first")
    expect(page.locator(".mk.stop")).to_have_count(2)
    expect(page.locator("#route-map .grid-outline")).to_have_count(2)
    # Nearest first: A-1, where he stands, then A-2.
    expect(page.locator("#route-stops li").first).to_contain_text("甲一号工单")
    shot(page, "route")


POINTS = [
    (30.26, 120.10),  # Hangzhou
    (39.9042, 116.4074),  # Beijing
    (43.8256, 87.6168),  # Urumqi
    (45.8038, 126.5349),  # Harbin
    (18.2528, 109.5119),  # Sanya
    (22.5431, 114.0579),  # Shenzhen
]


def test_maps_js_converts_to_gcj02_like_python(page: Page, live_server, world, settings) -> None:  # noqa: F811
    settings.MAP_TILES = {
        # Nothing listens there: the test needs the datum, not the pictures.
        "url": "http://127.0.0.1:9/{z}/{x}/{y}.png",
        "datum": "gcj02",
        "attribution": "test tiles",
    }
    base = live_server.url
    log_in(page, base, world.a_owner.phone)
    page.goto(f"{base}/employer/map/?org={world.a_org.pk}")
    expect(page.locator("#resource-map")).to_have_attribute("data-ready", "1")
    converted = page.evaluate(
        "(points) => points.map(([lat, lng]) => XinghuoMaps.wgs84ToGcj02(lat, lng))", POINTS
    )
    for (lat, lng), (js_lat, js_lng) in zip(POINTS, converted, strict=True):
        expected = wgs84_to_gcj02(Point(lat=lat, lng=lng))
        assert abs(js_lat - expected.lat) < 1e-9 and abs(js_lng - expected.lng) < 1e-9
        # A few hundred metres: the conversion did something.
        assert 1e-4 < abs(js_lng - lng) < 1e-2
    # Outside China both leave the point as it is (Tokyo).
    assert page.evaluate("XinghuoMaps.wgs84ToGcj02(35.68, 139.76)") == [35.68, 139.76]
    # With GCJ-02 tiles, the markers are drawn at the converted position.
    drawn = page.evaluate(DRAWN_AT, world.a1.pk)
    expected = wgs84_to_gcj02(Point(lat=30.26, lng=120.10))
    assert drawn == pytest.approx([expected.lat, expected.lng], abs=1e-9)
