"""Reads for the maps (issue 7): the employer's resource map and live status map, an order's
track replay.

Every function is a fixed number of queries whatever the number of rows, and every list is
capped (`MAX_*`): a map with more markers than that is unreadable anyway, and the payload
says it was cut (`truncated`). Coordinates are returned as stored, WGS-84; the page converts
them when its tiles use another datum.

Scope: the employer's reads take the `organization`: its own sites, and the workers who may
take work at them (whose regions or grids cover the sites', the same rule as dispatch
eligibility). Another organization's sites and orders never appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from xinghuo.accounts.models import Organization
from xinghuo.dispatch import selectors as dispatch_selectors
from xinghuo.identity.selectors import employer as verification_selectors
from xinghuo.regions import selectors as region_selectors
from xinghuo.regions.models import Grid, Region, Site
from xinghuo.work_orders import selectors as order_selectors
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce.models import Skill, Worker

S = WorkOrder.Status
# The events a replay shows as markers on the map and stops on the slider.
REPLAY_EVENTS = ("assign", "depart", "check_in", "deliver", "reject", "check_out", "accept")

MAX_SITES = 5_000
MAX_WORKERS = 2_000
MAX_OUTLINES = 500
MAX_TRACK_POINTS = 10_000
DEFAULT_STALE_MINUTES = 15


class MapStatus:
    """What a worker's marker shows: derived from the orders he holds, then his own status."""

    AVAILABLE = "available"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    OFF_DUTY = "off_duty"


def stale_after() -> timedelta:
    """A position older than this is shown as stale (greyed): setting MAP_STALE_MINUTES."""
    return timedelta(minutes=getattr(settings, "MAP_STALE_MINUTES", DEFAULT_STALE_MINUTES))


@dataclass(frozen=True)
class MapFilters:
    """The resource map's filters; None = all. A region takes the sites in it or below it."""

    region_id: int | None = None
    role_id: int | None = None
    skill_id: int | None = None


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _hm(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%H:%M") if value else ""


# --- sites and outlines ----------------------------------------------------------------------


def map_sites(*, organization: Organization, filters: MapFilters) -> QuerySet[Site]:
    """The organization's sites (in the filter's region), each with `open_orders` counted."""
    return (
        region_selectors.site_list(organization=organization, region_id=filters.region_id)
        .annotate(open_orders=Count("work_orders", filter=Q(work_orders__status__in=S.OUTSTANDING)))
        .order_by("code", "pk")
    )


def _site_areas(*, organization: Organization, filters: MapFilters) -> tuple[set[int], set[int]]:
    """The regions and grids of the organization's (filtered) sites: one query."""
    rows = (
        map_sites(organization=organization, filters=filters)
        .order_by()
        .values_list("region_id", "grid_id")
        .distinct()
    )
    region_ids: set[int] = set()
    grid_ids: set[int] = set()
    for region_id, grid_id in rows:
        region_ids.add(region_id)
        if grid_id is not None:
            grid_ids.add(grid_id)
    return region_ids, grid_ids


def map_outlines(*, organization: Organization, filters: MapFilters) -> dict[str, Any]:
    """The boundaries of the regions the sites are in and the grids of those regions."""
    region_ids, _grids = _site_areas(organization=organization, filters=filters)
    return outlines_of_regions(region_ids=region_ids)


def outlines_of_regions(*, region_ids: set[int]) -> dict[str, Any]:
    """The regions' boundaries and their grids' polygons (public geography, no scope)."""
    regions = Region.objects.filter(pk__in=region_ids, boundary__isnull=False).order_by("code")
    grids = Grid.objects.filter(region_id__in=region_ids).order_by("code")
    return {
        "regions": [
            {"id": r.pk, "code": r.code, "name": r.name, "geometry": r.boundary}
            for r in regions[:MAX_OUTLINES]
        ],
        "grids": [
            {"id": g.pk, "code": g.code, "name": g.name, "geometry": g.polygon}
            for g in grids[:MAX_OUTLINES]
        ],
    }


def site_markers(*, organization: Organization, filters: MapFilters) -> dict[str, Any]:
    rows = list(map_sites(organization=organization, filters=filters)[: MAX_SITES + 1])
    kinds = dict(Site.Kind.choices)
    return {
        "truncated": len(rows) > MAX_SITES,
        "items": [
            {
                "id": s.pk,
                "code": s.code,
                "name": s.name,
                "kind": str(kinds.get(s.kind, s.kind)),
                "lat": s.lat,
                "lng": s.lng,
                "region": s.region.name,
                "grid": s.grid.name if s.grid else "",
                "open_orders": s.open_orders,  # type: ignore[attr-defined]
            }
            for s in rows[:MAX_SITES]
        ],
    }


# --- workers ---------------------------------------------------------------------------------


def map_workers(
    *, organization: Organization, filters: MapFilters, with_position_only: bool = True
) -> QuerySet[Worker]:
    """The active workers who may take work at the organization's (filtered) sites.

    "May take work" is dispatch's rule (`dispatch.selectors.worker_covers`): one of his
    regions is a site's region or above it, or one of his grids is a site's grid. Annotated
    with what the marker needs: whether he is on site or on his way (any order he holds) and
    the organization's order he holds, if any.
    """
    region_ids, grid_ids = _site_areas(organization=organization, filters=filters)
    area = dispatch_selectors.worker_covers(
        region_ids=region_selectors.region_ids_with_ancestors(region_ids=region_ids),
        grid_ids=grid_ids,
    )
    qs = Worker.objects.filter(is_active=True).filter(area)
    if with_position_only:
        qs = qs.filter(last_lat__isnull=False, last_lng__isnull=False)
    if filters.role_id is not None:
        qs = qs.filter(role_id=filters.role_id)
    if filters.skill_id is not None:
        skill = Skill.objects.filter(pk=filters.skill_id).first()
        if skill is None:
            return qs.none()
        qs = qs.filter(dispatch_selectors.worker_holds_skill(skill=skill, on=timezone.localdate()))
    held = WorkOrder.objects.filter(worker_id=OuterRef("pk"))
    ours = held.filter(organization=organization, status__in=S.IN_PROGRESS).order_by(
        "-assigned_at", "-pk"
    )
    return (
        qs.annotate(
            is_on_site=Exists(held.filter(status=S.ON_SITE)),
            is_en_route=Exists(held.filter(status=S.EN_ROUTE)),
            our_order_id=Subquery(ours.values("pk")[:1]),
            our_order_title=Subquery(ours.values("title")[:1]),
        )
        .select_related("user", "role")
        .order_by("pk")
    )


def _map_status(worker: Worker) -> str:
    if getattr(worker, "is_on_site", False):
        return MapStatus.ON_SITE
    if getattr(worker, "is_en_route", False):
        return MapStatus.EN_ROUTE
    if worker.status == Worker.Status.OFF_DUTY:
        return MapStatus.OFF_DUTY
    return MapStatus.AVAILABLE


def _our_order(worker: Worker) -> dict[str, Any] | None:
    """The organization's order he holds (annotated by `map_workers`), for his card."""
    order_id = getattr(worker, "our_order_id", None)
    if order_id is None:
        return None
    return {"id": order_id, "title": getattr(worker, "our_order_title", "")}


# Workers not on one of the employer's orders appear on the resource map in a cell of this
# size (about 2 km), never at their reported position.
COARSE_CELL_DEG = 0.02


def _coarse(value: float | None) -> float | None:
    if value is None:
        return None
    return round(round(value / COARSE_CELL_DEG) * COARSE_CELL_DEG, 4)


def worker_markers(
    *,
    organization: Organization,
    filters: MapFilters,
    now: datetime | None = None,
    ours_only: bool = False,
) -> dict[str, Any]:
    """The workers' markers: position, status, whether the position is stale.

    A worker holding one of the organization's orders is shown where he reported himself;
    any other only in a cell of COARSE_CELL_DEG (`approximate`), and only to a verified
    employer. `ours_only` leaves out the workers who hold none of its orders.
    """
    now = now or timezone.now()
    stale_before = now - stale_after()
    qs = map_workers(organization=organization, filters=filters)
    if ours_only or not verification_selectors.organization_is_verified(organization=organization):
        qs = qs.filter(Q(our_order_id__isnull=False))
    rows = list(qs[: MAX_WORKERS + 1])
    items = []
    for w in rows[:MAX_WORKERS]:
        at = w.last_position_at
        ours = getattr(w, "our_order_id", None) is not None
        items.append(
            {
                "id": w.pk,
                "name": w.user.name or _("Worker"),
                "role": w.role.label,
                "status": _map_status(w),
                "lat": w.last_lat if ours else _coarse(w.last_lat),
                "lng": w.last_lng if ours else _coarse(w.last_lng),
                "approximate": not ours,
                "at": _iso(at),
                "age_s": int((now - at).total_seconds()) if at else None,
                "stale": at is None or at < stale_before,
                "order": _our_order(w),
            }
        )
    return {"truncated": len(rows) > MAX_WORKERS, "items": items}


def resource_map(
    *, organization: Organization, filters: MapFilters, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the resource map draws."""
    return {
        "sites": site_markers(organization=organization, filters=filters),
        "workers": worker_markers(organization=organization, filters=filters, now=now),
        **map_outlines(organization=organization, filters=filters),
    }


def live_positions(
    *, organization: Organization, filters: MapFilters, now: datetime | None = None
) -> dict[str, Any]:
    """What the live map polls: where the workers on the organization's orders are, with the
    server's clock. The caller checks that the employer is verified."""
    now = now or timezone.now()
    return {
        "now": _iso(now),
        "stale_after_s": int(stale_after().total_seconds()),
        "workers": worker_markers(
            organization=organization, filters=filters, now=now, ours_only=True
        ),
    }


# --- an order's replay -----------------------------------------------------------------------


def order_replay(*, order: WorkOrder) -> dict[str, Any]:
    """A finished order's last worker's way, from his assignment to the acceptance.

    The caller has scoped the order (`order_get_for_organization`). Only the positions of the
    worker who finished it, reported after he was given it: an earlier holder's way is not
    part of this work. Events are those since the assignment.
    """
    since = order.assigned_at
    until = order.accepted_at or order.delivered_at
    track = order_selectors.order_track(order=order, worker=order.worker)
    events = order_selectors.order_events(order=order, since=since).filter(type__in=REPLAY_EVENTS)
    if since is not None:
        track = track.filter(at__gte=since)
    if until is not None:
        track = track.filter(at__lte=until)
    points = list(track.values_list("lat", "lng", "at")[:MAX_TRACK_POINTS])
    event_rows = list(events)
    check_in = next((e for e in reversed(event_rows) if e.type == "check_in"), None)
    site = order.site
    return {
        "order": {"id": order.pk, "title": order.title, "status": order.status},
        "site": {"name": site.name, "code": site.code, "lat": site.lat, "lng": site.lng},
        "radius_m": order_selectors.checkin_radius_m(order),
        "check_in": (
            {"lat": check_in.lat, "lng": check_in.lng, "at": _iso(check_in.at)}
            if check_in is not None and check_in.lat is not None
            else None
        ),
        "track": [{"lat": lat, "lng": lng, "at": _iso(at)} for lat, lng, at in points],
        "truncated": len(points) >= MAX_TRACK_POINTS,
        "events": [
            {
                "type": e.type,
                "at": _iso(e.at),
                "time": _hm(e.at),
                "lat": e.lat,
                "lng": e.lng,
                "distance_m": e.data.get("distance_m") if isinstance(e.data, dict) else None,
            }
            for e in event_rows
        ],
    }
