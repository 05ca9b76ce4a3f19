"""Employer verification (企业认证): submission, review, the audited licence reveal."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.db import IntegrityError, transaction
from stdnum.cn import uscc

from conftest import PASSWORD, credit_code
from xinghuo.accounts import services as account_services
from xinghuo.accounts.exceptions import OrganizationNotFound
from xinghuo.accounts.models import Membership, Organization
from xinghuo.core import crypto
from xinghuo.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinghuo.identity.exceptions import EmployerVerificationNotFound
from xinghuo.identity.models import EmployerVerification, RevealAudit
from xinghuo.identity.selectors import employer as selectors_employer
from xinghuo.identity.services import employer as services_employer

from .employer import PDF, image_bytes, png, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def employer(make_employer):  # type: ignore[no-untyped-def]
    return make_employer(verified=False)


def _flip_check_character(code: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:-1] + alphabet[(alphabet.index(code[-1]) + 1) % len(alphabet)]


# --- the credit code ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_code", "error"),
    [
        (lambda code: code[:-1], "credit_code_length"),
        (lambda code: code + "1", "credit_code_length"),
        (lambda code: "", "credit_code_length"),
        (_flip_check_character, "credit_code_checksum"),
        # Letters are allowed only after the first eight characters, and never I O S V Z.
        (lambda code: "9A" + code[2:], "credit_code_format"),
        (lambda code: code[:10] + "I" + code[11:], "credit_code_format"),
        (lambda code: credit_code(9999), "credit_code_mismatch"),
    ],
    ids=["short", "long", "empty", "checksum", "letter-in-head", "letter-I", "other-company"],
)
def test_a_bad_credit_code_is_refused_and_nothing_is_stored(employer, make_code, error) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    with pytest.raises(ValidationFailed) as exc:
        submit(owner, org, credit_code=make_code(org.credit_code))
    assert exc.value.code == error
    assert exc.value.detail["field"] == "credit_code"
    assert not EmployerVerification.objects.exists()


def test_the_other_company_code_used_above_is_itself_valid() -> None:
    # Otherwise the mismatch case would prove nothing.
    assert uscc.is_valid(credit_code(9999))


def test_the_credit_code_is_normalised_before_comparing(employer) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    typed = f" {org.credit_code[:9].lower()} {org.credit_code[9:].lower()} "
    v = submit(owner, org, credit_code=typed)
    assert v.credit_code == org.credit_code and v.status == "pending"


# --- the licence ----------------------------------------------------------------------


def test_the_licence_is_encrypted_at_rest(employer, settings) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    image = png()
    v = submit(owner, org, licence=image)
    path = Path(settings.MEDIA_ROOT) / v.licence.name
    stored = path.read_bytes()
    assert stored != image
    assert b"PNG" not in stored and b"IHDR" not in stored
    assert crypto.decrypt_bytes(stored) == image
    assert path.suffix == ".bin" and str(org.pk) in v.licence.name
    assert v.licence_content_type == "image/png"


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (image_bytes("JPEG"), "image/jpeg"),
        (image_bytes("WEBP"), "image/webp"),
        (PDF, "application/pdf"),
    ],
    ids=["jpeg", "webp", "pdf"],
)
def test_photos_and_pdf_scans_are_accepted(employer, data, content_type) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    assert submit(owner, org, licence=data).licence_content_type == content_type


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (image_bytes("GIF"), "licence_type"),
        (b"not an image at all", "licence_type"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "bad_image"),
        (b"%PDF-" + b"0" * (8 * 1024 * 1024), "licence_too_large"),
    ],
    ids=["gif", "text", "broken-png", "too-large"],
)
def test_a_bad_licence_file_is_refused(employer, data, error) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    with pytest.raises(ValidationFailed) as exc:
        submit(owner, org, licence=data)
    assert exc.value.code == error and exc.value.detail["field"] == "licence"
    assert not EmployerVerification.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"company_name": "  "}, "company_name"),
        ({"legal_representative": ""}, "legal_representative"),
        ({"contact_name": "王" * 65}, "contact_name"),
        ({"contact_phone": "0571-8888888"}, "contact_phone"),
    ],
)
def test_missing_or_bad_fields_name_the_field(employer, changes, field) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    with pytest.raises(ValidationFailed) as exc:
        submit(owner, org, **changes)
    assert exc.value.detail["field"] == field


# --- who may submit -------------------------------------------------------------------


def test_a_non_member_cannot_submit_and_learns_nothing(employer, make_employer) -> None:  # type: ignore[no-untyped-def]
    _owner, org = employer
    stranger, _other = make_employer(verified=False)
    with pytest.raises(OrganizationNotFound):
        submit(stranger, org)
    assert not EmployerVerification.objects.filter(organization=org).exists()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Membership.Role.ADMIN, True),
        (Membership.Role.DISPATCHER, False),
        (Membership.Role.FINANCE, False),
        (Membership.Role.VIEWER, False),
    ],
)
def test_only_owners_and_administrators_submit(employer, role, allowed) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    member = account_services.user_create(phone="13600000001", password=PASSWORD, name="成员")
    account_services.membership_add(actor=owner, organization=org, phone=member.phone, role=role)
    if allowed:
        assert submit(member, org).submitted_by == member
    else:
        with pytest.raises(PermissionDenied):
            submit(member, org)
        assert not EmployerVerification.objects.exists()


# --- the state machine ----------------------------------------------------------------


def test_approval_verifies_the_organization_and_takes_the_verified_contact(
    employer, operator
) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    assert not selectors_employer.organization_is_verified(organization=org)
    v = submit(owner, org, contact_name="刘晓梅", contact_phone="+86 139-1234-5678")
    assert Organization.objects.get(pk=org.pk).status == "pending"

    services_employer.employer_verification_approve(
        reviewer=operator, verification_id=v.pk, note="与执照一致"
    )
    v.refresh_from_db()
    org.refresh_from_db()
    assert (v.status, v.reviewed_by, v.review_note) == ("approved", operator, "与执照一致")
    assert v.reviewed_at is not None
    assert org.status == Organization.Status.VERIFIED
    assert (org.contact_name, org.contact_phone) == ("刘晓梅", "13912345678")
    assert selectors_employer.organization_is_verified(organization=org)


def test_a_pending_or_approved_verification_cannot_be_submitted_again(employer, operator) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    v = submit(owner, org)
    with pytest.raises(Conflict) as exc:
        submit(owner, org)
    assert exc.value.code == "employer_verification_under_review"
    services_employer.employer_verification_approve(reviewer=operator, verification_id=v.pk)
    with pytest.raises(Conflict) as exc:
        submit(owner, org)
    assert exc.value.code == "employer_already_verified"
    assert EmployerVerification.objects.count() == 1


def test_only_a_pending_verification_is_decided(employer, operator) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    v = submit(owner, org)
    services_employer.employer_verification_approve(reviewer=operator, verification_id=v.pk)
    for decide in (
        lambda: services_employer.employer_verification_approve(
            reviewer=operator, verification_id=v.pk
        ),
        lambda: services_employer.employer_verification_reject(
            reviewer=operator, verification_id=v.pk, reason="晚了"
        ),
    ):
        with pytest.raises(Conflict) as exc:
            decide()
        assert exc.value.code == "employer_verification_not_pending"
    v.refresh_from_db()
    assert v.status == "approved"


def test_rejection_needs_a_reason_and_marks_the_organization_rejected(employer, operator) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    v = submit(owner, org)
    with pytest.raises(ValidationFailed):
        services_employer.employer_verification_reject(
            reviewer=operator, verification_id=v.pk, reason="  "
        )
    v.refresh_from_db()
    assert v.status == "pending"

    services_employer.employer_verification_reject(
        reviewer=operator, verification_id=v.pk, reason="营业执照照片模糊"
    )
    v.refresh_from_db()
    org.refresh_from_db()
    assert (v.status, v.review_note) == ("rejected", "营业执照照片模糊")
    assert org.status == Organization.Status.REJECTED
    assert not selectors_employer.organization_is_verified(organization=org)


def test_after_a_rejection_the_employer_submits_again_and_the_old_file_goes(
    employer, operator, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    first = submit(owner, org)
    old_path = Path(settings.MEDIA_ROOT) / first.licence.name
    services_employer.employer_verification_reject(
        reviewer=operator, verification_id=first.pk, reason="照片模糊"
    )
    with django_capture_on_commit_callbacks(execute=True):
        again = submit(owner, org, licence=png((300, 200)), legal_representative="李国强")
    assert again.pk == first.pk
    assert again.status == "pending"
    assert (again.reviewed_by, again.reviewed_at, again.review_note) == (None, None, "")
    assert again.legal_representative == "李国强"
    assert not old_path.exists()
    assert (Path(settings.MEDIA_ROOT) / again.licence.name).exists()
    org.refresh_from_db()
    assert org.status == Organization.Status.PENDING


def test_the_database_refuses_a_rejection_without_a_reason(employer, operator) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    v = submit(owner, org)
    with pytest.raises(IntegrityError), transaction.atomic():
        EmployerVerification.objects.filter(pk=v.pk).update(status="rejected", review_note="")
    with pytest.raises(IntegrityError), transaction.atomic():
        EmployerVerification.objects.filter(pk=v.pk).update(status="approved")  # no reviewer


def test_approval_is_refused_when_the_organization_code_changed_meanwhile(
    employer, operator
) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    v = submit(owner, org)
    Organization.objects.filter(pk=org.pk).update(credit_code=credit_code(8888))
    with pytest.raises(Conflict) as exc:
        services_employer.employer_verification_approve(reviewer=operator, verification_id=v.pk)
    assert exc.value.code == "credit_code_mismatch"
    assert Organization.objects.get(pk=org.pk).status == "pending"


# --- operators only -------------------------------------------------------------------


def test_only_operators_review_and_to_others_the_verification_does_not_exist(employer) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    v = submit(owner, org)
    for call in (
        lambda: services_employer.employer_verification_approve(
            reviewer=owner, verification_id=v.pk
        ),
        lambda: services_employer.employer_verification_reject(
            reviewer=owner, verification_id=v.pk, reason="x"
        ),
        lambda: services_employer.employer_licence_reveal(
            reviewer=owner, verification_id=v.pk, reason="看看"
        ),
        lambda: selectors_employer.employer_verification_get_for_review(
            reviewer=owner, verification_id=v.pk
        ),
    ):
        with pytest.raises(EmployerVerificationNotFound):
            call()
    assert list(selectors_employer.employer_verification_review_list(reviewer=owner)) == []
    v.refresh_from_db()
    assert v.status == "pending"
    assert not RevealAudit.objects.exists()


def test_a_missing_verification_is_not_found_for_operators_too(operator) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EmployerVerificationNotFound):
        services_employer.employer_verification_approve(reviewer=operator, verification_id=999)


def test_a_reveal_returns_the_licence_and_is_audited(employer, operator) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    image = png()
    v = submit(owner, org, licence=image)

    data, content_type = services_employer.employer_licence_reveal(
        reviewer=operator, verification_id=v.pk, reason="核对执照", ip_address="10.0.0.8"
    )
    assert (data, content_type) == (image, "image/png")
    audit = RevealAudit.objects.get()
    assert (audit.actor, audit.field, audit.subject, audit.reason, audit.ip_address) == (
        operator,
        RevealAudit.Field.LICENCE_IMAGE,
        f"identity.employerverification:{v.pk}",
        "核对执照",
        "10.0.0.8",
    )
    assert audit.verification is None  # that key is for workers' identities
    assert list(
        selectors_employer.employer_reveal_audit_list(reviewer=operator, verification_id=v.pk)
    ) == [audit]


def test_a_reveal_without_a_reason_shows_nothing_and_records_nothing(employer, operator) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    v = submit(owner, org)
    with pytest.raises(ValidationFailed):
        services_employer.employer_licence_reveal(
            reviewer=operator, verification_id=v.pk, reason=""
        )
    assert not RevealAudit.objects.exists()


def test_the_queue_lists_pending_submissions_oldest_first(make_employer, operator) -> None:  # type: ignore[no-untyped-def]
    (o1, org1), (o2, org2), (o3, org3) = (make_employer(verified=False) for _ in range(3))
    v1, v2, v3 = submit(o1, org1), submit(o2, org2), submit(o3, org3)
    EmployerVerification.objects.filter(pk=v1.pk).update(submitted_at=v3.submitted_at)
    EmployerVerification.objects.filter(pk=v3.pk).update(submitted_at=v2.submitted_at)
    services_employer.employer_verification_approve(reviewer=operator, verification_id=v2.pk)
    queue = list(selectors_employer.employer_verification_review_list(reviewer=operator))
    assert queue == [v3, v1]
    approved = selectors_employer.employer_verification_review_list(
        reviewer=operator, status="approved"
    )
    assert list(approved) == [v2]


def test_the_own_verification_selector_is_scoped_to_the_organization(make_employer) -> None:  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    _other_owner, other = make_employer(verified=False)
    v = submit(owner, org)
    assert selectors_employer.employer_verification_for_organization(organization=org) == v
    with pytest.raises(EmployerVerificationNotFound):
        selectors_employer.employer_verification_for_organization(organization=other)


def test_the_fixture_employer_is_verified_through_the_services(make_employer) -> None:  # type: ignore[no-untyped-def]
    _owner, org = make_employer()
    assert org.status == Organization.Status.VERIFIED
    assert selectors_employer.organization_is_verified(organization=org)
    assert EmployerVerification.objects.get(organization=org).status == "approved"


def test_licences_are_re_encrypted_under_a_new_key(employer, settings) -> None:  # type: ignore[no-untyped-def]
    owner, org = employer
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.IDENTITY_ENCRYPTION_KEYS = [old]
    image = png()
    v = submit(owner, org, licence=image)
    settings.IDENTITY_ENCRYPTION_KEYS = [new, old]
    assert services_employer.employer_licence_reencrypt_all() == 1
    settings.IDENTITY_ENCRYPTION_KEYS = [new]  # the old key is gone
    v.refresh_from_db()
    with v.licence.open("rb") as fh:
        assert crypto.decrypt_bytes(fh.read()) == image
