from django.utils.translation import gettext_lazy as _

from xinghuo.core.exceptions import Conflict, NotFound, ValidationFailed

# A channel that could not be reached or is not configured: other apps catch these from here.
from .channels.base import ChannelError as ChannelError
from .channels.base import UnknownChannel as UnknownChannel


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


class PayoutAccountNotFound(NotFound):
    """A missing payout account, or one the caller may not see: the same answer for both."""

    default_code = "payout_account_not_found"

    def __init__(self) -> None:
        super().__init__(_("Payout account not found."))


class NotificationChannelMismatch(ValidationFailed):
    """A channel's notification about a payout that went by another channel."""

    default_code = "channel_mismatch"


class CorrectionNotFound(NotFound):
    """A missing correction or settled order, or any for someone who is not an operator."""

    default_code = "correction_not_found"

    def __init__(self) -> None:
        super().__init__(_("Correction not found."))
