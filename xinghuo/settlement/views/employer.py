"""The employer's finance page: escrow, top-up declarations, settlements, statement."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.selectors import Capability, capabilities_of, is_operator, role_in
from xinghuo.core.exceptions import ApplicationError
from xinghuo.settlement import selectors as settlement_selectors
from xinghuo.settlement import services as settlement_services
from xinghuo.web.scope import (
    EmployerScope,
    employer_scope,
    paginate,
    show_service_error,
    yuan,
)

from .common import (
    _payout_row,
    _settlement_row,
    _this_month,
    _transfer_row,
    _xlsx,
    approve_payout,
    grouped,
)
from .forms import MonthForm, TopUpForm, _fen


@login_required
@require_http_methods(["GET", "POST"])
def employer_finance(request: HttpRequest) -> HttpResponse:
    scope = employer_scope(request)
    if scope is None:
        return redirect("web:home")
    org, user = scope.organization, scope.user
    here = f"{reverse('web:employer_finance')}?org={org.pk}"
    role = role_in(user=user, organization=org)
    topup_form = TopUpForm(auto_id="topup-%s")
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "topup":
            topup_form = TopUpForm(request.POST, request.FILES, auto_id="topup-%s")
            if topup_form.is_valid() and _topup_declare(request, topup_form, user=user, org=org):
                return redirect(here)
        elif action == "approve":
            approve_payout(request, user=user, organization=org)
            return redirect(here)
        else:
            messages.error(request, _("Unknown action."))
            return redirect(here)
    return _employer_finance_page(request, scope, role=role, topup_form=topup_form)


def _topup_declare(request: HttpRequest, form: TopUpForm, *, user: User, org: Organization) -> bool:
    """Declare the valid form's transfer; True when done (else the form has the error)."""
    data = form.cleaned_data
    proof = data.get("proof")
    try:
        declared, created = settlement_services.topup_declare_or_get(
            actor=user,
            organization=org,
            amount_fen=_fen(data["amount_yuan"]),
            bank_serial=data["reference"],
            proof=proof.read(settlement_services.MAX_PROOF_BYTES + 1) if proof else None,
        )
    except ApplicationError as exc:
        if exc.code == "declaration_conflict":
            form.add_error(
                "reference",
                _("This serial was declared before with another amount."),
            )
        else:
            show_service_error(form, exc, {"amount_fen": "amount_yuan", "image": "proof"})
        return False
    if not created:
        messages.info(request, _("This transfer was declared before."))
    else:
        messages.success(
            request,
            _("Transfer of ¥%(amount)s declared: it is credited when the bank confirms it.")
            % {"amount": yuan(declared.amount_fen)},
        )
    return True


def _employer_finance_page(
    request: HttpRequest, scope: EmployerScope, *, role: str | None, topup_form: TopUpForm
) -> HttpResponse:
    org, user = scope.organization, scope.user
    balances = settlement_selectors.escrow_balances(organization=org)
    settlements = paginate(
        request, settlement_selectors.withholdings_for_organization(organization=org)
    )
    transfers = settlement_selectors.organization_transfers(organization=org).select_related(
        "debit_account", "credit_account"
    )[:20]
    capabilities = capabilities_of(role=role, operator=is_operator(user=user))
    return render(
        request,
        "settlement/employer_finance.html",
        scope.context(
            nav="finance",
            role=role,
            # Who may do what on the page (the services check it again), from the
            # one membership read the role came from: has_capability's answer.
            can_topup=Capability.FINANCE_OPERATE in capabilities,
            can_approve=Capability.PAYOUTS_APPROVE in capabilities,
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
