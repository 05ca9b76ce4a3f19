from __future__ import annotations

from django.db.models import QuerySet

from xinghuo.accounts.models import User

from .models import Notification


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-pk")
