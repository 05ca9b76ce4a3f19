from __future__ import annotations

from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from xinghuo.core.api import Id

from .models import Region, Site


class RegionCreateIn(Schema):
    code: str = Field(max_length=32)
    name: str = Field(max_length=64)
    level: int = Field(ge=1, le=4, description="1 province, 2 city, 3 district, 4 maintenance area")
    parent_id: Id | None = None
    boundary: dict[str, Any] | None = Field(None, description="GeoJSON Polygon/MultiPolygon")


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: int
    level_label: str
    parent_id: int | None
    boundary: dict[str, Any] | None

    @staticmethod
    def resolve_level_label(obj: Region) -> str:
        return str(obj.get_level_display())


class GridCreateIn(Schema):
    region_id: Id
    code: str = Field(max_length=32)
    name: str = Field(max_length=64)
    polygon: dict[str, Any]


class GridOut(Schema):
    id: int
    region_id: int
    code: str
    name: str
    polygon: dict[str, Any]


class SiteCreateIn(Schema):
    code: str = Field(max_length=32)
    name: str = Field(max_length=128)
    kind: str = Field(
        Site.Kind.TOWER, max_length=16, description="tower, machine_room, base_station, indoor…"
    )
    address: str = Field("", max_length=255)
    lat: float
    lng: float
    datum: Literal["wgs84", "gcj02"] = Field(
        "wgs84", description="gcj02 for coordinates read off AMap/Tencent maps; stored as WGS-84"
    )


class SitePositionIn(Schema):
    lat: float
    lng: float
    datum: Literal["wgs84", "gcj02"] = "wgs84"


class SiteOut(Schema):
    id: int
    organization_id: int
    code: str
    name: str
    kind: str
    address: str
    lat: float
    lng: float
    region_id: int
    region_name: str
    grid_id: int | None
    grid_name: str | None

    @staticmethod
    def resolve_region_name(obj: Site) -> str:
        return obj.region.name

    @staticmethod
    def resolve_grid_name(obj: Site) -> str | None:
        return obj.grid.name if obj.grid else None


class LocationOut(Schema):
    lat: float
    lng: float
    region: RegionOut | None
    grid: GridOut | None
