from __future__ import annotations

import json

import pytest
from django.test import Client

from conftest import PASSWORD
from xinghuo.accounts.models import User
from xinghuo.regions import services as region_services
from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.models import Role

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_speak_chinese_by_default_and_english_on_request():
    zh = Client().get("/login/")
    en = Client(headers={"Accept-Language": "en"}).get("/login/")
    assert zh.status_code == en.status_code == 200
    assert "手机号" in zh.content.decode()
    assert "Mobile number" in en.content.decode()


def test_web_registration_logs_the_worker_in_on_his_landing_page():
    client = Client()
    resp = client.post(
        "/register/",
        {"kind": "worker", "name": "张三", "phone": "13912345678", "password": PASSWORD},
        follow=True,
    )
    assert resp.redirect_chain[-1][0] == "/worker/"
    assert "张三" in resp.content.decode()
    assert "日常维护人员" in resp.content.decode()


def test_web_registration_with_a_bad_phone_shows_the_error_and_creates_nothing():
    resp = Client().post(
        "/register/", {"kind": "worker", "name": "张三", "phone": "123", "password": PASSWORD}
    )
    assert resp.status_code == 200
    assert "手机号" in resp.context["form"].errors["phone"][0]
    assert not User.objects.exists()


def test_web_login_requires_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    resp = client.post("/login/", {"phone": "13912345678", "password": PASSWORD})
    assert resp.status_code == 403


def test_web_login_is_throttled(make_worker, settings):
    settings.LOGIN_FREE_FAILURES = 2
    make_worker(phone="13912345678")
    client = Client()
    for _ in range(2):
        client.post("/login/", {"phone": "13912345678", "password": "wrong"})
    resp = client.post("/login/", {"phone": "13912345678", "password": PASSWORD})
    assert resp.status_code == 429  # the form again, with the error
    assert resp.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_session_api_calls_need_the_csrf_token(make_worker):
    worker = make_worker()
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker.user)
    resp = client.put(
        "/api/v1/workers/me/status",
        json.dumps({"status": "available"}),
        content_type="application/json",
    )
    assert resp.status_code in (401, 403)
    worker.refresh_from_db()
    assert worker.status == "off_duty"
    assert client.get("/api/v1/workers/me").status_code == 200


def test_home_sends_each_kind_to_its_landing_page(make_worker, make_employer, operator):
    assert Client().get("/").url == "/login/"
    assert logged_in(make_worker().user).get("/").url == "/worker/"
    assert logged_in(make_employer()[0]).get("/").url == "/employer/"
    assert logged_in(operator).get("/").url == "/operator/"


def test_operator_console_is_for_operators_only(make_worker):
    resp = logged_in(make_worker().user).get("/operator/")
    assert resp.status_code == 302


def test_worker_asks_for_a_role_change_and_the_operator_approves_it_on_the_web(
    make_worker, operator
):
    worker = make_worker()
    repair = Role.objects.get(code="repair")
    client = logged_in(worker.user)
    client.post("/worker/", {"action": "role_change", "to_role_id": repair.pk, "reason": "考证了"})
    worker.refresh_from_db()
    assert worker.role.code == "daily_maintenance"
    request = worker.role_change_requests.get()

    console = logged_in(operator)
    page = console.get("/operator/").content.decode()
    assert worker.user.name in page and "专业修理人员" in page
    console.post("/operator/", {"request_id": request.pk, "decision": "approve"})
    worker.refresh_from_db()
    assert worker.role.code == "repair"


def test_operator_rejection_without_reason_changes_nothing(make_worker, operator):
    worker = make_worker()
    request = workforce_services.role_change_request_create(
        worker=worker, to_role_id=Role.objects.get(code="repair").pk
    )
    resp = logged_in(operator).post(
        "/operator/", {"request_id": request.pk, "decision": "reject", "reason": ""}, follow=True
    )
    assert "reason" in resp.content.decode().lower() or "原因" in resp.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"


def test_employer_landing_shows_its_sites_and_not_others(make_employer, hangzhou):
    alice, org_a = make_employer()
    _bob, org_b = make_employer()
    region_services.site_create(organization=org_a, code="A-1", name="甲站", lat=30.26, lng=120.10)
    region_services.site_create(organization=org_b, code="B-1", name="乙站", lat=30.27, lng=120.10)
    resp = logged_in(alice).get("/employer/")
    map_data = resp.context["map_data"]
    assert [s["code"] for s in map_data["sites"]] == ["A-1"]
    assert [g["code"] for g in map_data["grids"]] == ["XH-N"]
    # Asking for another organization by id falls back to one's own.
    resp = logged_in(alice).get(f"/employer/?org={org_b.pk}")
    assert resp.context["organization"] == org_a


def test_api_docs_and_schema_are_served_without_a_cdn():
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    assert "cdn." not in docs.content.decode()
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/auth/login" in schema["paths"]


def test_delivery_photos_are_served_only_to_the_employer_and_the_worker(
    make_employer, make_order, make_eligible_worker, make_worker
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from xinghuo.dispatch import services as dispatch_services
    from xinghuo.work_orders import services as order_services
    from xinghuo.work_orders.models import Attachment

    owner, org = make_employer()
    stranger, _other = make_employer()
    order = make_order(owner=owner, organization=org)
    worker = make_eligible_worker()
    dispatch_services.work_order_grab(worker=worker, work_order_id=order.pk)
    order_services.work_order_check_in(worker=worker, order_id=order.pk, lat=30.2601, lng=120.1001)
    from xinghuo.core.tests.bombs import jpeg as make_jpeg

    jpeg = make_jpeg()
    order_services.work_order_deliver(
        worker=worker,
        order_id=order.pk,
        note="完成",
        photos=[SimpleUploadedFile("p.jpg", jpeg, "image/jpeg")],
    )
    url = f"/files/attachments/{Attachment.objects.get().pk}/"
    ok = logged_in(owner).get(url)
    assert ok.status_code == 200
    assert ok["Content-Type"] == "image/jpeg"
    assert ok.content == jpeg  # decrypted: stored encrypted at rest
    assert logged_in(worker.user).get(url).status_code == 200
    assert logged_in(stranger).get(url).status_code == 404
    assert logged_in(make_worker().user).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page
