"""Agreements API: the worker's agreement (/workers/me/agreement…), its verification
(/agreements/{id}/verify) and the e签宝 callback."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from xinghuo.accounts.auth import client_ip, current_user
from xinghuo.core.api import Id
from xinghuo.core.exceptions import Unauthorized
from xinghuo.workforce import selectors as workforce_selectors

from . import selectors, services
from .models import Agreement
from .schemas import AgreementOut, AgreementSignIn, AgreementVerificationOut
from .signing.esign import BadCallback

router = Router(tags=["agreements"])


def _me(request: HttpRequest):  # type: ignore[no-untyped-def]
    return workforce_selectors.worker_for_user(user=current_user(request))


def pdf_response(agreement: Agreement, *, download: bool = False) -> HttpResponse:
    data, filename = selectors.agreement_pdf(agreement=agreement)
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/workers/me/agreement", response=AgreementOut)
def agreement_me(request: HttpRequest) -> Agreement:
    """The worker's platform agreement, generated on first call (and again while unsigned
    if his name, phone or verified ID number changed)."""
    return services.agreement_get_or_generate(worker=_me(request))


@router.get("/workers/me/agreement/pdf", response={200: None})
def agreement_me_pdf(request: HttpRequest, download: bool = False) -> HttpResponse:
    """The agreement PDF (the signed one once signed); 404 before GET /workers/me/agreement."""
    return pdf_response(selectors.agreement_for_worker(worker=_me(request)), download=download)


@router.post("/workers/me/agreement/sign", response=AgreementOut)
def agreement_me_sign(request: HttpRequest, payload: AgreementSignIn) -> Agreement:
    """Consent and sign. Idempotent: signing a signed agreement returns it unchanged."""
    return services.agreement_sign(
        worker=_me(request),
        consent=payload.consent,
        consent_text=payload.consent_text,
        document_sha256=payload.document_sha256,
        ip_address=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )


@router.get("/agreements/{agreement_id}/verify", response=AgreementVerificationOut)
def agreement_verify(request: HttpRequest, agreement_id: Id) -> dict:
    """Re-validate the signed PDF (its worker or an operator): valid or tampered."""
    v = selectors.agreement_verify(user=current_user(request), agreement_id=agreement_id)
    return {
        "agreement_id": v.agreement.pk,
        "number": v.agreement.number,
        "result": v.result,
        "signature_valid": v.result == "valid",
        "checks": v.checks,
        "signer_subject": v.signer_subject,
        "certificate_sha256": v.certificate_sha256,
        "signing_time": v.signing_time,
        "signed_at": v.agreement.signed_at,
        "signed_sha256": v.agreement.signed_sha256,
        "problems": list(v.problems),
    }


@router.post("/hooks/esign", auth=None, response={200: None})
def esign_callback(request: HttpRequest) -> HttpResponse:
    """e签宝's signed callback (SIGN_FLOW_COMPLETE stores the signed PDF)."""
    try:
        services.esign_callback(
            headers=dict(request.headers),
            body=request.body,
            query={k: str(v) for k, v in request.GET.items()},
        )
    except BadCallback:
        raise Unauthorized(
            _("The notification's signature is not valid."), code="bad_signature"
        ) from None
    return HttpResponse('{"code":"200","msg":"success"}', content_type="application/json")
