"""The employer's console: orders (list, create, detail and its actions) and the dispatch
board.

Views parse input and call services; reads go through selectors. An order outside the
caller's scope is a 404, exactly like a missing one, so its existence does not leak.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xinghuo.core.api import is_id
from xinghuo.core.exceptions import ApplicationError
from xinghuo.dispatch import selectors as dispatch_selectors
from xinghuo.dispatch import services as dispatch_services
from xinghuo.regions import selectors as region_selectors
from xinghuo.web import selectors
from xinghuo.web.scope import (
    EmployerScope,
    employer_order,
    employer_scope,
    paginate,
    show_service_error,
    yuan,
)
from xinghuo.work_orders import selectors as order_selectors
from xinghuo.work_orders import services as order_services
from xinghuo.work_orders.exceptions import WorkOrderNotFound
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workflows import services as workflows
from xinghuo.workforce import selectors as workforce_selectors

from ..forms import (
    KIND_CHOICES,
    AcceptForm,
    AssignForm,
    CancelForm,
    OrderCreateForm,
    OrderFilterForm,
    RejectForm,
    yuan_to_fen,
)
from ._common import S, timeline


def _order_url(name: str, order: WorkOrder) -> str:
    return f"{reverse(name, args=[order.pk])}?org={order.organization_id}"


@login_required
def employer_orders(request: HttpRequest) -> HttpResponse:
    scope = employer_scope(request)
    if scope is None:
        return redirect("web:home")
    form = OrderFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    orders = order_selectors.order_list_for_organization(
        organization=scope.organization,
        status=filters.get("status") or None,
        priority=filters.get("priority") or None,
        search=filters.get("q") or None,
    )
    page = paginate(request, orders)
    counts = order_selectors.order_status_counts(organization=scope.organization)
    return render(
        request,
        "work_orders/employer_list.html",
        scope.context(
            form=form,
            page_obj=page,
            rows=[{"order": o, "price_yuan": yuan(o.price_fen)} for o in page],
            status_counts=[
                {"value": value, "label": label, "count": counts.get(value, 0)}
                for value, label in S.choices
            ],
            total=sum(counts.values()),
            nav="orders",
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def employer_order_create(request: HttpRequest) -> HttpResponse:
    scope = employer_scope(request)
    if scope is None:
        return redirect("web:home")
    org = scope.organization
    form = OrderCreateForm(
        request.POST or None,
        sites=[
            (s.pk, f"{s.name} ({s.code}) · {s.region.name}")
            for s in region_selectors.site_list(organization=org)
        ],
        roles=[(r.pk, r.label) for r in workforce_selectors.role_list(organization=org)],
        skills=[(s.pk, s.label) for s in workforce_selectors.skill_list()],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft = order_services.OrderDraft(
            site_id=data["site_id"],
            title=data["title"],
            deadline_at=data["deadline_at"],
            kind=data["kind"],
            description=data["description"],
            required_role_id=data["required_role_id"],
            required_skill_ids=tuple(data["required_skill_ids"]),
            priority=data["priority"],
            earliest_start_at=data["earliest_start_at"],
            estimated_minutes=data["estimated_minutes"],
            price_fen=yuan_to_fen(data["price_yuan"]),
            base_points=data["base_points"],
        )
        try:
            result = workflows.work_order_create(
                actor=scope.user, organization=org, draft=draft, publish=data["publish"]
            )
        except ApplicationError as exc:
            show_service_error(form, exc, OrderCreateForm.SERVICE_FIELDS)
        else:
            order = result.order
            if order.status == S.PUBLISHED:
                messages.success(request, _("Order created and published."))
            else:
                messages.success(request, _("Order saved as a draft."))
            return redirect(_order_url("web:employer_order_detail", order))
    return render(
        request,
        "work_orders/employer_create.html",
        scope.context(form=form, has_sites=bool(form.fields["site_id"].choices), nav="create"),  # type: ignore[attr-defined]
    )


EMPLOYER_ACTIONS: dict[str, type[forms.Form]] = {
    "cancel": CancelForm,
    "accept": AcceptForm,
    "reject": RejectForm,
}


def _employer_action(
    scope: EmployerScope, order: WorkOrder, action: str, form: forms.Form | None
) -> str:
    """Run one of the employer's actions on the order; returns the success message."""
    org, actor = scope.organization, scope.user
    if action == "publish":
        workflows.work_order_publish(actor=actor, organization=org, order_id=order.pk)
        return _("Order published.")
    assert form is not None
    data = form.cleaned_data
    if action == "cancel":
        workflows.work_order_cancel(
            actor=actor, organization=org, order_id=order.pk, reason=data["reason"]
        )
        return _("Order cancelled.")
    if action == "accept":
        workflows.work_order_accept(
            actor=actor,
            organization=org,
            order_id=order.pk,
            rating=data["rating"],
            comment=data["comment"],
        )
        return _("Work accepted; the worker's points were awarded.")
    order_services.work_order_reject(
        actor=actor, organization=org, order_id=order.pk, reason=data["reason"]
    )
    return _("Work sent back for rework.")


@login_required
@require_http_methods(["GET", "POST"])
def employer_order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    scope = employer_scope(request)
    if scope is None:
        return redirect("web:home")
    order = employer_order(scope, order_id)
    action_forms: dict[str, forms.Form] = {
        name: cls(auto_id=f"{name}-%s") for name, cls in EMPLOYER_ACTIONS.items()
    }
    if request.method == "POST":
        action = request.POST.get("action", "")
        form = None
        if action in EMPLOYER_ACTIONS:
            form = EMPLOYER_ACTIONS[action](request.POST, auto_id=f"{action}-%s")
            action_forms[action] = form
        if action == "publish" or (form is not None and form.is_valid()):
            try:
                done = _employer_action(scope, order, action, form)
            except WorkOrderNotFound:
                raise Http404 from None
            except ApplicationError as exc:
                if form is not None:
                    show_service_error(form, exc, {})
                else:
                    messages.error(request, str(exc.message))
            else:
                messages.success(request, done)
                return redirect(_order_url("web:employer_order_detail", order))
        elif form is None:
            messages.error(request, _("Unknown action."))
    status = order.status
    points_entry = selectors.order_points_entry(order=order) if status == S.ACCEPTED else None
    actions = order_selectors.order_allowed_actions(order=order, actor=scope.user)
    return render(
        request,
        "work_orders/employer_detail.html",
        scope.context(
            order=order,
            kind_label=dict(KIND_CHOICES).get(order.kind, order.kind),
            price_yuan=yuan(order.price_fen),
            timeline=timeline(order),
            attachments=selectors.order_attachments(order=order),
            map_data=selectors.order_map(order=order),
            points_entry=points_entry,
            offers=list(dispatch_selectors.assignment_offers_for_order(order=order)[:10]),
            can_publish="publish" in actions,
            can_cancel="cancel" in actions,
            can_review="accept" in actions,
            can_assign="assign" in actions,
            can_replay=status in S.FINISHED,
            cancel_form=action_forms["cancel"],
            accept_form=action_forms["accept"],
            reject_form=action_forms["reject"],
            nav="orders",
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def employer_dispatch(request: HttpRequest) -> HttpResponse:
    scope = employer_scope(request)
    if scope is None:
        return redirect("web:home")
    order_id = request.GET.get("order", "")
    selected = employer_order(scope, int(order_id)) if is_id(order_id) else None
    if request.method == "POST":
        form = AssignForm(request.POST)
        if selected is None or not form.is_valid():
            messages.error(request, _("Choose an order and a worker."))
        else:
            try:
                done = dispatch_services.work_order_assign(
                    actor=scope.user,
                    organization=scope.organization,
                    work_order_id=selected.pk,
                    worker_id=form.cleaned_data["worker_id"],
                )
            except WorkOrderNotFound:
                raise Http404 from None
            except ApplicationError as exc:
                messages.error(request, str(exc.message))
            else:
                if done.offer is not None:
                    messages.success(
                        request,
                        _("Order offered; it is assigned once the worker accepts."),
                    )
                else:
                    messages.success(request, _("Order assigned; the worker has been told."))
                return redirect(_order_url("web:employer_order_detail", selected))
        url = reverse("web:employer_dispatch") + f"?org={scope.organization.pk}"
        return redirect(url + (f"&order={selected.pk}" if selected else ""))
    page = paginate(
        request,
        order_selectors.order_list_for_organization(
            organization=scope.organization, status=S.PUBLISHED
        ),
    )
    candidates: list[Any] = []
    candidates_error = ""
    if selected is not None and "assign" in order_selectors.order_allowed_actions(
        order=selected, actor=scope.user
    ):
        try:
            candidates = dispatch_services.work_order_candidates(
                organization=scope.organization, order=selected
            )
        except ApplicationError as exc:
            candidates_error = str(exc.message)
    return render(
        request,
        "work_orders/dispatch.html",
        scope.context(
            page_obj=page,
            selected=selected,
            candidates=candidates,
            candidates_error=candidates_error,
            nav="dispatch",
        ),
    )
