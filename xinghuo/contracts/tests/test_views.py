"""The worker's agreement page (xinghuo/contracts/views.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from xinghuo.contracts.models import Agreement

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_worker_reads_consents_signs_and_downloads(verified_worker) -> None:  # type: ignore[no-untyped-def]
    worker = verified_worker()
    client = logged_in(worker.user)
    page = client.get(reverse("web:worker_agreement"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "灵活用工服务协议" in html and "王建国" in html and "3301**********1237" in html
    agreement = Agreement.objects.get(worker=worker)
    assert agreement.number in html

    # Without the tick: refused, nothing signed.
    r = client.post(reverse("web:worker_agreement"), {"document_sha256": agreement.unsigned_sha256})
    assert r.status_code == 200
    agreement.refresh_from_db()
    assert agreement.status == "generated"

    r = client.post(
        reverse("web:worker_agreement"),
        {"consent": "on", "document_sha256": agreement.unsigned_sha256},
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Mobile",
    )
    assert r.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "signed"
    assert agreement.consent_text.startswith("本人已完整阅读")
    assert agreement.signer_user_agent == "Mozilla/5.0 (Linux; Android 14) Mobile"

    html = client.get(reverse("web:worker_agreement")).content.decode()
    assert 'id="agreement-verification" class="verify-valid"' in html
    assert agreement.signed_sha256 in html
    pdf = client.get(reverse("web:worker_agreement_pdf") + "?download=1")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment")
    assert pdf.content.startswith(b"%PDF")


def test_page_refuses_a_changed_document(verified_worker) -> None:  # type: ignore[no-untyped-def]
    worker = verified_worker()
    client = logged_in(worker.user)
    client.get(reverse("web:worker_agreement"))
    r = client.post(reverse("web:worker_agreement"), {"consent": "on", "document_sha256": "a" * 64})
    assert r.status_code == 200
    assert Agreement.objects.get(worker=worker).status == "generated"


def test_each_worker_sees_only_his_own_agreement(verified_worker) -> None:  # type: ignore[no-untyped-def]
    a, b = verified_worker(name="甲某"), verified_worker(name="乙某")
    logged_in(a.user).get(reverse("web:worker_agreement"))
    client_b = logged_in(b.user)
    assert client_b.get(reverse("web:worker_agreement_pdf")).status_code == 404
    html = client_b.get(reverse("web:worker_agreement")).content.decode()
    assert "乙某" in html and "甲某" not in html
