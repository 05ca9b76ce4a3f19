"""The three web front-ends' pages. Views parse input and call services; no ORM writes here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xinghuo.accounts.selectors import Capability
from xinghuo.core.api import is_id
from xinghuo.core.exceptions import ApplicationError
from xinghuo.workforce import selectors as workforce_selectors
from xinghuo.workforce import services as workforce_services

from . import selectors
from .forms import ReviewForm, RoleChangeForm, StatusForm
from .scope import current_operator, current_worker, employer_scope, landing_for


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("web:login")
    return redirect(landing_for(request))


@login_required
@require_http_methods(["GET", "POST"])
def worker_home(request: HttpRequest) -> HttpResponse:
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    role_choices = [c for c in workforce_selectors.role_choices() if c[0] != worker.role_id]
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
    scope = employer_scope(request)
    if scope is None:
        return redirect("web:home")
    context = selectors.employer_dashboard(organization=scope.organization)
    context["organizations"] = scope.organizations
    return render(request, "web/employer_home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def operator_home(request: HttpRequest) -> HttpResponse:
    user = current_operator(request, Capability.OPERATOR_CONSOLE)
    if user is None:
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
