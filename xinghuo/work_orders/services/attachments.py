"""The employer's documents on an order, and the rotation of every order file's key."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.core import crypto

from .. import lifecycle
from ..exceptions import BadAttachment
from ..models import Attachment
from ._common import (
    S,
    lock_org_order,
    require_editor,
)
from ._files import DOCUMENTS, checked_files, store


@transaction.atomic
def work_order_attach_documents(
    *, actor: User, organization: Organization, order_id: int, files: Iterable[UploadedFile]
) -> list[Attachment]:
    """The employer adds documents to an open order (drawings, procedures, permits):
    PDF or images by content, ≤20 MB each, ≤10 at a time."""
    require_editor(actor=actor, organization=organization)
    order = lock_org_order(organization=organization, order_id=order_id)
    if order.status not in S.OPEN:
        raise lifecycle.IllegalTransition(
            _("Documents can be added only while the order is open."),
            detail={"status": order.status},
        )
    checked = checked_files(files, DOCUMENTS)
    if not checked:
        raise BadAttachment(_("Choose at least one file."), detail={"field": "files"})
    before = set(order.attachments.values_list("pk", flat=True))
    store(order=order, checked=checked, purpose=Attachment.Purpose.SPEC, user=actor)
    return list(order.attachments.exclude(pk__in=before).order_by("pk"))


def attachments_reencrypt_all() -> int:
    """Re-encrypt every order file under the first key (`manage.py identity_rotate_keys`);
    returns the number of files rewritten."""

    def rewrite(attachment: Attachment) -> None:
        if attachment.file:
            crypto.rotate_file(attachment.file)
            attachment.save(update_fields=["file"])

    return crypto.reencrypt_each(Attachment.objects.all(), rewrite)
