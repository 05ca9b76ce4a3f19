from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinghuo.core.crypto import EncryptedTextField, mask_id_number
from xinghuo.core.models import TimeStampedModel


def _image_path(instance: IdentityVerification, filename: str) -> str:
    # Never the worker's own file name: it may hold his name or number.
    return f"identity/{instance.worker_id}/{filename}"


class IdentityVerification(TimeStampedModel):
    """实名认证 — a worker's identity check from the front of his ID card (KYC).

    draft (OCR done, the worker has not confirmed) → pending (confirmed, waiting for an
    operator) → approved | rejected. A rejected or draft verification may be redone with a
    new photo. The ID number, the OCR result and the card image are encrypted at rest;
    `id_number_index` (a keyed hash) makes "one approved verification per ID number"
    enforceable by the database without storing the number in clear.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    worker = models.OneToOneField(
        "workforce.Worker",
        verbose_name=_("worker"),
        on_delete=models.CASCADE,
        related_name="identity",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    name = models.CharField(_("name"), max_length=64, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=16, blank=True)
    birth_on = models.DateField(_("birth date"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    id_number = EncryptedTextField(_("ID number (encrypted)"), blank=True)
    id_number_index = models.CharField(
        _("ID number blind index"), max_length=64, blank=True, db_index=True
    )
    id_number_masked = models.CharField(_("ID number (masked)"), max_length=18, blank=True)
    # What OCR read, as JSON, encrypted: it contains the number too.
    ocr_result = EncryptedTextField(_("OCR result (encrypted)"), blank=True)
    corrected_fields = models.JSONField(
        _("fields corrected by the worker"),
        default=list,
        blank=True,
        help_text=_("Fields whose value differs from the OCR result: the reviewer checks them."),
    )
    # Fernet ciphertext of the photo; the file name carries no personal data.
    image = models.FileField(_("ID card image (encrypted)"), upload_to=_image_path, blank=True)
    image_content_type = models.CharField(_("image type"), max_length=32, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note / reason"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("identity verification")
        verbose_name_plural = _("identity verifications")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=Q(status="approved"),
                name="identity_one_approved_per_id_number",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | ~Q(id_number_index=""),
                name="identity_submitted_has_id_number",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(review_note=""),
                name="identity_rejection_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.name or '?'} {self.id_number_masked} ({self.status})"

    def set_id_number(self, number: str, *, index: str) -> None:
        self.id_number = number
        self.id_number_index = index
        self.id_number_masked = mask_id_number(number)


class RevealAudit(models.Model):
    """查看明文审计 — an operator saw a clear value (ID number, card image, card number).

    Append-only: written in the same transaction as the reveal, never edited.
    """

    class Field(models.TextChoices):
        ID_NUMBER = "id_number", _("ID number")
        IMAGE = "image", _("ID card image")
        CARD_NUMBER = "card_number", _("Bank card number")
        LICENCE_IMAGE = "licence_image", _("Business licence")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    verification = models.ForeignKey(
        IdentityVerification,
        verbose_name=_("identity verification"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reveals",
    )
    field = models.CharField(_("what"), max_length=16, choices=Field.choices)
    # For values outside a worker's verification (a payout account's card, an employer's
    # licence): "<app>.<model>:<pk>".
    subject = models.CharField(_("subject"), max_length=64, blank=True)
    reason = models.CharField(_("why"), max_length=255)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("reveal audit")
        verbose_name_plural = _("reveal audits")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="reveal_audit_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} · {self.field} · {self.created_at:%Y-%m-%d %H:%M}"


def _licence_path(instance: EmployerVerification, filename: str) -> str:
    return f"employer_verification/{instance.organization_id}/{filename}"


class EmployerVerification(TimeStampedModel):
    """企业认证 — an employer's verification: credit code, business licence, contact person.

    pending (submitted, waiting for an operator) → approved | rejected; a rejected one may
    be submitted again. There is no draft: the employer types every field himself, so the
    form is submitted in one step. The credit code must be the organization's registered
    one. The licence scan is encrypted at rest and seen in clear only through an audited
    reveal. Approval marks the organization verified (accounts.Organization.status).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    organization = models.OneToOneField(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="verification",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    company_name = models.CharField(_("registered company name"), max_length=128)
    legal_representative = models.CharField(_("legal representative"), max_length=64)
    contact_name = models.CharField(_("contact person"), max_length=64)
    contact_phone = models.CharField(_("contact mobile number"), max_length=11)
    # Fernet ciphertext of the scan; the file name carries nothing.
    licence = models.FileField(_("business licence (encrypted)"), upload_to=_licence_path)
    licence_content_type = models.CharField(_("licence file type"), max_length=32)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note / reason"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("employer verification")
        verbose_name_plural = _("employer verifications")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"]),
                name="employer_verification_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(licence="") & ~Q(credit_code=""),
                name="employer_verification_has_licence_and_code",
            ),
            models.CheckConstraint(
                condition=Q(status="pending")
                | Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
                name="employer_verification_decision_has_reviewer",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(review_note=""),
                name="employer_verification_rejection_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.company_name} {self.credit_code} ({self.status})"

    @property
    def audit_subject(self) -> str:
        """How RevealAudit.subject names this verification."""
        return f"identity.employerverification:{self.pk}"
