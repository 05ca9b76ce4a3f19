"""The operator's finance pages: payouts, reconciliation, the tax declaration."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xinghuo.accounts.selectors import Capability
from xinghuo.core.exceptions import ApplicationError
from xinghuo.settlement import selectors as settlement_selectors
from xinghuo.settlement import services as settlement_services
from xinghuo.settlement.exceptions import ChannelError, UnknownChannel
from xinghuo.settlement.models import PayoutAccount
from xinghuo.web.scope import (
    current_operator,
    yuan,
)

from .common import (
    CHANNEL_LABELS,
    FAILED_WINDOW,
    _mismatch_row,
    _payout_row,
    _this_month,
    _xlsx,
    approve_payout,
)
from .forms import MonthForm, ReconcileForm


@login_required
@require_http_methods(["GET", "POST"])
def operator_finance(request: HttpRequest) -> HttpResponse:
    user = current_operator(request, Capability.PAYOUT_OPERATE)
    if user is None:
        return redirect("web:home")
    yesterday = timezone.localdate() - timedelta(days=1)
    reconcile_form = ReconcileForm(
        auto_id="reconcile-%s",
        initial={"channel": PayoutAccount.Channel.ALIPAY, "day": yesterday.isoformat()},
    )
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "approve":
            approve_payout(request, user=user, organization=None)
            return redirect("web:operator_finance")
        if action == "reconcile":
            reconcile_form = ReconcileForm(request.POST, auto_id="reconcile-%s")
            if reconcile_form.is_valid() and _reconcile(request, reconcile_form):
                return redirect("web:operator_finance")
        else:
            messages.error(request, _("Unknown action."))
            return redirect("web:operator_finance")
    return _operator_finance_page(request, reconcile_form)


def _reconcile(request: HttpRequest, form: ReconcileForm) -> bool:
    """Reconcile the valid form's channel and day; True when done (else the form has the
    error)."""
    channel, day = form.cleaned_data["channel"], form.cleaned_data["day"]
    try:
        report = settlement_services.reconcile(channel=channel, day=day)
    except ApplicationError as exc:
        form.add_error(None, str(exc.message))
        return False
    except (ChannelError, UnknownChannel):
        # The channel's statement could not be fetched; nothing was recorded.
        form.add_error(None, _("The channel's statement could not be fetched. Try again later."))
        return False
    text = _(
        "Reconciled %(channel)s for %(day)s: %(matched)s matched, %(mismatches)s mismatches."
    ) % {
        "channel": CHANNEL_LABELS.get(report.channel, report.channel),
        "day": report.day.isoformat(),
        "matched": report.matched,
        "mismatches": len(report.mismatches),
    }
    if report.mismatches:
        messages.warning(request, text)
    else:
        messages.success(request, text)
    return True


def _operator_finance_page(request: HttpRequest, reconcile_form: ReconcileForm) -> HttpResponse:
    now = timezone.now()
    stuck_after = settlement_services.RetryPolicy.from_settings().stuck_after
    mismatch_count = len(settlement_services.ledger_verify())
    reports = list(settlement_selectors.reconciliation_reports()[:20])
    return render(
        request,
        "settlement/operator_finance.html",
        {
            "awaiting": [
                _payout_row(p)
                for p in settlement_selectors.payouts_awaiting_approval(organization=None)
            ],
            "attention": [
                {**_payout_row(p), "attempts": list(p.attempt_rows.all())}
                for p in settlement_selectors.payouts_needing_attention()[:50]
            ],
            "stuck": [
                _payout_row(p)
                for p in settlement_selectors.payouts_submitted_before(before=now - stuck_after)[
                    :50
                ]
            ],
            "failed": [
                _payout_row(p)
                for p in settlement_selectors.payouts_failed_since(since=now - FAILED_WINDOW)[:50]
            ],
            "stuck_minutes": int(stuck_after.total_seconds() // 60),
            "failed_days": FAILED_WINDOW.days,
            "reconcile_form": reconcile_form,
            "reports": [
                {
                    "report": r,
                    "channel": CHANNEL_LABELS.get(r.channel, r.channel),
                    "mismatches": [_mismatch_row(m) for m in r.mismatches],
                }
                for r in reports
            ],
            "month_form": MonthForm(auto_id="declaration-%s", initial={"month": _this_month()}),
            "periods": [
                {**row, "income_yuan": yuan(row["income_fen"]), "tax_yuan": yuan(row["tax_fen"])}
                for row in settlement_selectors.withholding_month_totals()[:24]
            ],
            "ledger_mismatches": mismatch_count,
        },
    )


@login_required
@require_GET
def operator_declaration(request: HttpRequest) -> HttpResponseBase:
    """The platform's monthly withholding declaration (xlsx), for operators only."""
    if current_operator(request, Capability.PAYOUT_OPERATE) is None:
        return redirect("web:home")
    form = MonthForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose a month."))
        return redirect("web:operator_finance")
    year, month = form.year_month
    data = settlement_services.withholding_declaration_xlsx(year=year, month=month)
    return _xlsx(data, f"个人所得税扣缴申报_{year}{month:02d}.xlsx")
