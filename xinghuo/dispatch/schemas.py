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
    id: int
    name: str
    phone: str
    role_id: int
    status: str
    last_lat: float | None
    last_lng: float | None
    distance_m: float | None


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
