from django.contrib import admin

from .models import GroupOwner, GroupRevision, Invitation, StalenessReminder


@admin.register(GroupOwner)
class GroupOwnerAdmin(admin.ModelAdmin):
    """Moderators can add or remove a group's organisers here."""

    list_display = ["group", "user", "added_at"]
    search_fields = ["group__name", "user__email"]
    autocomplete_fields = ["group", "user"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: looked at, never changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
