from __future__ import annotations

from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Router, Status

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.auth import current_user, require_operator
from xinghuo.core.api import Id, Pagination, paginate
from xinghuo.core.geo import validate_point

from . import selectors, services
from .models import Grid, Region, Site
from .schemas import (
    GridCreateIn,
    GridOut,
    LocationOut,
    RegionCreateIn,
    RegionOut,
    SiteCreateIn,
    SiteOut,
    SitePositionIn,
)

router = Router(tags=["regions"])

# Which members of an employer may register and move sites.
SITE_EDITORS = account_selectors.Capability.SITES_MANAGE


@router.get("/regions", response=list[RegionOut])
@paginate(Pagination)
def region_list(
    request: HttpRequest,
    parent_id: Id | None = None,
    level: Annotated[int, Field(ge=1, le=4)] | None = None,
) -> object:
    return selectors.region_list(parent_id=parent_id, level=level)


@router.get("/regions/{region_id}", response=RegionOut)
def region_detail(request: HttpRequest, region_id: Id) -> Region:
    return selectors.region_get(region_id=region_id)


@router.post("/regions", response={201: RegionOut})
def region_create(request: HttpRequest, payload: RegionCreateIn) -> Status[Region]:
    require_operator(request)
    parent = selectors.region_get(region_id=payload.parent_id) if payload.parent_id else None
    return Status(
        201,
        services.region_create(
            code=payload.code,
            name=payload.name,
            level=payload.level,
            parent=parent,
            boundary=payload.boundary,
        ),
    )


@router.get("/grids", response=list[GridOut])
@paginate(Pagination)
def grid_list(request: HttpRequest, region_id: Id | None = None) -> object:
    return selectors.grid_list(region_id=region_id)


@router.get("/grids/{grid_id}", response=GridOut)
def grid_detail(request: HttpRequest, grid_id: Id) -> Grid:
    return selectors.grid_get(grid_id=grid_id)


@router.post("/grids", response={201: GridOut})
def grid_create(request: HttpRequest, payload: GridCreateIn) -> Status[Grid]:
    require_operator(request)
    region = selectors.region_get(region_id=payload.region_id)
    return Status(
        201,
        services.grid_create(
            region=region, code=payload.code, name=payload.name, polygon=payload.polygon
        ),
    )


@router.get("/geo/resolve", response=LocationOut)
def location_resolve(
    request: HttpRequest, lat: float, lng: float, datum: Literal["wgs84", "gcj02"] = "wgs84"
) -> dict[str, object]:
    """Which region and grid a point falls in (GCJ-02 input converted to WGS-84 first)."""
    point = validate_point(lat=lat, lng=lng, datum=datum)
    region, grid = selectors.location_resolve(lat=point.lat, lng=point.lng)
    return {"lat": point.lat, "lng": point.lng, "region": region, "grid": grid}


@router.get("/organizations/{organization_id}/sites", response=list[SiteOut])
@paginate(Pagination)
def site_list(request: HttpRequest, organization_id: Id, region_id: Id | None = None) -> object:
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return selectors.site_list(organization=org, region_id=region_id)


@router.post("/organizations/{organization_id}/sites", response={201: SiteOut})
def site_create(request: HttpRequest, organization_id: Id, payload: SiteCreateIn) -> Status[Site]:
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id, capability=SITE_EDITORS
    )
    return Status(201, services.site_create(organization=org, **payload.dict()))


@router.get("/organizations/{organization_id}/sites/{site_id}", response=SiteOut)
def site_detail(request: HttpRequest, organization_id: Id, site_id: Id) -> Site:
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return selectors.site_get(organization=org, site_id=site_id)


@router.put("/organizations/{organization_id}/sites/{site_id}/position", response=SiteOut)
def site_move(
    request: HttpRequest, organization_id: Id, site_id: Id, payload: SitePositionIn
) -> Site:
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id, capability=SITE_EDITORS
    )
    site = selectors.site_get(organization=org, site_id=site_id)
    return services.site_move(site=site, **payload.dict())
