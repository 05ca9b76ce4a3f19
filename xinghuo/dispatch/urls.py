"""The pages of dispatch: mounted by config/urls.py in the "web" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "employer/dispatch/auto/",
        views.employer_auto_assign,
        name="employer_auto_assign",
    ),
    path("worker/route/", views.worker_route, name="worker_route"),
]
