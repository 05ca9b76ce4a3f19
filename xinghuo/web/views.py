"""The three web front-ends' pages. Views parse input and call services; no ORM writes here."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts import services as account_services
from xinghuo.accounts.auth import client_ip, current_user
from xinghuo.accounts.exceptions import SecondFactorRequired
from xinghuo.accounts.selectors import Capability, has_capability
from xinghuo.core.api import is_id
from xinghuo.core.exceptions import ApplicationError
from xinghuo.work_orders import selectors as order_selectors
from xinghuo.work_orders.exceptions import WorkOrderNotFound
from xinghuo.workforce import selectors as workforce_selectors
from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.exceptions import WorkerNotFound

from . import selectors, views_security
from .forms import LoginForm, RegisterForm, ReviewForm, RoleChangeForm, StatusForm
from .views_security import safe_next

LANDING = {
    "operator": "web:operator_home",
    "employer": "web:employer_home",
    "worker": "web:worker_home",
}


def _landing_for(request: HttpRequest) -> str:
    kinds = account_selectors.user_kinds(user=current_user(request))
    for kind in ("worker", "employer", "operator"):
        if kind in kinds:
            return LANDING[kind]
    return "web:login"


def _role_choices() -> list[tuple[int, str]]:
    return [(r.pk, r.label) for r in workforce_selectors.role_list_for_worker()]


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("web:login")
    return redirect(_landing_for(request))


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
            return redirect(safe_next(request) or _landing_for(request))
    return render(
        request, "web/login.html", {"form": form, "next": safe_next(request)}, status=status
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None, roles=_role_choices(), initial={"kind": "worker"})
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
            return redirect(_landing_for(request))
    return render(request, "web/register.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def worker_home(request: HttpRequest) -> HttpResponse:
    try:
        worker = workforce_selectors.worker_for_user(user=current_user(request))
    except WorkerNotFound:
        return redirect("web:home")
    role_choices = [c for c in _role_choices() if c[0] != worker.role_id]
    role_form = RoleChangeForm(roles=role_choices)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "status":
                status_form = StatusForm(request.POST)
                if status_form.is_valid():
                    workforce_services.worker_set_status(
                        worker=worker, status=status_form.cleaned_data["status"]
                    )
                    messages.success(request, _("Status updated."))
            elif action == "role_change":
                role_form = RoleChangeForm(request.POST, roles=role_choices)
                if role_form.is_valid():
                    workforce_services.role_change_request_create(
                        worker=worker,
                        to_role_id=role_form.cleaned_data["to_role_id"],
                        reason=role_form.cleaned_data["reason"],
                    )
                    messages.success(request, _("Your request was sent for review."))
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        return redirect("web:worker_home")
    context = selectors.worker_dashboard(worker=worker)
    context["role_form"] = role_form
    context["steps"] = selectors.worker_onboarding(worker=worker)
    return render(request, "web/worker_home.html", context)


@login_required
def employer_home(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    orgs = list(account_selectors.organization_list_for_user(user=user))
    if not orgs:
        return redirect("web:home")
    org_id = request.GET.get("org")
    org = next((o for o in orgs if str(o.pk) == org_id), orgs[0])
    context = selectors.employer_dashboard(organization=org)
    context["organizations"] = orgs
    return render(request, "web/employer_home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def operator_home(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not has_capability(actor=user, capability=Capability.OPERATOR_CONSOLE):
        return redirect("web:home")
    if request.method == "POST":
        form = ReviewForm(request.POST)
        request_id = request.POST.get("request_id", "")
        if form.is_valid() and is_id(request_id):
            try:
                if form.cleaned_data["decision"] == "approve":
                    workforce_services.role_change_approve(
                        reviewer=user, request_id=int(request_id)
                    )
                    messages.success(request, _("Role change approved."))
                else:
                    workforce_services.role_change_reject(
                        reviewer=user,
                        request_id=int(request_id),
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, _("Role change rejected."))
            except ApplicationError as exc:
                messages.error(request, str(exc.message))
        return redirect("web:operator_home")
    return render(request, "web/operator_home.html", selectors.operator_dashboard(operator=user))


@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """Order files are not public: only the employer's members and the worker on the order."""
    try:
        data, content_type = order_selectors.attachment_content(
            user=current_user(request), attachment_id=attachment_id
        )
    except WorkOrderNotFound:
        raise Http404 from None
    response = HttpResponse(data, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
