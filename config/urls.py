from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

from .api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url=static_url("favicon.svg"), permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("xinghuo.web.urls")),
]
# Uploaded files are never served as public media: see web.views.attachment_download.
