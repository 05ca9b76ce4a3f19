"""Identity pages (issue 5, A1–A2): the worker's verification flow on the H5 — photo of the
ID card, the OCR result to confirm or correct, then the state of the review — and the
operator's review queue with the corrected fields, audited reveals, approve and reject.

Views parse input and call `xinghuo.identity` services; reads go through its selectors.
"""

from __future__ import annotations

from typing import Any, Literal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from xinghuo.accounts.auth import client_ip
from xinghuo.accounts.selectors import Capability
from xinghuo.core.crypto import mask_id_number
from xinghuo.core.exceptions import ApplicationError
from xinghuo.identity import selectors as identity_selectors
from xinghuo.identity import services as identity_services
from xinghuo.identity.exceptions import IdentityNotFound
from xinghuo.identity.images import MAX_IMAGE_BYTES, data_url, image_too_large
from xinghuo.identity.models import IdentityVerification
from xinghuo.identity.ocr.parse import ETHNICITIES
from xinghuo.web import selectors as web_selectors
from xinghuo.web.scope import (
    current_operator,
    current_worker,
    paginate,
    show_service_error,
    worker_context,
)
from xinghuo.workforce.models import Worker

FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "sex": gettext_lazy("Sex"),
    "ethnicity": gettext_lazy("Ethnicity"),
    "birth_on": gettext_lazy("Birth date"),
    "address": gettext_lazy("Address"),
    "id_number": gettext_lazy("ID number"),
}


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=gettext_lazy("Photo of the front of your ID card (the side with your photo)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
        ),
    )


class ConfirmForm(forms.Form):
    name = forms.CharField(label=FIELD_LABELS["name"], max_length=64)
    sex = forms.ChoiceField(label=FIELD_LABELS["sex"], choices=IdentityVerification.Sex.choices)
    ethnicity = forms.CharField(
        label=FIELD_LABELS["ethnicity"],
        max_length=16,
        widget=forms.TextInput(attrs={"list": "ethnicities"}),
    )
    birth_on = forms.DateField(
        label=FIELD_LABELS["birth_on"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    address = forms.CharField(label=FIELD_LABELS["address"], max_length=255)
    id_number = forms.CharField(
        label=FIELD_LABELS["id_number"],
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def worker_identity(request: HttpRequest) -> HttpResponse:
    """One page for the whole flow; what it shows follows the verification's status."""
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    try:
        verification: IdentityVerification | None = identity_selectors.identity_for_worker(
            worker=worker
        )
    except IdentityNotFound:
        verification = None
    photo_form = PhotoForm()
    confirm_form = _confirm_form_for(verification)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "photo":
            response, photo_form = _post_photo(request, worker)
            if response is not None:
                return response
        elif action == "confirm" and confirm_form is not None:
            response, confirm_form = _post_confirm(request, worker)
            if response is not None:
                return response
    ocr = identity_services.ocr_values(verification) if verification is not None else {}
    return render(
        request,
        "identity/worker_identity.html",
        worker_context(
            worker,
            "me",
            verification=verification,
            photo_form=photo_form,
            confirm_form=confirm_form,
            ocr_found=bool(ocr.get("id_number")),
            ethnicities=sorted(ETHNICITIES),
            steps=web_selectors.worker_onboarding(worker=worker),
        ),
    )


def _confirm_form_for(verification: IdentityVerification | None) -> ConfirmForm | None:
    """The fields read from the card, to check and correct: only while a draft."""
    if verification is None or verification.status != IdentityVerification.Status.DRAFT:
        return None
    return ConfirmForm(
        initial={
            "name": verification.name,
            "sex": verification.sex,
            "ethnicity": verification.ethnicity,
            "birth_on": verification.birth_on,
            "address": verification.address,
            "id_number": verification.id_number,
        }
    )


def _post_photo(request: HttpRequest, worker: Worker) -> tuple[HttpResponse | None, PhotoForm]:
    """The card's photo: a redirect once read, else the form with its error."""
    photo_form = PhotoForm(request.POST, request.FILES)
    if not photo_form.is_valid():
        return None, photo_form
    upload = photo_form.cleaned_data["image"]
    try:
        if upload.size > MAX_IMAGE_BYTES:
            raise image_too_large()
        identity_services.identity_submit_photo(worker=worker, image=upload.read())
    except ApplicationError as exc:
        photo_form.add_error("image", str(exc.message))
        return None, photo_form
    messages.success(request, _("Your card was read. Check every field, correct it if needed."))
    return redirect("web:worker_identity"), photo_form


def _post_confirm(request: HttpRequest, worker: Worker) -> tuple[HttpResponse | None, ConfirmForm]:
    """The confirmed fields: a redirect once sent for review, else the form with its errors."""
    confirm_form = ConfirmForm(request.POST)
    if not confirm_form.is_valid():
        return None, confirm_form
    try:
        identity_services.identity_confirm(worker=worker, **confirm_form.cleaned_data)
    except ApplicationError as exc:
        show_service_error(confirm_form, exc, {})
        return None, confirm_form
    messages.success(request, _("Sent for review. We will tell you the result."))
    return redirect("web:worker_identity"), confirm_form


# --- the operator's review queue ----------------------------------------------------------


def _comparison(verification: IdentityVerification) -> list[dict[str, Any]]:
    """Each field as OCR read it and as the worker confirmed it; the ID number masked on
    both sides (the clear one only through an audited reveal)."""
    read = identity_services.ocr_values(verification)
    confirmed = {
        "name": verification.name,
        "sex": verification.get_sex_display() if verification.sex else "",
        "ethnicity": verification.ethnicity,
        "birth_on": verification.birth_on.isoformat() if verification.birth_on else "",
        "address": verification.address,
        "id_number": verification.id_number_masked,
    }
    if read.get("sex") in IdentityVerification.Sex.values:
        read["sex"] = str(IdentityVerification.Sex(read["sex"]).label)
    read["id_number"] = mask_id_number(read["id_number"]) if read.get("id_number") else ""
    return [
        {
            "field": f,
            "label": FIELD_LABELS[f],
            "ocr": read.get(f, ""),
            "confirmed": confirmed[f],
            "corrected": f in verification.corrected_fields,
        }
        for f in FIELD_LABELS
    ]


@login_required
@require_http_methods(["GET"])
def operator_identities(request: HttpRequest) -> HttpResponse:
    user = current_operator(request, Capability.IDENTITY_REVIEW)
    if user is None:
        return redirect("web:home")
    status = request.GET.get("status") or IdentityVerification.Status.PENDING
    if status not in IdentityVerification.Status.values:
        status = IdentityVerification.Status.PENDING
    corrected_only = request.GET.get("corrected") == "1"
    qs = identity_selectors.identity_review_list(reviewer=user, status=status)
    if corrected_only:
        qs = qs.exclude(corrected_fields=[])
    page = paginate(request, qs)
    return render(
        request,
        "identity/operator_identities.html",
        {
            "page_obj": page,
            "rows": [{"v": v, "fields": _comparison(v)} for v in page],
            "status": status,
            "statuses": IdentityVerification.Status.choices,
            "corrected_only": corrected_only,
            "sub": "identities",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def operator_identity_detail(request: HttpRequest, verification_id: int) -> HttpResponse:
    user = current_operator(request, Capability.IDENTITY_REVIEW)
    if user is None:
        return redirect("web:home")
    try:
        verification = identity_selectors.identity_get_for_review(
            reviewer=user, verification_id=verification_id
        )
    except IdentityNotFound:
        raise Http404 from None
    revealed: dict[str, str] = {}
    if request.method == "POST":
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                identity_services.identity_approve(
                    reviewer=user,
                    verification_id=verification.pk,
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("Approved: the worker may take paid work."))
                return redirect("web:operator_identities")
            if decision == "reject":
                identity_services.identity_reject(
                    reviewer=user,
                    verification_id=verification.pk,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("Rejected; the worker sees your reason."))
                return redirect("web:operator_identities")
            if decision in ("reveal_id_number", "reveal_image"):
                field: Literal["id_number", "image"] = (
                    "id_number" if decision == "reveal_id_number" else "image"
                )
                value, content_type = identity_services.identity_reveal(
                    reviewer=user,
                    verification_id=verification.pk,
                    field=field,
                    reason=request.POST.get("reveal_reason", ""),
                    ip_address=client_ip(request),
                )
                # Shown once, in this response only: a reload shows the masked value again.
                if isinstance(value, bytes):
                    revealed["image"] = data_url(value, content_type)
                else:
                    revealed["id_number"] = value
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        verification.refresh_from_db()
    response = render(
        request,
        "identity/operator_identity_detail.html",
        {
            "v": verification,
            "fields": _comparison(verification),
            "revealed": revealed,
            "reveals": identity_selectors.reveal_audit_list(
                reviewer=user, verification_id=verification.pk
            )[:20],
            "sub": "identities",
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response
