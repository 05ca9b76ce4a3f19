from xinghuo.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinghuo.work_orders.exceptions import LimitReached, OrderTaken, WorkOrderNotFound


class WorkerNotEligible(ValidationFailed):
    default_code = "worker_not_eligible"


class WorkerNotCleared(PermissionDenied):
    """Paid work needs an approved identity and the signed platform agreement."""

    default_code = "worker_not_cleared"


class OrderClosed(Conflict):
    default_code = "order_closed"


__all__ = [
    "LimitReached",
    "OrderClosed",
    "OrderTaken",
    "WorkOrderNotFound",
    "WorkerNotCleared",
    "WorkerNotEligible",
]
