"""The organiser's group form: every public field, with meetings in a formset on the same
page. Status, verification date, external id, slug and evidence links are not fields
here, so nothing a request body holds can set them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.db.models import Field

from groups.languages import language_code, language_name
from groups.location import locate, normalise_postcode
from groups.models import (
    ORIENTATION_EXPLAINED,
    WEEK_OF_MONTH_CHOICES,
    Audience,
    Condition,
    Format,
    Group,
    GroupType,
    Leadership,
    Meeting,
    Orientation,
    Recurrence,
    Referral,
    Sector,
    StepFree,
    Weekday,
    london_today,
)
from groups.phones import check_phone
from groups.services import MeetingSpec

from .proposals import PUBLIC_FIELDS, Proposal

# What a meeting may say about itself; left blank, each is the group's.
MEETING_OWN_FIELDS = [
    "format", "address", "town", "postcode", "step_free", "online_url", "online_on_request",
    "dial_in", "joining_notes", "audiences", "languages",
]  # fmt: skip
DRAFT_OPTIONAL = ["orientation", "group_type", "conditions", "format", "sector", "referral",
                  "step_free"]  # fmt: skip
VENUE_HIDDEN_CHOICE = "No, say “address given when you contact the group”"


def checked_phone(text: str) -> str:
    text = text.strip()
    if text:
        check_phone(text)
    return text


class LanguagesField(forms.Field):
    """Languages as people write them ("English, British Sign Language"), kept as
    ISO 639 codes; a code itself is also accepted."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(language_name(code) for code in value)
        return value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return value
        text = str(value or "").strip()
        codes, unknown = [], []
        for item in re.split(r"[,;\n]+", text or ""):
            item = item.strip()
            if not item:
                continue
            code = language_code(item)
            if code is None:
                unknown.append(item)
            elif code not in codes:
                codes.append(code)
        if unknown:
            raise forms.ValidationError(
                "We do not know “%(names)s”. Write each language's name in English (such as "
                "Polish or British Sign Language), or its ISO 639 code.",
                params={"names": "”, “".join(unknown)},
            )
        return codes


class HintedRadioField(forms.TypedChoiceField):
    def __init__(self, *, hints: dict[str, str] | None = None, **kwargs) -> None:
        kwargs.setdefault("widget", forms.RadioSelect)
        super().__init__(**kwargs)
        self.choice_hints = hints or {}


class GroupForm(forms.ModelForm):
    orientation = HintedRadioField(
        label="Is the group mainly about personal change, social change or both?",
        choices=Orientation.choices,
        hints=dict(ORIENTATION_EXPLAINED),
    )
    group_type = forms.ModelChoiceField(
        label="Type of group", queryset=GroupType.objects.all(), empty_label="Choose a type"
    )
    format = HintedRadioField(label="How does the group meet?", choices=Format.choices)
    conditions = forms.ModelMultipleChoiceField(
        label="Who is the group for: which conditions or experiences?",
        queryset=Condition.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose all that apply.",
        error_messages={"required": "Choose at least one condition or experience."},
    )
    audiences = forms.ModelMultipleChoiceField(
        label="Is it only for some people?",
        queryset=Audience.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave all unticked if anyone affected can come.",
    )
    leadership = forms.TypedChoiceField(
        label="Who leads the group?",
        choices=[("", "Not known"), *Leadership.choices],
        required=False,
    )
    sector = HintedRadioField(label="Who runs the group?", choices=Sector.choices)
    referral = HintedRadioField(label="How do people join?", choices=Referral.choices)
    step_free = HintedRadioField(
        label="Is there step-free access to where the group meets?", choices=StepFree.choices
    )
    languages = LanguagesField(
        label="Languages",
        required=False,
        help_text="Separate them with commas, for example: English, British Sign Language.",
    )
    venue_hidden = forms.TypedChoiceField(
        label="Should the listing show the address?",
        choices=[("false", "Yes, show the address"), ("true", VENUE_HIDDEN_CHOICE)],
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text="Groups for people at risk, such as survivors of domestic abuse, can keep "
        "their venue private. Unless you say, we hide it for domestic abuse groups.",
    )

    class Meta:
        model = Group
        fields = [f for f in PUBLIC_FIELDS if f not in ("latitude", "longitude")] + [
            "conditions",
            "audiences",
        ]
        labels = {
            "name": "Name of the group",
            "summary": "Summary",
            "description": "Description",
            "address": "Address where the group meets",
            "online_url": "Online joining link",
            "online_on_request": "People ask the group for the link",
            "dial_in": "Dial-in number",
            "joining_notes": "Joining notes",
            "what_to_expect": "What to expect at a first meeting",
            "cost": "Cost",
            "access_notes": "Access notes",
        }
        help_texts = {
            "summary": "One line that says what the group is, for search results.",
            "description": (
                "What happens at a meeting, what newcomers can expect. Plain words work best."
            ),
            "address": "The building and street. Leave blank for online-only groups.",
            "town": "Needed for groups that meet in person, if you do not give the postcode.",
            "postcode": (
                "Needed for groups that meet in person, unless you give the town. We use it "
                "to show the group to clinicians searching nearby."
            ),
            "online_url": (
                "Needed if the group meets online, unless people ask you for it. It must start "
                "https://"
            ),
            "online_on_request": "The listing will say “Contact the group for the link”.",
            "dial_in": "A number to join the meeting by phone, if there is one.",
            "joining_notes": "For example: ring the bell marked Room 2, or the meeting ID.",
            "what_to_expect": (
                "What happens when someone comes for the first time: who meets them, whether "
                "they have to speak, how long it lasts."
            ),
            "website": "It must start https:// or http://",
            "cost": "For example: Free, or £2 a session to cover tea.",
            "access_notes": "For example: hearing loop, interpreters on request.",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "what_to_expect": forms.Textarea(attrs={"rows": 4}),
            "dial_in": forms.TextInput(attrs={"type": "tel"}),
            "access_notes": forms.Textarea(attrs={"rows": 3}),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }

    def __init__(self, *args, submitting: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        self.location: tuple[float | None, float | None] = (None, None)
        if not submitting:
            # A draft needs only its name; the rest is checked when it is submitted.
            for name in DRAFT_OPTIONAL:
                self.fields[name].required = False
        if self.instance.pk and self.instance.venue_hidden is not None:
            self.initial.setdefault("venue_hidden", str(self.instance.venue_hidden).lower())

    def clean_postcode(self) -> str:
        return normalise_postcode(self.cleaned_data.get("postcode") or "")

    def clean_phone(self) -> str:
        return checked_phone(self.cleaned_data.get("phone") or "")

    def clean_dial_in(self) -> str:
        return checked_phone(self.cleaned_data.get("dial_in") or "")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self.location = self._locate(cleaned)
        meets_in_person = cleaned.get("format") in (Format.IN_PERSON, Format.HYBRID)
        if (
            self.submitting
            and meets_in_person
            and self.location[0] is None
            and "postcode" not in self.errors
        ):
            self.add_error(
                "postcode",
                "We cannot find where the group meets. Enter its full postcode, such as "
                "LS6 3HN, or the town.",
            )
        return cleaned

    def _locate(self, cleaned: dict[str, Any]) -> tuple[float | None, float | None]:
        """Coordinates from the postcode (or town), looked up offline. Coordinates a
        moderator set stay while the postcode and town do not change."""
        if cleaned.get("format") == Format.ONLINE:
            return (None, None)
        original = self.instance
        postcode, town = cleaned.get("postcode", ""), cleaned.get("town", "")
        unchanged = original.pk and postcode == original.postcode and town == original.town
        if unchanged and original.latitude is not None:
            return (original.latitude, original.longitude)
        return locate(postcode, town) or (None, None)

    def proposal(self, meetings: list[MeetingSpec]) -> Proposal:
        data = self.cleaned_data
        values = {name: data[name] for name in self.Meta.fields if name in PUBLIC_FIELDS}
        for name in DRAFT_OPTIONAL:
            field = Group._meta.get_field(name)
            if values.get(name) in (None, "") and isinstance(field, Field) and field.has_default():
                # Left blank in a draft: the value a new group starts with.
                values[name] = field.get_default()
        values["latitude"], values["longitude"] = self.location
        return Proposal(
            values=values,
            conditions=list(data["conditions"]),
            audiences=list(data["audiences"]),
            meetings=meetings,
        )


class MeetingForm(forms.ModelForm):
    weekday = forms.TypedChoiceField(
        label="Day", choices=[("", "Choose a day"), *Weekday.choices], coerce=int, empty_value=None
    )
    recurrence = HintedRadioField(
        label="How often", choices=Recurrence.choices, initial=Recurrence.WEEKLY
    )
    week_of_month = forms.TypedChoiceField(
        label="Which week of the month",
        choices=WEEK_OF_MONTH_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text="Needed for monthly meetings.",
    )
    format = HintedRadioField(
        label="How does this meeting run?",
        choices=[("", "As the group does"), *Format.choices],
        required=False,
    )
    step_free = HintedRadioField(
        label="Is there step-free access to this venue?",
        choices=[("", "Not known"), (StepFree.YES, "Yes"), (StepFree.NO, "No")],
        required=False,
    )
    audiences = forms.ModelMultipleChoiceField(
        label="Is this meeting only for some people?",
        queryset=Audience.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="For example, a monthly session for families. Leave all unticked if it is "
        "for the same people as the group.",
    )
    languages = LanguagesField(
        label="Languages of this meeting",
        required=False,
        help_text="Leave blank if it is in the group's languages.",
    )

    class Meta:
        model = Meeting
        fields = [
            "weekday",
            "start_time",
            "end_time",
            "recurrence",
            "week_of_month",
            "anchor_date",
            "note",
            *MEETING_OWN_FIELDS,
        ]
        labels = {
            "start_time": "Starts at",
            "end_time": "Ends at",
            "anchor_date": "Date of one meeting",
            "note": "Note",
            "address": "Venue, if it is not where the group meets",
            "town": "Town of this venue",
            "postcode": "Postcode of this venue",
            "online_url": "Online joining link for this meeting",
            "online_on_request": "People ask the group for this meeting's link",
            "dial_in": "Dial-in number for this meeting",
            "joining_notes": "Joining notes for this meeting",
        }
        help_texts = {
            "start_time": "UK time, for example 19:00",
            "end_time": "UK time, for example 20:30. A meeting may end after midnight.",
            "anchor_date": (
                "Every-other-week meetings only: the date of any one meeting, so people know "
                "which weeks. Without it, we cannot say which weeks, and calendars leave the "
                "meeting out."
            ),
            "note": "For example: newcomers' meeting, or women only.",
            "address": "The building and street. Leave blank if it is where the group meets.",
            "online_url": "Leave blank if it is the group's link. It must start https://",
        }
        widgets = {
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "anchor_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean_postcode(self) -> str:
        return normalise_postcode(self.cleaned_data.get("postcode") or "")

    def clean_dial_in(self) -> str:
        return checked_phone(self.cleaned_data.get("dial_in") or "")

    def spec(self) -> MeetingSpec:
        """The meeting, with its own venue found from its postcode or town."""
        data = self.cleaned_data
        point = locate(data["postcode"], data["town"]) if data["postcode"] or data["town"] else None
        if point:
            data = {**data, "latitude": point[0], "longitude": point[1]}
        return MeetingSpec.from_values(data)

    @property
    def runs_differently(self) -> bool:
        """Whether it has values of its own (so its "runs differently" part shows open)."""
        return any(
            self[name].value() not in (None, "", [], False) or self[name].errors
            for name in MEETING_OWN_FIELDS
        )


class BaseMeetingFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this meeting"

    def kept_forms(self) -> list[MeetingForm]:
        """The meeting forms that hold a meeting: not removed, not left blank. For a valid
        formset."""
        removed = self.deleted_forms
        return [
            form
            for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed()) and form not in removed
        ]


# formset_factory() makes a subclass of the formset it is given (its stub says only that
# it makes a formset).
MeetingFormSet = cast(
    type[BaseMeetingFormSet],
    forms.formset_factory(
        MeetingForm, formset=BaseMeetingFormSet, extra=0, can_delete=True, max_num=20
    ),
)


def meeting_initial(meetings: list[MeetingSpec]) -> list[dict[str, Any]]:
    return [
        {**vars(m), "audiences": list(m.audiences), "languages": list(m.languages)}
        for m in meetings
    ]


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Their email address",
        help_text="We will email them a link. It works for 14 days, for this address only.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class CloseForm(forms.Form):
    confirm = forms.BooleanField(
        label="The group has stopped meeting: take it out of the directory",
        error_messages={"required": "Tick the box to confirm that the group has closed."},
    )


class ClaimForm(forms.Form):
    reason = forms.CharField(
        label="How are you involved with the group?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "For example, “I run the Tuesday meeting” or “I am its secretary”. We send this "
            "and your email address to the group's listed address and its organisers, to "
            "ask them to confirm."
        ),
        error_messages={"required": "Say how you are involved with the group."},
    )


class AnswerForm(forms.Form):
    text = forms.CharField(
        label="Your answer",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Moderators read it. If details need changing, edit the listing too.",
        error_messages={"required": "Write your answer."},
    )


class PauseForm(forms.Form):
    until = forms.DateField(
        label="When does it meet again?",
        required=False,
        help_text="For example, 2027-01-05. Leave blank if you do not know yet: the listing "
        "will say it is paused until you say it meets again.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_until(self) -> dt.date | None:
        until = self.cleaned_data.get("until")
        if until is not None and until <= london_today():
            raise forms.ValidationError("The date it meets again must be in the future.")
        return until
