"""Orders from the O&M monitoring system (动环监控): a signed webhook, rules, merging.

The monitoring system calls ``POST /hooks/alarms/{key_id}`` with a JSON body and two
headers: ``X-Xinghuo-Timestamp`` (unix seconds) and ``X-Xinghuo-Signature:
sha256=<hex HMAC-SHA256 of "{timestamp}.{raw body}" with the key's secret>``.

- A raised alarm becomes an order through its organization's `AlarmRule` for that
  alarm type (channel "alarm", external_ref = alarm_id), unless an order from the
  same type at the same site is still open: then it is merged into that order
  (alarm_count + 1 and an "alarm_merged" event), so a flapping alarm does not send
  ten workers to one site.
- A cleared alarm is recorded on the order its raise went to (else the open, else
  the most recent order of that type at that site).
- Every alarm is kept once per (alarm_id, state) in `AlarmEvent`: the same message
  again is answered with the first outcome and counted once.
- Unknown alarm type or site: ValidationFailed (422) and nothing is recorded, so the
  monitoring system can send it again once the rule or site exists.

The order's deadline runs from when we receive the alarm (plus the rule's minutes):
the monitoring system's clock and delivery delays must not produce an order that is
already overdue.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.models import Organization, User
from xinghuo.regions.models import Site

from .. import lifecycle, services
from ..models import AlarmEvent, AlarmRule, IntegrationKey, WorkOrder
from ..services import OrderDraft
from . import common
from .exceptions import (
    AlarmRuleExists,
    BadSignature,
    IntegrationKeyNotFound,
    StaleTimestamp,
    UnknownAlarmType,
)

SIGNATURE_TOLERANCE = timedelta(minutes=5)
SIGNATURE_PREFIX = "sha256="
KEY_MANAGERS = account_selectors.Capability.CHANNEL_KEYS_MANAGE
# Compared against when the key is unknown, so an unknown key costs the same time as a bad
# signature and the answer is the same.
_UNKNOWN_KEY_SECRET = secrets.token_hex(32)
_PLACEHOLDER = re.compile(r"\{(alarm_name|alarm_type|site_name|site_code)\}")


# --- integration keys and signatures ----------------------------------------------------------


def integration_key_create(
    *, actor: User, organization: Organization, name: str = ""
) -> tuple[IntegrationKey, str]:
    """A new key for the organization's outside systems; returns it with its secret.

    The secret is returned here only: keep it, it is never shown again. Owners and
    administrators only (PermissionDenied otherwise).
    """
    account_selectors.organization_get_for_member(
        user=actor, organization_id=organization.pk, capability=KEY_MANAGERS
    )
    secret = secrets.token_hex(32)
    key = IntegrationKey.objects.create(
        organization=organization,
        key_id=f"xhk_{secrets.token_hex(12)}",
        secret=secret,
        name=(name or "").strip()[:64],
        created_by=actor,
    )
    return key, secret


@transaction.atomic
def integration_key_revoke(
    *, actor: User, organization: Organization, key_id: str
) -> IntegrationKey:
    """Stop accepting calls signed with this key; revoking twice keeps the first time."""
    account_selectors.organization_get_for_member(
        user=actor, organization_id=organization.pk, capability=KEY_MANAGERS
    )
    key = (
        IntegrationKey.objects.select_for_update()
        .filter(organization=organization, key_id=key_id)
        .first()
    )
    if key is None:
        raise IntegrationKeyNotFound()
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def signature_for(*, secret: str, timestamp: str, body: bytes) -> str:
    """The X-Xinghuo-Signature value for a body sent at `timestamp` (what a sender computes)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def integration_key_verify(
    *,
    key_id: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime | None = None,
) -> IntegrationKey:
    """The active key that signed `body`; raises BadSignature or StaleTimestamp (401).

    Unknown, revoked and wrong keys all get BadSignature, after the same HMAC work.
    The timestamp is checked after the signature (it is signed), within 5 minutes
    either way, which bounds how long a captured call can be replayed; AlarmEvent's
    unique key makes a replay inside that window harmless.
    """
    key = None
    if 0 < len(key_id) <= 40:
        key = (
            IntegrationKey.objects.filter(key_id=key_id, revoked_at__isnull=True)
            .select_related("organization")
            .first()
        )
    timestamp = (timestamp or "").strip()
    expected = signature_for(
        secret=key.secret if key else _UNKNOWN_KEY_SECRET, timestamp=timestamp, body=body
    )
    given = (signature or "").strip().lower().encode("utf-8", "replace")
    if not hmac.compare_digest(expected.encode(), given) or key is None:
        raise BadSignature()
    now = now or timezone.now()
    try:
        sent_at = datetime.fromtimestamp(int(timestamp), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise StaleTimestamp() from None
    if abs(now - sent_at) > SIGNATURE_TOLERANCE:
        raise StaleTimestamp()
    return key


# --- alarm rules -------------------------------------------------------------------------------


@transaction.atomic
def alarm_rule_create(
    *,
    actor: User,
    organization: Organization,
    alarm_type: str,
    name: str,
    deadline_minutes: int,
    title_template: str = "",
    priority: str = WorkOrder.Priority.URGENT,
    required_role: str = "",
    required_skills: Sequence[str] = (),
    estimated_minutes: int = 60,
    price_fen: int = 0,
    base_points: int = 10,
    is_active: bool = True,
) -> AlarmRule:
    """A rule turning alarms of `alarm_type` into orders; role and skills by code or name.

    Owners and administrators only. Raises ValidationFailed for bad fields,
    PermissionDenied(employer_not_verified) for a paid rule before the employer
    verification, and AlarmRuleExists (409) when the organization has a rule for this type
    already.
    """
    account_selectors.organization_get_for_member(
        user=actor, organization_id=organization.pk, capability=KEY_MANAGERS
    )
    alarm_type, name, title_template = _checked_rule_texts(
        alarm_type=alarm_type, name=name, title_template=title_template
    )
    _check_rule_terms(
        priority=priority,
        deadline_minutes=deadline_minutes,
        estimated_minutes=estimated_minutes,
        price_fen=price_fen,
    )
    # A paid rule of an unverified employer would turn every alarm into a refused order:
    # say so now, when the rule is made, not at 3 a.m. when the alarm comes.
    services.require_verified_for_paid(organization=organization, price_fen=price_fen)
    if not 0 <= base_points <= 100_000:
        raise common.bad(_("Base points must be between 0 and 100,000."), "base_points", "invalid")
    catalogue = common.Catalogue.load(organization=organization)
    role_id = catalogue.role_id(required_role, field="required_role")
    skill_ids = catalogue.skill_ids(list(required_skills), field="required_skills")
    try:
        with transaction.atomic():
            rule = AlarmRule.objects.create(
                organization=organization,
                alarm_type=alarm_type,
                name=name,
                title_template=title_template,
                priority=priority,
                required_role_id=role_id,
                deadline_minutes=deadline_minutes,
                estimated_minutes=estimated_minutes,
                price_fen=price_fen,
                base_points=base_points,
                is_active=is_active,
            )
    except IntegrityError:
        raise AlarmRuleExists(
            _("There is a rule for this alarm type already."),
            detail={"field": "alarm_type", "alarm_type": alarm_type},
        ) from None
    rule.required_skills.set(skill_ids)
    return rule


def _checked_rule_texts(*, alarm_type: str, name: str, title_template: str) -> tuple[str, str, str]:
    """The rule's alarm type, name and title template, stripped (the template defaulted)."""
    alarm_type = (alarm_type or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", alarm_type):
        raise common.bad(
            _("An alarm type is a code of at most 32 letters, digits, - and _."),
            "alarm_type",
            "invalid_alarm_type",
        )
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise common.bad(_("A rule needs a name of at most 64 characters."), "name", "invalid")
    title_template = (title_template or "").strip() or AlarmRule._meta.get_field(
        "title_template"
    ).get_default()
    if len(title_template) > 128:
        raise common.bad(
            _("The title template has at most 128 characters."), "title_template", "invalid"
        )
    return alarm_type, name, title_template


def _check_rule_terms(
    *, priority: str, deadline_minutes: int, estimated_minutes: int, price_fen: int
) -> None:
    if priority not in WorkOrder.Priority.values:
        raise common.bad(_("Unknown priority."), "priority", "invalid")
    if not 1 <= deadline_minutes <= 30 * 24 * 60:
        raise common.bad(
            _("The deadline must be between 1 minute and 30 days after the alarm."),
            "deadline_minutes",
            "invalid",
        )
    if not 1 <= estimated_minutes <= 7 * 24 * 60:
        raise common.bad(
            _("The estimated duration must be between 1 minute and 7 days."),
            "estimated_minutes",
            "invalid",
        )
    if not 0 <= price_fen <= 100_000_000:
        raise common.bad(
            _("The price must be between 0 and 1,000,000 yuan."), "price_fen", "invalid"
        )


# --- receiving alarms --------------------------------------------------------------------------


@dataclass(frozen=True)
class Alarm:
    """One message from the monitoring system."""

    alarm_id: str
    alarm_type: str
    site_code: str
    occurred_at: datetime
    state: str  # AlarmEvent.State
    message: str = ""


@dataclass(frozen=True)
class AlarmResult:
    outcome: str  # AlarmEvent.Outcome
    order: WorkOrder | None
    duplicate: bool = False


def _title(rule: AlarmRule, site: Site) -> str:
    values = {
        "alarm_name": rule.name,
        "alarm_type": rule.alarm_type,
        "site_name": site.name,
        "site_code": site.code,
    }
    title = _PLACEHOLDER.sub(lambda m: values[m.group(1)], rule.title_template).strip()
    return (title or rule.name)[:128]


def _open_orders(*, rule: AlarmRule, site: Site) -> QuerySet[WorkOrder]:
    return WorkOrder.objects.select_for_update().filter(
        organization_id=rule.organization_id,
        site=site,
        alarm_type=rule.alarm_type,
        status__in=WorkOrder.Status.OPEN,
    )


def _raise(
    *, rule: AlarmRule, site: Site, alarm: Alarm, now: datetime, create: services.OrderCreate
) -> tuple[str, WorkOrder]:
    order = _open_orders(rule=rule, site=site).order_by("pk").first()
    if order is not None:
        WorkOrder.objects.filter(pk=order.pk).update(alarm_count=F("alarm_count") + 1)
        order.refresh_from_db(fields=["alarm_count"])
        lifecycle.apply(
            order,
            "alarm_merged",
            actor=None,
            at=now,
            note=alarm.message,
            data={
                "alarm_id": alarm.alarm_id,
                "occurred_at": alarm.occurred_at.isoformat(),
                "alarm_count": order.alarm_count,
            },
        )
        return AlarmEvent.Outcome.MERGED, order
    result = create(
        actor=None,
        organization=rule.organization,
        draft=OrderDraft(
            site_id=site.pk,
            title=_title(rule, site),
            description=alarm.message,
            deadline_at=now + timedelta(minutes=rule.deadline_minutes),
            priority=rule.priority,
            required_role_id=rule.required_role_id,
            required_skill_ids=list(rule.required_skills.values_list("pk", flat=True)),
            estimated_minutes=rule.estimated_minutes,
            price_fen=rule.price_fen,
            base_points=rule.base_points,
            external_ref=alarm.alarm_id,
            alarm_type=rule.alarm_type,
        ),
        channel=WorkOrder.Channel.ALARM,
    )
    order = result.order
    if result.created:
        WorkOrder.objects.filter(pk=order.pk).update(alarm_count=F("alarm_count") + 1)
        order.refresh_from_db(fields=["alarm_count"])
    return AlarmEvent.Outcome.CREATED, order


def _clear(
    *, rule: AlarmRule, site: Site, alarm: Alarm, now: datetime
) -> tuple[str, WorkOrder | None]:
    orders = WorkOrder.objects.select_for_update().filter(
        organization_id=rule.organization_id, site=site, alarm_type=rule.alarm_type
    )
    raised = (
        AlarmEvent.objects.filter(
            organization_id=rule.organization_id,
            alarm_id=alarm.alarm_id,
            state=AlarmEvent.State.RAISED,
        )
        .values_list("order_id", flat=True)
        .first()
    )
    order = orders.filter(pk=raised).first() if raised else None
    if order is None:
        order = _open_orders(rule=rule, site=site).order_by("pk").first()
    if order is None:
        order = orders.order_by("-created_at", "-pk").first()
    if order is None:
        return AlarmEvent.Outcome.NO_ORDER, None
    # Clearances may arrive out of order: keep the latest.
    fields: tuple[str, ...] = ()
    if order.alarm_cleared_at is None or order.alarm_cleared_at < alarm.occurred_at:
        order.alarm_cleared_at = alarm.occurred_at
        fields = ("alarm_cleared_at",)
    lifecycle.apply(
        order,
        "alarm_cleared",
        actor=None,
        at=now,
        note=alarm.message,
        data={"alarm_id": alarm.alarm_id, "occurred_at": alarm.occurred_at.isoformat()},
        update_fields=fields,
    )
    return AlarmEvent.Outcome.CLEARED, order


def _recorded(*, organization: Organization, alarm: Alarm) -> AlarmResult | None:
    event = (
        AlarmEvent.objects.filter(
            organization=organization, alarm_id=alarm.alarm_id, state=alarm.state
        )
        .select_related("order")
        .first()
    )
    if event is None:
        return None
    return AlarmResult(outcome=event.outcome, order=event.order, duplicate=True)


@transaction.atomic
def alarm_receive(
    *,
    organization: Organization,
    alarm: Alarm,
    create: services.OrderCreate,
    integration_key: IntegrationKey | None = None,
    now: datetime | None = None,
) -> AlarmResult:
    """Turn one alarm message into an order, a merge or a clearance; exactly once per
    (alarm_id, state). A new order is made by `create` (`workflows.services.
    work_order_create`, which reserves a paid order's escrow).

    Locks the organization's rule for the alarm type, so alarms of one type are handled
    one at a time (no two orders for one flapping alarm), then the order it touches.
    Raises UnknownAlarmType / UnknownSite (422, nothing recorded), ValidationFailed
    when the rule no longer makes a valid order (e.g. its role was retired).
    """
    now = now or timezone.now()
    alarm_id = (alarm.alarm_id or "").strip()
    if not alarm_id or len(alarm_id) > common.MAX_EXTERNAL_REF:
        raise common.bad(_("alarm_id must have 1 to 64 characters."), "alarm_id", "invalid")
    if alarm.state not in AlarmEvent.State.values:
        raise common.bad(_("state must be raised or cleared."), "state", "invalid")
    alarm = Alarm(
        alarm_id=alarm_id,
        alarm_type=(alarm.alarm_type or "").strip(),
        site_code=(alarm.site_code or "").strip(),
        occurred_at=common.aware(alarm.occurred_at),
        state=alarm.state,
        message=(alarm.message or "").strip()[:500],
    )
    recorded = _recorded(organization=organization, alarm=alarm)
    if recorded is not None:
        return recorded
    # Only the rule row is locked (no joins: FOR UPDATE would lock the organization too).
    rule = (
        AlarmRule.objects.select_for_update()
        .filter(organization=organization, alarm_type=alarm.alarm_type)
        .first()
    )
    # A retired rule still records clearances of the orders it made.
    if rule is None or (alarm.state == AlarmEvent.State.RAISED and not rule.is_active):
        raise UnknownAlarmType(
            _("No active rule for alarm type “%(type)s”.") % {"type": alarm.alarm_type[:32]},
            detail={"field": "alarm_type", "alarm_type": alarm.alarm_type[:32]},
        )
    rule.organization = organization
    site = common.site_for_code(organization=organization, code=alarm.site_code)
    # Claim the idempotency key before doing anything; a concurrent copy of this alarm
    # waits here and then sees the first one's record.
    try:
        with transaction.atomic():
            event = AlarmEvent.objects.create(
                organization=organization,
                alarm_id=alarm.alarm_id,
                state=alarm.state,
                alarm_type=alarm.alarm_type,
                site=site,
                outcome=AlarmEvent.Outcome.NO_ORDER,
                occurred_at=alarm.occurred_at,
                message=alarm.message,
                integration_key=integration_key,
            )
    except IntegrityError:
        recorded = _recorded(organization=organization, alarm=alarm)
        if recorded is None:  # pragma: no cover - the row we collided with must be there
            raise
        return recorded
    order: WorkOrder | None
    if alarm.state == AlarmEvent.State.RAISED:
        outcome, order = _raise(rule=rule, site=site, alarm=alarm, now=now, create=create)
    else:
        outcome, order = _clear(rule=rule, site=site, alarm=alarm, now=now)
    event.outcome, event.order = outcome, order
    event.save(update_fields=["outcome", "order"])
    return AlarmResult(outcome=outcome, order=order)
