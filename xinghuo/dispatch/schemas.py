from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from xinghuo.core.api import Id
from xinghuo.work_orders.schemas import WorkOrderOut


class RecommendationOut(Schema):
    order: WorkOrderOut
    distance_m: float | None
    score: float
    preview_points: int
    preview_pay_fen: int


class AssignIn(Schema):
    worker_id: Id


class ReassignIn(Schema):
    worker_id: Id
    reason: str = Field(max_length=500)


class EligibleWorkerOut(Schema):
    """A candidate as an employer sees him before he works for it: no phone, no position."""

    id: int = Field(alias="worker_id")
    name: str
    role: str
    status: str
    distance_band: str = Field(description="<1 km, 1–3 km, 3–10 km, >10 km or unknown")
    qualifications: list[str] = Field(description="skills that count today")


class AssignmentOfferOut(Schema):
    id: int
    order_id: int
    order_title: str = Field(alias="order.title")
    organization_id: int
    organization_name: str = Field(alias="organization.name")
    worker_id: int
    status: str
    reason: str
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None


class DirectAssignmentConsentIn(Schema):
    allowed: bool


class DirectAssignmentConsentOut(Schema):
    organization_id: int
    organization_name: str = Field(alias="organization.name")
    created_at: datetime


class DirectAssignmentConsentSetOut(Schema):
    organization_id: int
    allowed: bool


class PointsEntryOut(Schema):
    order_id: int
    order_title: str
    points: int
    base_points: int
    efficiency_factor: Decimal
    quality_factor: Decimal
    region_factor: Decimal
    created_at: datetime


class PointsOut(Schema):
    balance: int
    entries: list[PointsEntryOut]


class PointsRuleIn(Schema):
    early_factor: Decimal = Field(max_digits=4, decimal_places=2)
    early_share: Decimal = Field(max_digits=3, decimal_places=2)
    on_time_factor: Decimal = Field(max_digits=4, decimal_places=2)
    late_factor: Decimal = Field(max_digits=4, decimal_places=2)
    quality_factors: dict[int, Decimal] = Field(description="rating 1–5 → factor")


class PointsRuleOut(Schema):
    early_factor: Decimal
    early_share: Decimal
    on_time_factor: Decimal
    late_factor: Decimal
    quality_factors: dict[str, str]


class RegionCoefficientIn(Schema):
    coefficient: Decimal = Field(max_digits=4, decimal_places=2)


class RegionCoefficientOut(Schema):
    region_id: int
    coefficient: Decimal
