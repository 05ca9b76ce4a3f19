"""Writes for notifications: in-app messages, and SMS after the transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import User
from xinghuo.core.exceptions import NotFound

from .models import Notification
from .sms import sms_sender


def notify(
    *,
    user: User,
    kind: str,
    title: str | Promise,
    body: str | Promise = "",
    order_id: int | None = None,
    sms: bool = False,
) -> Notification | None:
    """An in-app message; with sms=True also a text message once the transaction commits.

    Idempotent per (user, kind, order): a second notice of the same kind about the
    same order is dropped and returns None. Text is stored in the platform's language
    (Chinese), whatever language the user who caused it browses in.
    """
    with translation.override(settings.LANGUAGE_CODE):
        title, body = str(title), str(body)
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                user=user, kind=kind, title=title[:128], body=body[:500], order_id=order_id
            )
    except IntegrityError:
        return None
    if sms:
        phone, text = user.phone, f"【星火】{title} {body}".strip()
        transaction.on_commit(lambda: sms_sender().send(phone=phone, text=text))
    return note


def notification_mark_read(*, user: User, notification_id: int) -> int:
    """Mark the user's notification read (idempotent: once read, it stays as it was).

    Raises NotFound for another user's notification, the same answer as a missing one.
    """
    mine = Notification.objects.filter(pk=notification_id, user=user)
    if not mine.exists():
        raise NotFound(_("No such notification."))
    return mine.filter(read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_read_about(*, user: User, kind: str, order_id: int) -> int:
    """Mark read the user's unread notices of `kind` about the order: the question they
    asked has been answered (an assignment offer accepted or declined)."""
    return Notification.objects.filter(
        user=user, kind=kind, order_id=order_id, read_at__isnull=True
    ).update(read_at=timezone.now())
