"""Errors that services raise and the API turns into JSON.

Every application error has a stable machine-readable ``code``, a message for
people (translated: Chinese by default, English on request) and optional
``detail``. The API maps them to ``{"code", "message", "detail"}`` with the
status given by the class.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class ApplicationError(Exception):
    status_code = 400
    default_code = "invalid"

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code or self.default_code
        self.detail = detail or {}


class ValidationFailed(ApplicationError):
    status_code = 422
    default_code = "validation_error"


class NotFound(ApplicationError):
    """The object does not exist *or* the caller may not see it: same answer for both."""

    status_code = 404
    default_code = "not_found"


class PermissionDenied(ApplicationError):
    status_code = 403
    default_code = "permission_denied"


class Conflict(ApplicationError):
    status_code = 409
    default_code = "conflict"


class RateLimited(ApplicationError):
    status_code = 429
    default_code = "rate_limited"


class Unauthorized(ApplicationError):
    status_code = 401
    default_code = "unauthorized"
