"""Operators' second factor in front of every page, the admin and session API calls."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.models import User
from xinghuo.accounts.selectors import is_operator
from xinghuo.core.middleware import error_response


def _exempt_prefixes() -> tuple[str, ...]:
    pages = []
    for name in ("web:login", "web:logout", "web:otp_setup"):  # login also covers /login/otp/
        try:
            pages.append(reverse(name))
        except NoReverseMatch:  # a URLconf without the pages (the admin alone)
            continue
    return (*pages, "/static/", "/i18n/", "/favicon.ico")


class OperatorSecondFactorMiddleware:
    """An operator's session counts only once his second factor is verified.

    - he has a confirmed device but this session never gave a code (it began before the
      device was confirmed): the session ends and he logs in again, with the code;
    - OPERATOR_2FA_REQUIRED and no device yet: every page sends him to the set-up.

    Bearer-token API calls are not sessions: tokens are issued by the login with the code
    (accounts.api.login), so they are left to the API's own authentication.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            isinstance(user, User)
            and is_operator(user=user)
            and not user.is_verified()  # type: ignore[attr-defined]  # set by OTPMiddleware
            and not request.path.startswith(_exempt_prefixes())
            and not (request.path.startswith("/api/") and "authorization" in request.headers)
        ):
            refused = self._refuse(request, user)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _refuse(self, request: HttpRequest, user: User) -> HttpResponse | None:
        is_api = request.path.startswith("/api/")
        lack = account_selectors.unverified_session_lack(user=user)
        if lack == "otp_required":
            logout(request)
            if is_api:
                return error_response(
                    401, "otp_required", _("Log in again with your authenticator code.")
                )
            return redirect(
                f"{reverse('web:login')}?{urlencode({'next': request.get_full_path()})}"
            )
        if lack == "otp_enrolment":
            if is_api:
                return error_response(
                    403,
                    "otp_enrolment_required",
                    _("Set up your second factor (authenticator app) first."),
                )
            return redirect(
                f"{reverse('web:otp_setup')}?{urlencode({'next': request.get_full_path()})}"
            )
        return None
