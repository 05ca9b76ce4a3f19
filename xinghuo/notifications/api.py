from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from xinghuo.accounts.auth import current_user
from xinghuo.core.api import Id, Pagination, paginate

from . import selectors, services
from .schemas import NotificationOut

router = Router(tags=["notifications"])


@router.get("/notifications", response=list[NotificationOut])
@paginate(Pagination)
def notification_list(request: HttpRequest, unread: bool = False) -> object:
    return selectors.notification_list(user=current_user(request), unread_only=unread)


@router.post("/notifications/{notification_id}/read", response={204: None})
def notification_read(request: HttpRequest, notification_id: Id) -> Status[None]:
    services.notification_mark_read(user=current_user(request), notification_id=notification_id)
    return Status(204, None)
