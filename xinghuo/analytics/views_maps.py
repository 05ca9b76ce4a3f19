"""Maps (issue 7): the employer's resource map and live status map, an order's track replay,
the worker's route of the day.

The reads come from `xinghuo.analytics.maps` (and dispatch's day planning for the route);
this module parses the filters and hands JSON to static/js/maps.js, which draws it with
Leaflet. Coordinates stay WGS-84 up to the page: when the tile provider in `MAP_TILES` uses
GCJ-02 the page converts them for display. An order or page outside the caller's scope is a
404, like a missing one.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from xinghuo.analytics import maps as map_selectors
from xinghuo.analytics import selectors as analytics
from xinghuo.core.exceptions import ApplicationError
from xinghuo.dispatch import services as dispatch_services
from xinghuo.web.maps import map_config, map_labels
from xinghuo.web.scope import (
    EmployerScope,
    employer_order,
    employer_scope,
)
from xinghuo.work_orders import selectors as order_selectors
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce import selectors as workforce_selectors

S = WorkOrder.Status
DEFAULT_POLL_SECONDS = 8
STATUS_LABELS = {
    map_selectors.MapStatus.AVAILABLE: gettext_lazy("Available"),
    map_selectors.MapStatus.EN_ROUTE: gettext_lazy("En route"),
    map_selectors.MapStatus.ON_SITE: gettext_lazy("On site"),
    map_selectors.MapStatus.OFF_DUTY: gettext_lazy("Off duty"),
}


def _labels() -> dict[str, Any]:
    """Texts maps.js shows on the employer's maps, translated here."""
    return map_labels(
        status={k: str(v) for k, v in STATUS_LABELS.items()},
        events={k: str(v) for k, v in order_selectors.EVENT_LABELS.items()},
    )


class MapFilterForm(forms.Form):
    region = forms.TypedChoiceField(
        label=gettext_lazy("Region"), coerce=int, required=False, empty_value=None, choices=()
    )
    role = forms.TypedChoiceField(
        label=gettext_lazy("Role"), coerce=int, required=False, empty_value=None, choices=()
    )
    skill = forms.TypedChoiceField(
        label=gettext_lazy("Skill"), coerce=int, required=False, empty_value=None, choices=()
    )

    def __init__(self, *args: Any, scope: EmployerScope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = scope.organization
        choices = {
            "region": [
                ("", _("All regions")),
                *analytics.employer_region_choices(organization=org),
            ],
            "role": [
                ("", _("All roles")),
                *[(r.pk, r.label) for r in workforce_selectors.role_list(organization=org)],
            ],
            "skill": [
                ("", _("All skills")),
                *[(s.pk, s.label) for s in workforce_selectors.skill_list()],
            ],
        }
        for name, values in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = values

    def filters(self) -> map_selectors.MapFilters:
        if not self.is_valid():
            return map_selectors.MapFilters()
        data = self.cleaned_data
        return map_selectors.MapFilters(
            region_id=data.get("region"), role_id=data.get("role"), skill_id=data.get("skill")
        )


def _scope_or_404(request: HttpRequest) -> EmployerScope:
    """JSON endpoints: a caller with no organization gets a 404, not a redirect to a page."""
    scope = employer_scope(request)
    if scope is None:
        raise Http404
    return scope


def _order_url_pattern(scope: EmployerScope) -> str:
    """An order's page with 0 for its id: maps.js puts the id in."""
    url = reverse("web:employer_order_detail", args=[0])
    return f"{url}?org={scope.organization.pk}"


def _json(data: dict[str, Any]) -> JsonResponse:
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


# --- the employer's maps ---------------------------------------------------------------------


@login_required
@require_GET
def employer_map(request: HttpRequest) -> HttpResponse:
    scope = employer_scope(request)
    if scope is None:
        return redirect("web:home")
    form = MapFilterForm(request.GET, scope=scope)
    query = request.GET.copy()
    query["org"] = str(scope.organization.pk)
    return render(
        request,
        "analytics/maps/resource.html",
        scope.context(
            form=form,
            markers_url=f"{reverse('web:employer_map_markers')}?{query.urlencode()}",
            orders_url=f"{reverse('web:employer_orders')}?org={scope.organization.pk}",
            order_url=_order_url_pattern(scope),
            map_config=map_config(),
            map_labels=_labels(),
            nav="map",
        ),
    )


@login_required
@require_GET
def employer_map_markers(request: HttpRequest) -> JsonResponse:
    scope = _scope_or_404(request)
    filters = MapFilterForm(request.GET, scope=scope).filters()
    return _json(map_selectors.resource_map(organization=scope.organization, filters=filters))


@login_required
@require_GET
def employer_live(request: HttpRequest) -> HttpResponse:
    scope = employer_scope(request)
    if scope is None:
        return redirect("web:home")
    org = scope.organization
    filters = map_selectors.MapFilters()
    try:
        dispatch_services.require_verified_employer(organization=org)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect(reverse("web:employer_orders") + f"?org={org.pk}")
    return render(
        request,
        "analytics/maps/live.html",
        scope.context(
            positions_url=f"{reverse('web:employer_live_positions')}?org={org.pk}",
            order_url=_order_url_pattern(scope),
            outlines=map_selectors.map_outlines(organization=org, filters=filters),
            poll_seconds=getattr(settings, "MAP_LIVE_POLL_SECONDS", DEFAULT_POLL_SECONDS),
            stale_minutes=int(map_selectors.stale_after().total_seconds() // 60),
            map_config=map_config(),
            map_labels=_labels(),
            nav="live",
        ),
    )


@login_required
@require_GET
def employer_live_positions(request: HttpRequest) -> JsonResponse:
    scope = _scope_or_404(request)
    try:
        dispatch_services.require_verified_employer(organization=scope.organization)
    except ApplicationError as exc:
        return JsonResponse(
            {"code": exc.code, "message": str(exc.message), "detail": exc.detail},
            status=exc.status_code,
            json_dumps_params={"ensure_ascii": False},
        )
    return _json(
        map_selectors.live_positions(
            organization=scope.organization, filters=map_selectors.MapFilters()
        )
    )


@login_required
@require_GET
def employer_order_replay(request: HttpRequest, order_id: int) -> HttpResponse:
    scope = employer_scope(request)
    if scope is None:
        return redirect("web:home")
    order = employer_order(scope, order_id)
    detail_url = (
        f"{reverse('web:employer_order_detail', args=[order.pk])}?org={order.organization_id}"
    )
    if order.status not in S.FINISHED:
        messages.info(request, _("The replay is available once the work has been delivered."))
        return redirect(detail_url)
    return render(
        request,
        "analytics/maps/replay.html",
        scope.context(
            order=order,
            detail_url=detail_url,
            replay=map_selectors.order_replay(order=order),
            map_config=map_config(),
            map_labels=_labels(),
            nav="orders",
        ),
    )
