from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.auth import client_ip, current_user, require_operator
from xinghuo.core.exceptions import Unauthorized
from xinghuo.workforce import selectors as workforce_selectors

from . import corrections, payouts, selectors, services, tax_facts
from . import payout_accounts as payout_accounts_module
from .channels.base import BadSignature, UnknownChannel
from .models import (
    BusinessRegistration,
    Correction,
    DeclaredDeduction,
    Employment,
    Payout,
    PayoutAccount,
    ReconciliationReport,
    Transfer,
)
from .schemas import (
    BusinessRegistrationIn,
    BusinessRegistrationOut,
    CorrectionDetailOut,
    CorrectionIn,
    CorrectionOut,
    CorrectionRejectIn,
    DeclaredDeductionIn,
    DeclaredDeductionOut,
    EmploymentIn,
    EmploymentOut,
    EscrowOut,
    PayoutAccountAddedOut,
    PayoutAccountIn,
    PayoutAccountOut,
    PayoutAccountRevealIn,
    PayoutAccountRevealOut,
    PayoutIn,
    PayoutOut,
    ReconcileIn,
    ReconciliationOut,
    TopUpIn,
    TransferOut,
    WalletOut,
    WithholdingOut,
    WorkerCorrectionsOut,
)

router = Router(tags=["settlement"])


@router.get("/organizations/{organization_id}/escrow", response=EscrowOut)
def escrow(request: HttpRequest, organization_id: int) -> dict[str, int]:
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return selectors.escrow_balances(organization=org)


@router.post("/organizations/{organization_id}/escrow/top-ups", response={201: TransferOut})
def escrow_topup(request: HttpRequest, organization_id: int, payload: TopUpIn) -> Status[Transfer]:
    """A finance member confirms a bank transfer into escrow (idempotent per reference)."""
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    return Status(
        201,
        services.escrow_topup(
            actor=user, organization=org, amount_fen=payload.amount_fen, reference=payload.reference
        ),
    )


@router.get("/organizations/{organization_id}/escrow/transfers", response=list[TransferOut])
@paginate(LimitOffsetPagination)
def escrow_transfers(request: HttpRequest, organization_id: int) -> object:
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return selectors.organization_transfers(organization=org)


@router.get("/workers/me/wallet", response=WalletOut)
def wallet(request: HttpRequest, year: int | None = None) -> WalletOut:
    worker = workforce_selectors.worker_for_user(user=current_user(request))
    rows = selectors.withholdings_for_worker(worker=worker, year=year)[:100]
    return WalletOut(
        balance_fen=selectors.wallet_balance(worker=worker),
        withholdings=[WithholdingOut.from_orm(w) for w in rows],
    )


# --- payouts -----------------------------------------------------------------------------


@router.get("/workers/me/payout-accounts", response=list[PayoutAccountOut])
def payout_accounts(request: HttpRequest) -> list[PayoutAccount]:
    worker = workforce_selectors.worker_for_user(user=current_user(request))
    return list(selectors.payout_accounts_for_worker(worker=worker))


@router.post("/workers/me/payout-accounts", response={201: PayoutAccountAddedOut})
def payout_account_add(
    request: HttpRequest, payload: PayoutAccountIn
) -> Status[payout_accounts_module.PayoutAccountAdded]:
    """Bind an Alipay account or a bank card in the worker's verified name (an approved
    identity is required). The answer shows the account with its number masked and the bank
    recognised from the card's BIN, and `warnings` that did not stop the binding."""
    worker = workforce_selectors.worker_for_user(user=current_user(request))
    return Status(201, payout_accounts_module.payout_account_add(worker=worker, **payload.dict()))


@router.post("/payout-accounts/{account_id}/reveal", response=PayoutAccountRevealOut)
def payout_account_reveal(
    request: HttpRequest, account_id: int, payload: PayoutAccountRevealIn
) -> dict:
    """Operators: a payout account's clear number. Every call is recorded (who, when, why,
    from where); to anyone else the account does not exist."""
    user = current_user(request)
    account = selectors.payout_account_get_for_operator(operator=user, account_id=account_id)
    number = payout_accounts_module.payout_account_reveal(
        reviewer=user, account_id=account.pk, reason=payload.reason, ip_address=client_ip(request)
    )
    return {
        "id": account.pk,
        "channel": account.channel,
        "account": number,
        "account_masked": account.account_masked,
    }


@router.post("/workers/me/payouts", response={201: PayoutOut})
def payout_request(request: HttpRequest, payload: PayoutIn) -> Status[Payout]:
    """Withdraw from the wallet to the default account (idempotent on payout_id)."""
    user = current_user(request)
    worker = workforce_selectors.worker_for_user(user=user)
    return Status(
        201,
        payouts.payout_request(
            worker=worker,
            amount_fen=payload.amount_fen,
            requested_by=user,
            payout_id=payload.payout_id,
        ),
    )


@router.get("/workers/me/payouts", response=list[PayoutOut])
@paginate(LimitOffsetPagination)
def my_payouts(request: HttpRequest) -> object:
    worker = workforce_selectors.worker_for_user(user=current_user(request))
    return worker.payouts.order_by("-created_at", "-pk")


@router.post("/payouts/{payout_pk}/approve", response=PayoutOut)
def payout_approve(request: HttpRequest, payout_pk: int) -> Payout:
    """The second approver of a large payout (employer finance/owner, or an operator)."""
    return payouts.payout_approve(approver=current_user(request), payout_pk=payout_pk)


@router.get("/payouts", response=list[PayoutOut])
@paginate(LimitOffsetPagination)
def payout_list(request: HttpRequest, status: str | None = None) -> object:
    """Operators: payouts, e.g. those needing attention (?status=submitted)."""
    require_operator(request)
    qs = Payout.objects.order_by("-created_at", "-pk")
    return qs.filter(status=status) if status else qs


@router.post("/hooks/payouts/{channel}", auth=None, response={200: None})
def payout_callback(request: HttpRequest, channel: str) -> HttpResponse:
    """A channel's signed asynchronous notification. The answer is the plain text
    `success` that Alipay (and the bank link) expect; anything else makes them retry."""
    try:
        payouts.payout_notification(
            channel=channel, headers=dict(request.headers), body=request.body
        )
    except (BadSignature, UnknownChannel, ValueError):
        raise Unauthorized(
            _("The notification's signature is not valid."), code="bad_signature"
        ) from None
    return HttpResponse("success", content_type="text/plain")


@router.post("/hooks/bank/credits", auth=None, response={200: None})
def bank_credit(request: HttpRequest) -> HttpResponse:
    """The bank's signed 来账通知: an employer's top-up arriving (memo carries XH + id)."""
    try:
        services.escrow_topup_from_bank(headers=dict(request.headers), body=request.body)
    except (BadSignature, ValueError):
        raise Unauthorized(
            _("The notification's signature is not valid."), code="bad_signature"
        ) from None
    return HttpResponse("success", content_type="text/plain")


@router.post("/reconciliations", response={201: ReconciliationOut})
def reconcile(request: HttpRequest, payload: ReconcileIn) -> Status[ReconciliationReport]:
    """Operators: compare a channel's daily statement with our payouts."""
    require_operator(request)
    return Status(201, payouts.reconcile(channel=payload.channel, day=payload.day))


# --- corrections of settled orders (operators; the worker sees his) ---------------------------


@router.post("/work-orders/{order_id}/corrections", response={201: CorrectionDetailOut})
def correction_request(
    request: HttpRequest, order_id: int, payload: CorrectionIn
) -> Status[Correction]:
    """Operators: correct a settled order (new gross below the paid one, or a full refund /
    chargeback) with a reason. Executes at once up to the approval threshold, otherwise
    waits for a second operator. Idempotent on `key`. 404 for anyone but an operator."""
    correction = corrections.correction_request(
        operator=current_user(request), order_id=order_id, **payload.dict()
    )
    return Status(201, correction)


@router.get("/corrections", response=list[CorrectionOut])
@paginate(LimitOffsetPagination)
def correction_list(request: HttpRequest, status: str | None = None) -> object:
    """Operators: corrections, newest first (?status=awaiting_approval)."""
    return corrections.corrections_for_operator(operator=current_user(request), status=status)


@router.get("/corrections/{correction_id}", response=CorrectionDetailOut)
def correction_detail(request: HttpRequest, correction_id: int) -> Correction:
    """Operators: one correction with its audit trail."""
    return corrections.correction_get_for_operator(
        operator=current_user(request), correction_id=correction_id
    )


@router.post("/corrections/{correction_id}/approve", response=CorrectionDetailOut)
def correction_approve(request: HttpRequest, correction_id: int) -> Correction:
    """A second operator (not the requester) approves and so executes a correction."""
    return corrections.correction_approve(
        operator=current_user(request), correction_id=correction_id
    )


@router.post("/corrections/{correction_id}/reject", response=CorrectionDetailOut)
def correction_reject(
    request: HttpRequest, correction_id: int, payload: CorrectionRejectIn
) -> Correction:
    return corrections.correction_reject(
        operator=current_user(request), correction_id=correction_id, reason=payload.reason
    )


@router.get("/workers/me/corrections", response=WorkerCorrectionsOut)
def my_corrections(request: HttpRequest) -> dict[str, object]:
    """The worker's corrected payments and the debt still to be netted from his earnings."""
    worker = workforce_selectors.worker_for_user(user=current_user(request))
    return {
        "open_debt_fen": corrections.worker_open_debt_fen(worker=worker),
        "corrections": list(corrections.corrections_for_worker(worker=worker)[:100]),
    }


# --- tax facts --------------------------------------------------------------------------------


@router.post("/organizations/{organization_id}/employments", response={201: EmploymentOut})
def employment_record(
    request: HttpRequest, organization_id: int, payload: EmploymentIn
) -> Status[Employment]:
    """Employer finance (or an operator): a worker employed from `hired_on` (payroll mode
    counts the wage months from the month of hire)."""
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    return Status(
        201,
        tax_facts.employment_record(
            actor=user,
            organization=org,
            worker=tax_facts.worker_get(worker_id=payload.worker_id),
            hired_on=payload.hired_on,
            left_on=payload.left_on,
        ),
    )


@router.post(
    "/organizations/{organization_id}/declared-deductions", response={201: DeclaredDeductionOut}
)
def deduction_declare(
    request: HttpRequest, organization_id: int, payload: DeclaredDeductionIn
) -> Status[DeclaredDeduction]:
    """Employer finance (or an operator): a worker's 专项扣除 and 专项附加扣除 for one month."""
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    data = payload.dict()
    worker = tax_facts.worker_get(worker_id=data.pop("worker_id"))
    return Status(
        201, tax_facts.deduction_declare(actor=user, organization=org, worker=worker, **data)
    )


@router.post("/workers/me/business-registration", response={201: BusinessRegistrationOut})
def business_registration_submit(
    request: HttpRequest, payload: BusinessRegistrationIn
) -> Status[BusinessRegistration]:
    """The worker's business registration; an operator verifies it before it counts."""
    worker = workforce_selectors.worker_for_user(user=current_user(request))
    return Status(201, tax_facts.business_registration_submit(worker=worker, **payload.dict()))


@router.post("/workers/{worker_id}/business-registration/verify", response=BusinessRegistrationOut)
def business_registration_verify(request: HttpRequest, worker_id: int) -> BusinessRegistration:
    """Operators: the licence checked; 404 for anyone else."""
    return tax_facts.business_registration_verify(
        operator=current_user(request), worker_id=worker_id
    )
