from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from xinghuo.core.api import Id

from ..models import AlarmRule


class ImportErrorOut(Schema):
    line: int = Field(description="Spreadsheet row number; the header is line 1")
    code: str
    message: str
    field: str | None = Field(None, description="Column key, e.g. site_code, deadline")


class ImportDuplicateOut(Schema):
    line: int
    external_ref: str
    order_id: int


class ImportReportOut(Schema):
    rows: int = Field(description="Non-empty rows read")
    created: list[int] = Field(description="Ids of the orders created")
    duplicates: list[ImportDuplicateOut]
    errors: list[ImportErrorOut]
    ignored_columns: list[str]


class ExternalOrderCreateIn(Schema):
    external_ref: str = Field(
        min_length=1,
        max_length=64,
        description="Your system's id for the order; the same value again returns the first "
        "order unchanged (created=false), whatever the other fields say",
    )
    site_id: Id | None = Field(None, description="Give site_id or site_code")
    site_code: str | None = Field(None, max_length=32)
    title: str = Field(max_length=128)
    description: str = Field("", max_length=5000)
    kind: Literal["order", "shift"] = "order"
    priority: Literal["urgent", "normal"] = "normal"
    earliest_start_at: datetime | None = Field(
        None, description="ISO 8601; without an offset it is Beijing time"
    )
    deadline_at: datetime = Field(description="ISO 8601; without an offset it is Beijing time")
    required_role_id: Id | None = None
    required_role: str | None = Field(None, max_length=64, description="Role code or Chinese name")
    required_skill_ids: list[Id] = Field([], max_length=20)
    required_skills: list[Annotated[str, Field(max_length=64)]] = Field(
        [], max_length=20, description="Skill codes or Chinese names"
    )
    estimated_minutes: int = Field(60, ge=1, le=10080)
    price_fen: int = Field(0, ge=0, le=100_000_000, description="Price in fen (1 yuan = 100 fen)")
    base_points: int = Field(10, ge=0, le=100_000)
    publish: bool = True


class ChannelOrderOut(Schema):
    id: int
    created: bool
    status: str
    channel: str
    external_ref: str
    site_id: int
    title: str
    kind: str
    priority: str
    required_role_id: int | None
    required_skill_ids: list[int]
    earliest_start_at: datetime | None
    deadline_at: datetime
    estimated_minutes: int
    price_fen: int
    base_points: int
    alarm_type: str
    alarm_count: int
    alarm_cleared_at: datetime | None
    created_at: datetime


class AlarmReceiveIn(Schema):
    # Monitoring systems often send numeric ids.
    model_config = ConfigDict(coerce_numbers_to_str=True)

    alarm_id: str = Field(min_length=1, max_length=64)
    alarm_type: str = Field(min_length=1, max_length=32)
    site_code: str = Field(min_length=1, max_length=32)
    occurred_at: datetime = Field(description="ISO 8601 or unix seconds")
    state: Literal["raised", "cleared"]
    message: str = Field("", max_length=2000)


class AlarmOut(Schema):
    outcome: str = Field(description="created, merged, cleared or no_order")
    duplicate: bool = Field(description="This alarm was received before: nothing changed")
    order_id: int | None
    order_status: str | None
    alarm_count: int | None


class AlarmRuleCreateIn(Schema):
    alarm_type: str = Field(max_length=32, description="e.g. mains_power_failure")
    name: str = Field(max_length=64, description="e.g. 市电停电")
    title_template: str = Field(
        "",
        max_length=128,
        description="Placeholders {alarm_name} {site_name} {site_code} {alarm_type}",
    )
    priority: Literal["urgent", "normal"] = "urgent"
    required_role: str | None = Field(None, max_length=64, description="Role code or Chinese name")
    required_skills: list[Annotated[str, Field(max_length=64)]] = Field(
        [], max_length=20, description="Skill codes or Chinese names"
    )
    deadline_minutes: int = Field(ge=1, le=525_600, description="Deadline after the alarm arrives")
    estimated_minutes: int = Field(60, ge=1, le=10080)
    price_fen: int = Field(0, ge=0, le=100_000_000)
    base_points: int = Field(10, ge=0, le=100_000)
    is_active: bool = True


class AlarmRuleOut(Schema):
    id: int
    alarm_type: str
    name: str
    title_template: str
    priority: str
    required_role: str | None
    required_skills: list[str]
    deadline_minutes: int
    estimated_minutes: int
    price_fen: int
    base_points: int
    is_active: bool
    created_at: datetime

    @staticmethod
    def resolve_required_role(obj: AlarmRule) -> str | None:
        return obj.required_role.code if obj.required_role else None

    @staticmethod
    def resolve_required_skills(obj: AlarmRule) -> list[str]:
        return [skill.code for skill in obj.required_skills.all()]


class IntegrationKeyCreateIn(Schema):
    name: str = Field("", max_length=64)


class IntegrationKeyOut(Schema):
    key_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


class IntegrationKeyCreatedOut(IntegrationKeyOut):
    secret: str = Field(description="Shown this once only: store it now")
    webhook_path: str
