from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from xinghuo.core.api import Id

from .models import RoleChangeRequest, Worker, WorkerSkill


class RoleOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    label: str
    organization_id: int | None


class RoleCreateIn(Schema):
    name: str = Field(max_length=64)
    name_en: str = Field("", max_length=64)


class SkillOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    label: str
    requires_certification: bool


class WorkerSkillOut(Schema):
    skill_id: int
    code: str
    label: str
    requires_certification: bool
    valid_from: date | None
    valid_until: date | None

    @staticmethod
    def resolve_code(obj: WorkerSkill) -> str:
        return obj.skill.code

    @staticmethod
    def resolve_label(obj: WorkerSkill) -> str:
        return obj.skill.label

    @staticmethod
    def resolve_requires_certification(obj: WorkerSkill) -> bool:
        return obj.skill.requires_certification


class WorkerOut(Schema):
    id: int
    user_id: int
    phone: str
    name: str
    role: RoleOut
    team_id: int | None
    status: str
    is_active: bool
    region_ids: list[int]
    grid_ids: list[int]
    skills: list[WorkerSkillOut]
    last_lat: float | None
    last_lng: float | None
    last_position_at: datetime | None

    @staticmethod
    def resolve_phone(obj: Worker) -> str:
        return obj.user.phone

    @staticmethod
    def resolve_name(obj: Worker) -> str:
        return obj.user.name

    @staticmethod
    def resolve_region_ids(obj: Worker) -> list[int]:
        return sorted(r.pk for r in obj.regions.all())

    @staticmethod
    def resolve_grid_ids(obj: Worker) -> list[int]:
        return sorted(g.pk for g in obj.grids.all())

    @staticmethod
    def resolve_skills(obj: Worker) -> list[WorkerSkill]:
        return list(obj.worker_skills.all())


class WorkerBriefOut(Schema):
    id: int
    name: str
    phone: str
    role_id: int
    role_label: str
    status: str
    is_active: bool

    @staticmethod
    def resolve_name(obj: Worker) -> str:
        return obj.user.name

    @staticmethod
    def resolve_phone(obj: Worker) -> str:
        return obj.user.phone

    @staticmethod
    def resolve_role_label(obj: Worker) -> str:
        return obj.role.label


class WorkerAreasIn(Schema):
    region_ids: list[Id] = Field(max_length=100)
    grid_ids: list[Id] = Field(default_factory=list, max_length=200)


class WorkerSkillsIn(Schema):
    skill_ids: list[Id] = Field(max_length=100)


class WorkerStatusIn(Schema):
    status: Literal["available", "busy", "off_duty"]


class PositionIn(Schema):
    lat: float
    lng: float
    datum: Literal["wgs84", "gcj02"] = "wgs84"
    at: datetime | None = None


class RoleChangeRequestIn(Schema):
    to_role_id: Id
    reason: str = Field("", max_length=255)


class ReviewIn(Schema):
    note: str = Field("", max_length=255)


class RejectIn(Schema):
    reason: str = Field(max_length=255)


class RoleChangeRequestOut(Schema):
    id: int
    worker_id: int
    worker_name: str
    from_role: RoleOut
    to_role: RoleOut
    reason: str
    status: str
    review_note: str
    reviewed_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_worker_name(obj: RoleChangeRequest) -> str:
        return obj.worker.user.name


class TeamCreateIn(Schema):
    name: str = Field(max_length=64)


class TeamMemberIn(Schema):
    phone: str = Field(max_length=32)


class TeamOut(Schema):
    id: int
    name: str
    leader_id: int


class TeamInvitationSentOut(Schema):
    """The same for every number: whether it is registered is not told."""

    phone_masked: str
    status: str


class TeamInvitationOut(Schema):
    id: int
    team_id: int
    team_name: str = Field(alias="team.name")
    leader_name: str = Field(alias="team.leader.user.name")
    created_at: datetime
