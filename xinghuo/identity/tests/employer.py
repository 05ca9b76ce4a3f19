"""Helpers of the employer verification tests: licence files and a valid submission."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from xinghuo.accounts.models import Organization, User
from xinghuo.identity.models import EmployerVerification
from xinghuo.identity.services import employer as services_employer


def png(size: tuple[int, int] = (120, 80)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (250, 245, 230)).save(buf, "PNG")
    return buf.getvalue()


def image_bytes(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()


# The start of a real PDF is all the check looks at.
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def fields(org: Organization, **changes: Any) -> dict[str, Any]:
    return {
        "credit_code": org.credit_code,
        "company_name": "杭州测试运维有限公司",
        "legal_representative": "王建华",
        "contact_name": "刘晓梅",
        "contact_phone": "13912345678",
        "licence": png(),
        **changes,
    }


def submit(owner: User, org: Organization, **changes: Any) -> EmployerVerification:
    return services_employer.employer_verification_submit(
        actor=owner, organization=org, **fields(org, **changes)
    )
