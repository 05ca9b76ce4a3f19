"""Writes for work orders: creation from every channel, the steps on site, acceptance.

Assignment (grab, dispatcher, decline) lives in `dispatch.services`, which builds on
`work_order_claim` and `work_order_release` here. What touches other contexts too (the
escrow of a published order, the points and pay of an accepted one) is done by the
actions in `workflows.services`, which call the steps here: this app calls no app above it.

One module per action family: `create` (create, publish, cancel), `assignment` (claim,
release, hand over), `steps` (the worker's steps on site), `acceptance` (accept, reject),
`sweeps` (expiry, overdue, shifts left open), `attachments` (documents, key rotation).
Callers import this package: `from xinghuo.work_orders import services`.
"""

from ._common import (
    require_editor,
    require_verified_for_paid,
)
from ._files import DOCUMENTS, MAX_PHOTO_BYTES, MAX_PHOTOS, PHOTO_TYPES, PHOTOS, FilePolicy
from .acceptance import work_order_accept, work_order_reject
from .assignment import work_order_claim, work_order_hand_over, work_order_release
from .attachments import attachments_reencrypt_all, work_order_attach_documents
from .create import (
    CreateResult,
    OrderCreate,
    OrderDraft,
    work_order_cancel,
    work_order_create,
    work_order_publish,
)
from .steps import (
    MAX_DELIVERY_NOTE,
    work_order_check_in,
    work_order_check_out,
    work_order_deliver,
    work_order_depart,
    work_order_report_position,
)
from .sweeps import order_ids_to_expire, work_order_expire, work_orders_sweep

__all__ = [
    "DOCUMENTS",
    "MAX_DELIVERY_NOTE",
    "MAX_PHOTOS",
    "MAX_PHOTO_BYTES",
    "PHOTOS",
    "PHOTO_TYPES",
    "CreateResult",
    "FilePolicy",
    "OrderCreate",
    "OrderDraft",
    "attachments_reencrypt_all",
    "order_ids_to_expire",
    "require_editor",
    "require_verified_for_paid",
    "work_order_accept",
    "work_order_attach_documents",
    "work_order_cancel",
    "work_order_check_in",
    "work_order_check_out",
    "work_order_claim",
    "work_order_create",
    "work_order_deliver",
    "work_order_depart",
    "work_order_expire",
    "work_order_hand_over",
    "work_order_publish",
    "work_order_reject",
    "work_order_release",
    "work_order_report_position",
    "work_orders_sweep",
]
