"""One login path with progressive delays (issue 12): the API here; the web and the admin
in accounts/tests/test_views_login.py."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def login(api, phone=PHONE, password=PASSWORD, **extra):
    return api().post("/auth/login", {"phone": phone, "password": password}, **extra)


@pytest.fixture
def fast_delays(settings):
    settings.LOGIN_FREE_FAILURES = 3
    settings.LOGIN_ADDRESS_FREE_FAILURES = 1000
    settings.LOGIN_DELAY_BASE_SECONDS = 1
    settings.LOGIN_DELAY_MAX_SECONDS = 2
    return settings


def test_free_failures_cost_no_wait_then_an_attempt_inside_the_wait_is_429(
    api, make_worker, fast_delays
):
    make_worker(phone=PHONE)
    for _ in range(3):
        assert login(api, password="wrong-one").status_code == 401
    refused = login(api)  # the right password, but inside the wait
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "login_throttled"
    assert 1 <= body["detail"]["retry_after"] <= 2
    assert refused["Retry-After"] == str(body["detail"]["retry_after"])


def test_the_victim_gets_in_with_the_right_password_after_the_wait(api, make_worker, fast_delays):
    """The old hard lock refused the right password for 15 minutes after 5 failures."""
    make_worker(phone=PHONE)
    for _ in range(3):
        login(api, password="wrong-one", REMOTE_ADDR="10.0.0.66")  # somebody else
    wait = login(api, REMOTE_ADDR="10.0.0.1").json()["detail"]["retry_after"]
    time.sleep(wait + 0.1)
    assert login(api, REMOTE_ADDR="10.0.0.1").status_code == 200


def test_the_wait_doubles_per_failure_up_to_the_cap(api, make_worker, settings):
    settings.LOGIN_FREE_FAILURES = 1
    settings.LOGIN_DELAY_BASE_SECONDS = 1
    settings.LOGIN_DELAY_MAX_SECONDS = 4
    make_worker(phone=PHONE)
    from django.core.cache import cache

    waits = []
    for _ in range(5):
        resp = login(api, password="wrong-one")
        assert resp.status_code == 401
        waits.append(login(api, password="wrong-one").json()["detail"]["retry_after"])
        # Skip the wait (the test does not sleep 15 s): what it would be is what we check.
        cache.delete(f"login:phone:{PHONE}:until")
    assert waits == [1, 2, 4, 4, 4]


def test_refused_attempts_inside_the_wait_do_not_make_it_longer(api, make_worker, fast_delays):
    make_worker(phone=PHONE)
    for _ in range(3):
        login(api, password="wrong-one")
    for _ in range(20):
        assert login(api, password="wrong-one").status_code == 429
    time.sleep(1.1)
    assert login(api).status_code == 200


def test_one_address_waits_across_numbers_after_its_larger_allowance(api, make_worker, settings):
    settings.LOGIN_FREE_FAILURES = 2
    settings.LOGIN_ADDRESS_FREE_FAILURES = 6
    make_worker(phone=PHONE)
    for i in range(6):  # one failure each on six numbers: no number reaches its allowance
        assert (
            login(api, phone=f"1350000000{i}", password="x", REMOTE_ADDR="10.9.9.9").status_code
            == 401
        )
    assert login(api, REMOTE_ADDR="10.9.9.9").status_code == 429
    assert login(api, REMOTE_ADDR="10.9.9.8").status_code == 200


def test_an_ipv6_client_cannot_escape_the_address_allowance_by_changing_address(
    api, make_worker, settings
):
    """A host gets a whole /64: every address in it is the same client to the counter."""
    settings.LOGIN_FREE_FAILURES = 2
    settings.LOGIN_ADDRESS_FREE_FAILURES = 6
    make_worker(phone=PHONE)
    for i in range(6):
        address = f"2001:db8:1:2::{i + 1:x}"
        assert login(api, phone=f"1350000000{i}", password="x", REMOTE_ADDR=address).status_code
    assert login(api, REMOTE_ADDR="2001:db8:1:2::ffff").status_code == 429
    assert login(api, REMOTE_ADDR="2001:db8:1:3::1").status_code == 200


def test_behind_a_trusted_proxy_each_client_has_its_own_address_allowance(
    api, make_worker, settings
):
    """Behind a reverse proxy every request came from the proxy's address: 20 failures
    locked everybody out."""
    settings.LOGIN_FREE_FAILURES = 100
    settings.LOGIN_ADDRESS_FREE_FAILURES = 3
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    make_worker(phone=PHONE)
    for i in range(3):
        login(
            api,
            phone=f"1350000000{i}",
            password="x",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    attacker = login(api, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert attacker.status_code == 429
    victim = login(api, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert victim.status_code == 200


def test_a_spoofed_forwarded_for_does_not_escape_the_address_allowance(api, make_worker, settings):
    settings.LOGIN_FREE_FAILURES = 100
    settings.LOGIN_ADDRESS_FREE_FAILURES = 3
    settings.TRUSTED_PROXY_COUNT = 1
    make_worker(phone=PHONE)
    for i in range(3):
        # The attacker writes a new address each time; the proxy appends the real one.
        login(
            api,
            phone=f"1350000000{i}",
            password="x",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, 203.0.113.9",
        )
    again = login(api, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.9")
    assert again.status_code == 429


def test_web_login_and_api_share_the_counters(api, make_worker, fast_delays):
    make_worker(phone=PHONE)
    for _ in range(3):
        Client().post("/login/", {"phone": PHONE, "password": "wrong"})
    assert login(api).status_code == 429
