from django.urls import path

from . import views

# The shell's pages: the landing pages of the three consoles. Every app's pages are mounted
# next to these in the "web" namespace by config/urls.py.
urlpatterns = [
    path("", views.home, name="home"),
    path("worker/", views.worker_home, name="worker_home"),
    path("employer/", views.employer_home, name="employer_home"),
    path("operator/", views.operator_home, name="operator_home"),
]
