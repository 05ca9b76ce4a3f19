"""The maps' shared parts (a UI component of the shell): the tile provider maps.js draws on
and the texts it shows."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _


def map_config() -> dict[str, Any]:
    """The tile provider for maps.js: setting MAP_TILES = {"url", "datum", "attribution"}.

    None (the demo, offline): no tiles, the outlines are drawn on a plain background.
    """
    tiles = getattr(settings, "MAP_TILES", None)
    if not tiles or not tiles.get("url"):
        return {"tiles": None, "time_zone": settings.TIME_ZONE}
    datum = tiles.get("datum", "wgs84")
    return {
        "time_zone": settings.TIME_ZONE,
        "tiles": {
            "url": tiles["url"],
            "datum": "gcj02" if datum == "gcj02" else "wgs84",
            "attribution": tiles.get("attribution", ""),
            "subdomains": tiles.get("subdomains", "abc"),
            "max_zoom": tiles.get("max_zoom", 18),
        },
    }


def map_labels(**extra: Any) -> dict[str, Any]:
    """Texts maps.js shows, translated here; a page adds its own (statuses, events)."""
    return {
        **extra,
        "open_orders": _("Open orders"),
        "region": _("Region"),
        "grid": _("Grid"),
        "last_seen": _("Last position"),
        "stale": _("Position out of date"),
        "order": _("Order"),
        "orders": _("Work orders"),
        "min_ago": _("%(n)s min ago"),
        "just_now": _("just now"),
        "unknown": _("unknown"),
        "zoom_in": _("Zoom in"),
        "eta": _("Arrive"),
        "done_by": _("Done by"),
        "late": _("Late"),
        "start": _("You are here"),
        "site": _("Site"),
        "radius": _("Check-in radius"),
        "check_in": _("Check-in point"),
    }
