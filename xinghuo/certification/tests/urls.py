"""The project's URLs with the certification router mounted on a test API in front of /api/v1/.

Until config/api.py mounts `xinghuo.certification.api.router`, the API tests use these URLs
(`@pytest.mark.urls`). Paths the test API does not know fall through to the project's.
"""

from django.urls import URLPattern, URLResolver, path
from ninja import NinjaAPI

from config.api import api as project_api
from config.urls import urlpatterns as project_urlpatterns
from xinghuo.accounts.auth import api_auth
from xinghuo.certification.api import router

certification_api = NinjaAPI(
    title="certification (tests)",
    auth=api_auth,
    urls_namespace="certification_test_api",
    docs_url=None,
)
for exc_class, handler in project_api._exception_handlers.items():
    certification_api.add_exception_handler(exc_class, handler)
certification_api.add_router("/", router)

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", certification_api.urls),
    *project_urlpatterns,
]
