"""The pages of certification: mounted by config/urls.py in the "web" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    # Certification (issue 5, B1–B4): certifications, exams, skill radar, review queue.
    path(
        "worker/certifications/",
        views.worker_certifications,
        name="worker_certifications",
    ),
    path("worker/exams/", views.worker_exams, name="worker_exams"),
    path(
        "worker/exams/attempts/<id:attempt_id>/",
        views.worker_exam_take,
        name="worker_exam_take",
    ),
    path(
        "worker/exams/attempts/<id:attempt_id>/result/",
        views.worker_exam_result,
        name="worker_exam_result",
    ),
    path("worker/radar/", views.worker_radar, name="worker_radar"),
    path(
        "employer/workers/<id:worker_id>/radar/",
        views.employer_worker_radar,
        name="employer_worker_radar",
    ),
    path(
        "operator/certifications/",
        views.operator_certifications,
        name="operator_certifications",
    ),
    path(
        "files/certifications/<id:file_id>/",
        views.certification_file_download,
        name="certification_file_download",
    ),
]
