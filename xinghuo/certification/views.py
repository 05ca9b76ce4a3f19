"""Certification pages (issue 5, B1–B4): the worker's certifications with the upload form,
exams (take one against the clock, see the result with explanations), the skill radar; the
operator's certification review queue; an employer's view of a worker's radar.

Views parse input and call `xinghuo.certification` services; reads go through its selectors.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from xinghuo.accounts.auth import current_user
from xinghuo.accounts.selectors import Capability
from xinghuo.analytics import selectors as analytics_selectors
from xinghuo.certification import selectors as cert_selectors
from xinghuo.certification import services as cert_services
from xinghuo.certification.exceptions import CertificationFileNotFound, ExamAttemptNotFound
from xinghuo.certification.models import Certification, ExamAttempt
from xinghuo.core.api import is_id
from xinghuo.core.exceptions import ApplicationError
from xinghuo.web.scope import (
    current_operator,
    current_worker,
    paginate,
    show_service_error,
    worker_context,
)
from xinghuo.workforce import selectors as workforce_selectors
from xinghuo.workforce.exceptions import WorkerNotFound

STATE_LABELS = {
    "pending": gettext_lazy("Pending review"),
    "rejected": gettext_lazy("Rejected"),
    "valid": gettext_lazy("Valid"),
    "expiring": gettext_lazy("Expires soon"),
    "expired": gettext_lazy("Expired"),
    "not_yet_valid": gettext_lazy("Not yet valid"),
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the pattern of Django's documentation)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)]


class CertificationForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Certification.Kind.choices)
    title = forms.CharField(
        label=gettext_lazy("Name of the certificate"),
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "如：高处作业操作证"}),
    )
    skills = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Skills it proves"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    issuer = forms.CharField(label=gettext_lazy("Issued by"), max_length=128, required=False)
    number = forms.CharField(
        label=gettext_lazy("Certificate number"), max_length=64, required=False
    )
    valid_from = forms.DateField(
        label=gettext_lazy("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    evidence = MultipleFileField(
        label=gettext_lazy("Photos or scans (JPEG, PNG, PDF; up to 5)"),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        skills = self.fields["skills"]
        assert isinstance(skills, forms.TypedMultipleChoiceField)
        skills.choices = [(s.pk, s.label) for s in workforce_selectors.skill_list()]


def _cert_rows(certs: Any) -> list[dict[str, Any]]:
    today = timezone.localdate()
    rows = []
    for cert in certs:
        state = cert_selectors.certification_state(cert, on=today)
        rows.append(
            {
                "cert": cert,
                "state": state,
                "state_label": STATE_LABELS.get(state, state),
                "days_left": (cert.valid_until - today).days if cert.valid_until else None,
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def worker_certifications(request: HttpRequest) -> HttpResponse:
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    form = CertificationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cert_services.certification_submit(
                worker=worker,
                kind=data["kind"],
                title=data["title"],
                skill_ids=data["skills"],
                issuer=data["issuer"],
                number=data["number"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                files=[f.read() for f in data["evidence"]],
            )
        except ApplicationError as exc:
            show_service_error(form, exc, {"skill_ids": "skills", "files": "evidence"})
        else:
            messages.success(request, _("Submitted. An operator will review it."))
            return redirect("web:worker_certifications")
    certs = cert_selectors.certification_list_for_worker(worker=worker)
    return render(
        request,
        "certification/worker_certifications.html",
        worker_context(worker, "me", form=form, rows=_cert_rows(certs), sub="certifications"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def worker_exams(request: HttpRequest) -> HttpResponse:
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    if request.method == "POST":
        exam_id = request.POST.get("exam_id", "")
        if is_id(exam_id):
            try:
                attempt = cert_services.exam_start(worker=worker, exam_id=int(exam_id))
            except ApplicationError as exc:
                attempt_id = exc.detail.get("attempt_id")
                if attempt_id:
                    return redirect("web:worker_exam_take", attempt_id=attempt_id)
                messages.error(request, str(exc.message))
            else:
                return redirect("web:worker_exam_take", attempt_id=attempt.pk)
        return redirect("web:worker_exams")
    history = paginate(request, cert_selectors.exam_attempt_list_for_worker(worker=worker))
    return render(
        request,
        "certification/worker_exams.html",
        worker_context(
            worker,
            "me",
            exams=cert_selectors.exam_list_for_worker(worker=worker),
            page_obj=history,
            sub="exams",
        ),
    )


def _attempt(request: HttpRequest, attempt_id: int) -> tuple[Any, ExamAttempt]:
    worker = current_worker(request)
    if worker is None:
        raise Http404
    try:
        return worker, cert_selectors.exam_attempt_get_for_worker(
            worker=worker, attempt_id=attempt_id
        )
    except ExamAttemptNotFound:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def worker_exam_take(request: HttpRequest, attempt_id: int) -> HttpResponse:
    worker, attempt = _attempt(request, attempt_id)
    if attempt.status != ExamAttempt.Status.OPEN:
        return redirect("web:worker_exam_result", attempt_id=attempt.pk)
    if request.method == "POST":
        answers: dict[str, list[int]] = {}
        for qid in attempt.question_ids:
            # Option indexes start at 0 (not ids): short ASCII digits only.
            picked = [
                int(v)
                for v in request.POST.getlist(f"q{qid}")
                if v.isascii() and v.isdigit() and len(v) <= 3
            ]
            if picked:
                answers[str(qid)] = picked
        try:
            cert_services.exam_submit(worker=worker, attempt_id=attempt.pk, answers=answers)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            return redirect("web:worker_exam_take", attempt_id=attempt.pk)
        return redirect("web:worker_exam_result", attempt_id=attempt.pk)
    seconds_left = max(0, int((attempt.deadline_at - timezone.now()).total_seconds()))
    return render(
        request,
        "certification/worker_exam_take.html",
        worker_context(
            worker,
            "me",
            attempt=attempt,
            questions=cert_selectors.exam_attempt_questions(attempt=attempt),
            seconds_left=seconds_left,
            sub="exams",
        ),
    )


@login_required
def worker_exam_result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    worker, attempt = _attempt(request, attempt_id)
    if attempt.status == ExamAttempt.Status.OPEN:
        if not cert_services.attempt_is_late(attempt, timezone.now()):
            return redirect("web:worker_exam_take", attempt_id=attempt.pk)
        # The clock ran out while he was away: close it now rather than wait for the sweep.
        attempt = cert_services.exam_submit(worker=worker, attempt_id=attempt.pk)
    return render(
        request,
        "certification/worker_exam_result.html",
        worker_context(
            worker,
            "me",
            attempt=attempt,
            questions=cert_selectors.exam_attempt_questions(attempt=attempt),
            sub="exams",
        ),
    )


def _radar_chart(dimensions: list[analytics_selectors.RadarDimension]) -> dict[str, Any]:
    return {
        "indicator": [{"name": d.name, "max": d.max} for d in dimensions],
        "values": [d.value for d in dimensions],
    }


@login_required
def worker_radar(request: HttpRequest) -> HttpResponse:
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    dims = analytics_selectors.worker_radar(worker=worker)
    return render(
        request,
        "certification/radar.html",
        worker_context(
            worker,
            "me",
            subject=worker,
            dimensions=dims,
            chart=_radar_chart(dims),
            sub="radar",
            h5=True,
        ),
    )


@login_required
def employer_worker_radar(request: HttpRequest, worker_id: int) -> HttpResponse:
    """An employer's (or operator's) view of a worker's radar; 404 for workers he has no
    business with."""
    try:
        subject = analytics_selectors.worker_get_for_radar(
            viewer=current_user(request), worker_id=worker_id
        )
    except WorkerNotFound:
        raise Http404 from None
    dims = analytics_selectors.worker_radar(worker=subject)
    return render(
        request,
        "certification/radar.html",
        {"subject": subject, "dimensions": dims, "chart": _radar_chart(dims), "h5": False},
    )


@login_required
@require_http_methods(["GET", "POST"])
def operator_certifications(request: HttpRequest) -> HttpResponse:
    user = current_operator(request, Capability.CERTIFICATION_REVIEW)
    if user is None:
        return redirect("web:home")
    if request.method == "POST":
        cert_id = request.POST.get("certification_id", "")
        decision = request.POST.get("decision")
        if is_id(cert_id) and decision in ("approve", "reject"):
            try:
                if decision == "approve":
                    cert_services.certification_approve(
                        reviewer=user,
                        certification_id=int(cert_id),
                        note=request.POST.get("note", ""),
                    )
                    messages.success(request, _("Approved: the worker's skills are updated."))
                else:
                    cert_services.certification_reject(
                        reviewer=user,
                        certification_id=int(cert_id),
                        reason=request.POST.get("reason", ""),
                    )
                    messages.success(request, _("Rejected; the worker sees your reason."))
            except ApplicationError as exc:
                messages.error(request, str(exc.message))
        return redirect(request.get_full_path())
    status = request.GET.get("status") or Certification.Status.PENDING
    if status not in Certification.Status.values:
        status = Certification.Status.PENDING
    page = paginate(request, cert_selectors.certification_review_list(reviewer=user, status=status))
    return render(
        request,
        "certification/operator_queue.html",
        {
            "page_obj": page,
            "rows": _cert_rows(page),
            "status": status,
            "statuses": Certification.Status.choices,
        },
    )


@login_required
def certification_file_download(request: HttpRequest, file_id: int) -> HttpResponse:
    """Evidence is never public: only its worker and the operators."""
    try:
        data, content_type = cert_selectors.certification_file_content(
            user=current_user(request), file_id=file_id
        )
    except CertificationFileNotFound:
        raise Http404 from None
    response = HttpResponse(data, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
