"""Work-order pages: the employer's console (orders, dispatch board) and the worker's H5
(order hall, my orders, the steps on site, points, notifications).

Views parse input and call services; reads go through selectors. An order outside the
caller's scope is a 404, exactly like a missing one, so its existence does not leak.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinghuo.accounts.auth import current_user
from xinghuo.core.api import is_id
from xinghuo.core.exceptions import ApplicationError, NotFound
from xinghuo.core.geo import Point, haversine_m
from xinghuo.dispatch import selectors as dispatch_selectors
from xinghuo.dispatch import services as dispatch_services
from xinghuo.notifications import selectors as notification_selectors
from xinghuo.notifications import services as notification_services
from xinghuo.regions import selectors as region_selectors
from xinghuo.web import selectors
from xinghuo.web.scope import (
    EmployerScope,
    current_worker,
    employer_order,
    employer_scope,
    paginate,
    show_service_error,
    worker_context,
    yuan,
)
from xinghuo.work_orders import selectors as order_selectors
from xinghuo.work_orders import services as order_services
from xinghuo.work_orders.exceptions import WorkOrderNotFound
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workflows import services as workflows
from xinghuo.workforce import selectors as workforce_selectors
from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.models import Worker

from .forms import (
    KIND_CHOICES,
    AcceptForm,
    AssignForm,
    CancelForm,
    DeclineForm,
    DeliverForm,
    OrderCreateForm,
    OrderFilterForm,
    PositionForm,
    RejectForm,
    yuan_to_fen,
)

S = WorkOrder.Status


# --- small helpers ---------------------------------------------------------------------------


def distance_label(metres: float | None) -> str:
    """ "850 m", "12.3 km"; empty when the distance is unknown."""
    if metres is None:
        return ""
    if metres < 1000:
        return f"{round(metres)} m"
    return f"{metres / 1000:.1f} km"


def _timeline(order: WorkOrder, since: datetime | None = None) -> list[dict[str, Any]]:
    """The order's events; `since` hides what happened before the worker's assignment
    (another worker's steps and reasons are not his to read)."""
    statuses = dict(S.choices)
    return [
        {
            "event": event,
            "label": order_selectors.EVENT_LABELS.get(event.type, event.type),
            "to_status": statuses.get(event.to_status, ""),
            "actor": (event.actor.name or event.actor.phone) if event.actor else "",
        }
        for event in order_selectors.order_events(order=order, since=since)
    ]


# --- the employer's console ----------------------------------------------------------------


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
            timeline=_timeline(order),
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


# --- the worker's H5 -------------------------------------------------------------------------


def _distance_from(worker: Worker, order: WorkOrder) -> float | None:
    if worker.last_lat is None or worker.last_lng is None:
        return None
    return haversine_m(
        Point(lat=worker.last_lat, lng=worker.last_lng),
        Point(lat=order.site.lat, lng=order.site.lng),
    )


@login_required
def worker_hall(request: HttpRequest) -> HttpResponse:
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    recommendations = dispatch_selectors.recommended_orders(worker=worker)
    rows = [
        {
            "order": r.order,
            "distance": distance_label(r.distance_m),
            "pay_yuan": yuan(r.preview_pay_fen),
            "points": r.preview_points,
        }
        for r in recommendations
    ]
    return render(
        request,
        "work_orders/worker/hall.html",
        worker_context(
            worker,
            "hall",
            rows=rows,
            has_areas=bool(worker.regions.all() or worker.grids.all()),
            cleared=dispatch_selectors.worker_is_cleared(worker=worker),
        ),
    )


@login_required
@require_POST
def worker_order_grab(request: HttpRequest, order_id: int) -> HttpResponse:
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    try:
        dispatch_services.work_order_grab(worker=worker, work_order_id=order_id)
    except WorkOrderNotFound:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("web:worker_hall")
    messages.success(request, _("The order is yours. Set off when you are ready."))
    return redirect("web:worker_order_detail", order_id=order_id)


@login_required
def worker_my_orders(request: HttpRequest) -> HttpResponse:
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    status = request.GET.get("status", "")
    if status not in S.values:
        status = ""
    page = paginate(request, order_selectors.order_list_for_worker(worker=worker, status=status))
    return render(
        request,
        "work_orders/worker/my_orders.html",
        worker_context(
            worker,
            "mine",
            page_obj=page,
            rows=[{"order": o, "pay_yuan": yuan(o.price_fen)} for o in page],
            status=status,
            statuses=S.choices,
            offer_count=dispatch_selectors.assignment_offers_for_worker(
                worker=worker, pending_only=True
            ).count(),
        ),
    )


def _worker_step(
    worker: Worker, order: WorkOrder, action: str, post: Any, files: Any
) -> tuple[str | None, forms.Form | None]:
    """Run the worker's step; returns (success message, bound form for re-display).

    A position the browser did not give is refused here: coordinates are never typed in.
    """
    if action == "depart":
        position = PositionForm(post)
        lat, lng = (
            (position.cleaned_data["lat"], position.cleaned_data["lng"])
            if position.is_valid()
            else (None, None)
        )
        order_services.work_order_depart(worker=worker, order_id=order.pk, lat=lat, lng=lng)
        return _("Have a safe trip. Check in when you reach the site."), None
    if action in ("check_in", "check_out"):
        position = PositionForm(post)
        if not position.is_valid():
            raise ApplicationError(
                _("Your position is needed. Allow location access and try again."),
                code="position_required",
            )
        service = (
            order_services.work_order_check_in
            if action == "check_in"
            else order_services.work_order_check_out
        )
        service(
            worker=worker,
            order_id=order.pk,
            lat=position.cleaned_data["lat"],
            lng=position.cleaned_data["lng"],
        )
        if action == "check_in":
            return _("Checked in on site."), None
        return _("Checked out. Your hours have been recorded."), None
    if action == "deliver":
        form: forms.Form = DeliverForm(post, auto_id="deliver-%s")
        if not form.is_valid():
            return None, form
        try:
            order_services.work_order_deliver(
                worker=worker,
                order_id=order.pk,
                note=form.cleaned_data["note"],
                photos=files.getlist("photos"),
            )
        except WorkOrderNotFound:
            raise
        except ApplicationError as exc:
            show_service_error(form, exc, {})
            return None, form
        return _("Delivered. The employer will review your work."), None
    if action == "decline":
        form = DeclineForm(post, auto_id="decline-%s")
        if not form.is_valid():
            return None, form
        try:
            dispatch_services.work_order_decline(
                worker=worker, work_order_id=order.pk, reason=form.cleaned_data["reason"]
            )
        except WorkOrderNotFound:
            raise
        except ApplicationError as exc:
            show_service_error(form, exc, {})
            return None, form
        return _("You gave the order back."), None
    raise ApplicationError(_("Unknown action."), code="unknown_action")


@login_required
@require_http_methods(["GET", "POST"])
def worker_order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    try:
        order = dispatch_selectors.order_get_for_worker(worker=worker, order_id=order_id)
    except WorkOrderNotFound:
        raise Http404 from None
    deliver_form: forms.Form = DeliverForm(auto_id="deliver-%s")
    decline_form: forms.Form = DeclineForm(auto_id="decline-%s")
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            done, bound = _worker_step(worker, order, action, request.POST, request.FILES)
        except WorkOrderNotFound:
            raise Http404 from None
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            if done:
                messages.success(request, done)
                if action == "decline":
                    return redirect("web:worker_my_orders")
                return redirect("web:worker_order_detail", order_id=order.pk)
            if action == "deliver" and bound is not None:
                deliver_form = bound
            elif bound is not None:
                decline_form = bound
    is_mine = order.worker_id == worker.pk
    status = order.status
    actions = order_selectors.order_allowed_actions(order=order, actor=worker)
    return render(
        request,
        "work_orders/worker/order_detail.html",
        worker_context(
            worker,
            "mine" if is_mine else "hall",
            order=order,
            is_mine=is_mine,
            pay_yuan=yuan(order.price_fen),
            distance=distance_label(_distance_from(worker, order)),
            radius_m=order_selectors.checkin_radius_m(order),
            timeline=_timeline(order, since=order.assigned_at) if is_mine else [],
            attachments=selectors.order_attachments(order=order) if is_mine else [],
            map_data=selectors.order_map(order=order, track_of=worker, with_track=is_mine),
            points_entry=(
                selectors.order_points_entry(order=order) if status == S.ACCEPTED else None
            ),
            can_grab="assign" in actions,
            can_depart="depart" in actions,
            can_check_in="check_in" in actions,
            can_deliver="deliver" in actions,
            can_check_out="check_out" in actions,
            can_decline="decline" in actions,
            deliver_form=deliver_form,
            decline_form=decline_form,
        ),
    )


@login_required
def worker_points(request: HttpRequest) -> HttpResponse:
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    page = paginate(request, dispatch_selectors.points_history(worker=worker))
    return render(
        request,
        "work_orders/worker/points.html",
        worker_context(
            worker,
            "points",
            balance=dispatch_selectors.points_balance(worker=worker),
            page_obj=page,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def worker_notifications(request: HttpRequest) -> HttpResponse:
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in ("team_accept", "team_decline"):
            _worker_team_action(request, worker, action)
            return redirect(request.get_full_path())
        if action in ("offer_accept", "offer_decline", "direct_off"):
            _worker_offer_action(request, worker, action)
            return redirect(request.get_full_path())
        notification_id = request.POST.get("notification_id", "")
        if is_id(notification_id):
            with contextlib.suppress(NotFound):
                notification_services.notification_mark_read(
                    user=worker.user, notification_id=int(notification_id)
                )
        return redirect(request.get_full_path())
    page = paginate(request, notification_selectors.notification_list(user=worker.user))
    return render(
        request,
        "work_orders/worker/notifications.html",
        worker_context(
            worker,
            "notifications",
            page_obj=page,
            offers=list(
                dispatch_selectors.assignment_offers_for_worker(worker=worker, pending_only=True)[
                    :50
                ]
            ),
            consents=list(dispatch_selectors.direct_assignment_consents(worker=worker)),
            team_invitations=list(workforce_selectors.team_invitations_for_worker(worker=worker)),
        ),
    )


def _worker_team_action(request: HttpRequest, worker: Worker, action: str) -> None:
    raw = request.POST.get("invitation_id", "")
    if not is_id(raw):
        messages.error(request, _("Unknown action."))
        return
    try:
        if action == "team_accept":
            team = workforce_services.team_invitation_accept(worker=worker, invitation_id=int(raw))
            messages.success(request, _("You joined the team %(name)s.") % {"name": team.name})
        else:
            workforce_services.team_invitation_decline(worker=worker, invitation_id=int(raw))
            messages.success(request, _("Invitation declined."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))


def _worker_offer_action(request: HttpRequest, worker: Worker, action: str) -> None:
    """Accept or decline an employer's offer (optionally letting it assign him directly from
    now on), or take back a direct-assignment consent."""
    raw = request.POST.get("offer_id" if action != "direct_off" else "organization_id", "")
    if not is_id(raw):
        messages.error(request, _("Unknown action."))
        return
    try:
        if action == "direct_off":
            dispatch_services.direct_assignment_consent_set(
                worker=worker, organization_id=int(raw), allowed=False
            )
            messages.success(request, _("This employer will ask you before assigning orders."))
        elif action == "offer_decline":
            dispatch_services.assignment_offer_decline(worker=worker, offer_id=int(raw))
            messages.success(request, _("Offer declined; the employer has been told."))
        else:
            order = dispatch_services.assignment_offer_accept(worker=worker, offer_id=int(raw))
            if request.POST.get("direct") == "on":
                dispatch_services.direct_assignment_consent_set(
                    worker=worker, organization_id=order.organization_id, allowed=True
                )
            messages.success(request, _("Order accepted; it is in your orders now."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))


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
