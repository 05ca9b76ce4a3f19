"""Every identity image upload (ID card photo, bank card photo, business licence) answers a
decompression bomb or a broken file with 422 bad_image, cheaply, keeping nothing."""

from __future__ import annotations

import io
import resource
import time

import pytest

from xinghuo.core.tests.bombs import hostile_images
from xinghuo.identity.models import EmployerVerification, IdentityVerification

from .test_employer_api import post_verification

pytestmark = [pytest.mark.django_db, pytest.mark.urls("xinghuo.identity.tests.urls")]

SOME = [(n, d) for n, d in hostile_images() if n.startswith(("bomb", "truncated", "png_zero"))]
IDS = [n for n, _ in SOME]


def _post(client, url: str, data: bytes):  # type: ignore[no-untyped-def]
    f = io.BytesIO(data)
    f.name = "card.png"
    return client.client.post(url, {"image": f}, headers=client.headers)


@pytest.mark.serial
@pytest.mark.parametrize(
    "url", ["/api/v1/workers/me/identity/photo", "/api/v1/identity/bank-card/photo"]
)
@pytest.mark.parametrize("name,data", SOME, ids=IDS)
def test_identity_photos_refuse_bombs_and_broken_files(api, make_worker, url, name, data) -> None:  # type: ignore[no-untyped-def]
    me = api(make_worker().user)
    _post(me, url, b"not an image")  # the first request of a process loads the URLs
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    r = _post(me, url, data)
    assert time.perf_counter() - started < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_before < 100
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "bad_image"
    assert set(r.json()) == {"code", "message", "detail"}
    assert not IdentityVerification.objects.exists()


@pytest.mark.parametrize("name,data", SOME, ids=IDS)
def test_the_licence_upload_refuses_bombs_and_broken_files(api, make_employer, name, data) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    r = post_verification(api(owner), org, licence=data)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "bad_image"
    assert r.json()["detail"]["field"] == "licence"
    assert not EmployerVerification.objects.exists()
