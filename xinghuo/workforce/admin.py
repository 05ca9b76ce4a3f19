from django.contrib import admin

from .models import Role, RoleChangeRequest, Skill, Team, Worker, WorkerSkill


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "organization", "is_active"]
    list_filter = ["is_active"]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "requires_certification"]
    list_filter = ["requires_certification"]


class WorkerSkillInline(admin.TabularInline):
    model = WorkerSkill
    extra = 0


@admin.register(Worker)
class WorkerAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "team", "status", "is_active", "last_position_at"]
    list_filter = ["role", "status", "is_active"]
    search_fields = ["user__phone", "user__name"]
    raw_id_fields = ["user", "team"]
    filter_horizontal = ["regions", "grids"]
    inlines = [WorkerSkillInline]
    # The role changes only through an approved RoleChangeRequest.
    readonly_fields = ["role"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        # Workers register themselves (workforce.services.worker_register).
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "leader", "created_at"]
    raw_id_fields = ["leader"]


@admin.register(RoleChangeRequest)
class RoleChangeRequestAdmin(admin.ModelAdmin):
    list_display = ["worker", "from_role", "to_role", "status", "reviewed_by", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["worker", "from_role", "to_role", "reason", "reviewed_by", "reviewed_at"]
