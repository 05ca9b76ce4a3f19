from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.auth import client_ip, current_user, require_operator
from xinghuo.core.api import Id, Pagination, Year, paginate
from xinghuo.core.exceptions import Unauthorized
from xinghuo.workforce import selectors as workforce_selectors

from . import selectors
from .channels.base import BadSignature, UnknownChannel
from .models import (
    BankTransaction,
    BusinessRegistration,
    Correction,
    DeclaredDeduction,
    Employment,
    Payout,
    PayoutAccount,
    PayoutAttempt,
    ReconciliationReport,
    TopUpDeclaration,
)
from .schemas import (
    BankMatchIn,
    BankReconciliationOut,
    BankTransactionOut,
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
    PayoutAttemptOut,
    PayoutIn,
    PayoutOut,
    ReconcileIn,
    ReconciliationOut,
    StatementImportOut,
    TopUpDeclarationOut,
    TopUpIn,
    TransferOut,
    WalletOut,
    WithholdingOut,
    WorkerCorrectionsOut,
)
from .services import bank_credits, corrections, payouts, tax_facts
from .services import payout_accounts as payout_accounts_module

router = Router(tags=["settlement"])


@router.get("/organizations/{organization_id}/escrow", response=EscrowOut)
def escrow(request: HttpRequest, organization_id: Id) -> dict[str, int]:
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return selectors.escrow_balances(organization=org)


@router.post("/organizations/{organization_id}/escrow/top-ups", response={201: TopUpDeclarationOut})
def escrow_topup(
    request: HttpRequest, organization_id: Id, payload: TopUpIn
) -> Status[TopUpDeclaration]:
    """A finance member *declares* a transfer sent to the platform's account (`reference` is
    the bank serial). It moves no money: it stays `declared` (待到账) until the bank's
    notification or an operator's match against the statement credits the escrow.
    Idempotent per serial; the same serial with another amount is 409."""
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    return Status(
        201,
        bank_credits.topup_declare(
            actor=user,
            organization=org,
            amount_fen=payload.amount_fen,
            bank_serial=payload.reference,
        ),
    )


@router.post(
    "/organizations/{organization_id}/escrow/top-ups/with-proof",
    response={201: TopUpDeclarationOut},
)
def escrow_topup_with_proof(
    request: HttpRequest,
    organization_id: Id,
    amount_fen: Form[int],
    reference: Form[str],
    proof: File[UploadedFile],
) -> Status[TopUpDeclaration]:
    """The same declaration as multipart form data with the transfer receipt's photo
    (JPEG, PNG or WebP, at most 8 MB)."""
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    data = proof.read(bank_credits.MAX_PROOF_BYTES + 1)
    return Status(
        201,
        bank_credits.topup_declare(
            actor=user,
            organization=org,
            amount_fen=amount_fen,
            bank_serial=reference,
            proof=data,
        ),
    )


@router.get("/organizations/{organization_id}/escrow/top-ups", response=list[TopUpDeclarationOut])
@paginate(Pagination)
def escrow_topups(request: HttpRequest, organization_id: Id) -> object:
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return bank_credits.declarations_for_organization(organization=org)


@router.get(
    "/organizations/{organization_id}/escrow/top-ups/{declaration_id}",
    response=TopUpDeclarationOut,
)
def escrow_topup_get(
    request: HttpRequest, organization_id: Id, declaration_id: Id
) -> TopUpDeclaration:
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return bank_credits.declaration_get(organization=org, declaration_id=declaration_id)


@router.get("/organizations/{organization_id}/escrow/transfers", response=list[TransferOut])
@paginate(Pagination)
def escrow_transfers(request: HttpRequest, organization_id: Id) -> object:
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return selectors.organization_transfers(organization=org)


@router.get("/workers/me/wallet", response=WalletOut)
def wallet(request: HttpRequest, year: Year | None = None) -> WalletOut:
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
    request: HttpRequest, account_id: Id, payload: PayoutAccountRevealIn
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
@paginate(Pagination)
def my_payouts(request: HttpRequest) -> object:
    worker = workforce_selectors.worker_for_user(user=current_user(request))
    return worker.payouts.order_by("-created_at", "-pk")


@router.post("/payouts/{payout_pk}/approve", response=PayoutOut)
def payout_approve(request: HttpRequest, payout_pk: Id) -> Payout:
    """The second approver of a large payout (employer finance/owner, or an operator)."""
    return payouts.payout_approve(approver=current_user(request), payout_pk=payout_pk)


@router.get("/payouts", response=list[PayoutOut])
@paginate(Pagination)
def payout_list(
    request: HttpRequest, status: str | None = None, attention: bool | None = None
) -> object:
    """Operators: payouts by status; `?attention=true`: those the retry policy handed to
    an operator (the channel still did not know them after the last resubmission)."""
    require_operator(request)
    qs = Payout.objects.order_by("-created_at", "-pk")
    if attention is not None:
        qs = qs.filter(attention_at__isnull=not attention)
    return qs.filter(status=status) if status else qs


@router.get("/payouts/{payout_pk}/attempts", response=list[PayoutAttemptOut])
def payout_attempts(request: HttpRequest, payout_pk: Id) -> list[PayoutAttempt]:
    """Operators: every call made to the channel about a payout, oldest first."""
    require_operator(request)
    return list(selectors.payout_attempts(payout_pk=payout_pk))


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
        bank_credits.escrow_topup_from_bank(headers=dict(request.headers), body=request.body)
    except (BadSignature, ValueError):
        raise Unauthorized(
            _("The notification's signature is not valid."), code="bad_signature"
        ) from None
    return HttpResponse("success", content_type="text/plain")


# --- bank credits (operators) --------------------------------------------------------------


@router.post("/bank-statements", response={201: StatementImportOut})
def bank_statement_import(
    request: HttpRequest, file: File[UploadedFile]
) -> Status[dict[str, object]]:
    """Operators: import a bank statement (CSV) into bank transactions, idempotent by
    serial. New lines wait unmatched until an operator matches them."""
    operator = require_operator(request)
    data = file.read(bank_credits.MAX_STATEMENT_BYTES + 1)
    result = bank_credits.bank_statement_import(operator=operator, data=data)
    return Status(
        201,
        {
            "created": len(result.created),
            "existing": result.existing,
            "skipped": result.skipped,
            "lines": result.created,
        },
    )


@router.get("/bank-transactions", response=list[BankTransactionOut])
@paginate(Pagination)
def bank_transactions(request: HttpRequest, unmatched: bool = False) -> object:
    """Operators: the bank transactions, or only those not credited to anyone yet."""
    require_operator(request)
    return bank_credits.bank_transactions(unmatched=unmatched)


@router.post("/bank-transactions/{transaction_id}/match", response=BankTransactionOut)
def bank_transaction_match(
    request: HttpRequest, transaction_id: Id, payload: BankMatchIn
) -> BankTransaction:
    """Operators: credit a bank line to an employer (`organization_id`) or to its
    declaration (`declaration_id`). A line credited already is 409 already_credited (and the
    attempt is recorded)."""
    operator = require_operator(request)
    bank_credits.bank_transaction_match(
        operator=operator,
        bank_transaction_id=transaction_id,
        organization_id=payload.organization_id,
        declaration_id=payload.declaration_id,
    )
    return bank_credits.bank_transactions().get(pk=transaction_id)


@router.get("/bank-reconciliation", response=BankReconciliationOut)
def bank_reconciliation(request: HttpRequest) -> dict[str, object]:
    """Operators: bank lines nobody has matched, declarations the bank has not confirmed,
    and refused attempts to credit a line twice."""
    require_operator(request)
    return {
        "unmatched_lines": list(bank_credits.bank_transactions(unmatched=True)[:200]),
        "unmatched_declarations": list(bank_credits.declarations_unmatched()[:200]),
        "refused_attempts": list(bank_credits.match_attempts_refused()[:200]),
    }


@router.post("/reconciliations", response={201: ReconciliationOut})
def reconcile(request: HttpRequest, payload: ReconcileIn) -> Status[ReconciliationReport]:
    """Operators: compare a channel's daily statement with our payouts."""
    require_operator(request)
    return Status(201, payouts.reconcile(channel=payload.channel, day=payload.day))


# --- corrections of settled orders (operators; the worker sees his) ---------------------------


@router.post("/work-orders/{order_id}/corrections", response={201: CorrectionDetailOut})
def correction_request(
    request: HttpRequest, order_id: Id, payload: CorrectionIn
) -> Status[Correction]:
    """Operators: correct a settled order (new gross below the paid one, or a full refund /
    chargeback) with a reason. Executes at once up to the approval threshold, otherwise
    waits for a second operator. Idempotent on `key`. 404 for anyone but an operator."""
    correction = corrections.correction_request(
        operator=current_user(request), order_id=order_id, **payload.dict()
    )
    return Status(201, correction)


@router.get("/corrections", response=list[CorrectionOut])
@paginate(Pagination)
def correction_list(request: HttpRequest, status: str | None = None) -> object:
    """Operators: corrections, newest first (?status=awaiting_approval)."""
    return corrections.corrections_for_operator(operator=current_user(request), status=status)


@router.get("/corrections/{correction_id}", response=CorrectionDetailOut)
def correction_detail(request: HttpRequest, correction_id: Id) -> Correction:
    """Operators: one correction with its audit trail."""
    return corrections.correction_get_for_operator(
        operator=current_user(request), correction_id=correction_id
    )


@router.post("/corrections/{correction_id}/approve", response=CorrectionDetailOut)
def correction_approve(request: HttpRequest, correction_id: Id) -> Correction:
    """A second operator (not the requester) approves and so executes a correction."""
    return corrections.correction_approve(
        operator=current_user(request), correction_id=correction_id
    )


@router.post("/corrections/{correction_id}/reject", response=CorrectionDetailOut)
def correction_reject(
    request: HttpRequest, correction_id: Id, payload: CorrectionRejectIn
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
    request: HttpRequest, organization_id: Id, payload: EmploymentIn
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
            worker=tax_facts.worker_get(worker_id=payload.worker_id, organization=org, actor=user),
            hired_on=payload.hired_on,
            left_on=payload.left_on,
        ),
    )


@router.post(
    "/organizations/{organization_id}/declared-deductions", response={201: DeclaredDeductionOut}
)
def deduction_declare(
    request: HttpRequest, organization_id: Id, payload: DeclaredDeductionIn
) -> Status[DeclaredDeduction]:
    """Employer finance (or an operator): a worker's 专项扣除 and 专项附加扣除 for one month."""
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    data = payload.dict()
    worker = tax_facts.worker_get(worker_id=data.pop("worker_id"), organization=org, actor=user)
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
def business_registration_verify(request: HttpRequest, worker_id: Id) -> BusinessRegistration:
    """Operators: the licence checked; 404 for anyone else."""
    return tax_facts.business_registration_verify(
        operator=current_user(request), worker_id=worker_id
    )
