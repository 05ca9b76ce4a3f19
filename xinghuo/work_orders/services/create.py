"""Creating an order from every channel, publishing and cancelling it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.core.exceptions import ValidationFailed
from xinghuo.notifications import services as notification_services
from xinghuo.regions.models import Site
from xinghuo.workforce.models import Role, Skill

from .. import lifecycle
from ..models import WorkOrder, WorkOrderEvent
from ._common import (
    lock_org_order,
    require_editor,
    require_verified_for_paid,
    required_reason,
)


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


def _bad(message: Any, field: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, code=code, detail={"field": field})


def _validated(*, organization: Organization, draft: OrderDraft, now: datetime) -> dict[str, Any]:
    title = _checked_texts(draft)
    deadline_at = _aware(draft.deadline_at)
    earliest_start_at = _aware(draft.earliest_start_at) if draft.earliest_start_at else None
    site = Site.objects.filter(pk=draft.site_id, organization=organization).first()
    if site is None:
        raise _bad(_("No such site in your organization."), "site_id", "site_not_found")
    _check_kind_and_times(
        draft, deadline_at=deadline_at, earliest_start_at=earliest_start_at, now=now
    )
    _check_amounts(draft)
    role = _required_role(organization=organization, draft=draft)
    skill_ids = _known_skill_ids(draft)
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


def _checked_texts(draft: OrderDraft) -> str:
    """The stripped title; ValidationFailed when it or another text is too long."""
    title = (draft.title or "").strip()
    if not title or len(title) > 128:
        raise _bad(_("An order needs a title of at most 128 characters."), "title")
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
    return title


def _check_kind_and_times(
    draft: OrderDraft, *, deadline_at: datetime, earliest_start_at: datetime | None, now: datetime
) -> None:
    if draft.kind not in WorkOrder.Kind.values:
        raise _bad(_("Unknown order kind."), "kind")
    if draft.priority not in WorkOrder.Priority.values:
        raise _bad(_("Unknown priority."), "priority")
    if deadline_at <= now:
        raise _bad(_("The deadline must be in the future."), "deadline_at", "deadline_in_past")
    if earliest_start_at and earliest_start_at >= deadline_at:
        raise _bad(_("The start must come before the deadline."), "earliest_start_at")
    if draft.kind == WorkOrder.Kind.SHIFT and not earliest_start_at:
        raise _bad(_("A shift needs its start time."), "earliest_start_at")


def _check_amounts(draft: OrderDraft) -> None:
    if not (0 <= draft.price_fen <= 100_000_000):
        raise _bad(_("The price must be between 0 and 1,000,000 yuan."), "price_fen")
    if not (0 <= draft.base_points <= 100_000):
        raise _bad(_("Base points must be between 0 and 100,000."), "base_points")
    if not (1 <= draft.estimated_minutes <= 7 * 24 * 60):
        raise _bad(
            _("The estimated duration must be between 1 minute and 7 days."), "estimated_minutes"
        )


def _required_role(*, organization: Organization, draft: OrderDraft) -> Role | None:
    if draft.required_role_id is None:
        return None
    role = Role.objects.filter(pk=draft.required_role_id, is_active=True).first()
    # A platform role, or one of this employer's own.
    if role is None or (role.organization_id not in (None, organization.pk)):
        raise _bad(_("Unknown role."), "required_role_id", "role_not_found")
    return role


def _known_skill_ids(draft: OrderDraft) -> list[int]:
    skill_ids = sorted(set(draft.required_skill_ids))
    if len(set(Skill.objects.filter(pk__in=skill_ids).values_list("pk", flat=True))) != len(
        skill_ids
    ):
        raise _bad(_("Unknown skill."), "required_skill_ids", "skill_not_found")
    return skill_ids


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
    order = lock_org_order(organization=organization, order_id=order_id)
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
    reason = required_reason(reason)
    order = lock_org_order(organization=organization, order_id=order_id)
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
