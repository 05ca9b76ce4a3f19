from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from .conftest import PNG, qid

pytestmark = [pytest.mark.django_db, pytest.mark.urls("xinghuo.certification.tests.urls")]


def submit(client, skill_ids, **fields):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    data = {
        "kind": "certificate",
        "title": "高处作业操作证",
        "skill_ids": skill_ids,
        "issuer": "浙江省应急管理厅",
        "number": "T123",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=365)).isoformat(),
        **fields,
    }
    f = io.BytesIO(PNG)
    f.name = "cert.png"
    return client.client.post(
        "/api/v1/workers/me/certifications", {**data, "files": [f]}, headers=client.headers
    )


def test_submit_review_and_skill_validity(api, make_worker, operator, height) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    me, op = api(worker.user), api(operator)
    r = submit(me, [height.pk])
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == body["state"] == "pending"
    assert [s["code"] for s in body["skills"]] == ["work_at_height"]
    assert body["files"][0]["content_type"] == "image/png"

    # A worker is not a reviewer.
    r = me.post(f"/certifications/reviews/{body['id']}/approve", {})
    assert r.status_code == 403
    assert r.json()["code"] == "operator_only"
    assert me.get("/certifications/reviews").status_code == 403

    queue = op.get("/certifications/reviews").json()
    assert [c["id"] for c in queue["items"]] == [body["id"]]
    assert queue["items"][0]["worker_phone"] == worker.user.phone
    r = op.post(f"/certifications/reviews/{body['id']}/approve", {"note": "证书核验通过"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "approved"
    assert r.json()["state"] == "valid"
    assert op.get("/certifications/reviews").json()["count"] == 0

    r = op.post(f"/certifications/reviews/{body['id']}/reject", {"reason": "重复"})
    assert r.status_code == 409


def test_reject_needs_a_reason(api, make_worker, operator, height) -> None:  # type: ignore[no-untyped-def]
    me, op = api(make_worker().user), api(operator)
    cert_id = submit(me, [height.pk]).json()["id"]
    r = op.post(f"/certifications/reviews/{cert_id}/reject", {"reason": ""})
    assert r.status_code == 422
    r = op.post(f"/certifications/reviews/{cert_id}/reject", {"reason": "照片不清晰"})
    assert r.json()["status"] == "rejected"
    assert me.get(f"/workers/me/certifications/{cert_id}").json()["reject_reason"] == "照片不清晰"


def test_bad_submission_is_a_422_with_a_code(api, make_worker, height) -> None:  # type: ignore[no-untyped-def]
    me = api(make_worker().user)
    today = timezone.localdate()
    r = submit(
        me,
        [height.pk],
        valid_from=(today - timedelta(days=30)).isoformat(),
        valid_until=(today - timedelta(days=1)).isoformat(),
    )
    assert r.status_code == 422
    assert r.json()["code"] == "expired"


def test_another_workers_certification_is_not_found(api, make_worker, height) -> None:  # type: ignore[no-untyped-def]
    cert_id = submit(api(make_worker().user), [height.pk]).json()["id"]
    r = api(make_worker().user).get(f"/workers/me/certifications/{cert_id}")
    assert r.status_code == 404


def test_exam_flow(api, make_worker, small_exam) -> None:  # type: ignore[no-untyped-def]
    me = api(make_worker().user)
    exams = me.get("/workers/me/exams").json()["items"]
    assert {e["code"] for e in exams} >= {"t-exam", "work-at-height-theory", "generator-theory"}
    r = me.post(f"/workers/me/exams/{small_exam.pk}/attempts")
    assert r.status_code == 201, r.content
    attempt = r.json()
    assert attempt["status"] == "open"
    assert 0 < attempt["seconds_left"] <= 600
    assert all(q["answer"] is None and q["explanation"] is None for q in attempt["questions"])
    assert me.post(f"/workers/me/exams/{small_exam.pk}/attempts").status_code == 409

    s, m = str(qid(small_exam, "s")), str(qid(small_exam, "m"))
    r = me.put(f"/workers/me/exam-attempts/{attempt['id']}/answers", {"answers": {s: [1]}})
    assert r.status_code == 200
    r = me.post(
        f"/workers/me/exam-attempts/{attempt['id']}/submit",
        {"answers": {m: [0, 2], str(qid(small_exam, "t")): [0]}},
    )
    result = r.json()
    assert (result["status"], result["score_percent"], result["passed"]) == (
        "submitted",
        67,
        True,
    )
    assert result["certification_id"] is not None
    by_id = {str(q["id"]): q for q in result["questions"]}
    assert by_id[s]["is_correct"] is True
    assert by_id[str(qid(small_exam, "t"))]["explanation"] == "错误"


def test_radar_endpoints(api, make_worker, make_employer, operator) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    r = api(worker.user).get("/workers/me/radar")
    assert r.status_code == 200
    assert len(r.json()["dimensions"]) == 8
    assert api(operator).get(f"/workers/{worker.pk}/radar").status_code == 200
    owner, _org = make_employer()
    assert api(owner).get(f"/workers/{worker.pk}/radar").status_code == 404
