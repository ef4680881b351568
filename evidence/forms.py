"""The public "Report a problem with this evidence" form and the moderators' reply."""

from __future__ import annotations

from django import forms

from moderation.forms import ReportForm

from .models import ReportProblem


class EvidenceReportForm(ReportForm):
    """The listing report form's spam traps (a hidden field, a minimum time), with the
    problems a record can have."""

    problem = forms.ChoiceField(
        label="What is wrong with this record?",
        choices=ReportProblem.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what is wrong with the record."},
    )
    details = forms.CharField(
        label="Tell us more",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            "For example, what the source says, with its page or section. Do not include "
            "anyone's personal details."
        ),
    )


class ResolveEvidenceReportForm(forms.Form):
    note = forms.CharField(
        label="What did you do?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what you did about the report."},
    )
