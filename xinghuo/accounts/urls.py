"""The pages of accounts: mounted by config/urls.py in the "web" namespace."""

from django.urls import path

from . import views, views_security

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/otp/", views_security.login_otp_view, name="login_otp"),
    path("account/2fa/", views_security.otp_setup, name="otp_setup"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register_view, name="register"),
]
