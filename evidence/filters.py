"""Validation of the evidence library's filters."""

from __future__ import annotations

import django_filters

from groups.models import Condition, GroupType

from .models import Design, Direction, Evidence


class EvidenceFilter(django_filters.FilterSet):
    """Browse the library by what a record is tagged with. A condition or group type finds
    the records tagged with it; general records are found by leaving it blank."""

    condition = django_filters.ModelChoiceFilter(
        field_name="conditions",
        queryset=Condition.objects.all(),
        to_field_name="slug",
        label="Condition",
        empty_label="Any condition",
    )
    group_type = django_filters.ModelChoiceFilter(
        field_name="group_types",
        queryset=GroupType.objects.all(),
        to_field_name="slug",
        label="Type of group",
        empty_label="Any type",
    )
    design = django_filters.ChoiceFilter(
        choices=Design.choices, label="Design", empty_label="Any design"
    )
    outcome_direction = django_filters.ChoiceFilter(
        choices=Direction.choices, label="Outcome", empty_label="Any outcome"
    )

    class Meta:
        model = Evidence
        fields = ["condition", "group_type", "design", "outcome_direction"]
