from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

from xinghuo.accounts import urls as accounts_urls
from xinghuo.accounts import views_security
from xinghuo.analytics import urls as analytics_urls
from xinghuo.certification import urls as certification_urls
from xinghuo.contracts import urls as contracts_urls
from xinghuo.dispatch import urls as dispatch_urls
from xinghuo.identity import urls as identity_urls
from xinghuo.settlement import urls as settlement_urls
from xinghuo.web import urls as web_urls
from xinghuo.work_orders import urls as work_orders_urls

from .api import api

# Every page keeps its name in the one "web" namespace ({% url "web:worker_hall" %}),
# whichever app it lives in.
pages = [
    *web_urls.urlpatterns,
    *accounts_urls.urlpatterns,
    *work_orders_urls.urlpatterns,
    *dispatch_urls.urlpatterns,
    *settlement_urls.urlpatterns,
    *analytics_urls.urlpatterns,
    *certification_urls.urlpatterns,
    *contracts_urls.urlpatterns,
    *identity_urls.urlpatterns,
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    # One login path: the admin's login is the web login (throttled, second factor).
    path("admin/login/", views_security.admin_login),
    path("admin/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url=static_url("favicon.svg"), permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include((pages, "web"))),
]
# Uploaded files are never served as public media: see work_orders.views.files.attachment_download.
