"""An order's whole life through two real browsers: the employer's console on a desktop,
the worker's H5 on a phone-sized screen with a granted position."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.browser.fixtures import SCREENSHOT_DIR, TIMEOUT_MS
from tests.browser.helpers import log_in
from xinghuo.core.tests.bombs import png
from xinghuo.dispatch.models import PointsEntry
from xinghuo.regions import services as region_services
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce import services as workforce_services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]

SITE_LAT, SITE_LNG = 30.26, 120.10
# Where the worker's phone says he is: about 15 m from the site, inside the geofence.
AT_THE_SITE = {"latitude": 30.2601, "longitude": 120.1001}
PNG_1PX = png(1, 1)
TITLE = "基站蓄电池更换"


def shot(page: Page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"order_journey_{name}.png"), full_page=True)


def test_order_from_creation_to_points(
    page: Page,
    browser: Browser,
    live_server,
    make_employer,
    make_worker,
    clear_worker,
    hangzhou,
    settings,
    tmp_path,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    employer, org = make_employer()
    region_services.site_create(
        organization=org, code="A-1", name="甲站", lat=SITE_LAT, lng=SITE_LNG
    )
    worker = clear_worker(make_worker(name="王五"))
    workforce_services.worker_set_areas(worker=worker, region_ids=[hangzhou["district"].pk])

    # The employer creates the order in the console.
    log_in(page, base, employer.phone)
    expect(page).to_have_url(base + "/employer/")
    shot(page, "0_employer_home")
    page.locator("#employer-nav a[href^='/employer/orders/new/']").click()
    form = page.locator("#order-create-form")
    form.locator('input[name="title"]').fill(TITLE)
    form.locator('select[name="site_id"]').select_option(label="甲站 (A-1) · 西湖区")
    form.locator('textarea[name="description"]').fill("两组蓄电池鼓包，需更换。")
    deadline = (timezone.now() + timedelta(days=1)).astimezone(ZoneInfo("Asia/Shanghai"))
    form.locator('input[name="deadline_at"]').fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    form.locator('input[name="base_points"]').fill("10")
    # A price finer than a fen comes back with the error on its field; nothing is created.
    form.locator('input[name="price_yuan"]').fill("12.345")
    form.locator('button[type="submit"]').click()
    expect(page.locator("#field-price_yuan .error")).to_be_visible()
    assert not WorkOrder.objects.exists()
    form.locator('input[name="price_yuan"]').fill("88.50")
    shot(page, "1_employer_creates")
    form.locator('button[type="submit"]').click()

    order = WorkOrder.objects.get()
    expect(page).to_have_url(re.compile(rf"/employer/orders/{order.pk}/"))
    expect(page.locator("#order-status")).to_have_class(re.compile("status-published"))
    expect(page.locator("#order-price")).to_have_text("¥88.50")
    assert order.price_fen == 8850

    # The worker, on his phone with location allowed, finds it in the hall and grabs it.
    phone = browser.new_context(
        geolocation=AT_THE_SITE,
        permissions=["geolocation"],
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    phone.set_default_timeout(TIMEOUT_MS)
    h5 = phone.new_page()
    try:
        log_in(h5, base, worker.user.phone)
        expect(h5).to_have_url(base + "/worker/")
        shot(h5, "0_worker_home")
        h5.locator("#worker-tabbar a[href='/worker/orders/']").click()
        card = h5.locator(f'#hall li[data-order="{order.pk}"]')
        expect(card).to_contain_text(TITLE)
        expect(card).to_contain_text("¥88.50")
        expect(card).to_contain_text("甲站")
        shot(h5, "2_worker_hall")
        card.locator("form.grab-form button").click()

        expect(h5).to_have_url(base + f"/worker/orders/{order.pk}/")
        expect(h5.locator("#order-status")).to_have_class(re.compile("status-assigned"))
        h5.locator("#depart-form button").click()
        expect(h5.locator("#order-status")).to_have_class(re.compile("status-en_route"))
        shot(h5, "3_worker_en_route")

        # Check-in takes the position from the browser; there is no field to type it in.
        expect(h5.locator('#check_in-form input[name="lat"]')).to_have_attribute("type", "hidden")
        h5.locator("#check_in-form button").click()
        expect(h5.locator("#order-status")).to_have_class(re.compile("status-on_site"))
        order.refresh_from_db()
        assert order.status == "on_site"
        assert order.track.filter(lat=AT_THE_SITE["latitude"]).exists()

        deliver = h5.locator("#deliver-form")
        deliver.locator('textarea[name="note"]').fill("已更换两组蓄电池，电压正常。")
        deliver.locator('input[name="photos"]').set_input_files(
            [{"name": "after.png", "mimeType": "image/png", "buffer": PNG_1PX}]
        )
        expect(h5.locator("#photo-previews img")).to_have_count(1)
        shot(h5, "4_worker_delivers")
        deliver.locator("button[type=submit]").click()
        expect(h5.locator("#order-status")).to_have_class(re.compile("status-delivered"))
        expect(h5.locator("#step-waiting")).to_be_visible()

        # The employer reviews the delivery and accepts it with five stars.
        page.reload()
        expect(page.locator("#delivery-note")).to_have_text("已更换两组蓄电池，电压正常。")
        expect(page.locator("#photos img")).to_have_count(1)
        expect(page.locator('#timeline li[data-event="check_in"]')).to_have_count(1)
        accept = page.locator("#accept-form")
        accept.locator('input[name="rating"][value="5"]').check()
        accept.locator('input[name="comment"]').fill("干得好")
        shot(page, "5_employer_reviews")
        accept.locator("button[type=submit]").click()
        expect(page.locator("#order-status")).to_have_class(re.compile("status-accepted"))
        awarded = PointsEntry.objects.get(order=order).points
        # 10 base × 1.2 delivered early × 1.2 for five stars = 14.4 → 14
        assert awarded == 14
        expect(page.locator("#order-points")).to_have_text(str(awarded))
        shot(page, "6_employer_accepted")

        # The worker's points page shows what he earned.
        h5.locator("#worker-tabbar a[href='/worker/points/']").click()
        expect(h5.locator("#points-balance")).to_have_text(str(awarded))
        expect(h5.locator("#points-history")).to_contain_text(TITLE)
        shot(h5, "7_worker_points")
    finally:
        phone.close()


def test_check_in_without_location_access_explains_and_stays(
    browser: Browser, live_server, make_employer, make_worker, clear_worker, hangzhou
) -> None:
    from xinghuo.dispatch import services as dispatch_services
    from xinghuo.work_orders import services as order_services
    from xinghuo.workflows import services as workflows

    base = live_server.url
    employer, org = make_employer()
    site = region_services.site_create(
        organization=org, code="A-1", name="甲站", lat=SITE_LAT, lng=SITE_LNG
    )
    worker = clear_worker(make_worker())
    workforce_services.worker_set_areas(worker=worker, region_ids=[hangzhou["district"].pk])
    order = workflows.work_order_create(
        actor=employer,
        organization=org,
        draft=order_services.OrderDraft(
            site_id=site.pk, title=TITLE, deadline_at=timezone.now() + timedelta(days=1)
        ),
    ).order
    dispatch_services.work_order_grab(worker=worker, work_order_id=order.pk)

    # No permission granted: the browser refuses the position.
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    phone.set_default_timeout(TIMEOUT_MS)
    h5 = phone.new_page()
    try:
        log_in(h5, base, worker.user.phone)
        h5.goto(base + f"/worker/orders/{order.pk}/")
        h5.locator("#check_in-form button").click()
        status = h5.locator("#check_in-form .geo-status")
        expect(status).to_be_visible()
        expect(status).to_have_class(re.compile("error"))
        expect(h5.locator("#check_in-form button")).to_be_enabled()  # he may try again
        shot(h5, "8_check_in_refused")
        order.refresh_from_db()
        assert order.status == "assigned"
    finally:
        phone.close()


def test_employer_assigns_from_the_dispatch_board_and_the_worker_is_told(
    page: Page, browser: Browser, live_server, make_employer, make_worker, clear_worker, hangzhou
) -> None:
    from xinghuo.work_orders import services as order_services
    from xinghuo.workflows import services as workflows

    base = live_server.url
    employer, org = make_employer()
    site = region_services.site_create(
        organization=org, code="A-1", name="甲站", lat=SITE_LAT, lng=SITE_LNG
    )
    for n, priority in enumerate(["normal", "urgent", "normal"]):
        workflows.work_order_create(
            actor=employer,
            organization=org,
            draft=order_services.OrderDraft(
                site_id=site.pk,
                title=f"{TITLE}{n}",
                priority=priority,
                price_fen=10000 + n,
                deadline_at=timezone.now() + timedelta(hours=6 + n),
            ),
        )
    order = WorkOrder.objects.get(title=f"{TITLE}1")
    near = clear_worker(make_worker(name="赵六"))
    far = clear_worker(make_worker(name="钱七"))
    for w, lat in ((near, SITE_LAT + 0.002), (far, SITE_LAT + 0.03)):
        workforce_services.worker_set_areas(worker=w, region_ids=[hangzhou["district"].pk])
        workforce_services.worker_report_position(worker=w, lat=lat, lng=SITE_LNG)

    log_in(page, base, employer.phone)
    page.goto(base + "/employer/orders/")
    expect(page.locator("#order-table tbody tr")).to_have_count(3)
    page.locator("#order-filters select[name=priority]").select_option("urgent")
    page.locator("#order-filters button[type=submit]").click()
    expect(page.locator("#order-table tbody tr")).to_have_count(1)
    shot(page, "9_employer_list")

    page.locator("#employer-nav a[href^='/employer/dispatch/']").click()
    page.locator(f'#published-orders a[data-order="{order.pk}"]').click()
    rows = page.locator("#candidate-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("赵六")  # nearest first
    expect(rows.first).to_contain_text("<1 km")  # a band, not his distance
    expect(rows.first).not_to_contain_text(near.user.phone)
    shot(page, "10_dispatch_board")
    rows.first.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/employer/orders/{order.pk}/"))

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    phone.set_default_timeout(TIMEOUT_MS)
    h5 = phone.new_page()
    try:
        log_in(h5, base, near.user.phone)
        expect(h5).to_have_url(base + "/worker/")
        h5.locator("#worker-tabbar a[href='/worker/orders/']").click()
        expect(h5.locator("#unread-count")).to_have_text("1")
        h5.locator("#worker-tabbar a[href='/worker/notifications/']").click()
        expect(h5.locator("#notifications li.unread")).to_contain_text(f"{TITLE}1")
        # He is asked first: the order is his once he accepts the offer.
        offer = h5.locator("#offers li").first
        expect(offer).to_contain_text(f"{TITLE}1")
        h5.set_viewport_size({"width": 360, "height": 780})
        assert h5.evaluate("document.documentElement.scrollWidth") <= 360
        expect(offer.locator("button[value=offer_accept]")).to_be_in_viewport()
        shot(h5, "11_worker_notifications")
        offer.locator("button[value=offer_accept]").click()
        expect(h5.locator("#offers")).to_have_count(0)
        h5.locator("#worker-tabbar a[href='/worker/orders/mine/']").click()
        expect(h5.locator(f'#my-orders li[data-order="{order.pk}"]')).to_be_visible()
        shot(h5, "12_worker_my_orders")
        h5.locator("#worker-tabbar a[href='/worker/orders/']").click()
        expect(h5.locator("#hall li.order-card")).to_have_count(2)
        shot(h5, "13_worker_hall_with_distances")
    finally:
        phone.close()
    page.reload()
    expect(page.locator("#order-worker")).to_contain_text("赵六")
