"""The one NinjaAPI at /api/v1/ and the mapping of every error to JSON.

Every 4xx answer has the body ``{"code": str, "message": str, "detail": {...}}``;
the message follows the request's language (Chinese by default, English with
``Accept-Language: en``).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from xinghuo.accounts.api import router as accounts_router
from xinghuo.accounts.auth import api_auth
from xinghuo.certification.api import router as certification_router
from xinghuo.contracts.api import router as contracts_router
from xinghuo.core.api import XinghuoAPI
from xinghuo.core.exceptions import ApplicationError
from xinghuo.dispatch.api import router as dispatch_router
from xinghuo.dispatch.api_routing import router as routing_router
from xinghuo.identity.api import router as identity_router
from xinghuo.identity.api_employer import router as employer_verification_router
from xinghuo.notifications.api import router as notifications_router
from xinghuo.regions.api import router as regions_router
from xinghuo.settlement.api import router as settlement_router
from xinghuo.work_orders.api import router as work_orders_router
from xinghuo.work_orders.api_channels import router as channels_router
from xinghuo.workforce.api import router as workforce_router

api = XinghuoAPI(
    title="Xinghuo API",
    version="1",
    description="星火 telecom field-work platform. Authenticate with `Authorization: Bearer xh_…` "
    "from POST /api/v1/auth/login, or with the web session (CSRF token required).",
    auth=api_auth,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_body(code: str, message: str, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "detail": detail or {}}


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    response = api.create_response(
        request, error_body(exc.code, str(exc.message), exc.detail), status=exc.status_code
    )
    if isinstance(exc.detail.get("retry_after"), int):  # login delays (issue 12)
        response["Retry-After"] = str(exc.detail["retry_after"])
    return response


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for e in exc.errors:
        loc = [str(p) for p in e.get("loc", ())] or ["body"]
        # Body errors are located as ["body", <parameter name>, field…]: drop the parameter.
        field_path = loc[2:] if loc[0] == "body" else loc[1:]
        errors.append(
            {
                "field": ".".join(field_path) or None,
                "location": loc[0],
                "message": e.get("msg", ""),
                "type": e.get("type", ""),
            }
        )
    return api.create_response(
        request,
        error_body("validation_error", _("The request is not valid."), {"errors": errors}),
        status=422,
    )


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        error_body("unauthorized", _("Log in first: the token is missing, expired or revoked.")),
        status=401,
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(
        request, error_body("http_error", str(exc.message)), status=exc.status_code
    )


api.add_router("/", accounts_router)
api.add_router("/", regions_router)
api.add_router("/", workforce_router)
# Channels first: their fixed paths (…/work-orders/import) must win over …/{order_id}.
api.add_router("/", channels_router)
api.add_router("/", work_orders_router)
api.add_router("/", dispatch_router)
api.add_router("/", routing_router)
api.add_router("/", notifications_router)
api.add_router("/", settlement_router)
api.add_router("/", identity_router)
api.add_router("/", employer_verification_router)
api.add_router("/", certification_router)
api.add_router("/", contracts_router)
