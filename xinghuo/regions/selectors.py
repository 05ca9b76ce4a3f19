"""Reads for regions, grids and sites."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from xinghuo.accounts.models import Organization

from .exceptions import GridNotFound, RegionNotFound, SiteNotFound
from .geometry import covers
from .models import Grid, Region, Site


def _bbox_has(lat: float, lng: float) -> Q:
    return Q(min_lat__lte=lat, max_lat__gte=lat, min_lng__lte=lng, max_lng__gte=lng)


def location_resolve(*, lat: float, lng: float) -> tuple[Region | None, Grid | None]:
    """The grid covering a WGS-84 point and its region; without a grid, the deepest region
    whose boundary covers it. The bounding-box columns narrow the candidates in SQL, shapely
    decides. Overlapping grids resolve to the lowest code, deterministically."""
    for grid in Grid.objects.filter(_bbox_has(lat, lng)).select_related("region").order_by("code"):
        if covers(grid.polygon, lat=lat, lng=lng):
            return grid.region, grid
    candidates = Region.objects.filter(_bbox_has(lat, lng), boundary__isnull=False).order_by(
        "-level", "code"
    )
    for region in candidates:
        if region.boundary and covers(region.boundary, lat=lat, lng=lng):
            return region, None
    return None, None


def region_list(*, parent_id: int | None = None, level: int | None = None) -> QuerySet[Region]:
    qs = Region.objects.all()
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    if level is not None:
        qs = qs.filter(level=level)
    return qs.order_by("code")


def region_get(*, region_id: int) -> Region:
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        raise RegionNotFound()
    return region


def region_descendant_ids(*, region_ids: list[int]) -> set[int]:
    """The regions and every region below them (the tree is four levels deep at most)."""
    found = set(region_ids)
    frontier = set(region_ids)
    while frontier:
        frontier = set(Region.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier -= found
        found |= frontier
    return found


def grid_list(*, region_id: int | None = None) -> QuerySet[Grid]:
    qs = Grid.objects.select_related("region")
    if region_id is not None:
        qs = qs.filter(region_id=region_id)
    return qs.order_by("code")


def grid_get(*, grid_id: int) -> Grid:
    grid = Grid.objects.filter(pk=grid_id).first()
    if grid is None:
        raise GridNotFound()
    return grid


def site_list(*, organization: Organization, region_id: int | None = None) -> QuerySet[Site]:
    qs = Site.objects.filter(organization=organization).select_related("region", "grid")
    if region_id is not None:
        qs = qs.filter(region_id__in=region_descendant_ids(region_ids=[region_id]))
    return qs.order_by("code")


def site_get(*, organization: Organization, site_id: int) -> Site:
    """A site of `organization`; another organization's site is SiteNotFound like a missing one."""
    site = (
        Site.objects.filter(pk=site_id, organization=organization)
        .select_related("region", "grid")
        .first()
    )
    if site is None:
        raise SiteNotFound()
    return site


def site_count_by_region(*, organization: Organization) -> list[dict[str, object]]:
    """[{region_id, region__name, count}] for the organization's sites, largest first."""
    return list(
        Site.objects.filter(organization=organization)
        .values("region_id", "region__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "region__name")
    )


# A region's id and those of the three levels above it, nearest first.
_ANCESTRY = ("pk", "parent_id", "parent__parent_id", "parent__parent__parent_id")


def region_ancestor_ids(*, region_id: int) -> list[int]:
    """The region and every region above it, nearest first: one query for the four levels."""
    row = Region.objects.filter(pk=region_id).values_list(*_ANCESTRY).first()
    return [pk for pk in row or () if pk is not None]


def region_ancestor_ids_by_region(*, region_ids: Iterable[int]) -> dict[int, list[int]]:
    """`region_ancestor_ids` of several regions at once, by region: one query in all."""
    rows = Region.objects.filter(pk__in=set(region_ids)).values_list(*_ANCESTRY)
    return {row[0]: [pk for pk in row if pk is not None] for row in rows}


def region_ids_with_ancestors(*, region_ids: Iterable[int]) -> set[int]:
    """The regions and every region above them: one query for the four levels."""
    by_region = region_ancestor_ids_by_region(region_ids=region_ids)
    return {pk for ancestors in by_region.values() for pk in ancestors}
