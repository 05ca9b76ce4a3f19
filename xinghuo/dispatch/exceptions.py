from xinghuo.core.exceptions import Conflict, ValidationFailed
from xinghuo.work_orders.exceptions import LimitReached, OrderTaken, WorkOrderNotFound


class WorkerNotEligible(ValidationFailed):
    default_code = "worker_not_eligible"


class OrderClosed(Conflict):
    default_code = "order_closed"


__all__ = ["LimitReached", "OrderClosed", "OrderTaken", "WorkOrderNotFound", "WorkerNotEligible"]
