"""The demo's geography: 浙江 → 杭州 → four districts → maintenance areas (片区) → grids, all
rectangles around the real places, and points drawn inside them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import shape

from xinghuo.regions import services as region_services
from xinghuo.regions.models import Region

from .context import BuildContext

BBox = tuple[float, float, float, float]  # min lng, min lat, max lng, max lat


def rect(bbox: BBox) -> dict[str, Any]:
    """A GeoJSON Polygon ([lng, lat], counter-clockwise) for a bounding box."""
    min_lng, min_lat, max_lng, max_lat = bbox
    ring = [
        [min_lng, min_lat],
        [max_lng, min_lat],
        [max_lng, max_lat],
        [min_lng, max_lat],
        [min_lng, min_lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass(frozen=True)
class GridSpec:
    name: str
    landmarks: tuple[str, ...]  # one site near each


@dataclass(frozen=True)
class AreaSpec:
    """维护片区 — a level-4 region; its grids split it into strips (west→east or south→north)."""

    code: str
    name: str
    bbox: BBox
    grids: tuple[GridSpec, ...]


@dataclass(frozen=True)
class DistrictSpec:
    code: str
    name: str
    short: str
    abbr: str  # in site and grid codes: HZ-XH-0012
    bbox: BBox
    areas: tuple[AreaSpec, ...]


PROVINCE_BBOX: BBox = (118.0, 27.0, 123.0, 31.2)
CITY_BBOX: BBox = (119.9, 30.05, 120.5, 30.45)

# Rectangles approximating the districts around their real centres (WGS-84), kept
# 0.002° (~200 m) apart so that no point belongs to two districts. 西湖区 lies west of
# the lake, 上城区 east of it down to the Qiantang, 拱墅区 north along the Grand Canal,
# 滨江区 on the south bank of the Qiantang.
DISTRICTS: tuple[DistrictSpec, ...] = (
    DistrictSpec(
        code="330102",
        name="上城区",
        short="上城",
        abbr="SC",
        bbox=(120.150, 30.222, 120.280, 30.298),
        areas=(
            AreaSpec(
                code="330102-01",
                name="上城湖滨片区",
                bbox=(120.150, 30.222, 120.198, 30.298),
                grids=(GridSpec("湖滨网格", ("湖滨银泰", "清河坊", "南山路", "杭州城站")),),
            ),
            AreaSpec(
                code="330102-02",
                name="上城钱江片区",
                bbox=(120.200, 30.222, 120.280, 30.298),
                grids=(
                    GridSpec("钱江新城网格", ("杭州市民中心", "来福士广场", "望江门", "四季青")),
                    GridSpec("九堡网格", ("九堡客运中心", "笕桥老街", "彭埠", "三堡船闸")),
                ),
            ),
        ),
    ),
    DistrictSpec(
        code="330105",
        name="拱墅区",
        short="拱墅",
        abbr="GS",
        bbox=(120.080, 30.300, 120.200, 30.380),
        areas=(
            AreaSpec(
                code="330105-01",
                name="拱墅武林片区",
                bbox=(120.080, 30.300, 120.200, 30.338),
                grids=(GridSpec("武林网格", ("西湖文化广场", "武林广场", "朝晖", "湖墅南路")),),
            ),
            AreaSpec(
                code="330105-02",
                name="拱墅运河片区",
                bbox=(120.080, 30.340, 120.200, 30.380),
                grids=(GridSpec("运河网格", ("运河天地", "拱宸桥", "大关", "半山")),),
            ),
        ),
    ),
    DistrictSpec(
        code="330106",
        name="西湖区",
        short="西湖",
        abbr="XH",
        bbox=(120.020, 30.160, 120.148, 30.298),
        areas=(
            AreaSpec(
                code="330106-01",
                name="西湖北片区",
                bbox=(120.020, 30.232, 120.148, 30.298),
                grids=(
                    GridSpec("西溪网格", ("西溪湿地东门", "蒋村花园", "五常港", "留下老街")),
                    GridSpec("文教网格", ("黄龙体育中心", "浙大玉泉校区", "文三路", "古荡新村")),
                ),
            ),
            AreaSpec(
                code="330106-02",
                name="西湖南片区",
                bbox=(120.020, 30.160, 120.148, 30.230),
                grids=(GridSpec("之江网格", ("之江度假区", "转塘象山", "灵隐景区", "龙井村")),),
            ),
        ),
    ),
    DistrictSpec(
        code="330108",
        name="滨江区",
        short="滨江",
        abbr="BJ",
        bbox=(120.150, 30.160, 120.260, 30.220),
        areas=(
            AreaSpec(
                code="330108-01",
                name="滨江高新片区",
                bbox=(120.150, 30.160, 120.260, 30.220),
                grids=(
                    GridSpec("长河网格", ("长河老街", "江南大道", "浦沿", "白马湖")),
                    GridSpec("高新网格", ("滨江物联网街", "星光大道", "奥体中心", "江陵路")),
                ),
            ),
        ),
    ),
)

# Districts that share a border or a bridge: a worker's second district is a neighbour.
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "330102": ("330105", "330106", "330108"),
    "330105": ("330102", "330106"),
    "330106": ("330102", "330105", "330108"),
    "330108": ("330102", "330106"),
}

GRID_INSET = 0.001  # grids keep ~100 m off their area's border


def split_bbox(bbox: BBox, parts: int) -> list[BBox]:
    """Cut a box into `parts` strips along its longer side, each inset by GRID_INSET."""
    min_lng, min_lat, max_lng, max_lat = bbox
    strips: list[BBox] = []
    for i in range(parts):
        if max_lng - min_lng >= max_lat - min_lat:
            step = (max_lng - min_lng) / parts
            box = (min_lng + i * step, min_lat, min_lng + (i + 1) * step, max_lat)
        else:
            step = (max_lat - min_lat) / parts
            box = (min_lng, min_lat + i * step, max_lng, min_lat + (i + 1) * step)
        strips.append(
            (
                round(box[0] + GRID_INSET, 6),
                round(box[1] + GRID_INSET, 6),
                round(box[2] - GRID_INSET, 6),
                round(box[3] - GRID_INSET, 6),
            )
        )
    return strips


def random_point_in(rng: random.Random, polygon: dict[str, Any]) -> tuple[float, float]:
    """(lat, lng) drawn uniformly inside a GeoJSON polygon, rounded to ~0.1 m."""
    geom = shape(polygon)
    min_lng, min_lat, max_lng, max_lat = geom.bounds
    while True:
        lng = round(rng.uniform(min_lng, max_lng), 6)
        lat = round(rng.uniform(min_lat, max_lat), 6)
        if geom.contains(ShapelyPoint(lng, lat)):
            return lat, lng


def build_regions(ctx: BuildContext) -> None:
    province = region_services.region_create(
        code="330000", name="浙江省", level=Region.Level.PROVINCE, boundary=rect(PROVINCE_BBOX)
    )
    city = region_services.region_create(
        code="330100",
        name="杭州市",
        level=Region.Level.CITY,
        parent=province,
        boundary=rect(CITY_BBOX),
    )
    for spec in DISTRICTS:
        district = region_services.region_create(
            code=spec.code,
            name=spec.name,
            level=Region.Level.DISTRICT,
            parent=city,
            boundary=rect(spec.bbox),
        )
        ctx.city.districts[spec.code] = district
        ctx.city.grids[spec.code] = []
        for area_spec in spec.areas:
            area = region_services.region_create(
                code=area_spec.code,
                name=area_spec.name,
                level=Region.Level.AREA,
                parent=district,
                boundary=rect(area_spec.bbox),
            )
            boxes = split_bbox(area_spec.bbox, len(area_spec.grids))
            for grid_spec, box in zip(area_spec.grids, boxes, strict=True):
                number = len(ctx.city.grids[spec.code]) + 1
                grid = region_services.grid_create(
                    region=area,
                    code=f"HZ-{spec.abbr}-G{number:02d}",
                    name=f"{spec.short}{grid_spec.name}",
                    polygon=rect(box),
                )
                ctx.city.grids[spec.code].append(grid)
    ctx.log(f"Regions and grids of 杭州市: {sum(map(len, ctx.city.grids.values()))} grids")
