"""Finance pages (issue 4): the employer's escrow, settlements and statements, the worker's
wallet, payouts and tax, and the operator's payouts, reconciliation and tax declaration.

Views parse input and call services; reads go through selectors; no ORM writes here.
Amounts are typed in yuan with at most two decimals and go to the services as whole fen.
Every form that moves money carries its idempotency key: a payout id rendered into the
withdrawal form (a double submit pays once). Money enters escrow only from the bank: the
employer declares a transfer (no money moves), the operator matches bank lines.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.auth import current_user
from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.selectors import Capability, has_capability
from xinghuo.core import money
from xinghuo.core.api import is_id
from xinghuo.core.exceptions import ApplicationError
from xinghuo.identity import selectors as identity_selectors
from xinghuo.settlement import selectors as settlement_selectors
from xinghuo.settlement import services as settlement_services
from xinghuo.settlement.channels.base import PAYOUT_ID_PATTERN
from xinghuo.settlement.exceptions import ChannelError, UnknownChannel
from xinghuo.settlement.models import Payout, PayoutAccount, Transfer, Withholding
from xinghuo.web.scope import (
    current_operator,
    current_worker,
    employer_scope,
    paginate,
    show_service_error,
    worker_context,
    yuan,
)
from xinghuo.workforce.models import Worker

PS = Payout.Status
FAILED_WINDOW = timedelta(days=7)

TRANSFER_LABELS: dict[tuple[str, str], Any] = {
    ("topup", Transfer.Kind.SINGLE): gettext_lazy("Top-up"),
    ("reserve", Transfer.Kind.PENDING): gettext_lazy("Reserved for an order"),
    ("reserve", Transfer.Kind.POST_PENDING): gettext_lazy("Reservation used for payment"),
    ("reserve", Transfer.Kind.VOID_PENDING): gettext_lazy("Reservation released"),
    ("gross", Transfer.Kind.SINGLE): gettext_lazy("Paid for the work (gross)"),
    ("fee", Transfer.Kind.SINGLE): gettext_lazy("Platform fee"),
    ("correction", Transfer.Kind.SINGLE): gettext_lazy("Correction: back from the worker"),
    ("correction_fee", Transfer.Kind.SINGLE): gettext_lazy("Correction: fee given back"),
    ("correction_netting", Transfer.Kind.SINGLE): gettext_lazy(
        "Correction: netted from the worker's earnings"
    ),
}
CHANNEL_LABELS = dict(PayoutAccount.Channel.choices)
PAYOUT_STATUS_LABELS = dict(Payout.Status.choices)
STATEMENT_STATUS_LABELS = {
    "succeeded": gettext_lazy("Paid"),
    "failed": gettext_lazy("Not paid"),
    "returned": gettext_lazy("Returned"),
}
MISMATCH_LABELS = {
    "unknown_to_us": gettext_lazy("In the statement, unknown to us"),
    "missing_in_statement": gettext_lazy("Paid by us, missing in the statement"),
    "amount_differs": gettext_lazy("Amounts differ"),
    "status_differs": gettext_lazy("Outcomes differ"),
    "return_not_applied": gettext_lazy("Returned by the channel (退票), not by us"),
    "return_missing_in_statement": gettext_lazy("Returned by us, missing in the statement"),
}


# --- forms: they only parse ------------------------------------------------------------------


def _yuan_field(label: Any) -> forms.DecimalField:
    # decimal_places=2 refuses "12.345" instead of rounding it: money is never guessed.
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0.01"),
        max_value=Decimal("100000000"),
        max_digits=11,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", "min": "0.01"}),
    )


def _fen(amount_yuan: Decimal) -> int:
    """Exact: the form has refused anything finer than a fen."""
    return money.yuan_to_fen(amount_yuan)


class TopUpForm(forms.Form):
    """A declaration of a transfer sent: it moves no money (the bank confirms it)."""

    amount_yuan = _yuan_field(gettext_lazy("Amount sent (yuan)"))
    reference = forms.CharField(
        label=gettext_lazy("Bank serial number"),
        max_length=64,
        help_text=gettext_lazy("The serial (流水号) on your bank's transfer receipt."),
    )
    proof = forms.FileField(
        label=gettext_lazy("Transfer receipt (photo, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class PayoutAccountForm(forms.Form):
    """The holder is not asked: an account is always bound in the worker's verified name."""

    channel = forms.ChoiceField(
        label=gettext_lazy("Paid to"),
        choices=PayoutAccount.Channel.choices,
        initial=PayoutAccount.Channel.ALIPAY,
        widget=forms.RadioSelect,
    )
    account = forms.CharField(
        label=gettext_lazy("Alipay account or card number"),
        max_length=64,
        help_text=gettext_lazy(
            "Alipay: your mobile number or e-mail address. Bank card: the 12 to 19 digits "
            "of a debit card."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    auto_withdraw = forms.BooleanField(
        label=gettext_lazy("Pay each settled order out to this account at once"),
        required=False,
    )


class WithdrawForm(forms.Form):
    amount_yuan = _yuan_field(gettext_lazy("Amount (yuan)"))
    payout_id = forms.RegexField(regex=PAYOUT_ID_PATTERN, max_length=64, widget=forms.HiddenInput)


class MonthForm(forms.Form):
    """A year-month from `<input type="month">` ("2026-11")."""

    month = forms.RegexField(
        label=gettext_lazy("Month"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        widget=forms.TextInput(attrs={"type": "month"}),
    )

    @property
    def year_month(self) -> tuple[int, int]:
        year, month = self.cleaned_data["month"].split("-")
        return int(year), int(month)


class ReconcileForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=PayoutAccount.Channel.choices
    )
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))


# --- helpers ---------------------------------------------------------------------------------


def _account_label(account: PayoutAccount) -> str:
    """The account as people see it, e.g. `Bank card 6222 **** **** 3444 中国工商银行`;
    never the clear number."""
    parts = [str(account.get_channel_display()), account.account_masked, account.bank_name]
    return " ".join(p for p in parts if p)


def grouped(fen: int) -> str:
    """Fen as yuan with thousands separators for the big figures: 22147487 → "221,474.87"."""
    return money.fen_grouped(fen)


def _this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def _xlsx(data: bytes, filename: str) -> FileResponse:
    response = FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=filename,
        content_type=settlement_services.XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _payout_row(payout: Payout) -> dict[str, Any]:
    return {
        "payout": payout,
        "amount_yuan": yuan(payout.amount_fen),
        "account": _account_label(payout.account),
    }


def _settlement_row(w: Withholding) -> dict[str, Any]:
    worker_fee = settlement_services.worker_fee_fen(w)
    employer_fee = w.fee_fen - worker_fee
    return {
        "w": w,
        "price_yuan": yuan(w.income_fen),
        "fee_yuan": yuan(w.fee_fen),
        "fee_by_worker": bool(worker_fee),
        "tax_yuan": yuan(w.tax_fen),
        "net_yuan": yuan(w.net_fen),
        "cost_yuan": yuan(w.income_fen + employer_fee),
    }


def _transfer_row(t: Transfer, organization: Organization) -> dict[str, Any]:
    ours_out = t.debit_account.organization_id == organization.pk
    ours_in = t.credit_account.organization_id == organization.pk
    sign = "" if ours_out == ours_in else "+" if ours_in else "−"
    code = t.code.split(":", 1)[0]
    label = TRANSFER_LABELS.get((t.code, t.kind)) or (
        _("Correction") if code == "reverse" else t.code
    )
    order_id = t.reference.removeprefix("order:") if t.reference.startswith("order:") else None
    return {
        "t": t,
        "label": label,
        "sign": sign,
        "amount_yuan": yuan(t.amount_fen),
        "order_id": int(order_id) if order_id and is_id(order_id) else None,
    }


def _mismatch_row(mismatch: dict[str, Any]) -> dict[str, Any]:
    """One line of a reconciliation report, in words and yuan."""

    def side(record: dict[str, Any] | None, labels: dict[str, Any]) -> str:
        if not record:
            return "—"
        status = labels.get(record.get("status", ""), record.get("status", ""))
        amount = record.get("amount_fen")
        return f"{status} ¥{yuan(amount)}" if isinstance(amount, int) else str(status)

    problem = mismatch.get("problem", "")
    return {
        "payout_id": mismatch.get("payout_id", ""),
        "label": MISMATCH_LABELS.get(problem, problem),
        "ours": side(mismatch.get("ours"), PAYOUT_STATUS_LABELS),
        "channel": side(mismatch.get("channel"), STATEMENT_STATUS_LABELS),
    }


def _role_in(user: User, organization: Organization) -> str | None:
    for membership in account_selectors.membership_list(organization=organization):
        if membership.user_id == user.pk:
            return membership.role
    return None


# --- employer ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def employer_finance(request: HttpRequest) -> HttpResponse:
    scope = employer_scope(request)
    if scope is None:
        return redirect("web:home")
    org, user = scope.organization, scope.user
    here = f"{reverse('web:employer_finance')}?org={org.pk}"
    role = _role_in(user, org)
    topup_form = TopUpForm(auto_id="topup-%s")
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "topup":
            topup_form = TopUpForm(request.POST, request.FILES, auto_id="topup-%s")
            if topup_form.is_valid():
                data = topup_form.cleaned_data
                proof = data.get("proof")
                try:
                    declared, created = settlement_services.topup_declare_or_get(
                        actor=user,
                        organization=org,
                        amount_fen=_fen(data["amount_yuan"]),
                        bank_serial=data["reference"],
                        proof=proof.read(settlement_services.MAX_PROOF_BYTES + 1)
                        if proof
                        else None,
                    )
                except ApplicationError as exc:
                    if exc.code == "declaration_conflict":
                        topup_form.add_error(
                            "reference",
                            _("This serial was declared before with another amount."),
                        )
                    else:
                        show_service_error(
                            topup_form,
                            exc,
                            {"amount_fen": "amount_yuan", "image": "proof"},
                        )
                else:
                    if not created:
                        messages.info(request, _("This transfer was declared before."))
                    else:
                        messages.success(
                            request,
                            _(
                                "Transfer of ¥%(amount)s declared: it is credited when the "
                                "bank confirms it."
                            )
                            % {"amount": yuan(declared.amount_fen)},
                        )
                    return redirect(here)
        elif action == "approve":
            payout_pk = request.POST.get("payout_id", "")
            try:
                if not is_id(payout_pk):
                    raise ApplicationError(_("Payout not found."), code="payout_not_found")
                payout = settlement_selectors.payout_get_awaiting_approval(
                    organization=org, payout_pk=int(payout_pk)
                )
                settlement_services.payout_approve(approver=user, payout_pk=payout.pk)
            except ApplicationError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(
                    request,
                    _("Payout of ¥%(amount)s approved; it is on its way.")
                    % {"amount": yuan(payout.amount_fen)},
                )
            return redirect(here)
        else:
            messages.error(request, _("Unknown action."))
            return redirect(here)

    balances = settlement_selectors.escrow_balances(organization=org)
    settlements = paginate(
        request, settlement_selectors.withholdings_for_organization(organization=org)
    )
    transfers = settlement_selectors.organization_transfers(organization=org).select_related(
        "debit_account", "credit_account"
    )[:20]
    return render(
        request,
        "settlement/employer_finance.html",
        scope.context(
            nav="finance",
            role=role,
            # Who may do what on the page (the services check it again).
            can_topup=has_capability(
                actor=user, capability=Capability.FINANCE_OPERATE, organization=org
            ),
            can_approve=has_capability(
                actor=user, capability=Capability.PAYOUTS_APPROVE, organization=org
            ),
            balances={key: grouped(value) for key, value in balances.items()},
            topup_form=topup_form,
            topup_code=settlement_services.topup_code(org),
            declarations=[
                {"d": d, "amount_yuan": yuan(d.amount_fen)}
                for d in settlement_services.declarations_for_organization(organization=org)[:20]
            ],
            transfers=[_transfer_row(t, org) for t in transfers],
            page_obj=settlements,
            settlements=[_settlement_row(w) for w in settlements],
            awaiting=[
                _payout_row(p)
                for p in settlement_selectors.payouts_awaiting_approval(organization=org)
            ],
            month_form=MonthForm(initial={"month": _this_month()}),
            threshold_yuan=yuan(org.payout_approval_threshold_fen),
        ),
    )


@login_required
@require_GET
def employer_statement(request: HttpRequest) -> HttpResponseBase:
    """The monthly statement of the picked organization's settled orders (xlsx)."""
    scope = employer_scope(request)
    if scope is None:
        return redirect("web:home")
    form = MonthForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose a month."))
        return redirect(f"{reverse('web:employer_finance')}?org={scope.organization.pk}")
    year, month = form.year_month
    data = settlement_services.employer_monthly_statement_xlsx(
        organization=scope.organization, year=year, month=month
    )
    return _xlsx(data, f"结算对账单_{scope.organization.credit_code}_{year}{month:02d}.xlsx")


# --- worker ------------------------------------------------------------------------------------


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
            if account_form.is_valid():
                try:
                    added = settlement_services.payout_account_add(
                        worker=worker, **account_form.cleaned_data
                    )
                except ApplicationError as exc:
                    show_service_error(account_form, exc, {})
                else:
                    messages.success(
                        request,
                        _("%(account)s is now where you are paid.")
                        % {"account": _account_label(added.account)},
                    )
                    for warning in added.warnings:
                        messages.warning(request, str(warning.message))
                    return redirect("web:worker_wallet")
        elif action == "withdraw":
            withdraw_form = WithdrawForm(request.POST, auto_id="withdraw-%s")
            if withdraw_form.is_valid():
                data = withdraw_form.cleaned_data
                try:
                    payout = settlement_services.payout_request(
                        worker=worker,
                        amount_fen=_fen(data["amount_yuan"]),
                        requested_by=current_user(request),
                        payout_id=data["payout_id"],
                    )
                except ApplicationError as exc:
                    show_service_error(withdraw_form, exc, {"amount_fen": "amount_yuan"})
                else:
                    if payout.status == PS.AWAITING_APPROVAL:
                        text = _(
                            "Withdrawal of ¥%(amount)s requested; an amount this large waits "
                            "for a second approval."
                        )
                    else:
                        text = _("Withdrawal of ¥%(amount)s requested.")
                    messages.success(request, text % {"amount": yuan(payout.amount_fen)})
                    return redirect("web:worker_wallet")
        else:
            messages.error(request, _("Unknown action."))
            return redirect("web:worker_wallet")

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
            balance_yuan=grouped(settlement_selectors.wallet_balance(worker=worker)),
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


# --- operator ----------------------------------------------------------------------------------


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
            payout_pk = request.POST.get("payout_id", "")
            try:
                if not is_id(payout_pk):
                    raise ApplicationError(_("Payout not found."), code="payout_not_found")
                payout = settlement_selectors.payout_get_awaiting_approval(
                    organization=None, payout_pk=int(payout_pk)
                )
                settlement_services.payout_approve(approver=user, payout_pk=payout.pk)
            except ApplicationError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(
                    request,
                    _("Payout of ¥%(amount)s approved; it is on its way.")
                    % {"amount": yuan(payout.amount_fen)},
                )
            return redirect("web:operator_finance")
        if action == "reconcile":
            reconcile_form = ReconcileForm(request.POST, auto_id="reconcile-%s")
            if reconcile_form.is_valid():
                channel, day = (
                    reconcile_form.cleaned_data["channel"],
                    reconcile_form.cleaned_data["day"],
                )
                try:
                    report = settlement_services.reconcile(channel=channel, day=day)
                except ApplicationError as exc:
                    reconcile_form.add_error(None, str(exc.message))
                except (ChannelError, UnknownChannel):
                    # The channel's statement could not be fetched; nothing was recorded.
                    reconcile_form.add_error(
                        None, _("The channel's statement could not be fetched. Try again later.")
                    )
                else:
                    text = _(
                        "Reconciled %(channel)s for %(day)s: %(matched)s matched, "
                        "%(mismatches)s mismatches."
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
                    return redirect("web:operator_finance")
        else:
            messages.error(request, _("Unknown action."))
            return redirect("web:operator_finance")

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
