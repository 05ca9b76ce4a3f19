from django.urls import path, register_converter

from xinghuo.core.api import IdConverter

from . import (
    views,
    views_autoassign,
    views_bank,
    views_certification,
    views_contracts,
    views_corrections,
    views_dashboards,
    views_identity,
    views_identity_employer,
    views_maps,
    views_orders,
    views_security,
    views_settlement,
)

# Ids in page URLs stop below 2^63: a longer one is not found rather than a server error.
register_converter(IdConverter, "id")

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("login/otp/", views_security.login_otp_view, name="login_otp"),
    path("account/2fa/", views_security.otp_setup, name="otp_setup"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register_view, name="register"),
    path("worker/", views.worker_home, name="worker_home"),
    path("employer/", views.employer_home, name="employer_home"),
    path("operator/", views.operator_home, name="operator_home"),
    path(
        "files/attachments/<id:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    # The employer's console: orders and the dispatch board.
    path("employer/orders/", views_orders.employer_orders, name="employer_orders"),
    path("employer/orders/new/", views_orders.employer_order_create, name="employer_order_create"),
    path(
        "employer/orders/<id:order_id>/",
        views_orders.employer_order_detail,
        name="employer_order_detail",
    ),
    path("employer/dispatch/", views_orders.employer_dispatch, name="employer_dispatch"),
    path(
        "employer/dispatch/auto/",
        views_autoassign.employer_auto_assign,
        name="employer_auto_assign",
    ),
    # The worker's H5: order hall, my orders, the steps on site, points, notifications.
    path("worker/orders/", views_orders.worker_hall, name="worker_hall"),
    path("worker/orders/mine/", views_orders.worker_my_orders, name="worker_my_orders"),
    path(
        "worker/orders/<id:order_id>/",
        views_orders.worker_order_detail,
        name="worker_order_detail",
    ),
    path(
        "worker/orders/<id:order_id>/grab/",
        views_orders.worker_order_grab,
        name="worker_order_grab",
    ),
    path("worker/points/", views_orders.worker_points, name="worker_points"),
    path("worker/notifications/", views_orders.worker_notifications, name="worker_notifications"),
    # Money (issue 4): the employer's escrow and statements, the worker's wallet, the
    # operator's payouts, reconciliation and tax declaration.
    path("employer/finance/", views_settlement.employer_finance, name="employer_finance"),
    path(
        "employer/finance/statement/",
        views_settlement.employer_statement,
        name="employer_statement",
    ),
    path("worker/wallet/", views_settlement.worker_wallet, name="worker_wallet"),
    path("worker/wallet/statement/", views_settlement.worker_statement, name="worker_statement"),
    path("operator/finance/", views_settlement.operator_finance, name="operator_finance"),
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
        views_settlement.operator_declaration,
        name="operator_declaration",
    ),
    # Dashboards (issue 7): statistics with charts for the three consoles.
    path("employer/dashboard/", views_dashboards.employer_dashboard, name="employer_dashboard"),
    path(
        "employer/dashboard/export/",
        views_dashboards.employer_dashboard_export,
        name="employer_dashboard_export",
    ),
    path("worker/stats/", views_dashboards.worker_stats, name="worker_stats"),
    path("operator/dashboard/", views_dashboards.operator_dashboard, name="operator_dashboard"),
    # Maps (issue 7): resource map, live status map, track replay, the worker's route.
    path("employer/map/", views_maps.employer_map, name="employer_map"),
    path(
        "employer/map/markers.json",
        views_maps.employer_map_markers,
        name="employer_map_markers",
    ),
    path("employer/live/", views_maps.employer_live, name="employer_live"),
    path(
        "employer/live/positions.json",
        views_maps.employer_live_positions,
        name="employer_live_positions",
    ),
    path(
        "employer/orders/<id:order_id>/replay/",
        views_maps.employer_order_replay,
        name="employer_order_replay",
    ),
    path("worker/route/", views_maps.worker_route, name="worker_route"),
    # Certification (issue 5, B1–B4): certifications, exams, skill radar, review queue.
    path(
        "worker/certifications/",
        views_certification.worker_certifications,
        name="worker_certifications",
    ),
    path("worker/exams/", views_certification.worker_exams, name="worker_exams"),
    path(
        "worker/exams/attempts/<id:attempt_id>/",
        views_certification.worker_exam_take,
        name="worker_exam_take",
    ),
    path(
        "worker/exams/attempts/<id:attempt_id>/result/",
        views_certification.worker_exam_result,
        name="worker_exam_result",
    ),
    path("worker/radar/", views_certification.worker_radar, name="worker_radar"),
    path(
        "employer/workers/<id:worker_id>/radar/",
        views_certification.employer_worker_radar,
        name="employer_worker_radar",
    ),
    path(
        "operator/certifications/",
        views_certification.operator_certifications,
        name="operator_certifications",
    ),
    path(
        "files/certifications/<id:file_id>/",
        views_certification.certification_file_download,
        name="certification_file_download",
    ),
    # Agreements (issue 5, A4): the worker reads, consents and signs; then downloads.
    path("worker/agreement/", views_contracts.worker_agreement, name="worker_agreement"),
    path(
        "worker/agreement/pdf/", views_contracts.worker_agreement_pdf, name="worker_agreement_pdf"
    ),
    # Identity (issue 5, A1–A2): the worker's verification flow, the operators' review.
    path("worker/identity/", views_identity.worker_identity, name="worker_identity"),
    path("operator/identities/", views_identity.operator_identities, name="operator_identities"),
    path(
        "operator/identities/<id:verification_id>/",
        views_identity.operator_identity_detail,
        name="operator_identity_detail",
    ),
    # Employer verification (企业认证, MISSION A1/A2): the employer's form and status, the
    # operators' review queue with the audited licence reveal.
    path(
        "employer/verification/",
        views_identity_employer.employer_verification,
        name="employer_verification",
    ),
    path(
        "operator/employers/",
        views_identity_employer.operator_employers,
        name="operator_employers",
    ),
]
