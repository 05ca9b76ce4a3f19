from django.contrib import admin

from .models import Grid, Region, Site


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "organization", "region", "grid", "lat", "lng"]
    list_filter = ["kind", "region", "organization"]
    search_fields = ["code", "name"]
    # Region and grid follow the coordinates (regions.services.site_create / site_move).
    readonly_fields = ["region", "grid"]
