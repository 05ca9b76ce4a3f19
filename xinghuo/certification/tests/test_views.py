from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xinghuo.certification.models import Certification, ExamAttempt, Question

from .conftest import PNG

pytestmark = pytest.mark.django_db


def client_for(user):  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_worker_uploads_operator_approves_and_evidence_is_private(  # type: ignore[no-untyped-def]
    make_worker, operator, height
) -> None:
    worker = make_worker()
    me = client_for(worker.user)
    assert me.get(reverse("web:worker_certifications")).status_code == 200
    f = io.BytesIO(PNG)
    f.name = "登高证.png"
    today = timezone.localdate()
    r = me.post(
        reverse("web:worker_certifications"),
        {
            "kind": "certificate",
            "title": "高处作业操作证",
            "skills": [height.pk],
            "valid_from": today.isoformat(),
            "valid_until": today.replace(year=today.year + 3).isoformat(),
            "evidence": [f],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    cert = Certification.objects.get(worker=worker)
    page = me.get(reverse("web:worker_certifications")).content.decode()
    assert "高处作业操作证" in page and 'data-state="pending"' in page

    file_url = reverse("web:certification_file_download", args=[cert.files.get().pk])
    assert me.get(file_url).status_code == 200
    assert client_for(make_worker().user).get(file_url).status_code == 404

    # A worker cannot use the review queue.
    assert me.get(reverse("web:operator_certifications")).status_code == 302
    op = client_for(operator)
    queue = op.get(reverse("web:operator_certifications")).content.decode()
    assert f"cert-{cert.pk}" in queue
    assert op.get(file_url).status_code == 200
    op.post(
        reverse("web:operator_certifications"),
        {"certification_id": cert.pk, "decision": "approve"},
    )
    cert.refresh_from_db()
    assert cert.status == Certification.Status.APPROVED


def test_take_an_exam_in_the_browser(make_worker, small_exam) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    me = client_for(worker.user)
    assert "测试考试" in me.get(reverse("web:worker_exams")).content.decode()
    r = me.post(reverse("web:worker_exams"), {"exam_id": small_exam.pk})
    attempt = ExamAttempt.objects.get(worker=worker)
    assert r["Location"] == reverse("web:worker_exam_take", args=[attempt.pk])
    page = me.get(r["Location"]).content.decode()
    assert 'id="countdown"' in page and "单选" in page
    # Starting again resumes the open attempt.
    r = me.post(reverse("web:worker_exams"), {"exam_id": small_exam.pk})
    assert r["Location"] == reverse("web:worker_exam_take", args=[attempt.pk])

    q = {q.code: q.pk for q in Question.objects.filter(bank=small_exam.bank)}
    r = me.post(
        reverse("web:worker_exam_take", args=[attempt.pk]),
        {f"q{q['s']}": "1", f"q{q['m']}": ["0", "2"], f"q{q['t']}": "1"},
    )
    assert r["Location"] == reverse("web:worker_exam_result", args=[attempt.pk])
    result = me.get(r["Location"]).content.decode()
    assert "100%" in result and "A C" in result  # the explanation is shown
    assert client_for(make_worker().user).get(r["Location"]).status_code == 404


def test_radar_pages(make_worker, make_employer, operator) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    page = client_for(worker.user).get(reverse("web:worker_radar")).content.decode()
    assert 'id="radar-data"' in page and "油机发电" in page and "radar.js" in page
    url = reverse("web:employer_worker_radar", args=[worker.pk])
    assert client_for(operator).get(url).status_code == 200
    owner, _org = make_employer()
    assert client_for(owner).get(url).status_code == 404
