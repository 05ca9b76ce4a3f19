"""The worker's steps on site: setting off, positions, geofenced check-in, delivery,
the shift's check-out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.core.exceptions import ValidationFailed
from xinghuo.core.geo import Datum, Point, haversine_m, validate_point
from xinghuo.workforce.models import Worker

from .. import lifecycle, selectors
from ..exceptions import OutsideGeofence, WorkOrderNotFound
from ..models import Attachment, TrackPoint, WorkOrder
from ._common import (
    S,
    lock_worker_order,
    record_position,
    shift_hours,
)
from ._files import PHOTOS, checked_files, store


@transaction.atomic
def work_order_depart(
    *,
    worker: Worker,
    order_id: int,
    lat: object = None,
    lng: object = None,
    datum: str = Datum.WGS84,
) -> WorkOrder:
    """The worker sets off for the site."""
    order = lock_worker_order(worker=worker, order_id=order_id)
    now = timezone.now()
    point = (
        validate_point(lat=lat, lng=lng, datum=datum)
        if lat is not None and lng is not None
        else None
    )
    lifecycle.apply(
        order,
        "depart",
        actor=worker.user,
        at=now,
        lat=point.lat if point else None,
        lng=point.lng if point else None,
    )
    if point:
        record_position(worker=worker, order=order, point=point, at=now)
    return order


@transaction.atomic
def work_order_report_position(
    *,
    worker: Worker,
    order_id: int,
    lat: object,
    lng: object,
    datum: str = Datum.WGS84,
    at: datetime | None = None,
) -> TrackPoint:
    """A position from the worker's app while he works the order (the order's track)."""
    order = WorkOrder.objects.filter(pk=order_id, worker=worker).first()
    if order is None:
        raise WorkOrderNotFound()
    if order.status not in S.IN_PROGRESS:
        raise lifecycle.IllegalTransition(
            _("Positions are recorded only while the order is being worked."),
            detail={"status": order.status},
        )
    now = timezone.now()
    at = at or now
    if at > now + timedelta(minutes=5):
        raise ValidationFailed(
            _("The position's time is in the future."),
            code="time_in_future",
            detail={"field": "at"},
        )
    point = validate_point(lat=lat, lng=lng, datum=datum)
    record_position(worker=worker, order=order, point=point, at=at)
    return order.track.latest("at", "pk")


@transaction.atomic
def work_order_check_in(
    *, worker: Worker, order_id: int, lat: object, lng: object, datum: str = Datum.WGS84
) -> WorkOrder:
    """Geofenced arrival: refused farther than the site's radius, with the distance.

    For a shift, lateness against the shift start is recorded.
    """
    order = lock_worker_order(worker=worker, order_id=order_id)
    lifecycle.check(order, "check_in")
    point = validate_point(lat=lat, lng=lng, datum=datum)
    site = order.site
    distance = haversine_m(point, Point(lat=site.lat, lng=site.lng))
    radius = selectors.checkin_radius_m(order)
    if distance > radius:
        raise OutsideGeofence(
            _("You are %(distance)d m from the site; check in within %(radius)d m.")
            % {"distance": round(distance), "radius": radius},
            detail={"distance_m": round(distance), "radius_m": radius},
        )
    now = timezone.now()
    order.on_site_at = now
    fields: tuple[str, ...] = ("on_site_at",)
    if order.kind == WorkOrder.Kind.SHIFT and order.earliest_start_at:
        order.late_minutes = max(0, int((now - order.earliest_start_at).total_seconds() // 60))
        fields += ("late_minutes",)
    lifecycle.apply(
        order,
        "check_in",
        actor=worker.user,
        at=now,
        lat=point.lat,
        lng=point.lng,
        data={"distance_m": round(distance), "radius_m": radius},
        update_fields=fields,
    )
    record_position(worker=worker, order=order, point=point, at=now)
    return order


# The delivery note's longest text: longer is refused, never cut.
MAX_DELIVERY_NOTE = 5000


@transaction.atomic
def work_order_deliver(
    *, worker: Worker, order_id: int, note: str, photos: Iterable[UploadedFile] = ()
) -> WorkOrder:
    """Hand in the work: a note and photos (JPEG/PNG/WebP by content, ≤10 MB, ≤9)."""
    order = lock_worker_order(worker=worker, order_id=order_id)
    lifecycle.check(order, "deliver")
    note = (note or "").strip()
    if len(note) > MAX_DELIVERY_NOTE:
        raise ValidationFailed(
            _("The note is too long (at most %(max)s characters).") % {"max": MAX_DELIVERY_NOTE},
            code="too_long",
            detail={"field": "note", "max_length": MAX_DELIVERY_NOTE},
        )
    checked = checked_files(photos, PHOTOS)
    if not note and not checked:
        raise ValidationFailed(
            _("Describe the work done or add photos."),
            code="delivery_empty",
            detail={"field": "note"},
        )
    now = timezone.now()
    store(order=order, checked=checked, purpose=Attachment.Purpose.DELIVERY, user=worker.user)
    order.delivered_at = now
    order.delivery_note = note
    lifecycle.apply(
        order,
        "deliver",
        actor=worker.user,
        at=now,
        note=note[:500],
        data={"photos": len(checked)},
        update_fields=("delivered_at", "delivery_note"),
    )
    return order


@transaction.atomic
def work_order_check_out(
    *, worker: Worker, order_id: int, lat: object, lng: object, datum: str = Datum.WGS84
) -> WorkOrder:
    """End a shift on site (geofenced like check-in): hours and early leave computed."""
    order = lock_worker_order(worker=worker, order_id=order_id)
    lifecycle.check(order, "check_out")
    point = validate_point(lat=lat, lng=lng, datum=datum)
    distance = haversine_m(point, Point(lat=order.site.lat, lng=order.site.lng))
    radius = selectors.checkin_radius_m(order)
    if distance > radius:
        raise OutsideGeofence(
            _("You are %(distance)d m from the site; check out within %(radius)d m.")
            % {"distance": round(distance), "radius": radius},
            detail={"distance_m": round(distance), "radius_m": radius},
        )
    now = timezone.now()
    fields = shift_hours(order, out_at=now)
    lifecycle.apply(
        order,
        "check_out",
        actor=worker.user,
        at=now,
        lat=point.lat,
        lng=point.lng,
        data={"worked_minutes": order.worked_minutes},
        update_fields=fields,
    )
    record_position(worker=worker, order=order, point=point, at=now)
    return order


# --- the employer's acceptance --------------------------------------------------------------
