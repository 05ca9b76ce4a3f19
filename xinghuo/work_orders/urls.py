"""The pages of work_orders: mounted by config/urls.py in the "web" namespace."""

from django.urls import path

from .views import employer, files, worker

urlpatterns = [
    path(
        "files/attachments/<id:attachment_id>/",
        files.attachment_download,
        name="attachment_download",
    ),
    # The employer's console: orders and the dispatch board.
    path("employer/orders/", employer.employer_orders, name="employer_orders"),
    path("employer/orders/new/", employer.employer_order_create, name="employer_order_create"),
    path(
        "employer/orders/<id:order_id>/",
        employer.employer_order_detail,
        name="employer_order_detail",
    ),
    path("employer/dispatch/", employer.employer_dispatch, name="employer_dispatch"),
    # The worker's H5: order hall, my orders, the steps on site, points, notifications.
    path("worker/orders/", worker.worker_hall, name="worker_hall"),
    path("worker/orders/mine/", worker.worker_my_orders, name="worker_my_orders"),
    path(
        "worker/orders/<id:order_id>/",
        worker.worker_order_detail,
        name="worker_order_detail",
    ),
    path(
        "worker/orders/<id:order_id>/grab/",
        worker.worker_order_grab,
        name="worker_order_grab",
    ),
    path("worker/points/", worker.worker_points, name="worker_points"),
    path("worker/notifications/", worker.worker_notifications, name="worker_notifications"),
]
