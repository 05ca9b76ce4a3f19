"""Order files: hostile images are 422 bad_image with nothing stored; every file is stored
encrypted under a random name and served decrypted to those who may see the order."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from xinghuo.core import crypto
from xinghuo.core.tests.bombs import hostile_images, jpeg
from xinghuo.work_orders.models import Attachment

from .test_api import grab_and_arrive, world  # noqa: F401 — the fixture

pytestmark = pytest.mark.django_db


# Every hostile kind is in core's tests; through the API the bombs and a truncated file.
SOME = [(n, d) for n, d in hostile_images() if n.startswith(("bomb", "truncated_jpeg"))]


@pytest.mark.parametrize("name,data", SOME, ids=[n for n, _ in SOME])
def test_hostile_delivery_photo_is_bad_image_and_nothing_is_kept(world, name, data):  # noqa: F811
    grab_and_arrive(world)
    order = world["order"]
    resp = world["me"].client.post(
        f"/api/v1/work-orders/{order.pk}/deliver",
        {"note": "完成", "photos": [SimpleUploadedFile("p.png", data, "image/png")]},
        headers=world["me"].headers,
    )
    assert resp.status_code == 422, resp.content
    assert resp.json()["code"] == "bad_image"
    assert resp.json()["detail"]["field"] == "photos"
    order.refresh_from_db()
    assert order.status == "on_site"
    assert not Attachment.objects.exists()


NOT_PHOTOS = [
    ("riff_wave", b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32),
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n"),
]


@pytest.mark.parametrize("name,data", NOT_PHOTOS, ids=[n for n, _ in NOT_PHOTOS])
def test_delivery_photo_that_is_no_photo_is_refused(world, name, data):  # noqa: F811
    """A RIFF file that is no WebP, or a PDF (a document, not a photo): 422, nothing kept."""
    grab_and_arrive(world)
    order = world["order"]
    resp = world["me"].client.post(
        f"/api/v1/work-orders/{order.pk}/deliver",
        {"note": "完成", "photos": [SimpleUploadedFile("p.webp", data, "image/webp")]},
        headers=world["me"].headers,
    )
    assert resp.status_code == 422, resp.content
    assert resp.json()["code"] == "bad_attachment"
    assert resp.json()["detail"]["field"] == "photos"
    order.refresh_from_db()
    assert order.status == "on_site"
    assert not Attachment.objects.exists()


def test_hostile_order_document_image_is_bad_image(world):  # noqa: F811
    url = f"/api/v1{world['base']}/documents"
    bomb = dict(hostile_images())["bomb_50000x50000_300kb"]
    resp = world["boss"].client.post(
        url,
        {"files": [SimpleUploadedFile("图纸.png", bomb, "image/png")]},
        headers=world["boss"].headers,
    )
    assert resp.status_code == 422
    assert resp.json()["code"] == "bad_image"
    assert not Attachment.objects.exists()


def test_order_files_are_encrypted_at_rest_under_random_names(world):  # noqa: F811
    pdf = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n"
    resp = world["boss"].client.post(
        f"/api/v1{world['base']}/documents",
        {"files": [SimpleUploadedFile("王五的规程.pdf", pdf)]},
        headers=world["boss"].headers,
    )
    assert resp.status_code == 201, resp.content
    grab_and_arrive(world)
    order, photo = world["order"], jpeg()
    resp = world["me"].client.post(
        f"/api/v1/work-orders/{order.pk}/deliver",
        {"note": "完成", "photos": [SimpleUploadedFile("张三_身份证_330106.jpg", photo)]},
        headers=world["me"].headers,
    )
    assert resp.status_code == 200, resp.content
    by_purpose = {a.purpose: a for a in Attachment.objects.all()}
    for attachment, clear in ((by_purpose["delivery"], photo), (by_purpose["spec"], pdf)):
        name = attachment.file.name
        assert "张三" not in name and "王五" not in name and "330106" not in name
        assert name.endswith(".bin")
        with attachment.file.open("rb") as fh:
            stored = fh.read()
        assert clear not in stored and stored[:3] not in (b"\xff\xd8\xff", b"%PD")

    web = Client()
    web.force_login(world["owner"])
    page = web.get(f"/files/attachments/{by_purpose['delivery'].pk}/")
    assert page.status_code == 200
    assert page.content == photo and page["Content-Type"] == "image/jpeg"
    assert web.get(f"/files/attachments/{by_purpose['spec'].pk}/").content == pdf


@pytest.fixture
def old_key(settings):
    """Everything the world fixture encrypts is encrypted under this key."""
    settings.IDENTITY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    return settings.IDENTITY_ENCRYPTION_KEYS[0]


def test_key_rotation_re_encrypts_order_files(old_key, world, settings):  # noqa: F811
    old, new = old_key, Fernet.generate_key().decode()
    pdf = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n"
    resp = world["boss"].client.post(
        f"/api/v1{world['base']}/documents",
        {"files": [SimpleUploadedFile("规程.pdf", pdf)]},
        headers=world["boss"].headers,
    )
    assert resp.status_code == 201, resp.content
    settings.IDENTITY_ENCRYPTION_KEYS = [new, old]
    out = io.StringIO()
    call_command("identity_rotate_keys", stdout=out)
    assert "re-encrypted 1 order files" in out.getvalue()
    settings.IDENTITY_ENCRYPTION_KEYS = [new]  # the old key is gone
    assert crypto.read_encrypted(Attachment.objects.get().file) == pdf
