"""How API callers authenticate: a bearer token, or the web session (with CSRF)."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer, SessionAuth

from xinghuo.core.exceptions import PermissionDenied, Unauthorized
from xinghuo.core.proxies import client_address

from .capabilities import is_operator
from .exceptions import SecondFactorEnrolmentRequired
from .models import User
from .services import api_token_authenticate
from .services_otp import operator_must_enrol, unverified_session_lack


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = api_token_authenticate(raw=token)
        if api_token is None:
            return None
        if api_token.user.is_staff and operator_must_enrol(user=api_token.user):
            # A token from before the second factor became required: not a way around it.
            raise SecondFactorEnrolmentRequired(
                _("Set up your second factor (authenticator app) first.")
            )
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class SessionCsrfAuth(SessionAuth):
    """The web session, CSRF-checked only when there is a logged-in session: a caller with
    neither a token nor a session is unauthenticated (401), not a CSRF failure (403)."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        """An operator's session counts only once it gave the second factor — also when the
        web middleware let the call through because it carries some Authorization header."""
        user = request.user
        if isinstance(user, User) and user.is_staff and not _session_verified(user):
            lack = unverified_session_lack(user=user)
            if lack == "otp_required":
                raise Unauthorized(
                    _("Log in again with your authenticator code."), code="otp_required"
                )
            if lack == "otp_enrolment":
                raise SecondFactorEnrolmentRequired(
                    _("Set up your second factor (authenticator app) first.")
                )
        return super().authenticate(request, key)


def _session_verified(user: User) -> bool:
    is_verified = getattr(user, "is_verified", None)  # set by django_otp's OTPMiddleware
    return bool(is_verified()) if callable(is_verified) else False


api_auth = [BearerTokenAuth(), SessionCsrfAuth()]


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: X-Forwarded-For only as far as TRUSTED_PROXIES (or
    TRUSTED_PROXY_COUNT) vouch for it — see core.proxies and docs/operations.md."""
    return client_address(request)


def current_user(request: HttpRequest) -> User:
    """The authenticated caller (the API's auth has run before any endpoint)."""
    return cast(User, request.user)


def require_operator(request: HttpRequest) -> User:
    """The caller if he is a platform operator; PermissionDenied otherwise."""
    user = current_user(request)
    if not is_operator(user=user):
        raise PermissionDenied(_("Only platform operators may do this."), code="operator_only")
    return user
