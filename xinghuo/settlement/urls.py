"""The pages of settlement: mounted by config/urls.py in the "web" namespace."""

from django.urls import path

from . import views, views_bank, views_corrections

urlpatterns = [
    # Money (issue 4): the employer's escrow and statements, the worker's wallet, the
    # operator's payouts, reconciliation and tax declaration.
    path("employer/finance/", views.employer_finance, name="employer_finance"),
    path(
        "employer/finance/statement/",
        views.employer_statement,
        name="employer_statement",
    ),
    path("worker/wallet/", views.worker_wallet, name="worker_wallet"),
    path("worker/wallet/statement/", views.worker_statement, name="worker_statement"),
    path("operator/finance/", views.operator_finance, name="operator_finance"),
    path("operator/finance/bank/", views_bank.operator_bank, name="operator_bank"),
    path(
        "operator/finance/bank/declarations/<id:declaration_id>/receipt/",
        views_bank.operator_declaration_receipt,
        name="operator_declaration_receipt",
    ),
    path(
        "operator/corrections/",
        views_corrections.operator_corrections,
        name="operator_corrections",
    ),
    path(
        "operator/finance/declaration/",
        views.operator_declaration,
        name="operator_declaration",
    ),
]
