"""The operator's bank credits page (issue 11): import the bank statement, match its lines to
employers or their declarations, and see what is left to reconcile — lines nobody has matched,
declarations the bank has not confirmed, refused attempts to credit a line twice.

Views parse input and call `settlement.services`; money moves only there.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinghuo.accounts.selectors import Capability
from xinghuo.core.exceptions import ApplicationError
from xinghuo.settlement import services as settlement_services
from xinghuo.settlement.models import BankTransaction, TopUpDeclaration
from xinghuo.web.scope import current_operator, yuan

SOURCE_LABELS = dict(BankTransaction.Source.choices)


class StatementForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Bank statement (CSV or Excel)"),
        help_text=gettext_lazy(
            "Columns: serial (交易流水号), value date, amount in yuan, payer, payer account, "
            "memo. Lines seen before are skipped."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


class MatchForm(forms.Form):
    line = forms.IntegerField(min_value=1, max_value=2**62, widget=forms.HiddenInput)
    declaration = forms.IntegerField(min_value=1, max_value=2**62, required=False)
    topup_code = forms.RegexField(
        label=gettext_lazy("Top-up code"), regex=r"^XH\d{6,12}$", max_length=14, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("declaration") and not data.get("topup_code"):
            raise forms.ValidationError(_("Pick a declaration or type the employer's top-up code."))
        return data


def _line_row(line: BankTransaction, declarations: list[TopUpDeclaration]) -> dict[str, Any]:
    return {
        "line": line,
        "amount_yuan": yuan(line.amount_fen),
        "source": SOURCE_LABELS.get(line.source, line.source),
        # Declarations of the same amount first: the likely match.
        "candidates": [d for d in declarations if d.amount_fen == line.amount_fen],
    }


def _match(request: HttpRequest, operator: Any) -> None:
    form = MatchForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(str(e) for e in form.errors.get("__all__", []))
            or _("Pick a declaration or type the employer's top-up code."),
        )
        return
    data = form.cleaned_data
    declaration_id = data.get("declaration")
    organization_id = None
    if not declaration_id:
        organization_id = int(data["topup_code"][2:])
    try:
        transfer = settlement_services.bank_transaction_match(
            operator=operator,
            bank_transaction_id=data["line"],
            organization_id=organization_id,
            declaration_id=declaration_id,
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("¥%(amount)s credited to the employer's escrow.")
            % {"amount": yuan(transfer.amount_fen)},
        )


@login_required
def operator_bank(request: HttpRequest) -> HttpResponse:
    operator = current_operator(request, Capability.BANK_MATCH)
    if operator is None:
        return redirect("web:home")
    statement_form = StatementForm(auto_id="statement-%s")
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "import":
            statement_form = StatementForm(request.POST, request.FILES, auto_id="statement-%s")
            if statement_form.is_valid():
                upload = statement_form.cleaned_data["file"]
                try:
                    result = settlement_services.bank_statement_import(
                        operator=operator,
                        data=upload.read(settlement_services.MAX_STATEMENT_BYTES + 1),
                    )
                except ApplicationError as exc:
                    statement_form.add_error("file", str(exc.message))
                else:
                    messages.success(
                        request,
                        _(
                            "Statement imported: %(created)s new lines, %(existing)s seen "
                            "before, %(skipped)s debits skipped."
                        )
                        % {
                            "created": len(result.created),
                            "existing": result.existing,
                            "skipped": result.skipped,
                        },
                    )
                    return redirect("web:operator_bank")
        elif action == "match":
            _match(request, operator)
            return redirect("web:operator_bank")
        else:
            messages.error(request, _("Unknown action."))
            return redirect("web:operator_bank")
    declarations = list(settlement_services.declarations_unmatched()[:200])
    return render(
        request,
        "settlement/operator_bank.html",
        {
            "statement_form": statement_form,
            "lines": [
                _line_row(line, declarations)
                for line in settlement_services.bank_transactions(unmatched=True).order_by(
                    "created_at", "pk"
                )[:200]
            ],
            "declarations": [
                {
                    "d": d,
                    "amount_yuan": yuan(d.amount_fen),
                    "code": settlement_services.topup_code(d.organization),
                }
                for d in declarations
            ],
            "attempts": list(settlement_services.match_attempts_refused()[:100]),
            "credited": [
                {
                    "line": line,
                    "amount_yuan": yuan(line.amount_fen),
                    "source": SOURCE_LABELS.get(line.source, line.source),
                }
                for line in settlement_services.bank_transactions().filter(transfer__isnull=False)[
                    :30
                ]
            ],
        },
    )


@login_required
def operator_declaration_receipt(request: HttpRequest, declaration_id: int) -> HttpResponse:
    """A declaration's transfer receipt (an image, encrypted at rest): operators only."""
    operator = current_operator(request, Capability.BANK_MATCH)
    if operator is None:
        raise Http404
    try:
        data, content_type = settlement_services.declaration_proof(
            operator=operator, declaration_id=declaration_id
        )
    except ApplicationError:
        raise Http404 from None
    response = HttpResponse(data, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
