"""Money into escrow (F2): only from the bank, never by typing.

    employer      declares a transfer (amount, bank serial, receipt photo) → 待到账, no money
    bank          signed 来账通知 → BankTransaction(notification) → escrow credited
    operator      imports the statement → BankTransaction(statement) lines, unmatched;
                  matches a line to an employer (or its declaration) → escrow credited

Every escrow credit is `channel clearing → escrow` under ONE key per bank transaction,
`bank:<receiving account>:<bank serial>`, whichever path comes first; the other path finds
the row credited and credits nothing. A refused second match is recorded
(BankMatchAttempt) for the reconciliation page. `escrow_credits_unbacked` lists escrow
credits without a bank transaction (`manage.py verify_ledger` fails on them).

By action family: ``declarations`` (the employer's), ``credits`` (crediting a bank transaction,
the bank's notification), ``statements`` (the operator's import and match), ``reads``.
"""

from .credits import (
    BANK_ACCOUNT,
    MAX_AMOUNT_FEN,
    MAX_PROOF_BYTES,
    MAX_STATEMENT_BYTES,
    MAX_STATEMENT_LINES,
    AlreadyCredited,
    BankTransactionNotFound,
    DeclarationNotFound,
    bank_credit_receive,
    credit_key,
    escrow_topup_from_bank,
    topup_code,
)
from .declarations import topup_declare, topup_declare_or_get
from .reads import (
    bank_transactions,
    declaration_get,
    declaration_proof,
    declarations_for_organization,
    declarations_unmatched,
    escrow_credits_unbacked,
    match_attempts_refused,
)
from .statements import (
    STATEMENT_COLUMNS,
    StatementImport,
    bank_statement_import,
    bank_transaction_match,
)

__all__ = [
    "BANK_ACCOUNT",
    "MAX_AMOUNT_FEN",
    "MAX_PROOF_BYTES",
    "MAX_STATEMENT_BYTES",
    "MAX_STATEMENT_LINES",
    "STATEMENT_COLUMNS",
    "AlreadyCredited",
    "BankTransactionNotFound",
    "DeclarationNotFound",
    "StatementImport",
    "bank_credit_receive",
    "bank_statement_import",
    "bank_transaction_match",
    "bank_transactions",
    "credit_key",
    "declaration_get",
    "declaration_proof",
    "declarations_for_organization",
    "declarations_unmatched",
    "escrow_credits_unbacked",
    "escrow_topup_from_bank",
    "match_attempts_refused",
    "topup_code",
    "topup_declare",
    "topup_declare_or_get",
]
