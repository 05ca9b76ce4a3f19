"""Coordinates: validation, WGS-84 ⇄ GCJ-02, distances.

We store WGS-84 everywhere. Chinese map apps (AMap, Tencent, the phones' own
maps) show GCJ-02, the obfuscated national datum, which is off by a few
hundred metres; input in GCJ-02 is converted once at the edge with prcoords'
iterative inverse (accurate to ~1 cm).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import prcoords
from django.utils.translation import gettext_lazy as _

from .exceptions import ValidationFailed

EARTH_RADIUS_M = 6_371_008.8

# Mainland China with Hainan and the South China Sea islands; a coarse box,
# refined by prcoords' own outline check below for the GCJ-02 conversion.
CHINA_BBOX = (3.86, 73.66, 53.56, 135.06)  # min lat, min lng, max lat, max lng


class Datum(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float


def point_in_china(*, lat: float, lng: float) -> bool:
    min_lat, min_lng, max_lat, max_lng = CHINA_BBOX
    return min_lat <= lat <= max_lat and min_lng <= lng <= max_lng


def validate_point(*, lat: object, lng: object, datum: str = Datum.WGS84) -> Point:
    """Return a WGS-84 point in China, or raise ValidationFailed with a code saying why."""
    try:
        lat_f, lng_f = float(lat), float(lng)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("Coordinates must be numbers."), code="coordinates_malformed"
        ) from None
    if not (math.isfinite(lat_f) and math.isfinite(lng_f)) or not (
        -90 <= lat_f <= 90 and -180 <= lng_f <= 180
    ):
        raise ValidationFailed(
            _("Latitude must be within ±90 and longitude within ±180."),
            code="coordinates_malformed",
            detail={"lat": str(lat), "lng": str(lng)},
        )
    if datum not in (Datum.WGS84, Datum.GCJ02):
        raise ValidationFailed(
            _("Unknown coordinate datum."), code="coordinates_malformed", detail={"datum": datum}
        )
    if not point_in_china(lat=lat_f, lng=lng_f):
        raise ValidationFailed(
            _("The coordinates are outside China."),
            code="coordinates_outside_china",
            detail={"lat": lat_f, "lng": lng_f},
        )
    if datum == Datum.GCJ02:
        wgs = prcoords.gcj_wgs_bored(prcoords.Coords(lat_f, lng_f))
        return Point(lat=round(wgs.lat, 7), lng=round(wgs.lon, 7))
    return Point(lat=round(lat_f, 7), lng=round(lng_f, 7))


def wgs84_to_gcj02(point: Point) -> Point:
    gcj = prcoords.wgs_gcj(prcoords.Coords(point.lat, point.lng))
    return Point(lat=gcj.lat, lng=gcj.lon)


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlmb = math.radians(b.lng - a.lng)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))
