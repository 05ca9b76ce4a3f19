"""Settlement's public surface for writes: other apps import these names from here
(``from xinghuo.settlement import services as settlement_services``), never a submodule.

The submodules are settlement's own: ``ledger`` (double-entry transfers), ``escrow``
(reserve, release, settle an order), ``bank_credits`` (top-ups), ``payouts`` and
``payout_accounts``, ``corrections``, ``tax`` and ``tax_facts``, ``declaration`` (the
withholding declaration and statements), ``sandbox`` (the in-process channel the demo and
tests drive). Reads live in ``settlement.selectors``; errors in ``settlement.exceptions``.

The entry points pages, the API and tasks call are ``@transaction.atomic(durable=True)``:
each is the outermost transaction, so a nested call fails loudly instead of committing money
with someone else's transaction.
"""

from .bank_credits import (
    MAX_PROOF_BYTES,
    MAX_STATEMENT_BYTES,
    AlreadyCredited,
    bank_credit_receive,
    bank_statement_import,
    bank_transaction_match,
    bank_transactions,
    declaration_get,
    declaration_proof,
    declarations_for_organization,
    declarations_unmatched,
    escrow_credits_unbacked,
    escrow_topup_from_bank,
    match_attempts_refused,
    topup_code,
    topup_declare,
    topup_declare_or_get,
)
from .corrections import (
    correction_approve,
    correction_get_for_operator,
    correction_reject,
    correction_request,
    corrections_for_operator,
    corrections_for_worker,
    worker_open_debt_fen,
)
from .declaration import (
    XLSX_CONTENT_TYPE,
    declaration_lines,
    employer_monthly_statement_xlsx,
    withholding_declaration_xlsx,
    worker_annual_statement_xlsx,
    worker_fee_fen,
)
from .escrow import order_release, order_reserve, order_settle
from .ledger import TransferSpec, account_for, ledger_verify, transfers_post
from .payout_accounts import (
    AccountWarning,
    PayoutAccountAdded,
    payout_account_add,
    payout_account_reveal,
    payout_accounts_reencrypt_all,
)
from .payouts import (
    RetryPolicy,
    payout_approve,
    payout_id_new,
    payout_notification,
    payout_request,
    payout_submit,
    payouts_sweep,
    reconcile,
)
from .sandbox import channels_reset, sandbox_channel

__all__ = [
    "MAX_PROOF_BYTES",
    "MAX_STATEMENT_BYTES",
    "XLSX_CONTENT_TYPE",
    "AccountWarning",
    "AlreadyCredited",
    "PayoutAccountAdded",
    "RetryPolicy",
    "TransferSpec",
    "account_for",
    "bank_credit_receive",
    "bank_statement_import",
    "bank_transaction_match",
    "bank_transactions",
    "channels_reset",
    "correction_approve",
    "correction_get_for_operator",
    "correction_reject",
    "correction_request",
    "corrections_for_operator",
    "corrections_for_worker",
    "declaration_get",
    "declaration_lines",
    "declaration_proof",
    "declarations_for_organization",
    "declarations_unmatched",
    "employer_monthly_statement_xlsx",
    "escrow_credits_unbacked",
    "escrow_topup_from_bank",
    "ledger_verify",
    "match_attempts_refused",
    "order_release",
    "order_reserve",
    "order_settle",
    "payout_account_add",
    "payout_account_reveal",
    "payout_accounts_reencrypt_all",
    "payout_approve",
    "payout_id_new",
    "payout_notification",
    "payout_request",
    "payout_submit",
    "payouts_sweep",
    "reconcile",
    "sandbox_channel",
    "topup_code",
    "topup_declare",
    "topup_declare_or_get",
    "transfers_post",
    "withholding_declaration_xlsx",
    "worker_annual_statement_xlsx",
    "worker_fee_fen",
    "worker_open_debt_fen",
]
