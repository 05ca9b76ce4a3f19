"""GeoJSON polygons: parsing, validation and point-in-polygon with shapely."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from xinghuo.core.geo import point_in_china

from .exceptions import InvalidGeometry


def parse_area(geojson: Any, *, field: str) -> BaseGeometry:
    """A valid Polygon/MultiPolygon in China from GeoJSON ([lng, lat] pairs), or InvalidGeometry."""
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidGeometry(
            _("Expected a GeoJSON Polygon or MultiPolygon."), detail={"field": field}
        )
    try:
        geom = shape(geojson)
    except Exception:  # shapely raises several types for malformed coordinates
        raise InvalidGeometry(
            _("The polygon's coordinates are malformed."), detail={"field": field}
        ) from None
    if geom.is_empty or not geom.is_valid or geom.area == 0:
        raise InvalidGeometry(_("The polygon is empty or crosses itself."), detail={"field": field})
    min_lng, min_lat, max_lng, max_lat = geom.bounds
    if not (point_in_china(lat=min_lat, lng=min_lng) and point_in_china(lat=max_lat, lng=max_lng)):
        raise InvalidGeometry(
            _("The polygon lies outside China (coordinates are [longitude, latitude])."),
            detail={"field": field},
        )
    return geom


def bbox_fields(geom: BaseGeometry) -> dict[str, float]:
    min_lng, min_lat, max_lng, max_lat = geom.bounds
    return {"min_lat": min_lat, "min_lng": min_lng, "max_lat": max_lat, "max_lng": max_lng}


def covers(geojson: dict[str, Any], *, lat: float, lng: float) -> bool:
    """Whether the area contains the point, its border included."""
    return bool(shape(geojson).covers(ShapelyPoint(lng, lat)))


def area_within(inner: BaseGeometry, outer: BaseGeometry) -> bool:
    # Hand-drawn grids share borders with their region; allow ~1 m of slack.
    return bool(outer.buffer(1e-5).covers(inner))
