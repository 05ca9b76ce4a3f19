from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.exceptions import OrganizationNotFound
from xinghuo.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinghuo.work_orders.exceptions import LimitReached, OrderTaken, WorkOrderNotFound


class WorkerNotEligible(ValidationFailed):
    default_code = "worker_not_eligible"


class WorkerNotCleared(PermissionDenied):
    """Paid work needs an approved identity and the signed platform agreement."""

    default_code = "worker_not_cleared"


class EmployerNotVerified(PermissionDenied):
    """Workers' names, positions and assignments are for verified employers (企业认证) only."""

    default_code = "employer_not_verified"


class AssignmentOfferNotFound(NotFound):
    """Missing, or another worker's: the same answer for both."""

    default_code = "assignment_offer_not_found"

    def __init__(self) -> None:
        super().__init__(_("Offer not found."))


class OfferClosed(Conflict):
    """The offer was answered, withdrawn or has lapsed."""

    default_code = "offer_closed"


class OrderClosed(Conflict):
    default_code = "order_closed"


__all__ = [
    "AssignmentOfferNotFound",
    "EmployerNotVerified",
    "LimitReached",
    "OfferClosed",
    "OrderClosed",
    "OrderTaken",
    "OrganizationNotFound",
    "WorkOrderNotFound",
    "WorkerNotCleared",
    "WorkerNotEligible",
]
