from __future__ import annotations

from datetime import datetime

from ninja import Schema


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    order_id: int | None
    created_at: datetime
    read_at: datetime | None
