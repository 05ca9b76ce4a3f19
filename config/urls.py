from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

from xinghuo.web import views_security

from .api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    # One login path: the admin's login is the web login (throttled, second factor).
    path("admin/login/", views_security.admin_login),
    path("admin/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url=static_url("favicon.svg"), permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("xinghuo.web.urls")),
]
# Uploaded files are never served as public media: see web.views.attachment_download.
