from django.contrib import admin

from .models import PointsEntry, PointsRule, RegionCoefficient


@admin.register(PointsRule)
class PointsRuleAdmin(admin.ModelAdmin):
    list_display = ["organization", "early_factor", "on_time_factor", "late_factor"]


@admin.register(RegionCoefficient)
class RegionCoefficientAdmin(admin.ModelAdmin):
    list_display = ["organization", "region", "coefficient"]
    list_filter = ["organization"]


@admin.register(PointsEntry)
class PointsEntryAdmin(admin.ModelAdmin):
    list_display = [
        "worker",
        "order",
        "points",
        "efficiency_factor",
        "quality_factor",
        "region_factor",
        "created_at",
    ]
    raw_id_fields = ["worker", "order"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # points are awarded by the service, never edited
