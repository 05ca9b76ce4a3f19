"""The operator's corrections page (issue 11): correct a settled order (new amount, refund or
chargeback) with a reason, approve or reject another operator's correction above the
threshold, and read every correction with its audit trail.

Views parse input and call the corrections service; amounts are typed in yuan (two
decimals at most) and go on as whole fen. The request form carries a fresh idempotency key,
so a double submit corrects once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from xinghuo.accounts.models import User
from xinghuo.accounts.selectors import Capability
from xinghuo.core import money
from xinghuo.core.api import is_id
from xinghuo.core.exceptions import ApplicationError
from xinghuo.settlement import services as settlement_services
from xinghuo.settlement.models import Correction, CorrectionEvent
from xinghuo.settlement.services.corrections import KEY_PATTERN as CORRECTION_KEY_PATTERN
from xinghuo.web.scope import current_operator, paginate, show_service_error, yuan


class CorrectionForm(forms.Form):
    order_id = forms.IntegerField(label=gettext_lazy("Order number"), min_value=1, max_value=2**62)
    kind = forms.ChoiceField(
        label=gettext_lazy("Correction"),
        choices=Correction.Kind.choices,
        initial=Correction.Kind.AMOUNT,
        widget=forms.RadioSelect,
    )
    new_gross_yuan = forms.DecimalField(
        label=gettext_lazy("Corrected amount (yuan)"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100000000"),
        max_digits=11,
        decimal_places=2,
        help_text=gettext_lazy("Only for a new amount; a refund or chargeback takes it to 0."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", "min": "0"}),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=255)
    key = forms.RegexField(regex=CORRECTION_KEY_PATTERN, max_length=64, widget=forms.HiddenInput)


# The audit trail's steps (CorrectionEvent.action), as the operator reads them.
EVENT_LABELS = {
    "requested": gettext_lazy("Requested"),
    "approved": gettext_lazy("Approved"),
    "rejected": gettext_lazy("Rejected"),
    "executed": gettext_lazy("Executed"),
    "netted": gettext_lazy("Netted from earnings"),
    "carried": gettext_lazy("Carried into the next withholding"),
}


def _event_row(e: Any) -> dict[str, Any]:
    amount = e.detail.get("amount_fen")
    return {
        "e": e,
        "label": EVENT_LABELS.get(e.action, e.action),
        "amount_yuan": yuan(amount) if isinstance(amount, int) else None,
    }


def _row(c: Correction) -> dict[str, Any]:
    return {
        "c": c,
        "old_yuan": yuan(c.old_gross_fen),
        "new_yuan": yuan(c.new_gross_fen),
        "difference_yuan": yuan(c.difference_fen),
        "from_wallet_yuan": yuan(c.from_wallet_fen),
        "debt_yuan": yuan(c.debt_fen),
        "debt_open_yuan": yuan(c.debt_open_fen),
        "tax_before_yuan": yuan(c.tax_before_fen),
        "tax_after_yuan": yuan(c.tax_after_fen),
    }


@login_required
@require_http_methods(["GET", "POST"])
def operator_corrections(request: HttpRequest) -> HttpResponse:
    user = current_operator(request, Capability.CORRECTIONS_MANAGE)
    if user is None:
        return redirect("web:home")
    form = CorrectionForm(auto_id="correction-%s", initial={"key": f"C-{uuid.uuid4().hex}"})
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "request":
            form = CorrectionForm(request.POST, auto_id="correction-%s")
            if form.is_valid() and _correction_request(request, form, user=user):
                return redirect("web:operator_corrections")
        elif action in ("approve", "reject"):
            _correction_decide(request, action, user=user)
            return redirect("web:operator_corrections")
        else:
            messages.error(request, _("Unknown action."))
            return redirect("web:operator_corrections")
    return _operator_corrections_page(request, form, user=user)


def _correction_request(request: HttpRequest, form: CorrectionForm, *, user: User) -> bool:
    """Request the valid form's correction (its key makes a double submit one correction);
    True when done (else the form has the error)."""
    data = form.cleaned_data
    amount = data["new_gross_yuan"]
    try:
        correction = settlement_services.correction_request(
            operator=user,
            order_id=data["order_id"],
            kind=data["kind"],
            reason=data["reason"],
            key=data["key"],
            new_gross_fen=None if amount is None else money.yuan_to_fen(amount),
        )
    except ApplicationError as exc:
        show_service_error(form, exc, {"new_gross_fen": "new_gross_yuan", "key": "order_id"})
        return False
    if correction.status == Correction.Status.EXECUTED:
        messages.success(request, _("Correction executed."))
    else:
        messages.info(request, _("Correction recorded; a second operator must approve it."))
    return True


def _correction_decide(request: HttpRequest, action: str, *, user: User) -> None:
    """A second operator's approve or reject button."""
    pk = request.POST.get("correction_id", "")
    try:
        if not is_id(pk):
            raise ApplicationError(_("Correction not found."), code="not_found")
        if action == "approve":
            settlement_services.correction_approve(operator=user, correction_id=int(pk))
            messages.success(request, _("Correction approved and executed."))
        else:
            settlement_services.correction_reject(
                operator=user,
                correction_id=int(pk),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Correction rejected."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))


def _operator_corrections_page(
    request: HttpRequest, form: CorrectionForm, *, user: User
) -> HttpResponse:
    awaiting = settlement_services.corrections_for_operator(
        operator=user, status=Correction.Status.AWAITING_APPROVAL
    )
    # The list shows each correction's audit trail: its events in one query, not one a row.
    page = paginate(
        request,
        settlement_services.corrections_for_operator(operator=user).prefetch_related(
            Prefetch("events", queryset=CorrectionEvent.objects.select_related("actor"))
        ),
    )
    return render(
        request,
        "settlement/operator_corrections.html",
        {
            "form": form,
            "awaiting": [_row(c) for c in awaiting],
            "page_obj": page,
            "rows": [{**_row(c), "events": [_event_row(e) for e in c.events.all()]} for c in page],
            "threshold_yuan": yuan(settings.CORRECTION_APPROVAL_THRESHOLD_FEN),
            "user_id": user.pk,
        },
    )
