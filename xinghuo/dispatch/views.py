"""The dispatcher's auto-assignment (D3): preview a plan (a dry run), adjust it by leaving
assignments out, commit what is left in one transaction."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from xinghuo.analytics import selectors as analytics_selectors
from xinghuo.core.api import is_id
from xinghuo.core.exceptions import ApplicationError, ValidationFailed
from xinghuo.dispatch import services as dispatch_services
from xinghuo.dispatch.routing import DAY_MODES, planning
from xinghuo.dispatch.routing.problem import Plan, Reason
from xinghuo.regions import selectors as region_selectors
from xinghuo.web.maps import map_config, map_labels
from xinghuo.web.scope import EmployerScope, current_worker, employer_scope, worker_context
from xinghuo.work_orders import selectors as order_selectors
from xinghuo.workforce import selectors as workforce_selectors

REASONS = {
    Reason.NO_ELIGIBLE_WORKER: gettext_lazy("No eligible worker on duty"),
    Reason.NO_TIME_LEFT: gettext_lazy("No eligible worker can make the deadline"),
    Reason.CAPACITY: gettext_lazy("Eligible workers hold as many orders as they may"),
    Reason.WORKERS_BUSY: gettext_lazy("Eligible workers' days are full"),
}


def _parse_pairs(values: list[str]) -> list[tuple[int, int]]:
    pairs = []
    for value in values:
        order_id, _sep, worker_id = value.partition(":")
        if is_id(order_id) and is_id(worker_id):
            pairs.append((int(order_id), int(worker_id)))
    return pairs


@login_required
@require_http_methods(["GET", "POST"])
def employer_auto_assign(request: HttpRequest) -> HttpResponse:
    scope = employer_scope(request)
    if scope is None:
        return redirect("web:home")
    base = reverse("web:employer_auto_assign") + f"?org={scope.organization.pk}"
    try:
        dispatch_services.require_verified_employer(organization=scope.organization)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect(reverse("web:employer_dispatch") + f"?org={scope.organization.pk}")
    if request.method == "POST":
        return _commit_plan(request, scope, base)

    regions = region_selectors.site_count_by_region(organization=scope.organization)
    region_id = request.GET.get("region", "")
    context: dict[str, Any] = {"regions": regions, "region_id": region_id, "nav": "dispatch"}
    if request.GET.get("preview"):
        try:
            dispatch_services.candidate_list_count(organization=scope.organization)
            plan = planning.auto_assign_preview(
                organization=scope.organization,
                region_id=int(region_id) if is_id(region_id) else None,
                now=timezone.now(),
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            return redirect(base)
        context.update(_plan_context(scope, plan))
    return render(request, "dispatch/auto_assign.html", scope.context(**context))


def _commit_plan(request: HttpRequest, scope: EmployerScope, base: str) -> HttpResponse:
    """Commit the assignments the dispatcher kept from the preview."""
    pairs = _parse_pairs(request.POST.getlist("pair"))
    if not pairs:
        messages.error(request, _("Keep at least one assignment to commit."))
        return redirect(base)
    try:
        assigned = planning.auto_assign_commit(
            actor=scope.user, organization=scope.organization, plan_or_assignments=pairs
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect(base)
    offered = sum(1 for o in assigned if o.worker_id is None)
    messages.success(
        request,
        _(
            "%(n)d orders assigned and %(m)d offered; the workers have been told "
            "(an offered order waits for the worker to accept it)."
        )
        % {"n": len(assigned) - offered, "m": offered},
    )
    return redirect(reverse("web:employer_dispatch") + f"?org={scope.organization.pk}")


def _plan_context(scope: EmployerScope, plan: Plan) -> dict[str, Any]:
    """The preview's routes and unassigned orders, with their orders and workers."""
    order_ids = [s.order_id for r in plan.routes for s in r.stops] + [
        u.order_id for u in plan.unassigned
    ]
    orders = {
        o.pk: o
        for o in order_selectors.order_list_for_organization(
            organization=scope.organization
        ).filter(pk__in=order_ids)
    }
    workers = {
        w.pk: w
        for w in workforce_selectors.worker_list().filter(pk__in=[r.worker_id for r in plan.routes])
    }
    routes = [
        {
            "worker": workers.get(route.worker_id),
            "travel_km": round(route.travel_m / 1000, 1),
            "stops": [
                {
                    "order": orders.get(stop.order_id),
                    "worker_id": route.worker_id,
                    "eta": plan.at(stop.arrival),
                    "done": plan.at(stop.departure),
                    "km": round(stop.travel_m / 1000, 1),
                    "urgent": stop.urgent,
                }
                for stop in route.stops
            ],
        }
        for route in plan.routes
        if route.stops
    ]
    unassigned = [
        {"order": orders.get(u.order_id), "reason": REASONS.get(u.reason, u.reason)}
        for u in plan.unassigned
    ]
    return {"routes": routes, "unassigned": unassigned, "plan": plan}


MODE_LABELS = {
    "optimise": gettext_lazy("Shortest day"),
    "urgent_first": gettext_lazy("Urgent first"),
    "nearest_first": gettext_lazy("Nearest first"),
}


# --- the worker's route of the day -----------------------------------------------------------


def _route_data(day: planning.DayRoute, worker_lat: float, worker_lng: float) -> dict[str, Any]:
    def hm(seconds: int) -> str:
        return timezone.localtime(day.at(seconds)).strftime("%H:%M")

    stops = []
    for n, stop in enumerate(day.route.stops, start=1):
        order = day.orders[stop.order_id]
        stops.append(
            {
                "n": n,
                "order_id": order.pk,
                "title": order.title,
                "status": order.status,
                "status_label": order.get_status_display(),
                "site": order.site.name,
                "lat": order.site.lat,
                "lng": order.site.lng,
                "arrive": hm(stop.arrival),
                "start": hm(stop.start),
                "done": hm(stop.departure),
                "deadline": timezone.localtime(order.deadline_at).strftime("%m-%d %H:%M"),
                "travel_m": stop.travel_m,
                "travel_min": round(stop.travel_s / 60),
                "urgent": stop.urgent,
                "late": stop.late,
                "url": reverse("web:worker_order_detail", args=[order.pk]),
            }
        )
    region_ids = {order.region_id for order in day.orders.values()}
    return {
        **analytics_selectors.outlines_of_regions(region_ids=region_ids),
        "start": {"lat": worker_lat, "lng": worker_lng},
        "stops": stops,
        "travel_km": round(day.route.travel_m / 1000, 1),
        "travel_min": round(day.route.travel_s / 60),
    }


@login_required
@require_GET
def worker_route(request: HttpRequest) -> HttpResponse:
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    mode = request.GET.get("mode", "optimise")
    if mode not in DAY_MODES:
        mode = "optimise"
    route = None
    problem = ""
    try:
        day = planning.worker_day_route(worker=worker, mode=mode)
    except ValidationFailed as exc:
        problem = str(exc.message)
    else:
        assert worker.last_lat is not None and worker.last_lng is not None
        route = _route_data(day, worker.last_lat, worker.last_lng)
    return render(
        request,
        "dispatch/route.html",
        worker_context(
            worker,
            "mine",
            mode=mode,
            modes=[(m, MODE_LABELS[m]) for m in DAY_MODES],
            route=route,
            problem=problem,
            map_config=map_config(),
            map_labels=map_labels(),
        ),
    )
