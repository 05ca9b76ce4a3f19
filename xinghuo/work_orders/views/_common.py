"""What the employer's and the worker's order pages share."""

from datetime import datetime
from typing import Any

from xinghuo.work_orders import selectors as order_selectors
from xinghuo.work_orders.models import WorkOrder

S = WorkOrder.Status


def distance_label(metres: float | None) -> str:
    """ "850 m", "12.3 km"; empty when the distance is unknown."""
    if metres is None:
        return ""
    if metres < 1000:
        return f"{round(metres)} m"
    return f"{metres / 1000:.1f} km"


def timeline(order: WorkOrder, since: datetime | None = None) -> list[dict[str, Any]]:
    """The order's events; `since` hides what happened before the worker's assignment
    (another worker's steps and reasons are not his to read)."""
    statuses = dict(S.choices)
    return [
        {
            "event": event,
            "label": order_selectors.EVENT_LABELS.get(event.type, event.type),
            "to_status": statuses.get(event.to_status, ""),
            "actor": (event.actor.name or event.actor.phone) if event.actor else "",
        }
        for event in order_selectors.order_events(order=order, since=since)
    ]
