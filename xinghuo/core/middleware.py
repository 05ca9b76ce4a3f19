"""The request guard: refuses, before any view runs, what no view should have to handle.

- A body larger than the request limit (413 ``payload_too_large``): by its declared
  Content-Length, and — for a body without one — when Django's own limit trips
  (``RequestDataTooBig``) anywhere later.
- A body or query Django cannot parse — a broken multipart body, more fields or files than
  DATA_UPLOAD_MAX_NUMBER_FIELDS / _FILES (400 ``bad_request``).
- A NUL character in the path, the query, a form field or a JSON string (422
  ``nul_character``): PostgreSQL cannot store one in text, and no legitimate input has one.

Both answers are the API's JSON error body, with nothing changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

# \u0000 in JSON text, unless its backslash is itself escaped ("\\u0000" is six characters).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def error_response(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "detail": {}}, status=status)


def payload_too_large(limit: int) -> JsonResponse:
    return error_response(
        413,
        "payload_too_large",
        _("The request is too large (at most %(mb)s MB).") % {"mb": round(limit / 2**20, 1)},
    )


def nul_character() -> JsonResponse:
    return error_response(
        422, "nul_character", _("The request contains a NUL character, which is not allowed.")
    )


def bad_request() -> JsonResponse:
    return error_response(400, "bad_request", _("The request cannot be read."))


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in v for v in values):
            return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    content_type = request.content_type or ""
    if content_type in _FORM_TYPES:
        for key, values in request.POST.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                return True
        return False
    body = request.body
    return b"\x00" in body or (content_type.endswith("json") and bool(_JSON_NUL.search(body)))


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _declared_length(request)
        limit = _limit(request.META.get("CONTENT_TYPE", ""))
        if length > limit:
            return payload_too_large(limit)
        try:
            if _has_nul(request):
                return nul_character()
        except RequestDataTooBig:
            return payload_too_large(limit)
        except (MultiPartParserError, BadRequest, SuspiciousOperation):
            # A broken multipart body, too many fields or files: the JSON 400, not a page.
            return bad_request()
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if isinstance(exception, RequestDataTooBig):
            return payload_too_large(_limit(request.META.get("CONTENT_TYPE", "")))
        return None


def _limit(content_type: str) -> int:
    # Uploads stream to disk, so they may be larger than a body read into memory.
    if content_type.startswith("multipart/"):
        return int(settings.REQUEST_MAX_BYTES)
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or settings.REQUEST_MAX_BYTES)
