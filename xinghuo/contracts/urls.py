"""The pages of contracts: mounted by config/urls.py in the "web" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    # Agreements (issue 5, A4): the worker reads, consents and signs; then downloads.
    path("worker/agreement/", views.worker_agreement, name="worker_agreement"),
    path("worker/agreement/pdf/", views.worker_agreement_pdf, name="worker_agreement_pdf"),
]
