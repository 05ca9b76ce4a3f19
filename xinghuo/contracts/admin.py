from django.contrib import admin

from .models import Agreement


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    """Read-only: agreements are generated and signed through the services, and their
    evidence must never be edited."""

    list_display = [
        "number",
        "party_name",
        "party_phone",
        "template_version",
        "status",
        "signed_at",
    ]
    list_filter = ["status", "template_version", "signer_backend"]
    search_fields = ["number", "party_name", "party_phone"]
    readonly_fields = [f.name for f in Agreement._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
