from xinghuo.core.exceptions import ValidationFailed
from xinghuo.work_orders.exceptions import LimitReached, OrderTaken, WorkOrderNotFound


class WorkerNotEligible(ValidationFailed):
    default_code = "worker_not_eligible"


__all__ = ["LimitReached", "OrderTaken", "WorkOrderNotFound", "WorkerNotEligible"]
