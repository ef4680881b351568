"""Validation of the evidence library's filters."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef

from groups.models import Audience, Condition, GroupType

from .models import GENERAL_CONDITION, Design, Direction, Evidence, EvidenceQuerySet, Kind, Studied

# The filter value for records that are not about one condition, or one type of group:
# the evidence and gap map's general row and column.
GENERAL = "general"
# The filter value for records that may count towards a rating (the gap map's cells).
COUNTS = "yes"


class EvidenceFilter(django_filters.FilterSet):
    """Browse the library by what a record is tagged with. A condition or group type finds
    the records tagged with it; "general" finds the records about mental health in general
    (no condition, or general wellbeing) or about groups of any type (no group type), as
    the evidence and gap map counts them."""

    condition = django_filters.ModelChoiceFilter(
        queryset=Condition.objects.all(),
        to_field_name="slug",
        label="Condition",
        empty_label="Any condition",
        null_label="Mental health in general (no one condition)",
        null_value=GENERAL,
        method="filter_condition",
    )
    group_type = django_filters.ModelChoiceFilter(
        queryset=GroupType.objects.all(),
        to_field_name="slug",
        label="Type of group",
        empty_label="Any type",
        null_label="Groups in general (no one type)",
        null_value=GENERAL,
        method="filter_group_type",
    )
    kind = django_filters.ChoiceFilter(
        choices=Kind.choices, label="Kind of evidence", empty_label="Any kind"
    )
    studied = django_filters.ChoiceFilter(
        choices=Studied.choices, label="What was studied", empty_label="Anything"
    )
    counts = django_filters.ChoiceFilter(
        choices=[(COUNTS, "Counts towards ratings"), ("no", "Does not count")],
        label="Counts towards ratings",
        empty_label="Either",
        method="filter_counts",
    )
    design = django_filters.ChoiceFilter(
        choices=Design.choices, label="Design", empty_label="Any design"
    )
    outcome_direction = django_filters.ChoiceFilter(
        choices=Direction.choices, label="Outcome", empty_label="Any outcome"
    )
    audience = django_filters.ModelChoiceFilter(
        queryset=Audience.objects.all(),
        to_field_name="slug",
        label="About",
        empty_label="Anyone",
        method="filter_audience",
    )

    class Meta:
        model = Evidence
        fields = [
            "condition",
            "group_type",
            "kind",
            "studied",
            "counts",
            "design",
            "outcome_direction",
            "audience",
        ]

    def filter_condition(
        self, queryset: EvidenceQuerySet, name: str, value: Condition | str
    ) -> EvidenceQuerySet:
        links = Evidence.conditions.through.objects.filter(evidence=OuterRef("pk"))
        if isinstance(value, str):  # GENERAL, the only text the field gives
            general = links.filter(condition__slug=GENERAL_CONDITION)
            return queryset.filter(~Exists(links) | Exists(general))
        return queryset.filter(Exists(links.filter(condition=value)))

    def filter_group_type(
        self, queryset: EvidenceQuerySet, name: str, value: GroupType | str
    ) -> EvidenceQuerySet:
        links = Evidence.group_types.through.objects.filter(evidence=OuterRef("pk"))
        if isinstance(value, str):  # GENERAL, the only text the field gives
            return queryset.filter(~Exists(links))
        return queryset.filter(Exists(links.filter(grouptype=value)))

    def filter_counts(self, queryset: EvidenceQuerySet, name: str, value: str) -> EvidenceQuerySet:
        counting = Evidence.objects.counting().values("pk")
        if value == COUNTS:
            return queryset.filter(pk__in=counting)
        return queryset.exclude(pk__in=counting)

    def filter_audience(
        self, queryset: EvidenceQuerySet, name: str, value: Audience
    ) -> EvidenceQuerySet:
        links = Evidence.audiences.through.objects.filter(evidence=OuterRef("pk"))
        return queryset.filter(Exists(links.filter(audience=value)))


class GapMapFilter(django_filters.FilterSet):
    """The evidence and gap map's one filter: whom the studies are about."""

    audience = django_filters.ModelChoiceFilter(
        queryset=Audience.objects.all(),
        to_field_name="slug",
        label="Studies about",
        empty_label="Anyone (every study)",
        method="filter_audience",
    )

    class Meta:
        model = Evidence
        fields = ["audience"]

    filter_audience = EvidenceFilter.filter_audience
