"""Reads for agreements (the public surface other apps use: `worker_has_signed`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from django.conf import settings
from django.db.models import QuerySet

from xinghuo.accounts.models import User
from xinghuo.accounts.selectors import Capability, has_capability
from xinghuo.workforce.models import Worker

from . import pdf as pdf_render
from .exceptions import AgreementNotFound
from .models import Agreement
from .signing import get_signer
from .template import CURRENT, template_for


def worker_has_signed(*, worker: Worker, version: str | None = None) -> bool:
    """For the gates elsewhere (paid work): has the worker signed the platform agreement?

    Any template version counts unless `version` is given (pass `current_version()` to
    require the newest text after a change that needs fresh consent).
    """
    qs = Agreement.objects.filter(
        worker=worker, employer__isnull=True, status=Agreement.Status.SIGNED
    )
    if version:
        qs = qs.filter(template_version=version)
    return qs.exists()


def signed_worker_ids() -> QuerySet[Agreement, int]:
    """Ids of workers with a signed platform agreement, for `worker_id__in=` filters."""
    return Agreement.objects.filter(
        employer__isnull=True, status=Agreement.Status.SIGNED
    ).values_list("worker_id", flat=True)


def current_version() -> str:
    return CURRENT.version


def agreement_for_worker(*, worker: Worker) -> Agreement:
    """The worker's platform agreement for the current template, or AgreementNotFound."""
    agreement = Agreement.objects.filter(
        worker=worker, employer__isnull=True, template_version=CURRENT.version
    ).first()
    if agreement is None:
        raise AgreementNotFound()
    return agreement


def agreement_get(*, user: User, agreement_id: int) -> Agreement:
    """An agreement its worker or a platform operator may see; anyone else gets the same
    AgreementNotFound as for a missing one."""
    agreement = (
        Agreement.objects.select_related("worker__user", "signed_by")
        .filter(pk=agreement_id)
        .first()
    )
    reviewer = has_capability(actor=user, capability=Capability.AGREEMENTS_VIEW)
    if agreement is None or not (reviewer or agreement.worker.user_id == user.pk):
        raise AgreementNotFound()
    return agreement


def agreement_list(*, reviewer: User, status: str | None = None) -> QuerySet[Agreement]:
    """Operators: every agreement, newest first. Anyone else: an empty list."""
    if not has_capability(actor=reviewer, capability=Capability.AGREEMENTS_VIEW):
        return Agreement.objects.none()
    qs = Agreement.objects.select_related("worker__user", "signed_by")
    return qs.filter(status=status) if status else qs


def agreement_pdf(*, agreement: Agreement) -> tuple[bytes, str]:
    """The PDF to show or download: the signed one once signed. (bytes, file name)."""
    f = agreement.signed_pdf if agreement.status == Agreement.Status.SIGNED else None
    f = f or agreement.unsigned_pdf
    with f.open("rb") as handle:
        data = handle.read()
    suffix = "-signed" if agreement.status == Agreement.Status.SIGNED else ""
    return data, f"{agreement.number}{suffix}.pdf"


def agreement_blocks(*, agreement: Agreement) -> list[tuple[str, str]]:
    """The agreement's text as printed in its PDF, as (style, text) blocks for a page."""
    return pdf_render.agreement_blocks(
        template=template_for(agreement.template_version),
        parties=pdf_render.AgreementParties(
            platform_name=settings.PLATFORM_LEGAL_NAME,
            worker_name=agreement.party_name,
            phone=agreement.party_phone,
            id_number_masked=agreement.party_id_number_masked,
            employer_name=agreement.employer.name if agreement.employer else "",
            agreement_number=agreement.number,
            on=agreement.generated_on,
        ),
    )


@dataclass(frozen=True)
class AgreementVerification:
    agreement: Agreement
    result: Literal["valid", "tampered", "not_signed"]
    # Each check: True passed, False failed, None not applicable.
    checks: dict[str, bool | None] = field(default_factory=dict)
    signer_subject: str = ""
    certificate_sha256: str = ""
    signing_time: datetime | None = None
    problems: tuple[str, ...] = ()


def _read(f) -> bytes | None:  # type: ignore[no-untyped-def]
    try:
        with f.open("rb") as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


def agreement_verify(*, user: User, agreement_id: int) -> AgreementVerification:
    """Re-validate the stored signed PDF: the PAdES signature (pyHanko), the file's hash
    against the one recorded at signing, the signed document against the one the worker
    consented to, and the certificate against the one recorded. Any failure → tampered.
    Visible to the agreement's worker and operators (AgreementNotFound otherwise)."""
    agreement = agreement_get(user=user, agreement_id=agreement_id)
    if agreement.status != Agreement.Status.SIGNED:
        return AgreementVerification(agreement=agreement, result="not_signed")
    signed = _read(agreement.signed_pdf)
    if signed is None:
        return AgreementVerification(
            agreement=agreement,
            result="tampered",
            checks={"file_present": False},
            problems=("signed file missing",),
        )
    unsigned = _read(agreement.unsigned_pdf)
    verification = get_signer(agreement.signer_backend or None).verify(signed)
    checks: dict[str, bool | None] = {
        "file_present": True,
        "file_hash_matches": hashlib.sha256(signed).hexdigest() == agreement.signed_sha256,
        "signature_intact": verification.intact,
        "signature_valid": verification.signature_valid,
        "certificate_trusted": verification.trusted,
        "covers_whole_file": verification.covers_whole_file,
        "certificate_matches": (
            verification.certificate_sha256 == agreement.certificate_sha256
            if agreement.certificate_sha256
            else None
        ),
        # The local signer appends its signature: the signed file starts with the exact
        # document the worker was shown. A provider may rewrite the file.
        "document_matches": (
            unsigned is not None
            and hashlib.sha256(unsigned).hexdigest() == agreement.unsigned_sha256
            and signed.startswith(unsigned)
            if agreement.signer_backend == "local"
            else None
        ),
    }
    ok = verification.valid and all(v is not False for v in checks.values())
    return AgreementVerification(
        agreement=agreement,
        result="valid" if ok else "tampered",
        checks=checks,
        signer_subject=verification.signer_subject,
        certificate_sha256=verification.certificate_sha256,
        signing_time=verification.signing_time,
        problems=verification.problems,
    )
