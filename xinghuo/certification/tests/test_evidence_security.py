"""Certificate scans carry ID numbers: hostile images are 422 bad_image, every scan is stored
encrypted under a random name and served decrypted only to its worker and operators."""

from __future__ import annotations

import importlib
import io
import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from xinghuo.certification import services
from xinghuo.certification.models import Certification, CertificationFile
from xinghuo.core import crypto
from xinghuo.core.tests.bombs import hostile_images

from .conftest import PDF, PNG
from .test_api import submit

pytestmark = [pytest.mark.django_db, pytest.mark.urls("xinghuo.certification.tests.urls")]

SOME = [(n, d) for n, d in hostile_images() if n.startswith(("bomb", "truncated_png"))]


@pytest.mark.parametrize("name,data", SOME, ids=[n for n, _ in SOME])
def test_a_hostile_scan_is_bad_image_and_nothing_is_kept(api, make_worker, name, data) -> None:  # type: ignore[no-untyped-def]
    me = api(make_worker().user)
    f = io.BytesIO(data)
    f.name = "cert.png"
    r = me.client.post(
        "/api/v1/workers/me/certifications",
        {
            "kind": "certificate",
            "title": "电工证",
            "valid_from": "2026-01-01",
            "valid_until": "2036-01-01",
            "files": [f],
        },
        headers=me.headers,
    )
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "bad_image"
    assert r.json()["detail"]["field"] == "files"
    assert not Certification.objects.exists()


def test_scans_are_encrypted_under_random_names_and_read_back_clear(  # type: ignore[no-untyped-def]
    api, make_worker, operator, height
) -> None:
    worker = make_worker()
    r = submit(api(worker.user), [height.pk])
    assert r.status_code == 201, r.content
    stored = CertificationFile.objects.get()
    assert re.fullmatch(r"certification/\d+/[0-9a-f]{32}\.bin", stored.file.name)
    with stored.file.open("rb") as fh:
        raw = fh.read()
    assert PNG not in raw and not raw.startswith(b"\x89PNG")

    url = reverse("web:certification_file_download", args=[stored.pk])
    for user in (worker.user, operator):
        web = Client()
        web.force_login(user)
        page = web.get(url)
        assert page.status_code == 200
        assert page.content == PNG and page["Content-Type"] == "image/png"
    stranger = Client()
    stranger.force_login(make_worker(phone="13900000999").user)
    assert stranger.get(url).status_code == 404


def test_a_pdf_scan_is_encrypted_too(make_worker) -> None:  # type: ignore[no-untyped-def]
    cert = services.certification_submit(
        worker=make_worker(),
        kind="certificate",
        title="电工证",
        skill_ids=[],
        valid_from=date(2026, 1, 1),
        valid_until=None,
        files=[PDF],
    )
    f = cert.files.get()
    with f.file.open("rb") as fh:
        assert not fh.read().startswith(b"%PDF")


def test_the_data_migration_encrypts_clear_scans_and_its_reverse_restores_them(  # type: ignore[no-untyped-def]
    make_worker, django_capture_on_commit_callbacks
) -> None:
    from django.apps import apps
    from django.core.files.base import ContentFile

    migration = importlib.import_module(
        "xinghuo.certification.migrations.0003_encrypt_evidence_files"
    )
    (operation,) = migration.Migration.operations
    cert = services.certification_submit(
        worker=make_worker(),
        kind="certificate",
        title="电工证",
        skill_ids=[],
        valid_from=date(2026, 1, 1),
        valid_until=None,
        files=[PDF],
    )
    old = cert.files.get()
    old.file.save("张三_330106199001011234.png", ContentFile(PNG), save=True)  # as before
    clear_name = old.file.name
    assert old.file.storage.exists(clear_name)

    with django_capture_on_commit_callbacks(execute=True):
        operation.code(apps, None)
        operation.code(apps, None)  # repeatable: an encrypted file is left alone
    row = CertificationFile.objects.get()
    assert re.fullmatch(r"certification/\d+/[0-9a-f]{32}\.bin", row.file.name)
    assert not row.file.storage.exists(clear_name)
    assert crypto.read_encrypted(row.file) == PNG

    with django_capture_on_commit_callbacks(execute=True):
        operation.reverse_code(apps, None)
    row.refresh_from_db()
    with row.file.open("rb") as fh:
        assert fh.read() == PNG


def test_key_rotation_re_encrypts_scans(make_worker, settings) -> None:  # type: ignore[no-untyped-def]
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.IDENTITY_ENCRYPTION_KEYS = [old]
    services.certification_submit(
        worker=make_worker(),
        kind="certificate",
        title="电工证",
        skill_ids=[],
        valid_from=date(2026, 1, 1),
        valid_until=None,
        files=[PNG],
    )
    settings.IDENTITY_ENCRYPTION_KEYS = [new, old]
    out = io.StringIO()
    call_command("identity_rotate_keys", stdout=out)
    assert "re-encrypted 1 certificate scans" in out.getvalue()
    settings.IDENTITY_ENCRYPTION_KEYS = [new]  # the old key is gone
    assert crypto.read_encrypted(CertificationFile.objects.get().file) == PNG
