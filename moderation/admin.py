from django.contrib import admin

from directory.admin import ReadOnlyAdmin

from .models import Decision, Report


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["group", "problem", "status", "created_at", "resolved_by"]
    list_filter = ["status", "problem"]
    search_fields = ["group__name", "details"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["group", "action", "actor", "created_at"]
    list_filter = ["action"]
    search_fields = ["group__name", "reason"]
