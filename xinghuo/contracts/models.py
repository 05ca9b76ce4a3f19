from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinghuo.core.models import TimeStampedModel


def _pdf_path(instance: Agreement, filename: str) -> str:
    return f"agreements/{instance.worker_id}/{filename}"


class Agreement(TimeStampedModel):
    """服务协议 — the platform's flexible-work service agreement (灵活用工服务协议) with a worker.

    generated (PDF made from a template, waiting for the worker) → signing (the worker
    consented; an outside provider is still signing) → signed (the platform's PAdES
    signature is on the PDF). The local signer goes straight from generated to signed.

    The evidence of the worker's consent — who, when, from which address and browser, the
    exact consent text — is written in the same transaction as the signature and never
    changed afterwards. `unsigned_sha256` is the document the worker was shown;
    `signed_sha256` the file as signed, so any later change to the stored file shows.
    """

    class Status(models.TextChoices):
        GENERATED = "generated", _("Generated")
        SIGNING = "signing", _("Being signed")
        SIGNED = "signed", _("Signed")

    number = models.CharField(_("agreement number"), max_length=32, unique=True)
    worker = models.ForeignKey(
        "workforce.Worker",
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    employer = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("employer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for the platform agreement every worker signs."),
    )
    template_version = models.CharField(_("template version"), max_length=16)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.GENERATED
    )
    # The party details printed in the PDF: a later change of name or phone makes a
    # generated (unsigned) agreement stale and it is generated again.
    party_name = models.CharField(_("worker's name as printed"), max_length=64)
    party_phone = models.CharField(_("worker's phone as printed"), max_length=11)
    party_id_number_masked = models.CharField(
        _("masked ID number as printed"), max_length=18, blank=True
    )
    generated_on = models.DateField(_("date printed on the agreement"))
    unsigned_pdf = models.FileField(_("PDF (unsigned)"), upload_to=_pdf_path, max_length=200)
    unsigned_sha256 = models.CharField(_("SHA-256 of the unsigned PDF"), max_length=64)
    signed_pdf = models.FileField(
        _("PDF (signed)"), upload_to=_pdf_path, max_length=200, blank=True
    )
    signed_sha256 = models.CharField(_("SHA-256 of the signed PDF"), max_length=64, blank=True)
    signer_backend = models.CharField(_("signed by (backend)"), max_length=16, blank=True)
    provider_ref = models.CharField(
        _("provider reference"), max_length=64, blank=True, db_index=True
    )
    certificate_sha256 = models.CharField(
        _("SHA-256 of the signing certificate"), max_length=64, blank=True
    )
    # Evidence of the worker's consent.
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent given by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    consented_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signer_ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    signer_user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    consent_text = models.TextField(_("consent text"), blank=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One platform agreement per worker and template version; a new version is a
            # new agreement.
            models.UniqueConstraint(
                fields=["worker", "template_version"],
                condition=Q(employer__isnull=True),
                name="contracts_one_platform_agreement_per_version",
            ),
            models.UniqueConstraint(
                fields=["worker", "employer", "template_version"],
                condition=Q(employer__isnull=False),
                name="contracts_one_employer_agreement_per_version",
            ),
            models.CheckConstraint(
                condition=Q(status="generated")
                | (
                    Q(signed_by__isnull=False) & Q(consented_at__isnull=False) & ~Q(consent_text="")
                ),
                name="contracts_consent_evidence_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status="signed")
                | (~Q(signed_sha256="") & Q(signed_at__isnull=False) & ~Q(signed_pdf="")),
                name="contracts_signed_has_signed_pdf",
            ),
        ]
        indexes = [models.Index(fields=["worker", "status"])]

    def __str__(self) -> str:
        return f"{self.number} · {self.party_name} ({self.status})"
