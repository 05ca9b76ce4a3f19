from django.contrib import admin

from .models import EmployerVerification, IdentityVerification, RevealAudit


@admin.register(IdentityVerification)
class IdentityVerificationAdmin(admin.ModelAdmin):
    """Masked values only: the clear number and image are revealed through the API's
    audited /reveal, never shown by the admin."""

    list_display = ["worker", "name", "id_number_masked", "status", "submitted_at", "reviewed_by"]
    list_filter = ["status"]
    search_fields = ["name", "worker__user__phone"]
    fields = (
        "worker",
        "status",
        "name",
        "sex",
        "ethnicity",
        "birth_on",
        "address",
        "id_number_masked",
        "corrected_fields",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "review_note",
    )
    readonly_fields = fields

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        # Verifications come from the worker's photo (services.identity_submit_photo).
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Review goes through the services (approve/reject with reason).
        return False


@admin.register(RevealAudit)
class RevealAuditAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "field", "verification", "subject", "reason"]
    list_filter = ["field"]
    readonly_fields = [
        "actor",
        "verification",
        "field",
        "subject",
        "reason",
        "ip_address",
        "created_at",
    ]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(EmployerVerification)
class EmployerVerificationAdmin(admin.ModelAdmin):
    """Read-only: the licence is revealed through the audited reveal (operator console or
    API), and decisions go through the services so the organization's status follows."""

    list_display = ["organization", "company_name", "credit_code", "status", "submitted_at"]
    list_filter = ["status"]
    search_fields = ["company_name", "credit_code", "organization__name"]
    fields = (
        "organization",
        "status",
        "credit_code",
        "company_name",
        "legal_representative",
        "contact_name",
        "contact_phone",
        "licence_content_type",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "review_note",
    )
    readonly_fields = fields

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
