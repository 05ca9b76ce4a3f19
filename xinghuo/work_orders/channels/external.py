"""The REST channel: an employer's own system (ERP, ticketing) pushes orders to us.

Idempotent on the caller's `external_ref` (channel "api"): a retry — or any later
call with the same reference — returns the first order with created=False. The
first order wins as it is: a later call with the same reference and *different*
fields changes nothing (to change an order, use the order endpoints; to make a new
one, use a new reference).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User

from .. import services
from ..models import WorkOrder
from ..services import CreateResult, OrderDraft
from . import common


@dataclass(frozen=True)
class ExternalOrder:
    """An order as an outside system describes it: the site by id or by code, the role and
    skills by id or by code/name."""

    external_ref: str
    title: str
    deadline_at: datetime
    site_id: int | None = None
    site_code: str = ""
    kind: str = WorkOrder.Kind.ORDER
    description: str = ""
    priority: str = WorkOrder.Priority.NORMAL
    earliest_start_at: datetime | None = None
    required_role_id: int | None = None
    required_role: str = ""
    required_skill_ids: Sequence[int] = ()
    required_skills: Sequence[str] = ()
    estimated_minutes: int = 60
    price_fen: int = 0
    base_points: int = 10


@transaction.atomic
def work_order_create_external(
    *,
    actor: User,
    organization: Organization,
    order: ExternalOrder,
    create: services.OrderCreate,
    publish: bool = True,
) -> CreateResult:
    """Create an order from an outside system, once per external_ref, by `create`
    (`workflows.services.work_order_create`, which reserves a paid order's escrow).

    The same reference again returns the first order unchanged with created=False,
    before the new fields are even looked at. Raises PermissionDenied for members
    who may not manage orders, ValidationFailed for bad fields (nothing is created).
    """
    services.require_editor(actor=actor, organization=organization)
    ref = common.external_ref(order.external_ref)
    if not ref:
        raise common.bad(_("external_ref is required."), "external_ref", "external_ref_required")
    existing = WorkOrder.objects.filter(
        organization=organization, channel=WorkOrder.Channel.API, external_ref=ref
    ).first()
    if existing is not None:
        return CreateResult(existing, created=False)
    if order.site_id is not None and order.site_code:
        raise common.bad(_("Give site_id or site_code, not both."), "site_code", "site_ambiguous")
    if order.site_id is not None:
        site_id = order.site_id
    elif order.site_code:
        site_id = common.site_for_code(organization=organization, code=order.site_code).pk
    else:
        raise common.bad(_("Give site_id or site_code."), "site_code", "site_required")
    if order.required_role_id is not None and order.required_role:
        raise common.bad(
            _("Give required_role_id or required_role, not both."),
            "required_role",
            "role_ambiguous",
        )
    catalogue = common.Catalogue.load(organization=organization)
    role_id = order.required_role_id
    if order.required_role:
        role_id = catalogue.role_id(order.required_role, field="required_role")
    skill_ids = list(order.required_skill_ids)
    skill_ids += catalogue.skill_ids(list(order.required_skills), field="required_skills")
    draft = OrderDraft(
        site_id=site_id,
        title=order.title,
        description=order.description,
        deadline_at=common.aware(order.deadline_at),
        earliest_start_at=common.aware(order.earliest_start_at)
        if order.earliest_start_at
        else None,
        kind=order.kind,
        priority=order.priority,
        required_role_id=role_id,
        required_skill_ids=skill_ids,
        estimated_minutes=order.estimated_minutes,
        price_fen=order.price_fen,
        base_points=order.base_points,
        external_ref=ref,
    )
    return create(
        actor=actor,
        organization=organization,
        draft=draft,
        channel=WorkOrder.Channel.API,
        publish=publish,
    )
