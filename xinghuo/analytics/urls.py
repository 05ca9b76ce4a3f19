"""The pages of analytics: mounted by config/urls.py in the "web" namespace."""

from django.urls import path

from . import views, views_maps

urlpatterns = [
    # Dashboards (issue 7): statistics with charts for the three consoles.
    path("employer/dashboard/", views.employer_dashboard, name="employer_dashboard"),
    path(
        "employer/dashboard/export/",
        views.employer_dashboard_export,
        name="employer_dashboard_export",
    ),
    path("worker/stats/", views.worker_stats, name="worker_stats"),
    path("operator/dashboard/", views.operator_dashboard, name="operator_dashboard"),
    # Maps (issue 7): resource map, live status map, track replay, the worker's route.
    path("employer/map/", views_maps.employer_map, name="employer_map"),
    path(
        "employer/map/markers.json",
        views_maps.employer_map_markers,
        name="employer_map_markers",
    ),
    path("employer/live/", views_maps.employer_live, name="employer_live"),
    path(
        "employer/live/positions.json",
        views_maps.employer_live_positions,
        name="employer_live_positions",
    ),
    path(
        "employer/orders/<id:order_id>/replay/",
        views_maps.employer_order_replay,
        name="employer_order_replay",
    ),
]
