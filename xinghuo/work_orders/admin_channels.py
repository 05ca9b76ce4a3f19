"""Back office for the order channels. Integration secrets are never shown here: they
are given once, when the key is made (API or `alarms.integration_key_create`)."""

from django.contrib import admin

from .models import AlarmEvent, AlarmRule, IntegrationKey


@admin.register(AlarmRule)
class AlarmRuleAdmin(admin.ModelAdmin):
    list_display = [
        "alarm_type",
        "name",
        "organization",
        "priority",
        "required_role",
        "deadline_minutes",
        "price_fen",
        "is_active",
    ]
    list_filter = ["is_active", "priority"]
    search_fields = ["alarm_type", "name", "organization__name"]
    raw_id_fields = ["organization"]
    filter_horizontal = ["required_skills"]


@admin.register(IntegrationKey)
class IntegrationKeyAdmin(admin.ModelAdmin):
    list_display = ["key_id", "name", "organization", "created_by", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["key_id", "name", "organization__name"]
    # Keys are made through the service (which hands out the secret once); here an operator
    # may only look, rename, and revoke by setting revoked_at.
    fields = ["key_id", "name", "organization", "created_by", "created_at", "revoked_at"]
    readonly_fields = ["key_id", "organization", "created_by", "created_at"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(AlarmEvent)
class AlarmEventAdmin(admin.ModelAdmin):
    """Received alarms, read-only: they are the webhook's idempotency record."""

    list_display = [
        "received_at",
        "alarm_type",
        "alarm_id",
        "state",
        "outcome",
        "site",
        "order",
        "organization",
    ]
    list_filter = ["state", "outcome", "alarm_type"]
    search_fields = ["alarm_id", "site__code"]
    date_hierarchy = "received_at"

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
