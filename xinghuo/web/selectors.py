"""What each landing page shows, assembled from the apps' own selectors."""

from __future__ import annotations

from typing import Any

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.models import Organization
from xinghuo.regions import selectors as region_selectors
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
