from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.shortcuts import render
from simple_history.admin import SimpleHistoryAdmin

from .models import ArchivedReason, Audience, Condition, Group, GroupType, Meeting, Place, Status
from .services import GroupValues, MeetingSpec, save_group


class MeetingInline(admin.TabularInline):
    model = Meeting
    extra = 0


@admin.register(Group)
class GroupAdmin(SimpleHistoryAdmin):
    """Groups are never deleted, here or anywhere: archive them instead. The history
    button shows every change (who, when, what) and can put an earlier version back."""

    list_display = [
        "name",
        "town",
        "orientation",
        "group_type",
        "format",
        "status",
        "last_verified",
    ]
    list_filter = ["status", "orientation", "format", "group_type", "conditions", "audiences"]
    search_fields = ["name", "summary", "town", "postcode", "external_id"]
    readonly_fields = ["slug", "archived_reason", "created_at", "updated_at"]
    filter_horizontal = ["conditions", "audiences"]
    inlines = [MeetingInline]
    list_select_related = ["group_type"]
    date_hierarchy = "last_verified"
    actions = ["archive_groups"]
    history_list_display = ["status"]
    # Restoring happens on the moderation history page, which puts back the meetings and
    # tags too, through save_group(); the admin's own revert would skip both.
    object_history_template = "admin/groups/group/object_history.html"

    def revert_disabled(self, request, obj=None):
        return True

    def has_delete_permission(self, request, obj=None):
        # Also drops the "delete selected" action.
        return False

    @admin.action(description="Archive the selected groups (take them out of search)")
    def archive_groups(self, request, queryset):
        """A takedown: first a page asking why; then each group is archived and its
        organisers are emailed the reason, which their page shows with a reply box."""
        from moderation.reports import record_takedown

        groups = list(queryset.exclude(status=Status.ARCHIVED))
        reason = request.POST.get("reason", "").strip()
        if "confirm" not in request.POST or not reason:
            return self._ask_why(request, groups, asked="confirm" in request.POST)
        for group in groups:
            save_group(
                group=group,
                values=GroupValues(
                    status=Status.ARCHIVED, archived_reason=ArchivedReason.MODERATOR
                ),
                actor=request.user,
                reason=f"Archived from the admin: {reason}",
            )
            record_takedown(group=group, reason=reason, moderator=request.user)
        messages.success(
            request, "The groups are archived and their organisers told why. History is kept."
        )
        return None

    def _ask_why(self, request, groups: list[Group], *, asked: bool):
        context = {
            **self.admin_site.each_context(request),
            "title": "Why are these groups coming out of the directory?",
            "opts": self.model._meta,
            "groups": groups,
            "missing": asked,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return render(request, "admin/groups/group/archive_groups.html", context)

    def save_model(self, request, obj, form, change):
        """Saved with its tags and meetings in save_related, through the one service."""

    def save_related(self, request, form, formsets, change):
        data = dict(form.cleaned_data)
        conditions = data.pop("conditions", [])
        audiences = data.pop("audiences", [])
        meetings = []
        for formset in formsets:
            if formset.model is not Meeting:
                continue
            for meeting_form in formset.forms:
                cleaned = meeting_form.cleaned_data
                if not cleaned or cleaned.get("DELETE"):
                    continue
                meetings.append(MeetingSpec.from_values(cleaned))
        from organisers.notify import tell_organisers_of_changes
        from organisers.proposals import Proposal

        # The form has already put its values on form.instance: "before" is the stored row.
        before = Proposal.from_group(Group.objects.get(pk=form.instance.pk)) if change else None
        save_group(
            group=form.instance,
            values=GroupValues(**data),
            conditions=conditions,
            audiences=audiences,
            meetings=meetings,
            actor=request.user,
            reason="Changed in the admin",
        )
        if before is not None:
            tell_organisers_of_changes(group=form.instance, before=before, by="a moderator")
        for formset in formsets:
            # What formset.save() would have recorded, for the admin's change message.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class TermAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    search_fields = ["name", "slug"]
    ordering = ["position", "name"]

    def get_readonly_fields(self, request, obj=None):
        # Slugs are identifiers used in URLs, the API and imports.
        return ["slug"] if obj else []


admin.site.register(Condition, TermAdmin)
admin.site.register(GroupType, TermAdmin)
admin.site.register(Audience, TermAdmin)


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "latitude", "longitude"]
    list_filter = ["kind"]
    search_fields = ["key", "name"]
