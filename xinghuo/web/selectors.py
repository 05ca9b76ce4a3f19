"""What each landing page shows, assembled from the apps' own selectors."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.models import Organization
from xinghuo.dispatch import selectors as dispatch_selectors
from xinghuo.dispatch.models import PointsEntry
from xinghuo.regions import selectors as region_selectors
from xinghuo.work_orders import selectors as order_selectors
from xinghuo.work_orders.models import Attachment, TrackPoint, WorkOrder
from xinghuo.workforce import selectors as workforce_selectors
from xinghuo.workforce.models import Worker


def worker_dashboard(*, worker: Worker) -> dict[str, Any]:
    return {
        "worker": worker,
        "regions": list(worker.regions.all()),
        "grids": list(worker.grids.all()),
        "worker_skills": list(worker.worker_skills.all()),
        "role_requests": list(workforce_selectors.role_change_request_list(worker=worker)[:5]),
    }


def employer_dashboard(*, organization: Organization) -> dict[str, Any]:
    sites = list(region_selectors.site_list(organization=organization))
    region_ids = {s.region_id for s in sites}
    grids = list(region_selectors.grid_list().filter(sites__organization=organization).distinct())
    return {
        "organization": organization,
        "members": list(account_selectors.membership_list(organization=organization)),
        "sites": sites,
        "site_count_by_region": region_selectors.site_count_by_region(organization=organization),
        "roles": list(workforce_selectors.role_list(organization=organization)),
        "map_data": {
            "sites": [
                {"code": s.code, "name": s.name, "lat": s.lat, "lng": s.lng, "kind": s.kind}
                for s in sites
            ],
            "grids": [{"code": g.code, "name": g.name, "polygon": g.polygon} for g in grids],
        },
        "region_count": len(region_ids),
    }


def operator_dashboard() -> dict[str, Any]:
    return {
        "counts": {
            "workers": workforce_selectors.worker_list().count(),
            "organizations_pending": account_selectors.organization_count(status="pending"),
            "organizations": account_selectors.organization_count(),
            "role_requests_pending": workforce_selectors.role_change_request_list(
                status="pending"
            ).count(),
        },
        "role_requests": list(workforce_selectors.role_change_request_list(status="pending")[:50]),
        "workers_by_role_chart": workforce_selectors.worker_count_by_role(),
    }


# --- work orders (employer console, worker H5) ----------------------------------------------


def order_attachments(*, order: WorkOrder) -> list[Attachment]:
    """The files on an order (the employer's documents, the worker's delivery photos)."""
    return list(order.attachments.select_related("uploaded_by").order_by("created_at", "pk"))


def order_points_entry(*, order: WorkOrder) -> PointsEntry | None:
    """The points awarded for an accepted order, if any."""
    return PointsEntry.objects.filter(order=order).first()


def order_map(
    *, order: WorkOrder, track_of: Worker | None = None, with_track: bool = True
) -> dict[str, Any]:
    """The site, its check-in radius and the track, for the order's Leaflet map.

    `track_of` keeps only that worker's positions: a worker must not see where the one
    who held the order before him went.
    """
    site = order.site
    track = (
        order_selectors.order_track(order=order, worker=track_of)
        if with_track
        else TrackPoint.objects.none()
    )
    return {
        "site": {"name": site.name, "code": site.code, "lat": site.lat, "lng": site.lng},
        "radius_m": order_selectors.checkin_radius_m(order),
        "track": [
            {"lat": p.lat, "lng": p.lng, "at": timezone.localtime(p.at).strftime("%m-%d %H:%M")}
            for p in track
        ],
    }


def dispatch_candidates(*, order: WorkOrder) -> list[dict[str, Any]]:
    """The workers the order may go to, nearest to its site first (unknown positions last)."""
    return [
        {"worker": worker, "distance_m": distance}
        for worker, distance in dispatch_selectors.workers_eligible_nearest(order=order)
    ]
