from __future__ import annotations

import time

from django import forms
from django.core import signing

from .models import PUBLIC_PROBLEM_CHOICES

# A person takes a few seconds to read and fill in the form; a script does not.
MIN_SECONDS = 3
MAX_SECONDS = 24 * 60 * 60
SALT = "moderation.report-form"


def form_timestamp() -> str:
    return signing.dumps(time.time(), salt=SALT)


class ReportForm(forms.Form):
    problem = forms.ChoiceField(
        label="What is wrong with this listing?",
        choices=PUBLIC_PROBLEM_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what is wrong with the listing."},
    )
    details = forms.CharField(
        label="Tell us more",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            "For example, the new meeting time, or how you know the group has stopped. Do "
            "not include anyone's personal details."
        ),
    )
    # Spam traps, with no third-party service: a field people never see, which bots fill
    # in, and the time the form was shown, since bots post at once.
    website = forms.CharField(required=False, label="Leave this empty")
    shown_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        try:
            shown = float(signing.loads(self.data.get("shown_at", ""), salt=SALT))
        except (signing.BadSignature, TypeError, ValueError):
            shown = 0.0
        age = time.time() - shown
        if age > MAX_SECONDS:
            raise forms.ValidationError("The form has expired. Please send it again.")
        if age < MIN_SECONDS:
            raise forms.ValidationError(
                "That was very quick. Please check your report, then send it again."
            )
        return cleaned


class DecisionForm(forms.Form):
    # Needed only to turn an item down, so the page marks it neither "(optional)" nor
    # required: the hint says when it is needed.
    reason = forms.CharField(
        label="Reason for not approving",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "Needed if you do not approve. We email it to the organisers, so say what they "
            "need to change."
        ),
    )

    def __init__(self, *args, rejecting: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rejecting = rejecting

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if self.rejecting and not reason:
            raise forms.ValidationError(
                "Give the reason for not approving, so the organisers know what to change."
            )
        return reason


class ResolveReportForm(forms.Form):
    note = forms.CharField(
        label="What did you do?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what you did about the report."},
    )
    still_meets = forms.BooleanField(
        label="I checked: it still meets as listed (it shows as checked by the directory today)",
        required=False,
    )
    archive = forms.BooleanField(
        label="The group has stopped: take it out of the directory", required=False
    )

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("still_meets") and cleaned.get("archive"):
            raise forms.ValidationError(
                "Choose one: either it still meets, or it has stopped and comes out."
            )
        return cleaned


class RestoreForm(forms.Form):
    reason = forms.CharField(
        label="Why are you restoring this version?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="We email it to the group's organisers with what changed.",
        error_messages={"required": "Say why you are restoring this version."},
    )


class AskOrganisersForm(forms.Form):
    answer_by = forms.DateField(
        label="Answer by",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The group stays listed until then, unless they answer sooner.",
        error_messages={
            "required": "Give the date the organisers should answer by.",
            "invalid": "Give the date as a real date, such as 21/12/2026.",
        },
    )
    note = forms.CharField(
        label="What should they check?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="We email this to the organisers with the problem reported.",
    )

    def clean_answer_by(self):
        from django.utils import timezone

        day = self.cleaned_data["answer_by"]
        today = timezone.localdate()
        if day <= today:
            raise forms.ValidationError("Give a date after today.")
        if (day - today).days > 60:
            raise forms.ValidationError("Give a date within 60 days.")
        return day
