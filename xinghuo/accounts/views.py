"""Log in, log out, register: the one login page for workers, employers and operators."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinghuo.accounts import services as account_services
from xinghuo.accounts.auth import client_ip
from xinghuo.accounts.exceptions import SecondFactorRequired
from xinghuo.core.exceptions import ApplicationError
from xinghuo.web.scope import landing_for
from xinghuo.workforce import selectors as workforce_selectors
from xinghuo.workforce import services as workforce_services

from . import views_security
from .forms import LoginForm, RegisterForm
from .views_security import safe_next


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """The one login page: workers, employers, operators and (via /admin/login/) the admin,
    all through accounts.services.user_authenticate and its delays."""
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.user_authenticate(
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password"],
                client_ip=client_ip(request),
            )
        except SecondFactorRequired as exc:
            views_security.second_factor_pending(request, user_id=exc.user_id)
            target = reverse("web:login_otp")
            nxt = safe_next(request)
            return redirect(f"{target}?{urlencode({'next': nxt})}" if nxt else target)
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
            status = exc.status_code if exc.status_code == 429 else 200
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(safe_next(request) or landing_for(request))
    return render(
        request, "accounts/login.html", {"form": form, "next": safe_next(request)}, status=status
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(
        request.POST or None, roles=workforce_selectors.role_choices(), initial={"kind": "worker"}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account_services.registration_attempt(client_ip=client_ip(request))
            if data["kind"] == "worker":
                user = workforce_services.worker_register(
                    phone=data["phone"],
                    password=data["password"],
                    name=data["name"],
                    role_id=data["role_id"],
                ).user
            else:
                user, _org = account_services.employer_register(
                    phone=data["phone"],
                    password=data["password"],
                    name=data["name"],
                    organization_name=data["organization_name"],
                    credit_code=data["credit_code"],
                )
        except ApplicationError as exc:
            field = exc.detail.get("field")
            form.add_error(field if field in form.fields else None, str(exc.message))
            for reason in exc.detail.get("reasons", []):
                form.add_error(field if field in form.fields else None, reason)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to Xinghuo!"))
            return redirect(landing_for(request))
    return render(request, "accounts/register.html", {"form": form})
