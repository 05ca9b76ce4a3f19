from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from PIL import Image

from xinghuo.core import crypto
from xinghuo.core.exceptions import Conflict, ValidationFailed
from xinghuo.identity import selectors, services
from xinghuo.identity.exceptions import IdentityNotFound
from xinghuo.identity.models import IdentityVerification, RevealAudit

from .cards import PEOPLE
from .conftest import card_lines

pytestmark = pytest.mark.django_db


def photo() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (640, 400), (200, 200, 190)).save(buf, "JPEG")
    return buf.getvalue()


def as_read(person=PEOPLE[0]) -> dict:  # type: ignore[no-untyped-def]
    return {
        "name": person.name,
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "birth_on": person.birth_on,
        "address": person.address,
        "id_number": person.id_number,
    }


def submitted(worker, person=PEOPLE[0], **changes) -> IdentityVerification:  # type: ignore[no-untyped-def]
    services.identity_submit_photo(worker=worker, image=photo())
    return services.identity_confirm(worker=worker, **{**as_read(person), **changes})


def test_photo_becomes_a_draft_with_the_ocr_fields(make_worker) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    v = services.identity_submit_photo(worker=worker, image=photo())
    person = PEOPLE[0]
    assert v.status == "draft"
    assert (v.name, v.sex, v.ethnicity, v.birth_on, v.address) == (
        person.name,
        person.sex,
        person.ethnicity,
        person.birth_on,
        person.address,
    )
    assert v.id_number == person.id_number
    assert v.id_number_masked == crypto.mask_id_number(person.id_number)


def test_nothing_stored_holds_the_id_number_or_the_image_in_clear(make_worker, settings) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    image = photo()
    v = services.identity_submit_photo(worker=worker, image=image)
    number = PEOPLE[0].id_number
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM identity_identityverification WHERE id = %s", [v.pk])
        row = " ".join(str(c) for c in cursor.fetchone())
    assert number not in row
    assert number[6:14] + number[14:] not in row  # nor the part after the masked region
    stored = (Path(settings.MEDIA_ROOT) / v.image.name).read_bytes()
    assert image[:64] not in stored and b"JFIF" not in stored
    assert crypto.decrypt_bytes(stored) == image


def test_unchanged_fields_are_not_marked_and_the_draft_goes_to_review(make_worker) -> None:  # type: ignore[no-untyped-def]
    v = submitted(make_worker())
    assert v.status == "pending"
    assert v.corrected_fields == []
    assert v.submitted_at is not None


def test_a_corrected_field_is_marked_for_review(make_worker, ocr_reads) -> None:  # type: ignore[no-untyped-def]
    person = PEOPLE[0]
    lines = card_lines(person)
    lines[0] = "姓名张伟伟"  # OCR doubled a character
    ocr_reads(lines)
    v = submitted(make_worker(), address=person.address + "1单元")
    assert v.corrected_fields == ["name", "address"]
    assert v.name == "张伟"


def test_a_number_that_disagrees_with_the_birth_date_is_refused(make_worker) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as exc:
        submitted(make_worker(), birth_on=date(1988, 3, 16))
    assert exc.value.code == "id_number_birth_date_mismatch"
    assert IdentityVerification.objects.get().status == "draft"


def test_an_invalid_number_is_refused_with_its_code(make_worker) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as exc:
        submitted(make_worker(), id_number="330106880315043")
    assert exc.value.code == "id_number_old_format"


def test_a_photo_where_nothing_is_read_is_refused(make_worker, ocr_reads) -> None:  # type: ignore[no-untyped-def]
    ocr_reads([])
    with pytest.raises(ValidationFailed) as exc:
        services.identity_submit_photo(worker=make_worker(), image=photo())
    assert exc.value.code == "ocr_nothing_read"
    assert not IdentityVerification.objects.exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"GIF89a....", "image_type"), (b"\xff\xd8\xffnot a jpeg", "bad_image")],
)
def test_bad_uploads_are_refused(make_worker, data: bytes, code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as exc:
        services.identity_submit_photo(worker=make_worker(), image=data)
    assert exc.value.code == code


def test_operator_approves_and_the_worker_is_verified(make_worker, operator) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    v = submitted(worker)
    assert not selectors.worker_is_identity_verified(worker=worker)
    v = services.identity_approve(reviewer=operator, verification_id=v.pk, note="ok")
    assert (v.status, v.reviewed_by, v.review_note) == ("approved", operator, "ok")
    assert selectors.worker_is_identity_verified(worker=worker)
    assert list(selectors.verified_worker_ids()) == [worker.pk]
    with pytest.raises(Conflict) as exc:
        services.identity_submit_photo(worker=worker, image=photo())
    assert exc.value.code == "identity_already_verified"


def test_rejection_needs_a_reason_and_allows_a_new_photo(make_worker, operator) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    v = submitted(worker)
    with pytest.raises(ValidationFailed):
        services.identity_reject(reviewer=operator, verification_id=v.pk, reason=" ")
    v = services.identity_reject(reviewer=operator, verification_id=v.pk, reason="照片模糊")
    assert (v.status, v.review_note) == ("rejected", "照片模糊")
    old_image = v.image.name
    v = services.identity_submit_photo(worker=worker, image=photo())
    assert (v.status, v.review_note, v.reviewed_by) == ("draft", "", None)
    assert v.image.name != old_image


def test_a_pending_verification_is_not_replaced(make_worker) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    submitted(worker)
    with pytest.raises(Conflict) as exc:
        services.identity_submit_photo(worker=worker, image=photo())
    assert exc.value.code == "identity_under_review"


def test_one_id_number_is_approved_for_one_worker_only(make_worker, operator) -> None:  # type: ignore[no-untyped-def]
    first, second = make_worker(), make_worker()
    a, b = submitted(first), submitted(second)  # both pending: allowed
    services.identity_approve(reviewer=operator, verification_id=a.pk)
    with pytest.raises(Conflict) as exc:
        services.identity_approve(reviewer=operator, verification_id=b.pk)
    assert exc.value.code == "id_number_in_use"
    third = make_worker()
    with pytest.raises(Conflict) as exc:
        submitted(third)
    assert exc.value.code == "id_number_in_use"


def test_only_operators_review_others_get_not_found(make_worker) -> None:  # type: ignore[no-untyped-def]
    worker, other = make_worker(), make_worker()
    v = submitted(worker)
    for call in (
        lambda: services.identity_approve(reviewer=other.user, verification_id=v.pk),
        lambda: services.identity_reject(reviewer=other.user, verification_id=v.pk, reason="x"),
        lambda: services.identity_reveal(
            reviewer=worker.user, verification_id=v.pk, field="id_number", reason="x"
        ),
        lambda: selectors.identity_get_for_review(reviewer=worker.user, verification_id=v.pk),
    ):
        with pytest.raises(IdentityNotFound):
            call()
    assert list(selectors.identity_review_list(reviewer=worker.user)) == []
    assert not RevealAudit.objects.exists()


def test_every_reveal_is_audited(make_worker, operator) -> None:  # type: ignore[no-untyped-def]
    v = submitted(make_worker())
    number, kind = services.identity_reveal(
        reviewer=operator,
        verification_id=v.pk,
        field="id_number",
        reason="核对",
        ip_address="10.0.0.1",
    )
    assert (number, kind) == (PEOPLE[0].id_number, "text/plain")
    image, kind = services.identity_reveal(
        reviewer=operator, verification_id=v.pk, field="image", reason="核对照片"
    )
    assert kind == "image/jpeg" and image.startswith(b"\xff\xd8")
    audits = list(
        RevealAudit.objects.order_by("pk").values_list("actor", "field", "reason", "ip_address")
    )
    assert audits == [
        (operator.pk, "id_number", "核对", "10.0.0.1"),
        (operator.pk, "image", "核对照片", None),
    ]
    with pytest.raises(ValidationFailed):
        services.identity_reveal(
            reviewer=operator, verification_id=v.pk, field="id_number", reason=""
        )
    assert RevealAudit.objects.count() == 2


def test_ocr_result_is_kept_encrypted_for_the_reviewer(make_worker) -> None:  # type: ignore[no-untyped-def]
    v = submitted(make_worker())
    assert json.loads(IdentityVerification.objects.get(pk=v.pk).ocr_result)["id_number"] == (
        PEOPLE[0].id_number
    )


def test_key_rotation_re_encrypts_fields_and_image(make_worker, settings) -> None:  # type: ignore[no-untyped-def]
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.IDENTITY_ENCRYPTION_KEYS = [old]
    image = photo()
    v = services.identity_submit_photo(worker=make_worker(), image=image)
    settings.IDENTITY_ENCRYPTION_KEYS = [new, old]
    call_command("identity_rotate_keys", stdout=io.StringIO())
    settings.IDENTITY_ENCRYPTION_KEYS = [new]  # the old key is gone
    v = IdentityVerification.objects.get(pk=v.pk)
    assert v.id_number == PEOPLE[0].id_number
    assert json.loads(v.ocr_result)["name"] == PEOPLE[0].name
    assert crypto.decrypt_bytes((Path(settings.MEDIA_ROOT) / v.image.name).read_bytes()) == image
