from django.contrib import admin

from directory.admin import ReadOnlyAdmin

from .models import GroupOwner, GroupRevision, Invitation, StalenessReminder


@admin.register(GroupOwner)
class GroupOwnerAdmin(admin.ModelAdmin):
    """Moderators can add or remove a group's organisers here."""

    list_display = ["group", "user", "added_at"]
    search_fields = ["group__name", "user__email"]
    autocomplete_fields = ["group", "user"]


@admin.register(GroupRevision)
class GroupRevisionAdmin(ReadOnlyAdmin):
    list_display = ["group", "status", "author", "submitted_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["group__name"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["group", "email", "created_at", "accepted_at"]
    search_fields = ["group__name", "email"]
    exclude = ["token_hash"]


@admin.register(StalenessReminder)
class StalenessReminderAdmin(ReadOnlyAdmin):
    list_display = ["group", "kind", "last_verified", "sent_at"]
    list_filter = ["kind"]
