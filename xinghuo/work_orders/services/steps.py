"""Writes for work orders: creation from every channel, the steps on site, acceptance.

Assignment (grab, dispatcher, decline) lives in `dispatch.services`, which builds on
`work_order_claim` and `work_order_release` here. What touches other contexts too (the
escrow of a published order, the points and pay of an accepted one) is done by the
actions in `workflows.services`, which call the steps here: this app calls no app above it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.selectors import Capability, members_with_capability, require_capability
from xinghuo.core import crypto
from xinghuo.core.exceptions import PermissionDenied, ValidationFailed
from xinghuo.core.geo import Datum, Point, haversine_m, validate_point
from xinghuo.core.images import check_image, sniff_image_type
from xinghuo.identity.selectors import employer as verification_selectors
from xinghuo.notifications import services as notification_services
from xinghuo.regions.models import Site
from xinghuo.workforce.models import Role, Skill, Worker

from . import lifecycle, selectors
from .exceptions import BadAttachment, OutsideGeofence, WorkOrderNotFound
from .models import Attachment, TrackPoint, WorkOrder, WorkOrderEvent

S = WorkOrder.Status

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 9


def require_editor(*, actor: User, organization: Organization) -> None:
    require_capability(
        actor=actor,
        capability=Capability.ORDERS_MANAGE,
        organization=organization,
        denied=PermissionDenied(_("Only owners, administrators and dispatchers manage orders.")),
    )


def require_verified_for_paid(*, organization: Organization, price_fen: int) -> None:
    """Paid work is published only by verified employers (企业认证): workers are paid
    through the platform, so they must know who they work for. Drafts and unpaid orders
    need no verification. Raises PermissionDenied (employer_not_verified)."""
    if price_fen > 0 and not verification_selectors.organization_is_verified(
        organization=organization
    ):
        raise PermissionDenied(
            _(
                "Complete the employer verification before publishing paid orders; "
                "you can save the order as a draft meanwhile."
            ),
            code="employer_not_verified",
            detail={"organization_id": organization.pk},
        )


def _lock_org_order(*, organization: Organization, order_id: int) -> WorkOrder:
    order = (
        WorkOrder.objects.select_for_update().filter(pk=order_id, organization=organization).first()
    )
    if order is None:
        raise WorkOrderNotFound()
    return order


def _lock_worker_order(*, worker: Worker, order_id: int) -> WorkOrder:
    """An order the worker holds; anyone else's order is WorkOrderNotFound."""
    order = WorkOrder.objects.select_for_update().filter(pk=order_id, worker=worker).first()
    if order is None:
        raise WorkOrderNotFound()
    return order


# --- creation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderDraft:
    """What an order needs, whatever channel it came from."""

    site_id: int
    title: str
    deadline_at: datetime
    kind: str = WorkOrder.Kind.ORDER
    description: str = ""
    required_role_id: int | None = None
    required_skill_ids: Sequence[int] = ()
    priority: str = WorkOrder.Priority.NORMAL
    earliest_start_at: datetime | None = None
    estimated_minutes: int = 60
    price_fen: int = 0
    base_points: int = 10
    external_ref: str = ""
    alarm_type: str = ""


def _validated(*, organization: Organization, draft: OrderDraft, now: datetime) -> dict[str, Any]:
    def bad(message: Any, field: str, code: str = "invalid") -> ValidationFailed:
        return ValidationFailed(message, code=code, detail={"field": field})

    title = (draft.title or "").strip()
    if not title or len(title) > 128:
        raise bad(_("An order needs a title of at most 128 characters."), "title")
    for field, value, limit in (
        ("description", draft.description or "", 5000),
        ("external_ref", draft.external_ref or "", 64),
        ("alarm_type", draft.alarm_type or "", 32),
    ):
        if len(value.strip()) > limit:
            raise ValidationFailed(
                _("This field is too long."),
                code="too_long",
                detail={"field": field, "max_length": limit},
            )
    deadline_at = _aware(draft.deadline_at)
    earliest_start_at = _aware(draft.earliest_start_at) if draft.earliest_start_at else None
    site = Site.objects.filter(pk=draft.site_id, organization=organization).first()
    if site is None:
        raise bad(_("No such site in your organization."), "site_id", "site_not_found")
    if draft.kind not in WorkOrder.Kind.values:
        raise bad(_("Unknown order kind."), "kind")
    if draft.priority not in WorkOrder.Priority.values:
        raise bad(_("Unknown priority."), "priority")
    if deadline_at <= now:
        raise bad(_("The deadline must be in the future."), "deadline_at", "deadline_in_past")
    if earliest_start_at and earliest_start_at >= deadline_at:
        raise bad(_("The start must come before the deadline."), "earliest_start_at")
    if draft.kind == WorkOrder.Kind.SHIFT and not earliest_start_at:
        raise bad(_("A shift needs its start time."), "earliest_start_at")
    if not (0 <= draft.price_fen <= 100_000_000):
        raise bad(_("The price must be between 0 and 1,000,000 yuan."), "price_fen")
    if not (0 <= draft.base_points <= 100_000):
        raise bad(_("Base points must be between 0 and 100,000."), "base_points")
    if not (1 <= draft.estimated_minutes <= 7 * 24 * 60):
        raise bad(
            _("The estimated duration must be between 1 minute and 7 days."), "estimated_minutes"
        )
    role = None
    if draft.required_role_id is not None:
        role = Role.objects.filter(pk=draft.required_role_id, is_active=True).first()
        # A platform role, or one of this employer's own.
        if role is None or (role.organization_id not in (None, organization.pk)):
            raise bad(_("Unknown role."), "required_role_id", "role_not_found")
    skill_ids = sorted(set(draft.required_skill_ids))
    if len(set(Skill.objects.filter(pk__in=skill_ids).values_list("pk", flat=True))) != len(
        skill_ids
    ):
        raise bad(_("Unknown skill."), "required_skill_ids", "skill_not_found")
    return {
        "site": site,
        "region_id": site.region_id,
        "grid_id": site.grid_id,
        "kind": draft.kind,
        "title": title,
        "description": (draft.description or "").strip(),
        "required_role": role,
        "priority": draft.priority,
        "earliest_start_at": earliest_start_at,
        "deadline_at": deadline_at,
        "estimated_minutes": draft.estimated_minutes,
        "price_fen": draft.price_fen,
        "base_points": draft.base_points,
        "external_ref": (draft.external_ref or "").strip(),
        "alarm_type": (draft.alarm_type or "").strip(),
        "skill_ids": skill_ids,
    }


def _aware(value: datetime) -> datetime:
    """A time without a zone is taken as the platform's time (Asia/Shanghai)."""
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@dataclass(frozen=True)
class CreateResult:
    order: WorkOrder
    created: bool


class OrderCreate(Protocol):
    """How the channels make an order: `workflows.services.work_order_create` (this
    `work_order_create` and, for a published paid order, its escrow reservation), given
    by the caller because settlement lies above this app."""

    def __call__(
        self,
        *,
        actor: User | None,
        organization: Organization,
        draft: OrderDraft,
        channel: str = ...,
        publish: bool = ...,
    ) -> CreateResult: ...


@transaction.atomic
def work_order_create(
    *,
    actor: User | None,
    organization: Organization,
    draft: OrderDraft,
    channel: str = WorkOrder.Channel.MANUAL,
    publish: bool = True,
) -> CreateResult:
    """Create an order (published unless publish=False), without its escrow: the action is
    `workflows.services.work_order_create`, which reserves a published paid order's price.

    Idempotent on (organization, channel, external_ref): the same reference again
    returns the first order with created=False and changes nothing.
    Raises ValidationFailed for bad fields (the site must be the organization's),
    PermissionDenied (employer_not_verified) when publishing a paid order unverified.
    """
    if actor is not None:
        require_editor(actor=actor, organization=organization)
    now = timezone.now()
    ref = (draft.external_ref or "").strip()
    if ref:
        existing = WorkOrder.objects.filter(
            organization=organization, channel=channel, external_ref=ref
        ).first()
        if existing is not None:
            return CreateResult(existing, created=False)
    fields = _validated(organization=organization, draft=draft, now=now)
    if publish:
        require_verified_for_paid(organization=organization, price_fen=fields["price_fen"])
    skill_ids = fields.pop("skill_ids")
    try:
        with transaction.atomic():
            order = WorkOrder.objects.create(organization=organization, channel=channel, **fields)
    except IntegrityError:
        if not ref:
            raise
        # The same reference, concurrently: the first one wins.
        existing = WorkOrder.objects.get(
            organization=organization, channel=channel, external_ref=ref
        )
        return CreateResult(existing, created=False)
    order.required_skills.set(skill_ids)
    WorkOrderEvent.objects.create(
        order=order,
        type="create",
        to_status=order.status,
        actor=actor,
        at=now,
        data={"channel": channel},
    )
    if publish:
        order.published_at = now
        lifecycle.apply(order, "publish", actor=actor, at=now, update_fields=("published_at",))
    return CreateResult(order, created=True)


@transaction.atomic
def work_order_publish(*, actor: User, organization: Organization, order_id: int) -> WorkOrder:
    """Publish a draft (the lifecycle step; `workflows.services.work_order_publish` also
    reserves its escrow)."""
    require_editor(actor=actor, organization=organization)
    order = _lock_org_order(organization=organization, order_id=order_id)
    require_verified_for_paid(organization=organization, price_fen=order.price_fen)
    order.published_at = timezone.now()
    lifecycle.apply(order, "publish", actor=actor, update_fields=("published_at",))
    return order


@transaction.atomic
def work_order_cancel(
    *, actor: User, organization: Organization, order_id: int, reason: str
) -> WorkOrder:
    """Cancel an open order; the worker holding it is told (the lifecycle step;
    `workflows.services.work_order_cancel` also releases its escrow)."""
    require_editor(actor=actor, organization=organization)
    reason = _required_reason(reason)
    order = _lock_org_order(organization=organization, order_id=order_id)
    lifecycle.apply(order, "cancel", actor=actor, note=reason)
    if order.worker is not None:
        notification_services.notify(
            user=order.worker.user,
            kind="order_cancelled",
            title=_("Order cancelled"),
            body=f"{order.title}: {reason}",
            order_id=order.pk,
        )
    return order


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Please give a reason."), code="reason_required", detail={"field": "reason"}
        )
    return reason[:500]


# --- assignment primitives (used by dispatch) ---------------------------------------------


def work_order_claim(*, order: WorkOrder, worker: Worker, actor: User | None) -> bool:
    """Give a published order to `worker` if nobody has it yet; False when someone was first."""
    return lifecycle.claim(order, worker_id=worker.pk, actor=actor) is not None


def work_order_release(*, order: WorkOrder, actor: User | None, reason: str) -> WorkOrder:
    """The assigned worker gives the order back (locked by the caller): published again."""
    previous = order.worker_id
    order.worker = None
    order.assigned_at = None
    lifecycle.apply(
        order,
        "decline",
        actor=actor,
        note=reason,
        data={"worker_id": previous},
        update_fields=("worker", "assigned_at"),
    )
    return order


def work_order_hand_over(
    *, order: WorkOrder, worker: Worker, actor: User, reason: str
) -> WorkOrder:
    """The dispatcher moves an assigned order (locked by the caller) to another worker."""
    previous = order.worker_id
    order.worker = worker
    order.assigned_at = timezone.now()
    lifecycle.apply(
        order,
        "reassign",
        actor=actor,
        note=reason,
        data={"from_worker_id": previous, "worker_id": worker.pk},
        update_fields=("worker", "assigned_at"),
    )
    return order


# --- the worker's steps ---------------------------------------------------------------------


def _point(lat: object, lng: object, datum: str) -> Point:
    return validate_point(lat=lat, lng=lng, datum=datum)


def _record_position(*, worker: Worker, order: WorkOrder, point: Point, at: datetime) -> None:
    TrackPoint.objects.create(order=order, worker=worker, lat=point.lat, lng=point.lng, at=at)
    Worker.objects.filter(pk=worker.pk).exclude(last_position_at__gt=at).update(
        last_lat=point.lat, last_lng=point.lng, last_position_at=at
    )


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
    order = _lock_worker_order(worker=worker, order_id=order_id)
    now = timezone.now()
    point = _point(lat, lng, datum) if lat is not None and lng is not None else None
    lifecycle.apply(
        order,
        "depart",
        actor=worker.user,
        at=now,
        lat=point.lat if point else None,
        lng=point.lng if point else None,
    )
    if point:
        _record_position(worker=worker, order=order, point=point, at=now)
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
    point = _point(lat, lng, datum)
    _record_position(worker=worker, order=order, point=point, at=at)
    return order.track.latest("at", "pk")


@transaction.atomic
def work_order_check_in(
    *, worker: Worker, order_id: int, lat: object, lng: object, datum: str = Datum.WGS84
) -> WorkOrder:
    """Geofenced arrival: refused farther than the site's radius, with the distance.

    For a shift, lateness against the shift start is recorded.
    """
    order = _lock_worker_order(worker=worker, order_id=order_id)
    lifecycle.check(order, "check_in")
    point = _point(lat, lng, datum)
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
    _record_position(worker=worker, order=order, point=point, at=now)
    return order


@dataclass(frozen=True)
class FilePolicy:
    """What one kind of upload accepts; the type is decided by the file's first bytes."""

    types: tuple[str, ...]
    max_bytes: int
    max_count: int
    field: str
    type_message: Any


PHOTOS = FilePolicy(
    types=PHOTO_TYPES,
    max_bytes=MAX_PHOTO_BYTES,
    max_count=MAX_PHOTOS,
    field="photos",
    type_message=_("Photos must be JPEG, PNG or WebP images."),
)
DOCUMENTS = FilePolicy(
    types=(*PHOTO_TYPES, "application/pdf"),
    max_bytes=20 * 1024 * 1024,
    max_count=10,
    field="files",
    type_message=_("Documents must be PDF files or JPEG, PNG or WebP images."),
)


def _checked_files(
    files: Iterable[UploadedFile], policy: FilePolicy
) -> list[tuple[UploadedFile, str, str]]:
    """Each file with its content type and SHA-256 (of the clear bytes), or BadAttachment
    naming the first bad one; an image must pass `check_image` (bad_image)."""
    checked = []
    files = list(files)
    if len(files) > policy.max_count:
        raise BadAttachment(
            _("At most %(n)d files at a time.") % {"n": policy.max_count},
            detail={"field": policy.field, "max": policy.max_count},
        )
    for upload in files:
        size = upload.size or 0
        if size == 0 or size > policy.max_bytes:
            raise BadAttachment(
                _("Each file must be between 1 byte and %(mb)d MB.")
                % {"mb": policy.max_bytes // (1024 * 1024)},
                detail={"field": policy.field, "name": upload.name, "size": size},
            )
        data = upload.read()
        upload.seek(0)
        kind = "application/pdf" if data.startswith(b"%PDF-") else sniff_image_type(data)
        if kind is None or kind not in policy.types:
            raise BadAttachment(
                policy.type_message, detail={"field": policy.field, "name": upload.name}
            )
        if kind.startswith("image/"):
            check_image(data, field=policy.field)
        digest = hashlib.sha256(data)
        del data
        checked.append((upload, kind, digest.hexdigest()))
    return checked


def _store(
    *, order: WorkOrder, checked: list[tuple[UploadedFile, str, str]], purpose: str, user: User
) -> None:
    for upload, content_type, sha in checked:
        attachment = Attachment(
            order=order,
            purpose=purpose,
            content_type=content_type,
            size=upload.size or 0,
            sha256=sha,
            uploaded_by=user,
        )
        # Encrypted under a random name: photos show faces and documents names, and the
        # client's file name never reaches the disk.
        crypto.save_encrypted(attachment.file, upload.read())
        attachment.save()


@transaction.atomic
def work_order_attach_documents(
    *, actor: User, organization: Organization, order_id: int, files: Iterable[UploadedFile]
) -> list[Attachment]:
    """The employer adds documents to an open order (drawings, procedures, permits):
    PDF or images by content, ≤20 MB each, ≤10 at a time."""
    require_editor(actor=actor, organization=organization)
    order = _lock_org_order(organization=organization, order_id=order_id)
    if order.status not in S.OPEN:
        raise lifecycle.IllegalTransition(
            _("Documents can be added only while the order is open."),
            detail={"status": order.status},
        )
    checked = _checked_files(files, DOCUMENTS)
    if not checked:
        raise BadAttachment(_("Choose at least one file."), detail={"field": "files"})
    before = set(order.attachments.values_list("pk", flat=True))
    _store(order=order, checked=checked, purpose=Attachment.Purpose.SPEC, user=actor)
    return list(order.attachments.exclude(pk__in=before).order_by("pk"))


# The delivery note's longest text: longer is refused, never cut.
MAX_DELIVERY_NOTE = 5000


@transaction.atomic
def work_order_deliver(
    *, worker: Worker, order_id: int, note: str, photos: Iterable[UploadedFile] = ()
) -> WorkOrder:
    """Hand in the work: a note and photos (JPEG/PNG/WebP by content, ≤10 MB, ≤9)."""
    order = _lock_worker_order(worker=worker, order_id=order_id)
    lifecycle.check(order, "deliver")
    note = (note or "").strip()
    if len(note) > MAX_DELIVERY_NOTE:
        raise ValidationFailed(
            _("The note is too long (at most %(max)s characters).") % {"max": MAX_DELIVERY_NOTE},
            code="too_long",
            detail={"field": "note", "max_length": MAX_DELIVERY_NOTE},
        )
    checked = _checked_files(photos, PHOTOS)
    if not note and not checked:
        raise ValidationFailed(
            _("Describe the work done or add photos."),
            code="delivery_empty",
            detail={"field": "note"},
        )
    now = timezone.now()
    _store(order=order, checked=checked, purpose=Attachment.Purpose.DELIVERY, user=worker.user)
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


def _shift_hours(order: WorkOrder, *, out_at: datetime) -> tuple[str, ...]:
    start = order.on_site_at or out_at
    order.checked_out_at = out_at
    order.worked_minutes = max(0, int((out_at - start).total_seconds() // 60))
    order.early_leave_minutes = max(0, int((order.deadline_at - out_at).total_seconds() // 60))
    order.delivered_at = out_at
    return ("checked_out_at", "worked_minutes", "early_leave_minutes", "delivered_at")


@transaction.atomic
def work_order_check_out(
    *, worker: Worker, order_id: int, lat: object, lng: object, datum: str = Datum.WGS84
) -> WorkOrder:
    """End a shift on site (geofenced like check-in): hours and early leave computed."""
    order = _lock_worker_order(worker=worker, order_id=order_id)
    lifecycle.check(order, "check_out")
    point = _point(lat, lng, datum)
    distance = haversine_m(point, Point(lat=order.site.lat, lng=order.site.lng))
    radius = selectors.checkin_radius_m(order)
    if distance > radius:
        raise OutsideGeofence(
            _("You are %(distance)d m from the site; check out within %(radius)d m.")
            % {"distance": round(distance), "radius": radius},
            detail={"distance_m": round(distance), "radius_m": radius},
        )
    now = timezone.now()
    fields = _shift_hours(order, out_at=now)
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
    _record_position(worker=worker, order=order, point=point, at=now)
    return order


# --- the employer's acceptance --------------------------------------------------------------


@transaction.atomic
def work_order_accept(
    *, actor: User, organization: Organization, order_id: int, rating: int, comment: str = ""
) -> WorkOrder:
    """Accept delivered work with a rating (1–5): the lifecycle step. The action is
    `workflows.services.work_order_accept`, which awards the points and settles the pay in
    the same transaction.

    Accepting twice is IllegalTransition: points are never awarded twice.
    """
    require_editor(actor=actor, organization=organization)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed(
            _("The rating must be 1 to 5."), code="invalid_rating", detail={"field": "rating"}
        )
    order = _lock_org_order(organization=organization, order_id=order_id)
    now = timezone.now()
    order.accepted_at = now
    order.rating = rating
    order.rating_comment = (comment or "").strip()[:255]
    lifecycle.apply(
        order,
        "accept",
        actor=actor,
        at=now,
        note=order.rating_comment,
        data={"rating": rating},
        update_fields=("accepted_at", "rating", "rating_comment"),
    )
    return order


@transaction.atomic
def work_order_reject(
    *, actor: User, organization: Organization, order_id: int, reason: str
) -> WorkOrder:
    """Send delivered work back for rework with a reason: the worker returns and checks in again."""
    require_editor(actor=actor, organization=organization)
    reason = _required_reason(reason)
    order = _lock_org_order(organization=organization, order_id=order_id)
    order.rework_count += 1
    order.delivered_at = None
    lifecycle.apply(
        order,
        "reject",
        actor=actor,
        note=reason,
        update_fields=("rework_count", "delivered_at"),
    )
    assert order.worker is not None  # a delivered order has its worker
    notification_services.notify(
        user=order.worker.user,
        kind=f"order_rejected_{order.rework_count}",
        title=_("Work sent back for rework"),
        body=f"{order.title}: {reason}",
        order_id=order.pk,
    )
    return order


# --- timers ----------------------------------------------------------------------------------


def order_ids_to_expire(*, now: datetime) -> list[int]:
    """The published orders past their deadline with nobody on them (to expire)."""
    return list(
        WorkOrder.objects.filter(status=S.PUBLISHED, deadline_at__lt=now).values_list(
            "pk", flat=True
        )
    )


def work_order_expire(*, order_id: int, now: datetime) -> WorkOrder | None:
    """Expire a published order past its deadline (the lifecycle step, in the caller's
    transaction; `workflows.services.work_order_expire` also releases its escrow).

    Locks the order; None when it was taken or expired meanwhile (idempotent)."""
    order = WorkOrder.objects.select_for_update().get(pk=order_id)
    if order.status != S.PUBLISHED or order.deadline_at >= now:
        return None
    lifecycle.apply(order, "expire", actor=None, at=now)
    return order


def work_orders_sweep(
    *, now: datetime | None = None, shift_grace: timedelta | None = None
) -> dict[str, int]:
    """The periodic rules of this app, idempotent (run by `workflows.tasks`, after the
    expiry of published orders, which releases escrow):

    - an order held past its deadline is flagged overdue once, and the dispatchers and
      the worker are told (in-app, and by SMS for urgent orders);
    - a shift still checked in `shift_grace` after its end is closed at its end and
      flagged as missing its check-out.
    """
    now = now or timezone.now()
    shift_grace = shift_grace or timedelta(hours=2)
    counts = {"overdue": 0, "shifts_closed": 0}
    for order_id in (
        WorkOrder.objects.filter(status__in=S.IN_PROGRESS, deadline_at__lt=now, is_overdue=False)
        .exclude(kind=WorkOrder.Kind.SHIFT)
        .values_list("pk", flat=True)
    ):
        with transaction.atomic():
            order = (
                WorkOrder.objects.select_for_update(of=("self",))
                .select_related("worker__user")
                .get(pk=order_id)
            )
            if order.is_overdue or order.status not in S.IN_PROGRESS:
                continue
            order.is_overdue = True
            lifecycle.apply(order, "overdue", actor=None, at=now, update_fields=("is_overdue",))
            _notify_overdue(order)
            counts["overdue"] += 1
    for order_id in WorkOrder.objects.filter(
        kind=WorkOrder.Kind.SHIFT, status=S.ON_SITE, deadline_at__lt=now - shift_grace
    ).values_list("pk", flat=True):
        with transaction.atomic():
            order = WorkOrder.objects.select_for_update().get(pk=order_id)
            if order.status != S.ON_SITE:
                continue
            fields = _shift_hours(order, out_at=order.deadline_at)
            order.checkout_missing = True
            lifecycle.apply(
                order,
                "check_out",
                actor=None,
                at=now,
                note="check-out missing: closed at the shift's end",
                update_fields=(*fields, "checkout_missing"),
            )
            counts["shifts_closed"] += 1
    return counts


def _notify_overdue(order: WorkOrder) -> None:
    urgent = order.priority == WorkOrder.Priority.URGENT
    title = _("Order overdue")
    body = f"#{order.pk} {order.title}"
    recipients = [order.worker.user] if order.worker else []
    recipients += [
        m.user
        for m in members_with_capability(
            organization=order.organization_id, capability=Capability.ORDER_ALERTS
        ).select_related("user")
    ]
    for user in recipients:
        notification_services.notify(
            user=user, kind="order_overdue", title=title, body=body, order_id=order.pk, sms=urgent
        )


def attachments_reencrypt_all() -> int:
    """Re-encrypt every order file under the first key (`manage.py identity_rotate_keys`);
    returns the number of files rewritten."""

    def rewrite(attachment: Attachment) -> None:
        if attachment.file:
            crypto.rotate_file(attachment.file)
            attachment.save(update_fields=["file"])

    return crypto.reencrypt_each(Attachment.objects.all(), rewrite)
