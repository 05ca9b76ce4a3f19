"""The employers' sites (站址): four per grid, shared between the tower company and the O&M
company, each at a random point of its grid near a landmark."""

from __future__ import annotations

from xinghuo.regions import services as region_services
from xinghuo.regions.models import Site

from .context import SITES_PER_GRID, BuildContext
from .geography import DISTRICTS, random_point_in

SITE_SUFFIX: dict[str, str] = {
    Site.Kind.TOWER: "铁塔站",
    Site.Kind.BASE_STATION: "基站",
    Site.Kind.MACHINE_ROOM: "机房",
    Site.Kind.INDOOR: "室分站",
}
# Each grid's sites are shared half and half: the tower company owns towers and indoor
# distribution, the O&M company the operators' base stations and machine rooms it
# maintains under contract.
SITE_KINDS_BY_EMPLOYER: dict[str, tuple[tuple[str, float], ...]] = {
    "tower": ((Site.Kind.TOWER, 0.7), (Site.Kind.INDOOR, 0.3)),
    "om": ((Site.Kind.BASE_STATION, 0.5), (Site.Kind.MACHINE_ROOM, 0.5)),
}


def build_sites(ctx: BuildContext) -> None:
    count = 0
    for spec in DISTRICTS:
        grid_specs = [g for area in spec.areas for g in area.grids]
        numbers = iter(sorted(ctx.rng.sample(range(1, 400), SITES_PER_GRID * len(grid_specs))))
        for grid, grid_spec in zip(ctx.city.grids[spec.code], grid_specs, strict=True):
            owners = ["tower", "om"] * (SITES_PER_GRID // 2)
            ctx.rng.shuffle(owners)
            for landmark, owner in zip(grid_spec.landmarks, owners, strict=True):
                kinds = SITE_KINDS_BY_EMPLOYER[owner]
                kind = ctx.rng.choices([k for k, _w in kinds], [w for _k, w in kinds])[0]
                lat, lng = random_point_in(ctx.rng, grid.polygon)
                region_services.site_create(
                    organization=ctx.orgs[owner],
                    code=f"HZ-{spec.abbr}-{next(numbers):04d}",
                    name=f"{landmark}{SITE_SUFFIX[kind]}",
                    lat=lat,
                    lng=lng,
                    kind=kind,
                    address=f"浙江省杭州市{spec.name}{landmark}附近",
                )
                count += 1
    ctx.log(f"Sites: {count}")
