from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register_view, name="register"),
    path("worker/", views.worker_home, name="worker_home"),
    path("employer/", views.employer_home, name="employer_home"),
    path("operator/", views.operator_home, name="operator_home"),
]
