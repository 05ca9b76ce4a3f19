from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from xinghuo.certification import services
from xinghuo.certification.models import Certification
from xinghuo.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinghuo.dispatch.selectors import worker_is_eligible
from xinghuo.notifications.models import Notification
from xinghuo.workforce.models import WorkerSkill

from .conftest import PDF

pytestmark = pytest.mark.django_db

D = timedelta(days=1)


@pytest.fixture
def today():  # type: ignore[no-untyped-def]
    return timezone.localdate()


@pytest.fixture
def order_needing_height(make_employer, make_order, height):  # type: ignore[no-untyped-def]
    owner, org = make_employer()
    return make_order(owner=owner, organization=org, required_skill_ids=[height.pk])


def test_approval_makes_worker_eligible_and_expiry_removes_it(  # type: ignore[no-untyped-def]
    make_eligible_worker, operator, submit, height, order_needing_height, today
) -> None:
    worker = make_eligible_worker()
    cert = submit(worker, [height], valid_from=today - 10 * D, valid_until=today + 100 * D)
    assert not WorkerSkill.objects.filter(worker=worker, skill=height).exists()
    assert not worker_is_eligible(worker=worker, order=order_needing_height, on=today)

    services.certification_approve(reviewer=operator, certification_id=cert.pk, today=today)

    row = WorkerSkill.objects.get(worker=worker, skill=height)
    assert (row.valid_from, row.valid_until) == (today - 10 * D, today + 100 * D)
    assert worker_is_eligible(worker=worker, order=order_needing_height, on=today)
    assert worker_is_eligible(worker=worker, order=order_needing_height, on=today + 100 * D)
    # The day after it expires it stops counting, with no job having run.
    assert not worker_is_eligible(worker=worker, order=order_needing_height, on=today + 101 * D)


def test_pending_and_rejected_certifications_grant_nothing(  # type: ignore[no-untyped-def]
    make_eligible_worker, operator, submit, height, order_needing_height, today
) -> None:
    worker = make_eligible_worker()
    cert = submit(worker, [height], valid_from=today, valid_until=today + 365 * D)
    services.certification_reject(reviewer=operator, certification_id=cert.pk, reason="照片模糊")
    cert.refresh_from_db()
    assert cert.status == Certification.Status.REJECTED
    assert cert.reject_reason == "照片模糊"
    assert not WorkerSkill.objects.filter(worker=worker, skill=height).exists()
    assert not worker_is_eligible(worker=worker, order=order_needing_height, on=today)


def test_latest_valid_until_among_approved_unexpired_wins(  # type: ignore[no-untyped-def]
    make_worker, operator, submit, height, today
) -> None:
    worker = make_worker()
    long = submit(worker, [height], valid_from=today - 100 * D, valid_until=today + 300 * D)
    short = submit(worker, [height], valid_from=today - 10 * D, valid_until=today + 50 * D)
    services.certification_approve(reviewer=operator, certification_id=long.pk, today=today)
    services.certification_approve(reviewer=operator, certification_id=short.pk, today=today)
    row = WorkerSkill.objects.get(worker=worker, skill=height)
    # Approving the shorter one later does not shorten the validity.
    assert (row.valid_from, row.valid_until) == (today - 100 * D, today + 300 * D)

    # A renewal overlapping the current one extends it.
    renewal = submit(worker, [height], valid_from=today + 200 * D, valid_until=today + 900 * D)
    services.certification_approve(reviewer=operator, certification_id=renewal.pk, today=today)
    row.refresh_from_db()
    assert (row.valid_from, row.valid_until) == (today - 100 * D, today + 900 * D)


def test_renewal_with_a_gap_does_not_cover_the_gap(  # type: ignore[no-untyped-def]
    make_worker, operator, submit, height, today
) -> None:
    worker = make_worker()
    old = submit(worker, [height], valid_from=today - 100 * D, valid_until=today + 10 * D)
    new = submit(worker, [height], valid_from=today + 20 * D, valid_until=today + 700 * D)
    services.certification_approve(reviewer=operator, certification_id=old.pk, today=today)
    services.certification_approve(reviewer=operator, certification_id=new.pk, today=today)
    row = WorkerSkill.objects.get(worker=worker, skill=height)
    assert row.valid_until == today + 10 * D
    # Once the old one has expired, approving anything recomputes from the new one alone.
    other = submit(
        worker,
        [height],
        valid_from=today + 15 * D,
        valid_until=today + 16 * D,
        today=today + 15 * D,
    )
    services.certification_approve(
        reviewer=operator, certification_id=other.pk, today=today + 15 * D
    )
    row.refresh_from_db()
    assert (row.valid_from, row.valid_until) == (today + 15 * D, today + 16 * D)


def test_approval_keeps_existing_dates_and_one_cert_grants_several_skills(  # type: ignore[no-untyped-def]
    make_worker, operator, submit, height, generator, today
) -> None:
    worker = make_worker()
    WorkerSkill.objects.create(
        worker=worker, skill=generator, valid_from=today - 5 * D, valid_until=today + 40 * D
    )
    cert = submit(worker, [height, generator], valid_from=today, valid_until=today + 30 * D)
    services.certification_approve(reviewer=operator, certification_id=cert.pk, today=today)
    rows = {r.skill_id: r for r in WorkerSkill.objects.filter(worker=worker)}
    assert rows[height.pk].valid_until == today + 30 * D
    assert (rows[generator.pk].valid_from, rows[generator.pk].valid_until) == (
        today - 5 * D,
        today + 40 * D,
    )


def test_only_operators_review(make_worker, submit, height, today) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    cert = submit(worker, [height], valid_from=today, valid_until=today + 30 * D)
    for user in (worker.user, make_worker().user):
        with pytest.raises(PermissionDenied):
            services.certification_approve(reviewer=user, certification_id=cert.pk)
        with pytest.raises(PermissionDenied):
            services.certification_reject(reviewer=user, certification_id=cert.pk, reason="x")
    cert.refresh_from_db()
    assert cert.status == Certification.Status.PENDING
    assert not WorkerSkill.objects.filter(worker=worker).exists()


def test_a_review_happens_once_and_rejection_needs_a_reason(  # type: ignore[no-untyped-def]
    make_worker, operator, submit, height, today
) -> None:
    cert = submit(make_worker(), [height], valid_from=today, valid_until=today + 30 * D)
    with pytest.raises(ValidationFailed) as e:
        services.certification_reject(reviewer=operator, certification_id=cert.pk, reason="  ")
    assert e.value.code == "reason_required"
    services.certification_approve(reviewer=operator, certification_id=cert.pk)
    with pytest.raises(Conflict) as c:
        services.certification_reject(reviewer=operator, certification_id=cert.pk, reason="晚了")
    assert c.value.code == "already_reviewed"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "diploma"}, "invalid_kind"),
        ({"title": " "}, "invalid_title"),
        ({"valid_until": None}, "valid_until_required"),
        ({"valid_from_offset": 10, "valid_until_offset": 5}, "invalid_dates"),
        ({"valid_from_offset": -30, "valid_until_offset": -1}, "expired"),
        ({"files": []}, "files_required"),
        ({"files": [b"GIF89a...."]}, "unsupported_file"),
        ({"files": [PDF] * 6}, "too_many_files"),
        ({"skill_ids": [999_999]}, "unknown_ids"),
    ],
)
def test_submission_is_validated(make_worker, height, today, kwargs, code) -> None:  # type: ignore[no-untyped-def]
    args = {
        "kind": "certificate",
        "title": "登高证",
        "skill_ids": [height.pk],
        "valid_from": today + kwargs.pop("valid_from_offset", 0) * D,
        "valid_until": today + kwargs.pop("valid_until_offset", 30) * D,
        "files": [PDF],
        "today": today,
    } | kwargs
    worker = make_worker()
    with pytest.raises(ValidationFailed) as e:
        services.certification_submit(worker=worker, **args)
    assert e.value.code == code
    assert not Certification.objects.filter(worker=worker).exists()


def test_expiry_warning_once_30_days_before(  # type: ignore[no-untyped-def]
    make_worker, operator, submit, height, today
) -> None:
    worker = make_worker()
    cert = submit(worker, [height], valid_from=today - 300 * D, valid_until=today + 40 * D)
    services.certification_approve(reviewer=operator, certification_id=cert.pk, today=today)

    assert services.certification_expiry_warn(today=today) == 0  # 40 days left: not yet
    assert services.certification_expiry_warn(today=today + 10 * D) == 1  # 30 days left
    assert services.certification_expiry_warn(today=today + 11 * D) == 0  # once only
    notes = Notification.objects.filter(user=worker.user, kind=f"cert_expiring_{cert.pk}")
    assert notes.count() == 1
    assert cert.title in notes.get().title


def test_no_expiry_warning_when_renewed_or_not_approved(  # type: ignore[no-untyped-def]
    make_worker, operator, submit, height, today
) -> None:
    worker = make_worker()
    old = submit(worker, [height], valid_from=today - 300 * D, valid_until=today + 20 * D)
    new = submit(worker, [height], valid_from=today, valid_until=today + 700 * D)
    submit(worker, [height], valid_from=today, valid_until=today + 10 * D)  # pending
    for cert in (old, new):
        services.certification_approve(reviewer=operator, certification_id=cert.pk, today=today)
    assert services.certification_expiry_warn(today=today) == 0
    assert not Notification.objects.filter(user=worker.user).exists()
