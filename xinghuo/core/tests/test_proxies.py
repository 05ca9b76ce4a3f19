from __future__ import annotations

import pytest
from django.test import RequestFactory

from xinghuo.core.proxies import client_address


def addr(remote: str, xff: str | None = None) -> str | None:
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return client_address(RequestFactory().get("/", **meta))


def test_without_trusted_proxies_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_COUNT = [], 0
    assert addr("198.51.100.7", "1.2.3.4") == "198.51.100.7"


@pytest.mark.parametrize(
    ("remote", "xff", "client"),
    [
        ("10.0.0.2", "203.0.113.9", "203.0.113.9"),  # through our proxy
        ("10.0.0.2", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # spoofed entry on the left
        ("10.0.0.2", "203.0.113.9, 10.0.0.3", "203.0.113.9"),  # two of our proxies
        ("198.51.100.7", "6.6.6.6", "198.51.100.7"),  # not via our proxy: header ignored
        ("10.0.0.2", "not-an-ip, 203.0.113.9", "203.0.113.9"),
        ("10.0.0.2", "not-an-ip", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
    ],
)
def test_trusted_proxy_list(settings, remote, xff, client):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_COUNT = ["10.0.0.0/8"], 0
    assert addr(remote, xff) == client


@pytest.mark.parametrize(
    ("xff", "client"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the spoofed entry is not read
        (None, "10.0.0.2"),
    ],
)
def test_trusted_proxy_count(settings, xff, client):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_COUNT = [], 1
    assert addr("10.0.0.2", xff) == client
