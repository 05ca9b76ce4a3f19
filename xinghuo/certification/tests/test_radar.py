from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from xinghuo.analytics.selectors import worker_get_for_radar, worker_radar
from xinghuo.certification import services
from xinghuo.certification.models import Certification, Exam, ExamAttempt
from xinghuo.dispatch.models import PointsEntry
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce.exceptions import WorkerNotFound
from xinghuo.workforce.models import Skill

from .conftest import qid

pytestmark = pytest.mark.django_db
D = timedelta(days=1)


@pytest.fixture
def radar_world(
    make_worker, make_employer, make_order, operator, submit, height, generator, small_exam
):  # type: ignore[no-untyped-def]
    """A worker with, as of today:
    - an approved, valid 登高证 (height) and an approved but expired generator certificate;
    - 67 % at the height exam (small_exam) and a failed 45 % at the generator exam;
    - accepted orders: three needing height (rated 5, 4, unrated), one needing fibre splicing
      (rated 3); one published order needing height that is not his work yet;
    - points entries with efficiency factors 1.20, 1.00, 0.60.
    """
    today = timezone.localdate()
    worker = make_worker()
    cert = submit(worker, [height], valid_from=today - 30 * D, valid_until=today + 300 * D)
    services.certification_approve(reviewer=operator, certification_id=cert.pk)
    expired = Certification.objects.create(
        worker=worker,
        kind="certificate",
        title="油机证",
        valid_from=today - 800 * D,
        valid_until=today - D,
        status="approved",
    )
    expired.skills.set([generator])

    attempt = services.exam_start(worker=worker, exam_id=small_exam.pk)
    services.exam_submit(
        worker=worker,
        attempt_id=attempt.pk,
        answers={str(qid(small_exam, "s")): [1], str(qid(small_exam, "m")): [0, 2]},
    )
    now = timezone.now()
    ExamAttempt.objects.create(
        exam=Exam.objects.get(code="generator-theory"),
        worker=worker,
        status="submitted",
        started_at=now,
        deadline_at=now,
        finished_at=now,
        question_ids=[],
        score_percent=45,
        correct_count=0,
        passed=False,
    )

    owner, org = make_employer()
    fibre = Skill.objects.get(code="fiber_splicing")
    accepted = []
    for skill, rating in ((height, 5), (height, 4), (height, None), (fibre, 3)):
        order = make_order(owner=owner, organization=org, required_skill_ids=[skill.pk])
        WorkOrder.objects.filter(pk=order.pk).update(
            status=WorkOrder.Status.ACCEPTED, worker=worker, rating=rating
        )
        accepted.append(order)
    make_order(owner=owner, organization=org, required_skill_ids=[height.pk])
    for order, factor in zip(accepted, ("1.20", "1.00", "0.60"), strict=False):
        PointsEntry.objects.create(
            worker=worker,
            order=order,
            points=10,
            base_points=10,
            efficiency_factor=Decimal(factor),
            quality_factor=Decimal(1),
            region_factor=Decimal(1),
        )
    return {"worker": worker, "owner": owner, "today": today}


def test_radar_values_computed_by_hand(radar_world) -> None:  # type: ignore[no-untyped-def]
    dims = {d.code: d.value for d in worker_radar(worker=radar_world["worker"])}
    assert dims == {
        "height": 65,  # 40 credential + 0.2 × 67 exam + 4 × 3 orders = 65.4
        "power": 0,
        "generator": 9,  # expired certificate: 0; 0.2 × 45 exam = 9
        "monitoring": 0,
        "transmission": 4,  # one accepted fibre order
        "tower": 0,
        "quality": 80,  # mean rating (5 + 4 + 3) / 3 = 4 → 20 × 4
        "efficiency": 78,  # mean factor 0.9333 / 1.20 × 100 = 77.8
    }


def test_radar_on_a_day_after_the_certificate_expires(radar_world) -> None:  # type: ignore[no-untyped-def]
    later = radar_world["today"] + 301 * D
    dims = {d.code: d.value for d in worker_radar(worker=radar_world["worker"], on=later)}
    # The exam certificate (730 days) still grants height: the credential remains.
    assert dims["height"] == 65
    assert {
        d.code: d.value for d in worker_radar(worker=radar_world["worker"], on=later + 800 * D)
    }["height"] == 25


def test_new_worker_has_all_zero_radar_with_eight_labelled_dimensions(make_worker) -> None:  # type: ignore[no-untyped-def]
    dims = worker_radar(worker=make_worker())
    assert [d.name for d in dims] == [
        "高处作业",
        "电力电源",
        "油机发电",
        "动环监控",
        "传输光缆",
        "铁塔维护",
        "服务质量",
        "效率",
    ]
    assert {d.value for d in dims} == {0}
    assert {d.max for d in dims} == {100}


def test_who_may_see_a_workers_radar(radar_world, make_employer, make_worker, operator) -> None:  # type: ignore[no-untyped-def]
    worker = radar_world["worker"]
    for viewer in (worker.user, operator, radar_world["owner"]):
        assert worker_get_for_radar(viewer=viewer, worker_id=worker.pk) == worker
    stranger_employer, _org = make_employer()
    for viewer in (stranger_employer, make_worker().user):
        with pytest.raises(WorkerNotFound):
            worker_get_for_radar(viewer=viewer, worker_id=worker.pk)


def test_a_worker_sees_his_own_radar_without_a_capability_lookup(  # type: ignore[no-untyped-def]
    radar_world, django_assert_num_queries
) -> None:
    worker = radar_world["worker"]
    with django_assert_num_queries(1):
        assert worker_get_for_radar(viewer=worker.user, worker_id=worker.pk) == worker
