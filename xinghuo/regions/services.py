"""Writes for the region tree, grids and sites."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization
from xinghuo.core.exceptions import Conflict, ValidationFailed
from xinghuo.core.geo import Datum, validate_point

from .exceptions import InvalidGeometry, OutsideRegions
from .geometry import area_within, bbox_fields, parse_area
from .models import Grid, Region, Site
from .selectors import location_resolve


def _require_text(value: str, *, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(
            _("This field is required."), code="required", detail={"field": field}
        )
    if len(value) > max_length:
        raise ValidationFailed(
            _("This field is too long."),
            code="too_long",
            detail={"field": field, "max_length": max_length},
        )
    return value


@transaction.atomic
def region_create(
    *,
    code: str,
    name: str,
    level: int,
    parent: Region | None = None,
    boundary: dict[str, Any] | None = None,
) -> Region:
    """Add a region under `parent`, one level deeper (a province has no parent).

    Raises ValidationFailed (invalid_level), InvalidGeometry, Conflict (region_code_taken).
    """
    code = _require_text(code, field="code", max_length=32)
    name = _require_text(name, field="name", max_length=64)
    expected = Region.Level.PROVINCE if parent is None else parent.level + 1
    if level != expected or level not in Region.Level.values:
        raise ValidationFailed(
            _("A region's level must be one below its parent's (province at the top)."),
            code="invalid_level",
            detail={"field": "level", "expected": expected},
        )
    fields: dict[str, Any] = {}
    if boundary is not None:
        geom = parse_area(boundary, field="boundary")
        if (
            parent is not None
            and parent.boundary
            and not area_within(geom, parse_area(parent.boundary, field="parent.boundary"))
        ):
            raise InvalidGeometry(
                _("The boundary must lie inside the parent region."), detail={"field": "boundary"}
            )
        fields = bbox_fields(geom)
    if Region.objects.filter(code=code).exists():
        raise Conflict(
            _("A region with this code exists."), code="region_code_taken", detail={"field": "code"}
        )
    return Region.objects.create(
        code=code, name=name, level=level, parent=parent, boundary=boundary, **fields
    )


@transaction.atomic
def grid_create(*, region: Region, code: str, name: str, polygon: dict[str, Any]) -> Grid:
    """Add a grid; its polygon must lie within the region's boundary when the region has one."""
    code = _require_text(code, field="code", max_length=32)
    name = _require_text(name, field="name", max_length=64)
    geom = parse_area(polygon, field="polygon")
    if region.boundary and not area_within(geom, parse_area(region.boundary, field="boundary")):
        raise InvalidGeometry(
            _("The grid must lie inside its region."), detail={"field": "polygon"}
        )
    if Grid.objects.filter(code=code).exists():
        raise Conflict(
            _("A grid with this code exists."), code="grid_code_taken", detail={"field": "code"}
        )
    return Grid.objects.create(
        region=region, code=code, name=name, polygon=polygon, **bbox_fields(geom)
    )


def _place(site: Site, *, lat: object, lng: object, datum: str) -> None:
    point = validate_point(lat=lat, lng=lng, datum=datum)
    region, grid = location_resolve(lat=point.lat, lng=point.lng)
    if region is None:
        raise OutsideRegions(
            _("No service region covers these coordinates."),
            detail={"lat": point.lat, "lng": point.lng},
        )
    site.lat, site.lng, site.region, site.grid = point.lat, point.lng, region, grid


@transaction.atomic
def site_create(
    *,
    organization: Organization,
    code: str,
    name: str,
    lat: object,
    lng: object,
    datum: str = Datum.WGS84,
    kind: str = Site.Kind.TOWER,
    address: str = "",
) -> Site:
    """Register a site; stored in WGS-84 (GCJ-02 input converted), region and grid resolved.

    Raises ValidationFailed (coordinates_malformed, coordinates_outside_china,
    outside_regions, invalid_kind) and Conflict (site_code_taken).
    """
    site = Site(
        organization=organization,
        code=_require_text(code, field="code", max_length=32),
        name=_require_text(name, field="name", max_length=128),
        kind=kind,
        address=(address or "").strip()[:255],
    )
    if kind not in Site.Kind.values:
        raise ValidationFailed(
            _("Unknown site type."), code="invalid_kind", detail={"field": "kind"}
        )
    _place(site, lat=lat, lng=lng, datum=datum)
    try:
        with transaction.atomic():
            site.save()
    except IntegrityError:
        raise Conflict(
            _("A site with this code exists in your organization."),
            code="site_code_taken",
            detail={"field": "code"},
        ) from None
    return site


@transaction.atomic
def site_move(*, site: Site, lat: object, lng: object, datum: str = Datum.WGS84) -> Site:
    """Correct a site's position; its region and grid follow."""
    _place(site, lat=lat, lng=lng, datum=datum)
    site.save(update_fields=["lat", "lng", "region", "grid", "updated_at"])
    return site
