"""What the finance pages share: labels, and rows and files made from settlement's records."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinghuo.accounts.models import Organization, User
from xinghuo.core import money
from xinghuo.core.api import is_id
from xinghuo.core.exceptions import ApplicationError
from xinghuo.settlement import selectors as settlement_selectors
from xinghuo.settlement import services as settlement_services
from xinghuo.settlement.models import Payout, PayoutAccount, Transfer, Withholding
from xinghuo.web.scope import yuan

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


def approve_payout(request: HttpRequest, *, user: User, organization: Organization | None) -> None:
    """The approve button of a payout awaiting approval (an organization's, or with
    `organization` None a wallet withdrawal): approved, or the error told."""
    payout_pk = request.POST.get("payout_id", "")
    try:
        if not is_id(payout_pk):
            raise ApplicationError(_("Payout not found."), code="payout_not_found")
        payout = settlement_selectors.payout_get_awaiting_approval(
            organization=organization, payout_pk=int(payout_pk)
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
