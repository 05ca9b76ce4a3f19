from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from .models import Agreement
from .services import consent_text_for


class AgreementOut(Schema):
    id: int
    number: str
    template_version: str
    status: str
    party_name: str
    party_phone: str
    party_id_number_masked: str
    unsigned_sha256: str
    signed_sha256: str
    consent_text_required: str = Field(
        description="Show this sentence next to the consent box and send it back when signing."
    )
    consented_at: datetime | None
    signed_at: datetime | None
    consent_text: str
    signer_backend: str
    pdf_url: str
    created_at: datetime

    @staticmethod
    def resolve_consent_text_required(obj: Agreement) -> str:
        return consent_text_for(obj)

    @staticmethod
    def resolve_pdf_url(obj: Agreement) -> str:
        return "/api/v1/workers/me/agreement/pdf"


class AgreementSignIn(Schema):
    consent: bool = Field(description="Must be true: the worker ticked the consent box.")
    consent_text: str = Field(max_length=1000, description="The sentence the worker agreed to.")
    document_sha256: str | None = Field(
        default=None,
        pattern=r"^[0-9a-fA-F]{64}$",
        description="SHA-256 of the PDF the worker read (unsigned_sha256): refuses to sign "
        "if the document changed since.",
    )


class AgreementVerificationOut(Schema):
    agreement_id: int
    number: str
    result: str = Field(description="valid | tampered | not_signed")
    signature_valid: bool
    checks: dict[str, bool | None]
    signer_subject: str
    certificate_sha256: str
    signing_time: datetime | None
    signed_at: datetime | None
    signed_sha256: str
    problems: list[str]
