from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_esign_hook_is_not_found_when_esign_is_off(api, settings):
    settings.CONTRACTS_ESIGN = None
    resp = api().client.post(
        "/api/v1/hooks/esign", b'{"action":"SIGN_FLOW_COMPLETE"}', content_type="application/json"
    )
    assert resp.status_code == 404, resp.content
    assert resp.json()["code"] == "not_found"
