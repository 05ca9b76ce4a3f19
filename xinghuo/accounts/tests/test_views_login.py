"""One login path (issue 12): the admin goes through the web login and its delays;
operators' second factor (TOTP) in the web, the admin and the API."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, ApiClient
from xinghuo.accounts import services as account_services
from xinghuo.accounts import services_otp
from xinghuo.accounts.models import ApiToken
from xinghuo.core.exceptions import PermissionDenied

pytestmark = pytest.mark.django_db

OPERATOR_PHONE = "13800000001"


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The device's code now (or `steps_ahead` periods on: each code works once, and the
    next period's code is accepted within the tolerance)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def enrolled(user) -> TOTPDevice:
    device = services_otp.totp_enrolment_start(user=user)
    return services_otp.totp_enrolment_confirm(user=user, token=code(device))


def api_login(phone=OPERATOR_PHONE, password=PASSWORD, otp="", **extra):
    body = {"phone": phone, "password": password, "otp": otp}
    return ApiClient().post("/auth/login", body, **extra)


@pytest.fixture
def fast_delays(settings):
    settings.LOGIN_FREE_FAILURES = 3
    settings.LOGIN_ADDRESS_FREE_FAILURES = 1000
    settings.LOGIN_DELAY_BASE_SECONDS = 1
    settings.LOGIN_DELAY_MAX_SECONDS = 2


# --- the admin: no login form of its own ------------------------------------------------


def test_admin_login_form_cannot_be_used_to_guess_passwords(operator, fast_delays):
    """Before: /admin/login/ took passwords after the API had locked the number."""
    for _ in range(3):
        assert api_login(password="wrong-one").status_code == 401
    client = Client()
    resp = client.post(
        "/admin/login/?next=/admin/", {"username": OPERATOR_PHONE, "password": PASSWORD}
    )
    assert resp.status_code == 302
    assert resp.url == "/login/?next=%2Fadmin%2F"
    assert "_auth_user_id" not in client.session
    # The login the admin sends to is throttled exactly like the API.
    refused = client.post("/login/?next=/admin/", {"phone": OPERATOR_PHONE, "password": PASSWORD})
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


def test_admin_guessing_through_the_web_login_counts_for_the_api(operator, fast_delays):
    client = Client()
    for _ in range(3):
        client.post("/login/?next=/admin/", {"phone": OPERATOR_PHONE, "password": "guess"})
    assert api_login().status_code == 429


def test_admin_sends_to_the_web_login_and_comes_back(operator):
    client = Client()
    first = client.get("/admin/", follow=True)
    assert first.redirect_chain[-1][0] == "/login/?next=%2Fadmin%2F"
    resp = client.post("/login/?next=/admin/", {"phone": OPERATOR_PHONE, "password": PASSWORD})
    assert resp.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_login_goes_to_next_only_when_it_is_one_of_our_pages(make_worker):
    make_worker(phone="13912345678")
    ours = Client().post(
        "/login/?next=/worker/wallet/", {"phone": "13912345678", "password": PASSWORD}
    )
    assert ours.url == "/worker/wallet/"
    evil = Client().post(
        "/login/?next=https://evil.example/", {"phone": "13912345678", "password": PASSWORD}
    )
    assert evil.url == "/worker/"


# --- second factor: web login ------------------------------------------------------------


def test_operator_with_an_authenticator_logs_in_with_a_code(operator):
    device = enrolled(operator)
    client = Client()
    resp = client.post("/login/", {"phone": OPERATOR_PHONE, "password": PASSWORD})
    assert resp.url == "/login/otp/"
    assert "_auth_user_id" not in client.session  # the password alone is not a login
    assert client.get("/operator/").status_code == 302
    page = client.get("/login/otp/")
    assert "两步登录" in page.content.decode()
    wrong = client.post("/login/otp/", {"otp": "000000" if code(device, 1) != "000000" else "1"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    ok = client.post("/login/otp/", {"otp": code(device, 1)})
    assert ok.status_code == 302
    assert client.get("/operator/").status_code == 200
    assert client.get("/admin/").status_code == 200
    status = client.get("/account/2fa/").content.decode()
    assert "两步登录已开启" in status and "<svg" not in status  # the key is never shown again
    # The operator console's tabs, styled like on every other console page.
    assert 'id="operator-nav"' in status and "css/orders.css" in status


def test_wrong_codes_are_throttled_like_passwords(operator, fast_delays):
    device = enrolled(operator)
    client = Client()
    client.post("/login/", {"phone": OPERATOR_PHONE, "password": PASSWORD})
    for _ in range(3):
        client.post("/login/otp/", {"otp": "999999" if code(device, 1) != "999999" else "1"})
    refused = client.post("/login/otp/", {"otp": code(device, 1)})
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_code_step_needs_the_password_step_first(operator):
    device = enrolled(operator)
    client = Client()
    resp = client.post("/login/otp/", {"otp": code(device, 1)})
    assert resp.url == "/login/"
    assert "_auth_user_id" not in client.session


def test_a_session_without_the_code_is_ended_once_a_device_exists(operator):
    enrolled(operator)
    client = Client()
    client.force_login(operator)  # e.g. a session from before the device was set up
    resp = client.get("/operator/")
    assert resp.url == "/login/?next=%2Foperator%2F"
    assert "_auth_user_id" not in client.session
    assert Client().get("/admin/").status_code == 302


# --- second factor: required for operators -----------------------------------------------


def test_required_second_factor_sends_operators_to_the_setup_first(operator, settings):
    settings.OPERATOR_2FA_REQUIRED = True
    client = Client()
    client.force_login(operator)
    assert client.get("/operator/").url == "/account/2fa/?next=%2Foperator%2F"
    assert client.get("/admin/").url == "/account/2fa/?next=%2Fadmin%2F"
    api = client.get("/api/v1/identity/verifications")
    assert api.status_code == 403
    assert api.json()["code"] == "otp_enrolment_required"
    page = client.get("/account/2fa/?next=/operator/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "两步登录" in html
    device = TOTPDevice.objects.get(user=operator, confirmed=False)
    assert services_otp.totp_secret(device) in html
    bad = client.post("/account/2fa/", {"otp": "12345x", "next": "/operator/"})
    assert bad.status_code == 200
    done = client.post("/account/2fa/", {"otp": code(device), "next": "/operator/"})
    assert done.url == "/operator/"
    assert client.get("/operator/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_bogus_authorization_header_does_not_carry_an_unverified_session_to_the_api(
    operator, settings
):
    settings.OPERATOR_2FA_REQUIRED = True
    client = Client()
    client.force_login(operator)  # password only: no second factor set up
    api = client.get("/api/v1/workers", headers={"Authorization": "Bearer not-a-token"})
    assert api.status_code in (401, 403), api.content[:200]
    enrolled(operator)
    other = Client()
    other.force_login(operator)  # a session that never gave the code
    api = other.get("/api/v1/workers", headers={"Authorization": "Basic x"})
    assert api.status_code == 401, api.content[:200]


# --- second factor: API tokens ------------------------------------------------------------


def test_api_login_of_an_operator_with_a_device_needs_the_code(operator):
    device = enrolled(operator)
    missing = api_login()
    assert missing.status_code == 401
    assert missing.json()["code"] == "otp_required"
    assert "user_id" not in missing.json()["detail"]
    wrong = api_login(otp="12345")
    assert wrong.json()["code"] == "invalid_otp"
    ok = api_login(otp=code(device, 1))
    assert ok.status_code == 200
    assert api_login(otp=code(device, 1)).status_code == 401  # a code works once


def test_api_login_refuses_an_operator_without_the_required_device(operator, make_worker, settings):
    settings.OPERATOR_2FA_REQUIRED = True
    resp = api_login()
    assert resp.status_code == 403
    assert resp.json()["code"] == "otp_enrolment_required"
    # Workers (and employers) have no second factor.
    worker = make_worker(phone="13912345678")
    assert api_login(phone="13912345678").status_code == 200
    client = Client()
    client.force_login(worker.user)
    assert client.get("/worker/").status_code == 200


def test_operator_tokens_from_before_the_requirement_stop_working(operator, settings):
    issued = account_services.api_token_issue(user=operator)
    settings.OPERATOR_2FA_REQUIRED = True
    resp = ApiClient(issued.raw).get("/auth/me")
    assert resp.status_code == 403
    assert resp.json()["code"] == "otp_enrolment_required"


def test_enrolment_revokes_tokens_issued_without_the_second_factor(operator):
    issued = account_services.api_token_issue(user=operator)
    enrolled(operator)
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None
    assert ApiClient(issued.raw).get("/auth/me").status_code == 401


# --- lost phone -----------------------------------------------------------------------------


def test_another_operator_resets_a_lost_authenticator(operator):
    enrolled(operator)
    colleague = account_services.user_create(
        phone="13800000002", password=PASSWORD, name="运营二", is_staff=True
    )
    with pytest.raises(PermissionDenied):
        services_otp.totp_device_remove(actor=operator, user=operator)
    assert services_otp.totp_device_remove(actor=colleague, user=operator) == 1
    assert api_login().status_code == 200


def test_the_server_console_resets_a_lost_authenticator(operator, make_worker):
    from io import StringIO

    from django.core.management import CommandError, call_command

    enrolled(operator)
    out = StringIO()
    call_command("accounts_otp_reset", OPERATOR_PHONE, stdout=out)
    assert "removed 1" in out.getvalue()
    assert api_login().status_code == 200
    worker = make_worker(phone="13912345678")
    with pytest.raises(CommandError):
        call_command("accounts_otp_reset", worker.user.phone)
