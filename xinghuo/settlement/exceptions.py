from xinghuo.core.exceptions import Conflict, NotFound, ValidationFailed


class InsufficientFunds(Conflict):
    default_code = "insufficient_funds"


class IdempotencyConflict(Conflict):
    """The key was used before for a different movement."""

    default_code = "idempotency_conflict"


class PendingNotOpen(Conflict):
    default_code = "pending_not_open"


class TransferNotFound(NotFound):
    default_code = "transfer_not_found"


class InvalidAmount(ValidationFailed):
    default_code = "invalid_amount"
