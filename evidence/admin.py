from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .certainty import HandSet, Level, hand_set_allowed
from .models import EditorsRating, Evidence
from .summary import computed_for_pair, forget_cautions


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = [
        "short_citation",
        "title",
        "kind",
        "design",
        "outcome_direction",
        "country",
        "is_published",
        "last_reviewed",
    ]
    list_filter = [
        "is_published",
        "kind",
        "studied",
        "origin",
        "design",
        "outcome_direction",
        "conditions",
        "group_types",
        "audiences",
    ]
    search_fields = ["authors", "title", "key", "venue"]
    filter_horizontal = ["conditions", "group_types", "audiences"]
    # There may be thousands of groups: pick them by searching, not from one long list.
    autocomplete_fields = ["groups"]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (
            "Citation",
            {
                "fields": [
                    "key",
                    "authors",
                    "year",
                    "title",
                    "venue",
                    "journal_article",
                    "doi",
                    "url",
                ]
            },
        ),
        (
            "Where it comes from",
            {
                "description": (
                    "A record taken from the 2008 review keeps the review's own words it "
                    "rests on, copied exactly; a test checks each against the review."
                ),
                "fields": ["origin", "basis", "source_section"],
            },
        ),
        (
            "The study",
            {
                "fields": [
                    "kind",
                    "studied",
                    "design",
                    ("sample_size", "sample_unit"),
                    "country",
                    "setting",
                    "orientation",
                    "outcome_direction",
                    "main_outcome",
                    "outcome_measures",
                    "finding",
                ]
            },
        ),
        (
            "What it speaks to",
            {
                "description": (
                    "No conditions means it is not specific to a condition; no group types "
                    "means mutual aid groups of any type. Linked groups see it first."
                ),
                "fields": ["conditions", "group_types", "audiences", "groups"],
            },
        ),
        (
            "Curation",
            {
                "fields": [
                    "is_published",
                    "curated_by",
                    "last_reviewed",
                    ("created_at", "updated_at"),
                ]
            },
        ),
    ]

    @admin.display(description="Citation", ordering="authors")
    def short_citation(self, obj: Evidence) -> str:
        return obj.short_citation

    def get_readonly_fields(self, request, obj=None):
        # The key is in URLs and the shipped data: it never changes once saved.
        return [*self.readonly_fields, "key"] if obj else self.readonly_fields

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        return {**super().get_changeform_initial_data(request), "curated_by": request.user.pk}

    @admin.action(description="Publish the selected evidence")
    def publish(self, request: HttpRequest, queryset: QuerySet[Evidence]) -> None:
        count = queryset.update(is_published=True)
        forget_cautions()  # update() sends no signal
        self.message_user(request, f"Published {count} record(s).", messages.SUCCESS)

    @admin.action(description="Unpublish the selected evidence")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Evidence]) -> None:
        count = queryset.update(is_published=False)
        forget_cautions()
        self.message_user(request, f"Unpublished {count} record(s).", messages.SUCCESS)


class EditorsRatingForm(forms.ModelForm):
    class Meta:
        model = EditorsRating
        fields = ["condition", "group_type", "level", "direction", "reason", "records", "set_on"]

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        condition, group_type, level = (data.get(k) for k in ("condition", "group_type", "level"))
        if not (condition and group_type and level):
            return data
        records = data.get("records") or []
        if any(not r.is_published for r in records):
            self.add_error("records", "Cite published records only.")
        computed = computed_for_pair(condition, group_type).level
        hand_set = HandSet(Level.from_slug(level), "", "", None, frozenset(r.pk for r in records))
        if not hand_set_allowed(hand_set, computed):
            self.add_error(
                "level",
                f"The records give groups of this type for this condition {computed.label} "
                "certainty. Set a lower rating, or cite the records this one rests on.",
            )
        return data


@admin.register(EditorsRating)
class EditorsRatingAdmin(SimpleHistoryAdmin):
    """Ratings set by hand. Who set one is kept in its history; pages show only the date
    and the reason."""

    form = EditorsRatingForm
    list_display = ["condition", "group_type", "level", "direction", "set_on"]
    list_filter = ["level", "group_type", "condition"]
    autocomplete_fields = ["records"]
    history_list_display = ["level", "direction", "reason"]
