from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from .models import EmployerVerification


class EmployerVerificationSubmitIn(Schema):
    """Multipart form fields; the licence is the file field `licence`."""

    credit_code: str = Field(max_length=32)
    company_name: str = Field(max_length=128)
    legal_representative: str = Field(max_length=64)
    contact_name: str = Field(max_length=64)
    contact_phone: str = Field(max_length=20)


class EmployerVerificationOut(Schema):
    """The employer's own view. The licence is not sent back: he has the original."""

    id: int
    organization_id: int
    status: str
    credit_code: str
    company_name: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    licence_content_type: str
    submitted_at: datetime
    reviewed_at: datetime | None
    review_note: str


class EmployerVerificationReviewOut(Schema):
    """The operator's view: everything but the licence, which only /reveal shows (audited)."""

    id: int
    organization_id: int
    organization_name: str
    registered_credit_code: str
    status: str
    credit_code: str
    company_name: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    licence_content_type: str
    submitted_by_id: int
    submitted_at: datetime
    reviewed_by_id: int | None
    reviewed_at: datetime | None
    review_note: str

    @staticmethod
    def resolve_organization_name(obj: EmployerVerification) -> str:
        return obj.organization.name

    @staticmethod
    def resolve_registered_credit_code(obj: EmployerVerification) -> str:
        return obj.organization.credit_code


class LicenceRevealIn(Schema):
    reason: str = Field(max_length=255)


class LicenceRevealOut(Schema):
    content_type: str
    # The file as a data: URL.
    value: str
