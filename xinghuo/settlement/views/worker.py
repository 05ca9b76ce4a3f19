"""The worker's wallet: balance, payout accounts, withdrawals, tax, corrections, statement."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xinghuo.accounts.auth import current_user
from xinghuo.core import money
from xinghuo.core.api import is_id
from xinghuo.core.exceptions import ApplicationError
from xinghuo.identity import selectors as identity_selectors
from xinghuo.settlement import selectors as settlement_selectors
from xinghuo.settlement import services as settlement_services
from xinghuo.web.scope import (
    current_worker,
    paginate,
    show_service_error,
    worker_context,
    yuan,
)
from xinghuo.workforce.models import Worker

from .common import PS, _account_label, _payout_row, _xlsx
from .forms import PayoutAccountForm, WithdrawForm, _fen


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year", "")
    this_year = timezone.localdate().year
    return int(value) if is_id(value) and 2000 <= int(value) <= this_year else this_year


@login_required
@require_http_methods(["GET", "POST"])
def worker_wallet(request: HttpRequest) -> HttpResponse:
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    account_form = PayoutAccountForm(auto_id="account-%s")
    withdraw_form = WithdrawForm(
        auto_id="withdraw-%s",
        initial={"payout_id": settlement_services.payout_id_new(worker_id=worker.pk)},
    )
    identity_verified = identity_selectors.worker_is_identity_verified(worker=worker)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "account":
            account_form = PayoutAccountForm(request.POST, auto_id="account-%s")
            if account_form.is_valid() and _account_add(request, account_form, worker=worker):
                return redirect("web:worker_wallet")
        elif action == "withdraw":
            withdraw_form = WithdrawForm(request.POST, auto_id="withdraw-%s")
            if withdraw_form.is_valid() and _withdraw(request, withdraw_form, worker=worker):
                return redirect("web:worker_wallet")
        else:
            messages.error(request, _("Unknown action."))
            return redirect("web:worker_wallet")
    return _worker_wallet_page(
        request,
        worker,
        account_form=account_form,
        withdraw_form=withdraw_form,
        identity_verified=identity_verified,
    )


def _account_add(request: HttpRequest, form: PayoutAccountForm, *, worker: Worker) -> bool:
    """Bind the valid form's account; True when done (else the form has the error)."""
    try:
        added = settlement_services.payout_account_add(worker=worker, **form.cleaned_data)
    except ApplicationError as exc:
        show_service_error(form, exc, {})
        return False
    messages.success(
        request,
        _("%(account)s is now where you are paid.") % {"account": _account_label(added.account)},
    )
    for warning in added.warnings:
        messages.warning(request, str(warning.message))
    return True


def _withdraw(request: HttpRequest, form: WithdrawForm, *, worker: Worker) -> bool:
    """Request the valid form's payout (its payout id makes a double submit one payout);
    True when done (else the form has the error)."""
    data = form.cleaned_data
    try:
        payout = settlement_services.payout_request(
            worker=worker,
            amount_fen=_fen(data["amount_yuan"]),
            requested_by=current_user(request),
            payout_id=data["payout_id"],
        )
    except ApplicationError as exc:
        show_service_error(form, exc, {"amount_fen": "amount_yuan"})
        return False
    if payout.status == PS.AWAITING_APPROVAL:
        text = _(
            "Withdrawal of ¥%(amount)s requested; an amount this large waits for a second approval."
        )
    else:
        text = _("Withdrawal of ¥%(amount)s requested.")
    messages.success(request, text % {"amount": yuan(payout.amount_fen)})
    return True


def _worker_wallet_page(
    request: HttpRequest,
    worker: Worker,
    *,
    account_form: PayoutAccountForm,
    withdraw_form: WithdrawForm,
    identity_verified: bool,
) -> HttpResponse:
    year = _year(request)
    months = settlement_selectors.withholding_month_totals_for_worker(worker=worker, year=year)
    accounts: list[dict[str, Any]] = [
        {"account": a, "masked": a.account_masked}
        for a in settlement_selectors.payout_accounts_for_worker(worker=worker)
    ]
    payout_page = paginate(request, settlement_selectors.payouts_for_worker(worker=worker))
    years = settlement_selectors.withholding_years_for_worker(worker=worker)
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    return render(
        request,
        "settlement/worker_wallet.html",
        worker_context(
            worker,
            "wallet",
            balance_yuan=money.fen_grouped(settlement_selectors.wallet_balance(worker=worker)),
            accounts=accounts,
            default_account=next((row for row in accounts if row["account"].is_default), None),
            account_form=account_form,
            identity_verified=identity_verified,
            holder_name=(
                identity_selectors.identity_for_worker(worker=worker).name
                if identity_verified
                else ""
            ),
            withdraw_form=withdraw_form,
            page_obj=payout_page,
            payouts=[_payout_row(p) for p in payout_page],
            year=year,
            years=years,
            months=[
                {
                    **row,
                    "income_yuan": yuan(row["income_fen"]),
                    "tax_yuan": yuan(row["tax_fen"]),
                    "fee_yuan": yuan(row["worker_fee_fen"]),
                    "net_yuan": yuan(row["net_fen"]),
                }
                for row in months
            ],
            year_totals={
                key: yuan(sum(row[key] for row in months))
                for key in ("income_fen", "tax_fen", "worker_fee_fen", "net_fen")
            },
            **_worker_corrections(worker),
        ),
    )


def _worker_corrections(worker: Worker) -> dict[str, Any]:
    """Corrections of the worker's payments and the debt still netted from his earnings."""
    rows = settlement_services.corrections_for_worker(worker=worker)[:20]
    open_debt_fen = settlement_services.worker_open_debt_fen(worker=worker)
    return {
        "open_debt_fen": open_debt_fen,
        "open_debt_yuan": yuan(open_debt_fen),
        "corrections": [
            {
                "c": c,
                "old_yuan": yuan(c.old_gross_fen),
                "new_yuan": yuan(c.new_gross_fen),
                "from_wallet_yuan": yuan(c.from_wallet_fen),
                "debt_yuan": yuan(c.debt_fen),
                "netted_yuan": yuan(c.debt_fen - c.debt_open_fen),
            }
            for c in rows
        ],
    }


@login_required
@require_GET
def worker_statement(request: HttpRequest) -> HttpResponseBase:
    """The worker's own annual statement (xlsx); nobody else's is reachable from here."""
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    year = _year(request)
    data = settlement_services.worker_annual_statement_xlsx(worker=worker, year=year)
    return _xlsx(data, f"年度收入明细_{year}.xlsx")
