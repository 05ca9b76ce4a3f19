from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.urls import reverse
from ninja import Schema
from pydantic import Field

from xinghuo.core.api import Id

from .models import Attachment, WorkOrder, WorkOrderEvent


class WorkOrderCreateIn(Schema):
    site_id: Id
    title: str = Field(max_length=128)
    kind: Literal["order", "shift"] = "order"
    description: str = Field("", max_length=5000)
    required_role_id: Id | None = None
    required_skill_ids: list[Id] = Field(default_factory=list, max_length=20)
    priority: Literal["urgent", "normal"] = "normal"
    earliest_start_at: datetime | None = None
    deadline_at: datetime
    estimated_minutes: int = Field(60, ge=1, le=10080)
    price_fen: int = Field(0, ge=0, le=100_000_000, description="price in fen (分)")
    base_points: int = Field(10, ge=0, le=100_000)
    external_ref: str = Field("", max_length=64)
    publish: bool = True


class WorkOrderSkillOut(Schema):
    id: int
    code: str
    name: str


class WorkOrderOut(Schema):
    id: int
    organization_id: int
    organization_name: str
    site_id: int
    site_code: str
    site_name: str
    site_lat: float
    site_lng: float
    region_id: int
    grid_id: int | None
    kind: str
    title: str
    description: str
    required_role_id: int | None
    required_skills: list[WorkOrderSkillOut]
    priority: str
    earliest_start_at: datetime | None
    deadline_at: datetime
    estimated_minutes: int
    price_fen: int
    base_points: int
    channel: str
    external_ref: str
    alarm_type: str
    alarm_count: int
    status: str
    worker_id: int | None
    assigned_at: datetime | None
    on_site_at: datetime | None
    delivered_at: datetime | None
    accepted_at: datetime | None
    is_overdue: bool
    rework_count: int
    delivery_note: str
    rating: int | None
    rating_comment: str
    worked_minutes: int | None
    late_minutes: int | None
    early_leave_minutes: int | None
    checkout_missing: bool
    created_at: datetime

    @staticmethod
    def resolve_organization_name(obj: WorkOrder) -> str:
        return obj.organization.name

    @staticmethod
    def resolve_site_code(obj: WorkOrder) -> str:
        return obj.site.code

    @staticmethod
    def resolve_site_name(obj: WorkOrder) -> str:
        return obj.site.name

    @staticmethod
    def resolve_site_lat(obj: WorkOrder) -> float:
        return obj.site.lat

    @staticmethod
    def resolve_site_lng(obj: WorkOrder) -> float:
        return obj.site.lng

    @staticmethod
    def resolve_required_skills(obj: WorkOrder) -> list[object]:
        return list(obj.required_skills.all())


class WorkOrderEventOut(Schema):
    id: int
    type: str
    from_status: str
    to_status: str
    actor_id: int | None
    actor_name: str | None
    at: datetime
    lat: float | None
    lng: float | None
    note: str
    data: dict[str, object]

    @staticmethod
    def resolve_actor_name(obj: WorkOrderEvent) -> str | None:
        return obj.actor.name if obj.actor else None


class TrackPointOut(Schema):
    lat: float
    lng: float
    at: datetime


class ReasonIn(Schema):
    reason: str = Field(max_length=500)


class AcceptIn(Schema):
    rating: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=255)


class PositionIn(Schema):
    lat: float
    lng: float
    datum: Literal["wgs84", "gcj02"] = "wgs84"
    at: datetime | None = None


class OptionalPositionIn(Schema):
    lat: float | None = None
    lng: float | None = None
    datum: Literal["wgs84", "gcj02"] = "wgs84"


class AttachmentOut(Schema):
    id: int
    purpose: str
    content_type: str
    size: int
    sha256: str
    url: str

    @staticmethod
    def resolve_url(obj: Attachment) -> str:
        return reverse("web:attachment_download", args=[obj.pk])
