"""The API's answers to hostile input: bounded integers, oversized bodies, NUL characters,
missing tokens — every one a 4xx JSON error, never a 500 — and the OpenAPI that documents
them."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from config.api import api as ninja_api
from xinghuo.accounts.models import Organization
from xinghuo.regions.models import Site

pytestmark = pytest.mark.django_db

HUGE = 2**63  # one more than a 64-bit column holds
ERROR_STATUSES = {"401", "403", "404", "409", "413", "422", "429"}


def assert_error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.content[:500]
    body = resp.json()
    assert body["code"] == code, body
    assert set(body) == {"code", "message", "detail"}
    return body


# --- integer bounds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/organizations/{HUGE}",
        f"/work-orders/{HUGE}",
        f"/organizations/{HUGE}/work-orders/1",
        f"/workers/{10**30}/radar",
    ],
)
def test_an_id_beyond_64_bits_in_a_path_is_a_validation_error(api, make_worker, path):
    resp = api(make_worker().user).get(path)
    assert_error(resp, 422, "validation_error")


@pytest.mark.parametrize(
    "params",
    [
        {"offset": HUGE},
        {"offset": 10**25},
        {"limit": HUGE},
        {"region_id": HUGE},
        {"role_id": -1},
    ],
)
def test_an_offset_limit_or_id_beyond_bounds_in_a_query_is_a_validation_error(
    api, operator, params
):
    resp = api(operator).get("/workers", params)
    assert_error(resp, 422, "validation_error")


def test_an_id_beyond_64_bits_in_a_body_is_a_validation_error(api, make_employer, make_order):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org)
    resp = api(owner).post(
        f"/organizations/{org.pk}/work-orders/{order.pk}/assign", {"worker_id": HUGE}
    )
    assert_error(resp, 422, "validation_error")
    order.refresh_from_db()
    assert order.worker_id is None


def test_a_limit_beyond_the_largest_page_is_a_validation_error(api, make_worker):
    resp = api(make_worker().user).get("/workers/me/orders", {"limit": HUGE, "offset": 0})
    assert_error(resp, 422, "validation_error")


# --- oversized bodies ----------------------------------------------------------------------


def test_a_json_body_over_the_limit_is_413_and_changes_nothing(
    api, make_employer, hangzhou, settings
):
    owner, org = make_employer()
    settings.DEBUG = True  # the demo: still no traceback page
    body = {
        "code": "BIG",
        "name": "大",
        "address": "x" * 3_000_000,
        "lat": 30.26,
        "lng": 120.10,
    }
    resp = api(owner).post(f"/organizations/{org.pk}/sites", body)
    assert "请求过大" in assert_error(resp, 413, "payload_too_large")["message"]
    assert not Site.objects.filter(code="BIG").exists()


def test_an_upload_over_the_request_limit_is_413(api, make_worker, settings):
    settings.REQUEST_MAX_BYTES = 100_000
    me = api(make_worker().user)
    resp = me.client.post(
        "/api/v1/work-orders/1/deliver",
        {"note": "x", "photos": [SimpleUploadedFile("a.png", b"\x89PNG" + b"0" * 200_000)]},
        headers=me.headers,
    )
    assert_error(resp, 413, "payload_too_large")


def test_an_oversized_web_form_is_413_json_not_a_traceback(make_worker, settings):
    settings.DEBUG = True
    resp = Client().post("/login/", {"phone": "1", "password": "x" * 3_000_000})
    assert_error(resp, 413, "payload_too_large")


# --- NUL characters ------------------------------------------------------------------------


def test_a_nul_character_in_a_json_string_is_refused_and_changes_nothing(
    api, make_employer, hangzhou
):
    owner, org = make_employer()
    resp = api(owner).post(
        f"/organizations/{org.pk}/sites",
        {"code": "NUL1", "name": "站\x00点", "lat": 30.26, "lng": 120.10},
    )
    assert_error(resp, 422, "nul_character")
    assert not Site.objects.filter(code="NUL1").exists()


def test_an_escaped_backslash_before_u0000_is_not_a_nul(api, make_employer, hangzhou):
    owner, org = make_employer()
    resp = api(owner).post(
        f"/organizations/{org.pk}/sites",
        {"code": "NUL2", "name": "a\\u0000b", "lat": 30.26, "lng": 120.10},
    )
    assert resp.status_code == 201, resp.content
    assert Site.objects.get(code="NUL2").name == "a\\u0000b"


def test_a_nul_character_in_a_query_is_refused(api, make_employer):
    owner, org = make_employer()
    resp = api(owner).get(f"/organizations/{org.pk}/work-orders", {"search": "a\x00b"})
    assert_error(resp, 422, "nul_character")


def test_a_nul_character_in_a_form_field_is_refused(api, make_worker):
    me = api(make_worker().user)
    resp = me.client.post("/api/v1/work-orders/1/deliver", {"note": "a\x00b"}, headers=me.headers)
    assert_error(resp, 422, "nul_character")


def test_a_nul_character_in_a_web_form_is_refused(db):
    resp = Client().post("/register/", {"phone": "13900000000", "name": "a\x00"})
    assert_error(resp, 422, "nul_character")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"no boundary"),
        ("multipart/form-data; boundary=", b"--\r\n"),
        ("application/x-www-form-urlencoded", b"&".join(b"f%d=1" % i for i in range(2000))),
    ],
)
def test_a_body_django_cannot_parse_is_a_json_400(api, make_worker, content_type, body):
    me = api(make_worker().user)
    resp = me.client.generic(
        "POST", "/api/v1/workers/me/identity/photo", body, content_type, headers=me.headers
    )
    assert_error(resp, 400, "bad_request")


def test_too_many_query_parameters_are_a_json_400(api, make_worker):
    me = api(make_worker().user)
    query = "&".join(f"q{i}=1" for i in range(2000))
    resp = me.client.get(f"/api/v1/workers/me?{query}", headers=me.headers)
    assert_error(resp, 400, "bad_request")


# --- authentication ------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer xh_not_a_token"}])
def test_an_unauthenticated_post_is_401_not_a_csrf_failure(db, headers):
    count = Organization.objects.count()
    resp = Client(enforce_csrf_checks=True).post(
        "/api/v1/organizations",
        json.dumps({"name": "未登录公司", "credit_code": "91330100MA0000001X"}),
        content_type="application/json",
        headers=headers,
    )
    assert_error(resp, 401, "unauthorized")
    assert Organization.objects.count() == count


def test_a_logged_in_session_still_needs_the_csrf_token(make_worker):
    worker = make_worker()
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker.user)
    resp = client.post(
        "/api/v1/workers/me/position",
        json.dumps({"lat": 30.26, "lng": 120.1}),
        content_type="application/json",
    )
    assert resp.status_code == 403


# --- OpenAPI -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi() -> dict:
    return ninja_api.get_openapi_schema()


def test_openapi_schema_names_are_unique(openapi):
    titles = Counter(s.get("title") for s in openapi["components"]["schemas"].values())
    assert [t for t, n in titles.items() if n > 1] == []
    assert {"SkillBriefOut", "WorkOrderSkillOut"} <= set(openapi["components"]["schemas"])


def test_every_operation_documents_its_error_answers(openapi):
    missing = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            statuses = {str(s) for s in operation["responses"]}
            if not statuses >= ERROR_STATUSES:
                missing.append(f"{method} {path}")
            schema = operation["responses"][422]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}
    assert missing == []
    error = openapi["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "detail"}


def test_openapi_declares_the_integer_bounds(openapi):
    params = openapi["paths"]["/api/v1/workers"]["get"]["parameters"]
    by_name = {p["name"]: p["schema"] for p in params}
    assert by_name["offset"]["maximum"] < 2**63
    assert by_name["limit"]["maximum"] == 200
    region = by_name["region_id"]
    bounded = region.get("anyOf", [region])[0]
    assert bounded["maximum"] == 2**63 - 1 and bounded["minimum"] == 1


@pytest.mark.parametrize("path", [f"/worker/orders/{HUGE}/", f"/files/attachments/{10**30}/"])
def test_an_id_beyond_64_bits_in_a_page_url_is_not_found(make_worker, path):
    client = Client()
    client.force_login(make_worker().user)
    assert client.get(path).status_code == 404
