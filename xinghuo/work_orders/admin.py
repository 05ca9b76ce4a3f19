from django.contrib import admin

from .models import Attachment, TrackPoint, WorkOrder, WorkOrderEvent


class EventInline(admin.TabularInline):
    model = WorkOrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ("type", "from_status", "to_status", "actor", "at", "lat", "lng", "note")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    readonly_fields = ["purpose", "file", "content_type", "size", "sha256", "uploaded_by"]


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "title",
        "organization",
        "site",
        "kind",
        "priority",
        "status",
        "worker",
        "deadline_at",
        "is_overdue",
    ]
    list_filter = ["status", "priority", "kind", "channel", "is_overdue", "organization"]
    search_fields = ["title", "external_ref", "site__code"]
    raw_id_fields = ["site", "worker", "organization", "region", "grid", "required_role"]
    # The status moves only through the state machine (work_orders.lifecycle).
    readonly_fields = ["status", "worker", "assigned_at", "delivered_at", "accepted_at"]
    inlines = [EventInline, AttachmentInline]


@admin.register(TrackPoint)
class TrackPointAdmin(admin.ModelAdmin):
    list_display = ["order", "worker", "lat", "lng", "at"]
    raw_id_fields = ["order", "worker"]


from . import admin_channels  # noqa: F401, E402 - registers the channel models
