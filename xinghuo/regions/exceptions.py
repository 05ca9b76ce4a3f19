from django.utils.translation import gettext_lazy as _

from xinghuo.core.exceptions import NotFound, ValidationFailed


class InvalidGeometry(ValidationFailed):
    default_code = "invalid_geometry"


class OutsideRegions(ValidationFailed):
    default_code = "outside_regions"


class RegionNotFound(NotFound):
    default_code = "region_not_found"

    def __init__(self) -> None:
        super().__init__(_("Region not found."))


class GridNotFound(NotFound):
    default_code = "grid_not_found"

    def __init__(self) -> None:
        super().__init__(_("Grid not found."))


class SiteNotFound(NotFound):
    default_code = "site_not_found"

    def __init__(self) -> None:
        super().__init__(_("Site not found."))
