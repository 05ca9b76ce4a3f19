from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from xinghuo.core.api import Id

from .models import Membership


class RegisterIn(Schema):
    kind: Literal["worker", "employer"] = Field(
        description="worker (服务人员) or employer (用工企业)"
    )
    phone: str = Field(max_length=32, examples=["13800138000"])
    password: str = Field(max_length=128)
    name: str = Field(max_length=64)
    role_id: Id | None = Field(None, description="worker only; default 日常维护人员")
    organization_name: str = Field("", max_length=128, description="employer only")
    credit_code: str = Field("", max_length=32, description="employer only: 统一社会信用代码")


class LoginIn(Schema):
    phone: str = Field(max_length=32)
    password: str = Field(max_length=128)
    token_name: str = Field("", max_length=64)
    # Operators with an authenticator app: its current 6-digit code (otherwise 401
    # otp_required). Operators without one, where it is required, get 403
    # otp_enrolment_required and set it up in the web console first.
    otp: str = Field("", max_length=16)


class UserOut(Schema):
    id: int
    phone: str
    name: str
    is_staff: bool
    kinds: list[str]


class TokenOut(Schema):
    id: int
    prefix: str
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class LoginOut(Schema):
    token: str
    expires_at: datetime
    user: UserOut


class OrganizationCreateIn(Schema):
    name: str = Field(max_length=128)
    credit_code: str = Field(max_length=32)
    contact_name: str = Field("", max_length=64)
    contact_phone: str = Field("", max_length=32)


class OrganizationOut(Schema):
    id: int
    name: str
    credit_code: str
    contact_name: str
    contact_phone: str
    status: str
    parent_id: int | None


class MembershipCreateIn(Schema):
    phone: str = Field(max_length=32)
    role: Literal["owner", "admin", "dispatcher", "finance", "viewer"]


class MembershipOut(Schema):
    id: int
    user_id: int
    phone: str
    name: str
    role: str

    @staticmethod
    def resolve_phone(obj: Membership) -> str:
        return obj.user.phone

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return obj.user.name
