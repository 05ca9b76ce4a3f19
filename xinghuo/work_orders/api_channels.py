"""Order channels (MISSION D1): spreadsheet import, the idempotent REST channel, the
monitoring system's alarm webhook with its rules and integration keys."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pydantic
from django.http import HttpRequest, HttpResponse
from ninja import File, Router, Status
from ninja.errors import ValidationError as NinjaValidationError
from ninja.files import UploadedFile

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.auth import current_user
from xinghuo.accounts.models import Organization
from xinghuo.core.api import Id, Pagination, paginate
from xinghuo.workflows import services as workflows

from .channels import alarms, external, selectors, spreadsheet
from .channels.schemas import (
    AlarmOut,
    AlarmReceiveIn,
    AlarmRuleCreateIn,
    AlarmRuleOut,
    ChannelOrderOut,
    ExternalOrderCreateIn,
    ImportReportOut,
    IntegrationKeyCreatedOut,
    IntegrationKeyCreateIn,
    IntegrationKeyOut,
)
from .models import AlarmRule, IntegrationKey, WorkOrder

router = Router(tags=["order channels"])

ORDER_EDITORS = account_selectors.Capability.ORDERS_MANAGE
KEY_MANAGERS = account_selectors.Capability.CHANNEL_KEYS_MANAGE


def _organization(
    request: HttpRequest, organization_id: Id, capability: account_selectors.Capability
) -> Organization:
    return account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id, capability=capability
    )


def _order_out(order: WorkOrder, *, created: bool) -> dict[str, Any]:
    return {
        "id": order.pk,
        "created": created,
        "status": order.status,
        "channel": order.channel,
        "external_ref": order.external_ref,
        "site_id": order.site_id,
        "title": order.title,
        "kind": order.kind,
        "priority": order.priority,
        "required_role_id": order.required_role_id,
        "required_skill_ids": sorted(order.required_skills.values_list("pk", flat=True)),
        "earliest_start_at": order.earliest_start_at,
        "deadline_at": order.deadline_at,
        "estimated_minutes": order.estimated_minutes,
        "price_fen": order.price_fen,
        "base_points": order.base_points,
        "alarm_type": order.alarm_type,
        "alarm_count": order.alarm_count,
        "alarm_cleared_at": order.alarm_cleared_at,
        "created_at": order.created_at,
    }


# --- spreadsheet -------------------------------------------------------------------------------


@router.post("/organizations/{organization_id}/work-orders/import", response=ImportReportOut)
def work_order_import(
    request: HttpRequest, organization_id: Id, file: File[UploadedFile], publish: bool = True
) -> spreadsheet.ImportReport:
    """Create orders from an .xlsx or .csv (UTF-8 or GB18030), at most 5 MB and 5,000 rows.

    Columns by header, Chinese or English (see the template). Each row stands alone: bad
    rows are listed in `errors` by line (header = line 1) and reject nothing else; rows
    whose 外部编号/external_ref was imported before are `duplicates` and create nothing.
    `publish=false` leaves the new orders as drafts.
    """
    org = _organization(request, organization_id, ORDER_EDITORS)
    return spreadsheet.work_order_import(
        actor=current_user(request),
        organization=org,
        file=file,
        create=workflows.work_order_create,
        publish=publish,
    )


@router.get("/organizations/{organization_id}/work-orders/import-template.xlsx")
def work_order_import_template(request: HttpRequest, organization_id: Id) -> HttpResponse:
    """The import template: Chinese headers, one example row, a sheet of instructions."""
    org = _organization(request, organization_id, ORDER_EDITORS)
    response = HttpResponse(
        spreadsheet.import_template_xlsx(organization=org),
        content_type=spreadsheet.XLSX_CONTENT_TYPE,
    )
    response["Content-Disposition"] = (
        'attachment; filename="work-order-import-template.xlsx"; '
        f"filename*=UTF-8''{quote('工单导入模板.xlsx')}"
    )
    return response


# --- REST channel ------------------------------------------------------------------------------


@router.post(
    "/organizations/{organization_id}/work-orders/external",
    response={200: ChannelOrderOut, 201: ChannelOrderOut},
)
def work_order_create_external(
    request: HttpRequest, organization_id: Id, payload: ExternalOrderCreateIn
) -> Status[dict[str, Any]]:
    """Create an order from your system, once per `external_ref` (201, created=true).

    The same `external_ref` again returns the first order (200, created=false) and changes
    nothing — even when the other fields differ: the first order wins as it was made.
    """
    org = _organization(request, organization_id, ORDER_EDITORS)
    fields = payload.dict(exclude={"publish"})
    fields["site_code"] = fields["site_code"] or ""
    fields["required_role"] = fields["required_role"] or ""
    result = external.work_order_create_external(
        actor=current_user(request),
        organization=org,
        order=external.ExternalOrder(**fields),
        create=workflows.work_order_create,
        publish=payload.publish,
    )
    return Status(201 if result.created else 200, _order_out(result.order, created=result.created))


# --- alarm webhook -----------------------------------------------------------------------------


# The body is read raw (the signature covers its exact bytes), so it is documented by hand.
_ALARM_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": AlarmReceiveIn.model_json_schema()}},
    },
    "parameters": [
        {
            "in": "header",
            "name": name,
            "required": True,
            "schema": {"type": "string"},
            "description": description,
        }
        for name, description in (
            ("X-Xinghuo-Timestamp", "Unix seconds when the call was signed"),
            ("X-Xinghuo-Signature", 'sha256=<hex HMAC-SHA256 of "{timestamp}.{raw body}">'),
        )
    ],
}


@router.post("/hooks/alarms/{key_id}", response=AlarmOut, auth=None, openapi_extra=_ALARM_OPENAPI)
def alarm_webhook(request: HttpRequest, key_id: str) -> dict[str, Any]:
    """The monitoring system (动环监控) reports an alarm raised or cleared.

    Sign every call: `X-Xinghuo-Timestamp: <unix seconds>` and
    `X-Xinghuo-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{raw body}" with the key's
    secret>`. A bad signature, an unknown or revoked key (401 bad_signature) and a timestamp
    more than 5 minutes off (401 stale_timestamp) are refused. Sending the same alarm
    (alarm_id + state) again is safe: the first answer is repeated with duplicate=true.
    """
    body = request.body
    key = alarms.integration_key_verify(
        key_id=key_id,
        timestamp=request.headers.get("X-Xinghuo-Timestamp"),
        signature=request.headers.get("X-Xinghuo-Signature"),
        body=body,
    )
    try:
        payload = AlarmReceiveIn.model_validate_json(body)
    except pydantic.ValidationError as exc:
        raise NinjaValidationError(
            [{**e, "loc": ("body", "payload", *e["loc"])} for e in exc.errors()]
        ) from None
    result = alarms.alarm_receive(
        organization=key.organization,
        alarm=alarms.Alarm(**payload.dict()),
        create=workflows.work_order_create,
        integration_key=key,
    )
    order = result.order
    return {
        "outcome": result.outcome,
        "duplicate": result.duplicate,
        "order_id": order.pk if order else None,
        "order_status": order.status if order else None,
        "alarm_count": order.alarm_count if order else None,
    }


# --- alarm rules and integration keys ----------------------------------------------------------


@router.get("/organizations/{organization_id}/alarm-rules", response=list[AlarmRuleOut])
@paginate(Pagination)
def alarm_rule_list(request: HttpRequest, organization_id: Id) -> object:
    org = _organization(request, organization_id, ORDER_EDITORS)
    return selectors.alarm_rule_list(organization=org)


@router.post("/organizations/{organization_id}/alarm-rules", response={201: AlarmRuleOut})
def alarm_rule_create(
    request: HttpRequest, organization_id: Id, payload: AlarmRuleCreateIn
) -> Status[AlarmRule]:
    """A rule turning one alarm type into orders (owners and administrators)."""
    org = _organization(request, organization_id, KEY_MANAGERS)
    fields = payload.dict()
    fields["required_role"] = fields["required_role"] or ""
    return Status(
        201, alarms.alarm_rule_create(actor=current_user(request), organization=org, **fields)
    )


@router.get("/organizations/{organization_id}/integration-keys", response=list[IntegrationKeyOut])
@paginate(Pagination)
def integration_key_list(request: HttpRequest, organization_id: Id) -> object:
    org = _organization(request, organization_id, KEY_MANAGERS)
    return selectors.integration_key_list(organization=org)


@router.post(
    "/organizations/{organization_id}/integration-keys",
    response={201: IntegrationKeyCreatedOut},
)
def integration_key_create(
    request: HttpRequest, organization_id: Id, payload: IntegrationKeyCreateIn
) -> Status[dict[str, Any]]:
    """A key for the monitoring system's webhook. The secret is in this answer only."""
    org = _organization(request, organization_id, KEY_MANAGERS)
    key, secret = alarms.integration_key_create(
        actor=current_user(request), organization=org, name=payload.name
    )
    return Status(
        201,
        {
            "key_id": key.key_id,
            "name": key.name,
            "created_at": key.created_at,
            "revoked_at": key.revoked_at,
            "secret": secret,
            "webhook_path": f"/api/v1/hooks/alarms/{key.key_id}",
        },
    )


@router.post(
    "/organizations/{organization_id}/integration-keys/{key_id}/revoke",
    response=IntegrationKeyOut,
)
def integration_key_revoke(
    request: HttpRequest, organization_id: Id, key_id: str
) -> IntegrationKey:
    org = _organization(request, organization_id, KEY_MANAGERS)
    return alarms.integration_key_revoke(
        actor=current_user(request), organization=org, key_id=key_id
    )
