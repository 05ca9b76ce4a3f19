from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from xinghuo.core.crypto import mask_id_number

from .models import IdentityVerification, RevealAudit


class IdentityOut(Schema):
    """The worker's own view. The full ID number is shown to him only while he checks the
    OCR draft; afterwards it is masked like everywhere else."""

    id: int
    status: str
    name: str
    sex: str
    ethnicity: str
    birth_on: date | None
    address: str
    id_number: str | None
    id_number_masked: str
    missing_fields: list[str]
    corrected_fields: list[str]
    review_note: str
    submitted_at: datetime | None
    reviewed_at: datetime | None

    @staticmethod
    def resolve_id_number(obj: IdentityVerification) -> str | None:
        return obj.id_number if obj.status == IdentityVerification.Status.DRAFT else None

    @staticmethod
    def resolve_missing_fields(obj: IdentityVerification) -> list[str]:
        values = {
            "name": obj.name,
            "sex": obj.sex,
            "ethnicity": obj.ethnicity,
            "birth_on": obj.birth_on,
            "address": obj.address,
            "id_number": obj.id_number_masked,
        }
        return [k for k, v in values.items() if not v]


class IdentityConfirmIn(Schema):
    name: str = Field(max_length=64)
    sex: Literal["M", "F"]
    ethnicity: str = Field(max_length=16)
    birth_on: date
    address: str = Field(max_length=255)
    id_number: str = Field(max_length=32)


class IdentityReviewOut(Schema):
    """The operator's view: masked number; the clear one only through /reveal (audited)."""

    id: int
    worker_id: int
    worker_name: str
    worker_phone: str
    status: str
    name: str
    sex: str
    ethnicity: str
    birth_on: date | None
    address: str
    id_number_masked: str
    corrected_fields: list[str]
    ocr: dict[str, Any]
    has_image: bool
    submitted_at: datetime | None
    reviewed_by_id: int | None
    reviewed_at: datetime | None
    review_note: str

    @staticmethod
    def resolve_worker_name(obj: IdentityVerification) -> str:
        return obj.worker.user.name

    @staticmethod
    def resolve_worker_phone(obj: IdentityVerification) -> str:
        return obj.worker.user.phone

    @staticmethod
    def resolve_ocr(obj: IdentityVerification) -> dict[str, Any]:
        data = json.loads(obj.ocr_result or "{}")
        data["id_number"] = mask_id_number(data.get("id_number") or "")
        # The raw lines contain the number too.
        data.pop("lines", None)
        return data

    @staticmethod
    def resolve_has_image(obj: IdentityVerification) -> bool:
        return bool(obj.image)


class ReviewIn(Schema):
    note: str = Field("", max_length=255)


class RejectIn(Schema):
    reason: str = Field(max_length=255)


class RevealIn(Schema):
    field: Literal["id_number", "image"]
    reason: str = Field(max_length=255)


class RevealOut(Schema):
    field: str
    content_type: str
    # The ID number, or the image as a data: URL.
    value: str


class RevealAuditOut(Schema):
    id: int
    actor_id: int
    actor_name: str
    field: str
    reason: str
    ip_address: str | None
    created_at: datetime

    @staticmethod
    def resolve_actor_name(obj: RevealAudit) -> str:
        return obj.actor.name


class BankCardRecogniseIn(Schema):
    number: str = Field(max_length=32)


class BankCardOut(Schema):
    """Recognition of a typed number, or of the number read off a card photo. Only the
    photo's answer carries the clear `number` (the worker's own card, for him to check
    against the card before he binds it); a typed number is not echoed back."""

    number: str | None = None
    number_masked: str
    bank_code: str | None
    bank_name: str | None
    card_type: str | None
    card_type_label: str
    luhn_ok: bool
    warnings: list[str]
    # Photo only: every number read, most likely first (the first is `number`).
    candidates_masked: list[str] = []
