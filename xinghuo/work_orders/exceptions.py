from django.utils.translation import gettext_lazy as _

from xinghuo.core.exceptions import Conflict, NotFound, ValidationFailed


class WorkOrderNotFound(NotFound):
    """Missing, or not the caller's to see: the same answer for both."""

    default_code = "order_not_found"

    def __init__(self) -> None:
        super().__init__(_("Work order not found."))


class IllegalTransition(Conflict):
    default_code = "illegal_transition"


class OrderTaken(Conflict):
    default_code = "order_taken"


class LimitReached(Conflict):
    default_code = "limit_reached"


class OutsideGeofence(ValidationFailed):
    default_code = "outside_geofence"


class BadAttachment(ValidationFailed):
    default_code = "bad_attachment"
