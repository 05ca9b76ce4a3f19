"""Employer verification pages (企业认证): the employer's form and status
(/employer/verification/) and the operators' review queue (/operator/employers/), where
the business licence is shown only after an audited reveal.

Views parse input and call `xinghuo.identity.services.employer`; reads go through its
selectors.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from xinghuo.accounts.auth import client_ip
from xinghuo.accounts.selectors import Capability, has_capability
from xinghuo.core.api import is_id
from xinghuo.core.exceptions import ApplicationError
from xinghuo.identity.exceptions import EmployerVerificationNotFound
from xinghuo.identity.images import data_url
from xinghuo.identity.models import EmployerVerification
from xinghuo.identity.selectors import employer as verification_selectors
from xinghuo.identity.services import employer as verification_services
from xinghuo.web.scope import current_operator, employer_scope, paginate, show_service_error

V = EmployerVerification.Status
LICENCE_ACCEPT = "image/jpeg,image/png,image/webp,application/pdf"


class EmployerVerificationForm(forms.Form):
    credit_code = forms.CharField(
        label=gettext_lazy("Unified social credit code"),
        max_length=32,
        help_text=gettext_lazy("The 18 characters on the business licence."),
    )
    company_name = forms.CharField(
        label=gettext_lazy("Registered company name"),
        max_length=128,
        help_text=gettext_lazy("Exactly as on the business licence."),
    )
    legal_representative = forms.CharField(
        label=gettext_lazy("Legal representative"), max_length=64
    )
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=64)
    contact_phone = forms.CharField(
        label=gettext_lazy("Contact mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    licence = forms.FileField(
        label=gettext_lazy("Business licence (photo or PDF scan, at most 8 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": LICENCE_ACCEPT}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def employer_verification(request: HttpRequest) -> HttpResponse:
    scope = employer_scope(request)
    if scope is None:
        return redirect("web:home")
    org = scope.organization
    try:
        verification: EmployerVerification | None = (
            verification_selectors.employer_verification_for_organization(organization=org)
        )
    except EmployerVerificationNotFound:
        verification = None
    can_submit = has_capability(
        actor=scope.user, capability=Capability.EMPLOYER_VERIFICATION_SUBMIT, organization=org
    )
    open_for_submission = verification is None or verification.status == V.REJECTED
    # A resubmission starts from what was sent before; a first one from the registration.
    initial = {
        "credit_code": org.credit_code,
        "company_name": org.name,
        "contact_name": org.contact_name,
        "contact_phone": org.contact_phone,
    }
    if verification is not None:
        initial |= {
            "company_name": verification.company_name,
            "legal_representative": verification.legal_representative,
            "contact_name": verification.contact_name,
            "contact_phone": verification.contact_phone,
        }
    form = EmployerVerificationForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            verification_services.employer_verification_submit(
                actor=scope.user,
                organization=org,
                credit_code=data["credit_code"],
                company_name=data["company_name"],
                legal_representative=data["legal_representative"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                licence=data["licence"].read(),
            )
        except ApplicationError as exc:
            show_service_error(form, exc, {})
        else:
            messages.success(request, _("Submitted. An operator will review it."))
            return redirect(f"{reverse('web:employer_verification')}?org={org.pk}")
    return render(
        request,
        "identity/employer_verification.html",
        scope.context(
            verification=verification,
            form=form,
            can_submit=can_submit,
            show_form=can_submit and open_for_submission,
            nav="verification",
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def operator_employers(request: HttpRequest) -> HttpResponse:
    """The review queue. Approve and reject redirect back; a reveal renders the page with
    the licence inline (never stored, never cached) and is recorded first."""
    user = current_operator(request, Capability.EMPLOYER_REVIEW)
    if user is None:
        return redirect("web:home")
    revealed: dict[int, dict[str, str]] = {}
    if request.method == "POST":
        vid = request.POST.get("verification_id", "")
        decision = request.POST.get("decision")
        if is_id(vid) and decision in ("approve", "reject", "reveal"):
            try:
                if decision == "approve":
                    verification_services.employer_verification_approve(
                        reviewer=user, verification_id=int(vid), note=request.POST.get("note", "")
                    )
                    messages.success(request, _("Approved: the employer is verified."))
                elif decision == "reject":
                    verification_services.employer_verification_reject(
                        reviewer=user,
                        verification_id=int(vid),
                        reason=request.POST.get("reason", ""),
                    )
                    messages.success(request, _("Rejected; the employer sees your reason."))
                else:
                    data, content_type = verification_services.employer_licence_reveal(
                        reviewer=user,
                        verification_id=int(vid),
                        reason=request.POST.get("reveal_reason", ""),
                        ip_address=client_ip(request),
                    )
                    revealed[int(vid)] = {
                        "url": data_url(data, content_type),
                        "content_type": content_type,
                    }
            except ApplicationError as exc:
                messages.error(request, str(exc.message))
        if not revealed:
            return redirect(request.get_full_path())
    status = request.GET.get("status") or V.PENDING
    if status not in V.values:
        status = V.PENDING
    page = paginate(
        request,
        verification_selectors.employer_verification_review_list(reviewer=user, status=status),
    )
    rows = [
        {
            "v": v,
            "code_matches": v.credit_code == v.organization.credit_code,
            "licence": revealed.get(v.pk),
        }
        for v in page
    ]
    response = render(
        request,
        "identity/operator_employers.html",
        {"page_obj": page, "rows": rows, "status": status, "statuses": V.choices},
    )
    if revealed:
        response["Cache-Control"] = "private, no-store"
    return response
