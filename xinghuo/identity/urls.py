"""The pages of identity: mounted by config/urls.py in the "web" namespace."""

from django.urls import path

from . import views, views_employer

urlpatterns = [
    # Identity (issue 5, A1–A2): the worker's verification flow, the operators' review.
    path("worker/identity/", views.worker_identity, name="worker_identity"),
    path("operator/identities/", views.operator_identities, name="operator_identities"),
    path(
        "operator/identities/<id:verification_id>/",
        views.operator_identity_detail,
        name="operator_identity_detail",
    ),
    # Employer verification (企业认证, MISSION A1/A2): the employer's form and status, the
    # operators' review queue with the audited licence reveal.
    path(
        "employer/verification/",
        views_employer.employer_verification,
        name="employer_verification",
    ),
    path(
        "operator/employers/",
        views_employer.operator_employers,
        name="operator_employers",
    ),
]
