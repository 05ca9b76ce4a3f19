from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import PASSWORD, credit_code
from xinghuo.accounts.models import ApiToken, Organization, User
from xinghuo.workforce.models import Worker

pytestmark = pytest.mark.django_db


def register(api, REMOTE_ADDR="127.0.0.1", **fields):
    body = {"kind": "worker", "phone": "13912345678", "password": PASSWORD, "name": "张三"}
    body.update(fields)
    return api().post("/auth/register", body, REMOTE_ADDR=REMOTE_ADDR)


def test_worker_registers_with_default_role(api):
    resp = register(api)
    assert resp.status_code == 201, resp.content
    assert resp.json()["kinds"] == ["worker"]
    worker = Worker.objects.get(user__phone="13912345678")
    assert worker.role.code == "daily_maintenance"
    assert worker.user.check_password(PASSWORD)
    assert worker.user.password.startswith("argon2")


def test_phone_is_normalised_from_common_formats(api):
    assert register(api, phone="+86 139-1234-5678").status_code == 201
    assert User.objects.filter(phone="13912345678").exists()


def test_a_number_typed_in_full_width_digits_is_the_same_number(api):
    """A Chinese input method types １３９…: not a second account that looks the same, and
    its failed logins count for the same number."""
    assert register(api).status_code == 201
    again = register(api, phone="１３９１２３４５６７８", name="冒名")
    assert again.status_code == 409, again.content
    assert again.json()["code"] == "phone_taken"
    wide = "＋８６ １３９１２３４５６７８"
    login = api().post("/auth/login", {"phone": wide, "password": PASSWORD})
    assert login.status_code == 200, login.content


@pytest.mark.parametrize("phone", ["139１２３4567٨", "1391234567٨"])
def test_other_scripts_digits_are_not_a_number(api, phone):
    assert register(api, phone=phone).json()["code"] == "invalid_phone"


@pytest.mark.parametrize("phone", ["12345678901", "1391234567", "139123456789", "abc", ""])
def test_bad_phone_is_rejected_and_creates_nothing(api, phone):
    resp = register(api, phone=phone)
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "invalid_phone"
    assert body["detail"]["field"] == "phone"
    assert body["message"]
    assert not User.objects.exists()


def test_registration_attempts_are_limited_per_address(api, settings):
    """ "Number taken" tells whether a number is registered: an address may not ask
    without bound."""
    settings.REGISTRATIONS_PER_ADDRESS_PER_HOUR = 2
    assert register(api, REMOTE_ADDR="10.1.1.1").status_code == 201
    assert register(api, REMOTE_ADDR="10.1.1.1").status_code == 409
    refused = register(api, REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert register(api, REMOTE_ADDR="10.1.1.2").status_code == 409


@pytest.mark.parametrize("password", ["short1!", "12345678901", "password123"])
def test_weak_password_is_rejected_and_creates_nothing(api, password):
    resp = register(api, password=password)
    assert resp.status_code == 422
    assert resp.json()["code"] == "weak_password"
    assert resp.json()["detail"]["reasons"]
    assert not User.objects.exists()


def test_duplicate_phone_is_a_conflict(api):
    assert register(api).status_code == 201
    resp = register(api, name="另一个人")
    assert resp.status_code == 409
    assert resp.json()["code"] == "phone_taken"
    assert User.objects.count() == 1


def test_error_messages_are_chinese_by_default_and_english_on_request(api):
    zh = api().post(
        "/auth/register", {"kind": "worker", "phone": "1", "password": PASSWORD, "name": "x"}
    )
    en = api(language="en").post(
        "/auth/register", {"kind": "worker", "phone": "1", "password": PASSWORD, "name": "x"}
    )
    assert zh.json()["code"] == en.json()["code"] == "invalid_phone"
    assert "手机号" in zh.json()["message"]
    assert "mobile number" in en.json()["message"]


def test_employer_registration_creates_owner_membership(api):
    resp = register(
        api, kind="employer", organization_name="杭州某运维公司", credit_code=credit_code(7)
    )
    assert resp.status_code == 201, resp.content
    org = Organization.objects.get()
    assert org.memberships.get().role == "owner"
    assert resp.json()["kinds"] == ["employer"]


def test_employer_with_bad_credit_code_leaves_no_user_behind(api):
    resp = register(
        api, kind="employer", organization_name="某公司", credit_code="91330100MA0000001X"
    )
    assert resp.status_code == 422
    assert resp.json()["code"] == "invalid_credit_code"
    assert not User.objects.exists()
    assert not Organization.objects.exists()


def test_malformed_body_gets_the_same_error_shape(api):
    resp = api().post("/auth/register", {"kind": "alien", "phone": 5})
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "validation_error"
    fields = {e["field"] for e in body["detail"]["errors"]}
    assert {"kind", "password", "name"} <= fields


def test_unauthenticated_call_is_401_json(api):
    resp = api().get("/auth/me")
    assert resp.status_code == 401
    assert resp.json()["code"] == "unauthorized"


# --- login, tokens ---------------------------------------------------------------------


def login(api, phone="13912345678", password=PASSWORD, **extra):
    return api().post("/auth/login", {"phone": phone, "password": password}, **extra)


def test_login_returns_a_working_token_and_stores_only_its_hash(api, make_worker):
    make_worker(phone="13912345678", name="张三")
    resp = login(api)
    assert resp.status_code == 200
    token = resp.json()["token"]
    assert not ApiToken.objects.filter(key_hash=token).exists()
    from conftest import ApiClient

    me = ApiClient(token).get("/auth/me")
    assert me.status_code == 200
    assert me.json()["name"] == "张三"


def test_wrong_password_is_401_without_saying_which_part_was_wrong(api, make_worker):
    make_worker(phone="13912345678")
    wrong_password = login(api, password="not-the-password")
    unknown_phone = login(api, phone="13999999999")
    assert wrong_password.status_code == unknown_phone.status_code == 401
    assert wrong_password.json() == unknown_phone.json()


# Throttling by progressive delay: test_login.py.


def test_expired_token_is_refused(api, make_worker):
    make_worker(phone="13912345678")
    token = login(api).json()["token"]
    from conftest import ApiClient

    client = ApiClient(token)
    assert client.get("/auth/me").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/auth/me").status_code == 401


def test_logout_revokes_the_token_it_was_called_with(api, make_worker):
    make_worker(phone="13912345678")
    from conftest import ApiClient

    first = ApiClient(login(api).json()["token"])
    second = ApiClient(login(api).json()["token"])
    assert first.post("/auth/logout").status_code == 204
    assert first.get("/auth/me").status_code == 401
    assert second.get("/auth/me").status_code == 200


def test_user_revokes_a_token_by_id_but_not_another_users(api, make_worker):
    alice = make_worker(phone="13912345678").user
    bob = make_worker(phone="13912345679").user
    client = api(alice)
    tokens = client.get("/auth/tokens").json()
    assert tokens["count"] == 1
    bobs = api(bob)
    bob_token_id = bobs.get("/auth/tokens").json()["items"][0]["id"]
    resp = client.delete(f"/auth/tokens/{bob_token_id}")
    assert resp.status_code == 404
    assert bobs.get("/auth/me").status_code == 200
    own_id = tokens["items"][0]["id"]
    assert client.delete(f"/auth/tokens/{own_id}").status_code == 204
    assert client.get("/auth/me").status_code == 401


# --- organizations ---------------------------------------------------------------------


def test_member_of_one_organization_cannot_see_another(api, make_employer):
    alice, org_a = make_employer()
    _bob, org_b = make_employer()
    client = api(alice)
    assert client.get(f"/organizations/{org_a.pk}").status_code == 200
    other = client.get(f"/organizations/{org_b.pk}")
    missing = client.get("/organizations/999999")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert [o["id"] for o in client.get("/organizations").json()["items"]] == [org_a.pk]
    assert client.get(f"/organizations/{org_b.pk}/members").status_code == 404
    assert (
        client.post(
            f"/organizations/{org_b.pk}/members", {"phone": "13912345678", "role": "viewer"}
        ).status_code
        == 404
    )


def test_owner_adds_members_and_a_viewer_cannot(api, make_employer, make_worker):
    owner, org = make_employer()
    viewer = make_worker(phone="13912345670").user
    dispatcher = make_worker(phone="13912345671").user
    resp = api(owner).post(
        f"/organizations/{org.pk}/members", {"phone": viewer.phone, "role": "viewer"}
    )
    assert resp.status_code == 201
    assert resp.json()["phone"] == viewer.phone
    denied = api(viewer).post(
        f"/organizations/{org.pk}/members", {"phone": dispatcher.phone, "role": "dispatcher"}
    )
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission_denied"
    again = api(owner).post(
        f"/organizations/{org.pk}/members", {"phone": viewer.phone, "role": "admin"}
    )
    assert again.status_code == 409
    assert org.memberships.count() == 2


def test_adding_members_is_limited_per_organization(api, make_employer, settings):
    """Adding a member answers whether a number is registered and shows its name: an
    organization may not probe numbers without bound."""
    settings.MEMBERSHIP_ADDS_PER_DAY = 2
    owner, org = make_employer(verified=False, escrow_fen=0)
    client = api(owner)
    answers = [
        client.post(
            f"/organizations/{org.pk}/members", {"phone": f"1371234567{i}", "role": "viewer"}
        )
        for i in range(3)
    ]
    assert [r.status_code for r in answers] == [404, 404, 429]
    assert answers[2].json()["code"] == "rate_limited"


def test_last_owner_cannot_be_removed(api, make_employer):
    owner, org = make_employer()
    membership = org.memberships.get()
    resp = api(owner).delete(f"/organizations/{org.pk}/members/{membership.pk}")
    assert resp.status_code == 409
    assert resp.json()["code"] == "last_owner"
    assert org.memberships.count() == 1


def test_duplicate_credit_code_is_a_conflict(api, make_employer):
    owner, org = make_employer()
    resp = api(owner).post("/organizations", {"name": "重复公司", "credit_code": org.credit_code})
    assert resp.status_code == 409
    assert resp.json()["code"] == "organization_exists"
