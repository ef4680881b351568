"""Sources in the admin: add one, map its codes, leave listings out, sync it or try it."""

from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html

from directory.access import APPROVE
from groups.models import ArchivedReason, Status

from . import apply, tasks
from .models import CodeMapping, Exclusion, Source, SourceChange, SourceListing, SyncRun
from .sync import sync_source


class SourceMappingInline(admin.TabularInline):
    model = CodeMapping
    extra = 0
    fields = ["code", "effect", "audience", "condition", "language"]
    verbose_name = "code of its own"
    verbose_name_plural = "Codes of its own (they replace its format's codes of the same name)"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields.pop("format", None)
        return formset


class ExclusionInline(admin.TabularInline):
    model = Exclusion
    extra = 0
    fields = ["external_id", "reason", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]


class SyncRunInline(admin.TabularInline):
    model = SyncRun
    extra = 0
    max_num = 0
    can_delete = False
    fields = readonly_fields = ("started_at", "dry_run", "outcome", "meetings", "added",
                                "changed", "unchanged", "gone", "skipped", "message")  # fmt: skip
    ordering = ["-started_at"]
    verbose_name_plural = "Syncs"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(dry_run=False)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "format", "trusted", "active", "last_checked_at", "state", "listings"]
    list_filter = ["format", "trusted", "active"]
    search_fields = ["name", "url"]
    filter_horizontal = ["conditions", "audiences"]
    readonly_fields = ("last_checked_at", "last_ok_at", "last_error", "meeting_count",
                       "first_synced_at", "first_import")  # fmt: skip
    fieldsets = [
        (None, {"fields": ["name", "url", "format", "active"]}),
        (
            "Its new listings",
            {"fields": ["group_type", "conditions", "orientation", "audiences", "trusted"]},
        ),
        ("Checking it", {"fields": ["check_every_hours", "notify"]}),
        ("Licence", {"fields": ["licence", "attribution"]}),
        ("Last syncs", {"fields": readonly_fields}),
    ]
    inlines = [SourceMappingInline, ExclusionInline, SyncRunInline]
    actions = ["sync_now", "dry_run"]

    def get_readonly_fields(self, request, obj=None):
        # A trusted source publishes at once: only moderators (the approve permission)
        # may say so, as for an import that publishes.
        if request.user.has_perm(APPROVE):
            return self.readonly_fields
        return (*self.readonly_fields, "trusted")

    @admin.display(description="State")
    def state(self, obj: Source) -> str:
        if obj.syncing_since:
            return "Syncing now"
        if obj.last_error:
            return "Failing"
        return "Working" if obj.last_ok_at else "Not synced yet"

    @admin.display(description="Listings")
    def listings(self, obj: Source) -> int:
        return obj.listings.current().count()

    @admin.display(description="First import")
    def first_import(self, obj: Source) -> str:
        if obj.pk is None:
            return ""
        url = reverse("feeds:first_import", args=[obj.pk])
        return format_html('<a href="{}">Review its first import in moderation</a>', url)

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            if isinstance(instance, CodeMapping):
                instance.format = form.instance.format
            if isinstance(instance, Exclusion) and instance.created_by_id is None:
                instance.created_by = request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    @admin.action(description="Sync now (in the background)")
    def sync_now(self, request, queryset):
        for source in queryset:
            transaction.on_commit(partial(tasks.sync_source_task.enqueue, source.pk))
        messages.success(request, "Queued: the worker syncs them in a moment. Reload to see.")

    @admin.action(description="Try a sync without changing anything (dry run)")
    def dry_run(self, request, queryset):
        for source in queryset:
            report = sync_source(source, dry_run=True)
            level = messages.SUCCESS if report.ok else messages.ERROR
            messages.add_message(request, level, "Dry run: " + report.summary())


@admin.register(CodeMapping)
class CodeMappingAdmin(admin.ModelAdmin):
    list_display = ["code", "format", "source", "effect", "audience", "condition", "language"]
    list_filter = ["format", "effect", "source"]
    search_fields = ["code"]
    list_select_related = ["source", "audience", "condition"]


@admin.register(SourceListing)
class SourceListingAdmin(admin.ModelAdmin):
    list_display = ["external_id", "source", "group_link", "last_seen_at", "gone_since"]
    list_filter = ["source", ("gone_since", admin.EmptyFieldListFilter)]
    search_fields = ["external_id", "group__name"]
    list_select_related = ["source", "group"]
    readonly_fields = ["source", "group", "external_id", "fingerprint", "data", "first_run",
                       "last_seen_at", "gone_since"]  # fmt: skip
    actions = ["leave_out"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Group")
    def group_link(self, obj: SourceListing) -> str:
        return format_html('<a href="{}">{}</a>', obj.group.get_absolute_url(), obj.group.name)

    @admin.action(description="Leave out for good (the group asked not to be listed)")
    def leave_out(self, request, queryset):
        for row in queryset.select_related("group", "source"):
            Exclusion.objects.get_or_create(
                source=row.source,
                external_id=row.external_id,
                defaults={"reason": "The group asked not to be listed", "created_by": request.user},
            )
            if row.group.status != Status.ARCHIVED:
                apply.write(
                    row.group,
                    {"status": Status.ARCHIVED, "archived_reason": ArchivedReason.MODERATOR},
                    "The group asked not to be listed",
                    actor=request.user,
                )
        messages.success(request, "Left out: later syncs will not bring them back.")


@admin.register(SourceChange)
class SourceChangeAdmin(admin.ModelAdmin):
    list_display = ["group", "source", "kind", "status", "created_at"]
    list_filter = ["status", "kind", "source"]
    list_select_related = ["group", "source"]
    readonly_fields = ["source", "group", "kind", "values", "previous", "status", "created_at",
                       "decided_at", "decided_by"]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
