"""The project's URLs with the contracts router mounted on a test API in front of /api/v1/,
so the API tests do not depend on config/api.py mounting it."""

from django.urls import URLPattern, URLResolver, path
from ninja import NinjaAPI

from config.api import api as project_api
from config.urls import urlpatterns as project_urlpatterns
from xinghuo.accounts.auth import api_auth
from xinghuo.contracts.api import router

contracts_api = NinjaAPI(
    title="contracts (tests)", auth=api_auth, urls_namespace="contracts_test_api", docs_url=None
)
for exc_class, handler in project_api._exception_handlers.items():
    contracts_api.add_exception_handler(exc_class, handler)
contracts_api.add_router("/", router)

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", contracts_api.urls),
    *project_urlpatterns,
]
