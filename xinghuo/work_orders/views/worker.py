"""The worker's H5: order hall, my orders, the steps on site, points, notifications.

An order outside the worker's scope is a 404, exactly like a missing one.
"""

import contextlib
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinghuo.core.api import is_id
from xinghuo.core.exceptions import ApplicationError, NotFound
from xinghuo.core.geo import Point, haversine_m
from xinghuo.dispatch import selectors as dispatch_selectors
from xinghuo.dispatch import services as dispatch_services
from xinghuo.notifications import selectors as notification_selectors
from xinghuo.notifications import services as notification_services
from xinghuo.web import selectors
from xinghuo.web.scope import (
    current_worker,
    paginate,
    show_service_error,
    worker_context,
    yuan,
)
from xinghuo.work_orders import selectors as order_selectors
from xinghuo.work_orders import services as order_services
from xinghuo.work_orders.exceptions import WorkOrderNotFound
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce import selectors as workforce_selectors
from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.models import Worker

from ..forms import (
    DeclineForm,
    DeliverForm,
    PositionForm,
)
from ._common import S, distance_label, timeline

# A step's outcome: (success message, bound form to show again).
StepResult = tuple[str | None, forms.Form | None]


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


def _position(post: Any) -> PositionForm:
    """The browser's position, required: coordinates are never typed in."""
    position = PositionForm(post)
    if not position.is_valid():
        raise ApplicationError(
            _("Your position is needed. Allow location access and try again."),
            code="position_required",
        )
    return position


def _step_depart(worker: Worker, order: WorkOrder, post: Any, files: Any) -> StepResult:
    position = PositionForm(post)
    lat, lng = (
        (position.cleaned_data["lat"], position.cleaned_data["lng"])
        if position.is_valid()
        else (None, None)
    )
    order_services.work_order_depart(worker=worker, order_id=order.pk, lat=lat, lng=lng)
    return _("Have a safe trip. Check in when you reach the site."), None


def _step_check_in(worker: Worker, order: WorkOrder, post: Any, files: Any) -> StepResult:
    position = _position(post)
    order_services.work_order_check_in(
        worker=worker,
        order_id=order.pk,
        lat=position.cleaned_data["lat"],
        lng=position.cleaned_data["lng"],
    )
    return _("Checked in on site."), None


def _step_check_out(worker: Worker, order: WorkOrder, post: Any, files: Any) -> StepResult:
    position = _position(post)
    order_services.work_order_check_out(
        worker=worker,
        order_id=order.pk,
        lat=position.cleaned_data["lat"],
        lng=position.cleaned_data["lng"],
    )
    return _("Checked out. Your hours have been recorded."), None


def _form_step(form: forms.Form, call: Callable[[dict[str, Any]], object], done: str) -> StepResult:
    """Run a step from a form: the bound form again when it or the service refuses."""
    if not form.is_valid():
        return None, form
    try:
        call(form.cleaned_data)
    except WorkOrderNotFound:
        raise
    except ApplicationError as exc:
        show_service_error(form, exc, {})
        return None, form
    return done, None


def _step_deliver(worker: Worker, order: WorkOrder, post: Any, files: Any) -> StepResult:
    return _form_step(
        DeliverForm(post, auto_id="deliver-%s"),
        lambda data: order_services.work_order_deliver(
            worker=worker, order_id=order.pk, note=data["note"], photos=files.getlist("photos")
        ),
        _("Delivered. The employer will review your work."),
    )


def _step_decline(worker: Worker, order: WorkOrder, post: Any, files: Any) -> StepResult:
    return _form_step(
        DeclineForm(post, auto_id="decline-%s"),
        lambda data: dispatch_services.work_order_decline(
            worker=worker, work_order_id=order.pk, reason=data["reason"]
        ),
        _("You gave the order back."),
    )


_STEPS: dict[str, Callable[[Worker, WorkOrder, Any, Any], StepResult]] = {
    "depart": _step_depart,
    "check_in": _step_check_in,
    "check_out": _step_check_out,
    "deliver": _step_deliver,
    "decline": _step_decline,
}


def _worker_step(
    worker: Worker, order: WorkOrder, action: str, post: Any, files: Any
) -> StepResult:
    """Run the worker's step; returns (success message, bound form for re-display).

    A position the browser did not give is refused here: coordinates are never typed in.
    """
    step = _STEPS.get(action)
    if step is None:
        raise ApplicationError(_("Unknown action."), code="unknown_action")
    return step(worker, order, post, files)


def _post_step(
    request: HttpRequest, worker: Worker, order: WorkOrder
) -> tuple[HttpResponse | None, forms.Form | None]:
    """Run the posted step: a redirect when it is done, else the bound form to show again."""
    action = request.POST.get("action", "")
    try:
        done, bound = _worker_step(worker, order, action, request.POST, request.FILES)
    except WorkOrderNotFound:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return None, None
    if not done:
        return None, bound
    messages.success(request, done)
    if action == "decline":
        return redirect("web:worker_my_orders"), None
    return redirect("web:worker_order_detail", order_id=order.pk), None


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
        response, bound = _post_step(request, worker, order)
        if response is not None:
            return response
        if request.POST.get("action", "") == "deliver" and bound is not None:
            deliver_form = bound
        elif bound is not None:
            decline_form = bound
    return _render_order_detail(request, worker, order, deliver_form, decline_form)


def _render_order_detail(
    request: HttpRequest,
    worker: Worker,
    order: WorkOrder,
    deliver_form: forms.Form,
    decline_form: forms.Form,
) -> HttpResponse:
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
            timeline=timeline(order, since=order.assigned_at) if is_mine else [],
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
