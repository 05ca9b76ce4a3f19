"""The pages of settlement: mounted by config/urls.py in the "web" namespace."""

from django.urls import path

from .views import bank, corrections, employer, operator, worker

urlpatterns = [
    # Money (issue 4): the employer's escrow and statements, the worker's wallet, the
    # operator's payouts, reconciliation and tax declaration.
    path("employer/finance/", employer.employer_finance, name="employer_finance"),
    path(
        "employer/finance/statement/",
        employer.employer_statement,
        name="employer_statement",
    ),
    path("worker/wallet/", worker.worker_wallet, name="worker_wallet"),
    path("worker/wallet/statement/", worker.worker_statement, name="worker_statement"),
    path("operator/finance/", operator.operator_finance, name="operator_finance"),
    path("operator/finance/bank/", bank.operator_bank, name="operator_bank"),
    path(
        "operator/finance/bank/declarations/<id:declaration_id>/receipt/",
        bank.operator_declaration_receipt,
        name="operator_declaration_receipt",
    ),
    path(
        "operator/corrections/",
        corrections.operator_corrections,
        name="operator_corrections",
    ),
    path(
        "operator/finance/declaration/",
        operator.operator_declaration,
        name="operator_declaration",
    ),
]
