"""The employer verification pages, through the Django test client: the employer's form
(/employer/verification/) and the operators' queue (/operator/employers/)."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import PASSWORD
from xinghuo.accounts import services as account_services
from xinghuo.accounts.models import Organization, User
from xinghuo.identity.models import EmployerVerification, RevealAudit
from xinghuo.identity.services import employer as services_employer

from .employer import png, submit

pytestmark = pytest.mark.django_db

URL = "/employer/verification/"
QUEUE = "/operator/employers/"


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(org: Organization, licence: bytes, **changes: str) -> dict:  # type: ignore[type-arg]
    return {
        "credit_code": org.credit_code,
        "company_name": "杭州测试运维有限公司",
        "legal_representative": "王建华",
        "contact_name": "刘晓梅",
        "contact_phone": "13912345678",
        "licence": SimpleUploadedFile("执照.png", licence, content_type="image/png"),
        **changes,
    }


def test_the_employer_submits_through_the_form(make_employer) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    client = logged_in(owner)
    page = client.get(URL)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    assert org.credit_code in page.content.decode()

    resp = client.post(URL, form_data(org, png()))
    assert resp.status_code == 302, resp.content.decode()[:2000]
    v = EmployerVerification.objects.get(organization=org)
    assert (v.status, v.legal_representative, v.submitted_by) == ("pending", "王建华", owner)

    page = client.get(resp["Location"]).content.decode()
    assert 'id="verification-state"' in page and "state-pending" in page
    assert 'id="verification-form"' not in page  # nothing to submit while under review


def test_a_service_error_is_shown_on_its_field_and_nothing_is_saved(make_employer) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    client = logged_in(owner)
    bad = org.credit_code[:-1] + ("0" if org.credit_code[-1] != "0" else "1")
    resp = client.post(URL, form_data(org, png(), credit_code=bad))
    assert resp.status_code == 200
    field = resp.content.decode().split('id="field-credit_code"', 1)[1].split("</div>", 1)[0]
    assert 'class="error"' in field
    resp = client.post(URL, form_data(org, b"GIF89a not a licence"))
    field = resp.content.decode().split('id="field-licence"', 1)[1].split("</div>", 1)[0]
    assert 'class="error"' in field
    assert not EmployerVerification.objects.exists()


def test_a_viewer_sees_the_status_but_no_form(make_employer) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    viewer = account_services.user_create(phone="13600000003", password=PASSWORD, name="查看")
    account_services.membership_add(
        actor=owner, organization=org, phone=viewer.phone, role="viewer"
    )
    page = logged_in(viewer).get(URL).content.decode()
    assert 'id="verification-form"' not in page
    assert 'id="verification-state"' in page


def test_the_employer_home_shows_a_banner_until_verified(make_employer, operator) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    client = logged_in(owner)
    page = client.get("/employer/").content.decode()
    assert 'id="verification-banner"' in page
    assert f"{URL}?org={org.pk}" in page
    v = submit(owner, org)
    services_employer.employer_verification_approve(reviewer=operator, verification_id=v.pk)
    assert 'id="verification-banner"' not in client.get("/employer/").content.decode()


def test_the_operator_reveals_the_licence_and_approves(make_employer, operator) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    image = png()
    v = submit(owner, org, licence=image)
    client = logged_in(operator)
    page = client.get(QUEUE).content.decode()
    assert f'id="verification-{v.pk}"' in page
    assert "data:image/png" not in page  # not before a reveal

    resp = client.post(
        QUEUE, {"verification_id": v.pk, "decision": "reveal", "reveal_reason": "核对执照"}
    )
    assert resp.status_code == 200
    assert "no-store" in resp["Cache-Control"]
    assert f"data:image/png;base64,{base64.b64encode(image).decode()}" in resp.content.decode()
    audit = RevealAudit.objects.get()
    assert (audit.actor, audit.reason, audit.subject) == (
        operator,
        "核对执照",
        f"identity.employerverification:{v.pk}",
    )

    resp = client.post(QUEUE, {"verification_id": v.pk, "decision": "approve"})
    assert resp.status_code == 302
    v.refresh_from_db()
    assert v.status == "approved"
    assert Organization.objects.get(pk=org.pk).status == "verified"
    assert f'id="verification-{v.pk}"' not in client.get(QUEUE).content.decode()


def test_a_reveal_without_a_reason_shows_no_licence(make_employer, operator) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    v = submit(owner, org)
    client = logged_in(operator)
    resp = client.post(
        QUEUE, {"verification_id": v.pk, "decision": "reveal", "reveal_reason": ""}, follow=True
    )
    assert "data:image/png" not in resp.content.decode()
    assert not RevealAudit.objects.exists()


def test_the_operator_rejects_with_a_reason_the_employer_then_reads(
    make_employer, operator
) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    v = submit(owner, org)
    client = logged_in(operator)
    client.post(QUEUE, {"verification_id": v.pk, "decision": "reject", "reason": ""})
    v.refresh_from_db()
    assert v.status == "pending"  # a rejection needs its reason
    client.post(QUEUE, {"verification_id": v.pk, "decision": "reject", "reason": "执照照片模糊"})
    v.refresh_from_db()
    assert v.status == "rejected"

    page = logged_in(owner).get(URL).content.decode()
    assert 'id="rejection-reason"' in page and "执照照片模糊" in page
    assert 'id="verification-form"' in page  # he may submit again
    assert 'value="王建华"' in page  # pre-filled with what he sent before


def test_the_review_queue_is_for_operators_only(make_employer) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    v = submit(owner, org)
    client = logged_in(owner)
    assert client.get(QUEUE).status_code == 302
    resp = client.post(QUEUE, {"verification_id": v.pk, "decision": "approve"})
    assert resp.status_code == 302
    v.refresh_from_db()
    assert v.status == "pending"
