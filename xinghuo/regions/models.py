from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xinghuo.core.models import TimeStampedModel


class BBoxModel(models.Model):
    """A geometry's bounding box kept in columns, so the database can pre-filter
    candidates before shapely tests the polygon itself."""

    min_lat = models.FloatField(_("min latitude"), null=True, blank=True, editable=False)
    min_lng = models.FloatField(_("min longitude"), null=True, blank=True, editable=False)
    max_lat = models.FloatField(_("max latitude"), null=True, blank=True, editable=False)
    max_lng = models.FloatField(_("max longitude"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class Region(TimeStampedModel, BBoxModel):
    """区域 — a node of the O&M area tree: province → city → district → maintenance area."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        CITY = 2, _("City")
        DISTRICT = 3, _("District")
        AREA = 4, _("Maintenance area")

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    boundary = models.JSONField(
        _("boundary (GeoJSON)"),
        null=True,
        blank=True,
        help_text=_("A GeoJSON Polygon or MultiPolygon in WGS-84, [longitude, latitude]."),
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Grid(TimeStampedModel, BBoxModel):
    """网格 — a polygon inside a region; the finest unit that workers and sites belong to."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="grids"
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    polygon = models.JSONField(
        _("polygon (GeoJSON)"),
        help_text=_("A GeoJSON Polygon or MultiPolygon in WGS-84, [longitude, latitude]."),
    )

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Site(TimeStampedModel):
    """站址 — a telecom site (tower, machine room, base station) where work happens.

    Coordinates are WGS-84; region and grid are resolved from them on every save.
    """

    class Kind(models.TextChoices):
        TOWER = "tower", _("Tower")
        MACHINE_ROOM = "machine_room", _("Machine room")
        BASE_STATION = "base_station", _("Base station")
        INDOOR = "indoor", _("Indoor distribution")
        DATA_CENTER = "data_center", _("Data centre")
        OTHER = "other", _("Other")

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="sites",
    )
    code = models.CharField(_("site code"), max_length=32)
    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.TOWER)
    address = models.CharField(_("address"), max_length=255, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"))
    lng = models.FloatField(_("longitude (WGS-84)"))
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="sites"
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sites",
    )
    checkin_radius_m = models.PositiveIntegerField(
        _("check-in radius (m)"),
        null=True,
        blank=True,
        help_text=_("Overrides the organization's check-in radius for this site."),
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="uniq_site_code_per_org"),
            models.CheckConstraint(
                condition=models.Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
                name="site_coordinates_in_range",
            ),
        ]
        indexes = [models.Index(fields=["region"]), models.Index(fields=["grid"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
