"""The worker's agreement page (issue 5, A4): read the agreement, tick consent, sign;
afterwards the signed status, the signature check and the download.

Views parse input and call the contracts services; no ORM writes here.
"""

from __future__ import annotations

from csp.constants import SELF
from csp.decorators import csp_replace, csp_update
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from xinghuo.accounts.auth import client_ip
from xinghuo.contracts import selectors as contract_selectors
from xinghuo.contracts import services as contract_services
from xinghuo.contracts.exceptions import AgreementNotFound
from xinghuo.core.exceptions import ApplicationError
from xinghuo.identity import selectors as identity_selectors
from xinghuo.web.scope import current_worker, worker_context


class AgreementSignForm(forms.Form):
    consent = forms.BooleanField(
        label=gettext_lazy("I have read the whole agreement and agree to sign it."),
        error_messages={"required": gettext_lazy("Tick the box to agree before signing.")},
    )
    # The exact document and sentence shown: the service refuses a document that changed.
    document_sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)


@login_required
@require_http_methods(["GET", "POST"])
# The signed PDF is shown in an <object> of the page (the CSP's object-src is 'none' elsewhere).
@csp_update({"object-src": [SELF]})
def worker_agreement(request: HttpRequest) -> HttpResponse:
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    agreement = contract_services.agreement_get_or_generate(worker=worker)
    consent_text = contract_services.consent_text_for(agreement)
    form = AgreementSignForm(initial={"document_sha256": agreement.unsigned_sha256})
    if request.method == "POST":
        form = AgreementSignForm(request.POST)
        if form.is_valid():
            try:
                contract_services.agreement_sign(
                    worker=worker,
                    consent=form.cleaned_data["consent"],
                    consent_text=consent_text,
                    document_sha256=form.cleaned_data["document_sha256"],
                    ip_address=client_ip(request),
                    user_agent=request.headers.get("User-Agent", ""),
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Agreement signed."))
                return redirect("web:worker_agreement")
    verification = None
    if agreement.status == agreement.Status.SIGNED:
        verification = contract_selectors.agreement_verify(
            user=worker.user, agreement_id=agreement.pk
        )
    return render(
        request,
        "contracts/worker_agreement.html",
        worker_context(
            worker,
            "me",
            agreement=agreement,
            blocks=contract_selectors.agreement_blocks(agreement=agreement),
            consent_text=consent_text,
            form=form,
            verification=verification,
            identity_verified=identity_selectors.worker_is_identity_verified(worker=worker),
        ),
    )


@login_required
@require_GET
@csp_replace({"frame-ancestors": [SELF]})
def worker_agreement_pdf(request: HttpRequest) -> HttpResponse:
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    try:
        agreement = contract_selectors.agreement_for_worker(worker=worker)
    except AgreementNotFound:
        raise Http404 from None
    data, filename = contract_selectors.agreement_pdf(agreement=agreement)
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") == "1" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    # Embedded in the agreement page (same origin) although the site denies framing (the
    # CSP's frame-ancestors, replaced above, says the same to browsers that read it).
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response
