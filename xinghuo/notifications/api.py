from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from xinghuo.accounts.auth import current_user

from . import selectors, services
from .schemas import NotificationOut

router = Router(tags=["notifications"])


@router.get("/notifications", response=list[NotificationOut])
@paginate(LimitOffsetPagination)
def notification_list(request: HttpRequest, unread: bool = False) -> object:
    return selectors.notification_list(user=current_user(request), unread_only=unread)


@router.post("/notifications/{notification_id}/read", response={204: None})
def notification_read(request: HttpRequest, notification_id: int) -> Status[None]:
    services.notification_mark_read(user=current_user(request), notification_id=notification_id)
    return Status(204, None)
