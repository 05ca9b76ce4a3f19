"""The login's second step and the operators' second-factor set-up (issue 12)."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from xinghuo.accounts import services as account_services
from xinghuo.accounts import services_otp
from xinghuo.accounts.auth import client_ip, current_user
from xinghuo.accounts.selectors import is_operator
from xinghuo.core.exceptions import ApplicationError

PENDING_KEY = "login_second_factor"
PENDING_SECONDS = 300  # the code must follow the password within five minutes


class OtpForm(forms.Form):
    otp = forms.CharField(
        label=gettext_lazy("6-digit code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def second_factor_pending(request: HttpRequest, *, user_id: int) -> None:
    """Remember, in this session only, that `user_id` gave the right password just now."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {"user": user_id, "at": time.time()}


def _pending_user_id(request: HttpRequest) -> int | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return int(pending["user"])


def safe_next(request: HttpRequest) -> str:
    """The `next` page of the request when it is one of ours; "" otherwise."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@require_http_methods(["GET", "POST"])
def login_otp_view(request: HttpRequest) -> HttpResponse:
    """The login's second step for operators with an authenticator app."""
    user_id = _pending_user_id(request)
    if user_id is None:
        return redirect("web:login")
    form = OtpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.user_authenticate_second_factor(
                user_id=user_id, otp_token=form.cleaned_data["otp"], client_ip=client_ip(request)
            )
        except ApplicationError as exc:
            form.add_error("otp" if exc.code == "invalid_otp" else None, str(exc.message))
            status = 429 if exc.status_code == 429 else 200
        else:
            request.session.pop(PENDING_KEY, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            device = services_otp.totp_device_for(user=user)
            if device is not None:
                otp_login(request, device)
            return redirect(safe_next(request) or "web:home")
    return render(
        request,
        "accounts/login_otp.html",
        {"form": form, "next": safe_next(request)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """An operator sets up his authenticator app: scan, then confirm with one code."""
    user = current_user(request)
    if not is_operator(user=user):
        return redirect("web:home")
    device = services_otp.totp_device_for(user=user)
    if device is not None:
        return render(request, "accounts/otp_setup.html", {"enrolled": True})
    pending = services_otp.totp_enrolment_start(user=user)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services_otp.totp_enrolment_confirm(user=user, token=form.cleaned_data["otp"])
        except ApplicationError as exc:
            form.add_error("otp", str(exc.message))
        else:
            otp_login(request, device)
            messages.success(request, _("Two-step login is on."))
            return redirect(safe_next(request) or "web:operator_home")
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "enrolled": False,
            "form": form,
            "qr_svg": services_otp.totp_qr_svg(pending),
            "secret": services_otp.totp_secret(pending),
            "next": safe_next(request),
        },
    )


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin has no login form of its own: it is the web login, with its delays and
    the second factor, coming back to the admin afterwards."""
    target = safe_next(request) or reverse("admin:index")
    return redirect(f"{reverse('web:login')}?{urlencode({'next': target})}")
