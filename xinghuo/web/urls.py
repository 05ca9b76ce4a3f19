from django.urls import path

from . import views, views_orders

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register_view, name="register"),
    path("worker/", views.worker_home, name="worker_home"),
    path("employer/", views.employer_home, name="employer_home"),
    path("operator/", views.operator_home, name="operator_home"),
    path(
        "files/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    # The employer's console: orders and the dispatch board.
    path("employer/orders/", views_orders.employer_orders, name="employer_orders"),
    path("employer/orders/new/", views_orders.employer_order_create, name="employer_order_create"),
    path(
        "employer/orders/<int:order_id>/",
        views_orders.employer_order_detail,
        name="employer_order_detail",
    ),
    path("employer/dispatch/", views_orders.employer_dispatch, name="employer_dispatch"),
    # The worker's H5: order hall, my orders, the steps on site, points, notifications.
    path("worker/orders/", views_orders.worker_hall, name="worker_hall"),
    path("worker/orders/mine/", views_orders.worker_my_orders, name="worker_my_orders"),
    path(
        "worker/orders/<int:order_id>/",
        views_orders.worker_order_detail,
        name="worker_order_detail",
    ),
    path(
        "worker/orders/<int:order_id>/grab/",
        views_orders.worker_order_grab,
        name="worker_order_grab",
    ),
    path("worker/points/", views_orders.worker_points, name="worker_points"),
    path("worker/notifications/", views_orders.worker_notifications, name="worker_notifications"),
]
