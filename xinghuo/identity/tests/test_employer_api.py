"""The employer verification API: /organizations/{id}/verification and the operators'
/employer-verifications/reviews."""

from __future__ import annotations

import base64
import io

import pytest

from conftest import PASSWORD
from xinghuo.accounts import services as account_services
from xinghuo.accounts.models import Organization
from xinghuo.identity.models import EmployerVerification, RevealAudit

from .employer import fields, png

pytestmark = pytest.mark.django_db


def post_verification(client, org, **changes):  # type: ignore[no-untyped-def]
    data = fields(org, **changes)
    licence = data.pop("licence")
    if licence is not None:
        f = io.BytesIO(licence)
        f.name = "营业执照.png"
        data["licence"] = f
    return client.client.post(
        f"/api/v1/organizations/{org.pk}/verification", data, headers=client.headers
    )


def test_employer_submits_and_operator_reveals_and_approves(api, make_employer, operator) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    me, op = api(owner), api(operator)
    resp = me.get(f"/organizations/{org.pk}/verification")
    assert resp.status_code == 404
    assert resp.json()["code"] == "employer_verification_not_found"

    image = png()
    resp = post_verification(me, org, licence=image)
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["status"], body["credit_code"]) == ("pending", org.credit_code)
    assert "licence" not in body

    queue = op.get("/employer-verifications/reviews").json()
    assert queue["count"] == 1
    item = queue["items"][0]
    assert item["id"] == body["id"]
    assert item["registered_credit_code"] == org.credit_code
    assert item["organization_name"] == org.name

    resp = op.post(f"/employer-verifications/reviews/{item['id']}/reveal", {"reason": "核对执照"})
    assert resp.status_code == 200, resp.content
    value = resp.json()["value"]
    assert value.startswith("data:image/png;base64,")
    assert base64.b64decode(value.split(",", 1)[1]) == image
    reveals = op.get(f"/employer-verifications/reviews/{item['id']}/reveals").json()
    assert reveals["count"] == 1 and reveals["items"][0]["reason"] == "核对执照"
    assert reveals["items"][0]["field"] == "licence_image"

    resp = op.post(f"/employer-verifications/reviews/{item['id']}/approve", {"note": ""})
    assert resp.status_code == 200 and resp.json()["status"] == "approved"
    assert me.get(f"/organizations/{org.pk}/verification").json()["status"] == "approved"
    assert Organization.objects.get(pk=org.pk).status == "verified"
    assert op.get("/employer-verifications/reviews").json()["count"] == 0


def test_a_bad_credit_code_is_422_json_with_code_and_field(api, make_employer) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    bad = org.credit_code[:-1] + ("0" if org.credit_code[-1] != "0" else "1")
    resp = post_verification(api(owner, language="en"), org, credit_code=bad)
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "credit_code_checksum"
    assert body["detail"] == {"field": "credit_code"}
    assert "check character" in body["message"]
    assert not EmployerVerification.objects.exists()


def test_a_missing_licence_is_a_validation_error(api, make_employer) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    resp = post_verification(api(owner), org, licence=None)
    assert resp.status_code == 422
    assert resp.json()["code"] == "validation_error"
    assert any(e["field"] == "licence" for e in resp.json()["detail"]["errors"])


def test_a_second_submission_while_pending_is_409(api, make_employer) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    me = api(owner)
    assert post_verification(me, org).status_code == 201
    resp = post_verification(me, org)
    assert resp.status_code == 409
    assert resp.json()["code"] == "employer_verification_under_review"


def test_another_organizations_verification_is_not_found(api, make_employer) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    stranger, _other = make_employer(verified=False)
    post_verification(api(owner), org)
    for resp in (
        api(stranger).get(f"/organizations/{org.pk}/verification"),
        post_verification(api(stranger), org),
    ):
        assert resp.status_code == 404
        assert resp.json()["code"] == "organization_not_found"


def test_a_viewer_sees_the_verification_but_cannot_submit(api, make_employer) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    viewer = account_services.user_create(phone="13600000002", password=PASSWORD, name="查看")
    account_services.membership_add(
        actor=owner, organization=org, phone=viewer.phone, role="viewer"
    )
    resp = post_verification(api(viewer), org)
    assert resp.status_code == 403
    assert resp.json()["code"] == "permission_denied"
    post_verification(api(owner), org)
    assert api(viewer).get(f"/organizations/{org.pk}/verification").json()["status"] == "pending"


def test_employers_cannot_use_the_review_endpoints(api, make_employer) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    me = api(owner)
    vid = post_verification(me, org).json()["id"]
    resp = me.get("/employer-verifications/reviews")
    assert resp.status_code == 403 and resp.json()["code"] == "operator_only"
    for path, body in (
        ("approve", {"note": ""}),
        ("reject", {"reason": "x"}),
        ("reveal", {"reason": "看看"}),
    ):
        resp = me.post(f"/employer-verifications/reviews/{vid}/{path}", body)
        assert resp.status_code == 404, path
        assert resp.json()["code"] == "employer_verification_not_found"
    assert me.get(f"/employer-verifications/reviews/{vid}").status_code == 404
    assert not RevealAudit.objects.exists()
    assert EmployerVerification.objects.get().status == "pending"


def test_rejection_without_a_reason_is_422_and_with_one_the_employer_sees_it(
    api, make_employer, operator
) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    me, op = api(owner), api(operator)
    vid = post_verification(me, org).json()["id"]
    resp = op.post(f"/employer-verifications/reviews/{vid}/reject", {"reason": " "})
    assert resp.status_code == 422 and resp.json()["detail"]["field"] == "reason"
    resp = op.post(f"/employer-verifications/reviews/{vid}/reject", {"reason": "执照已过期"})
    assert resp.status_code == 200
    mine = me.get(f"/organizations/{org.pk}/verification").json()
    assert (mine["status"], mine["review_note"]) == ("rejected", "执照已过期")
    assert post_verification(me, org).status_code == 201  # he may try again
