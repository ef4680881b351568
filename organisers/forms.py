"""The organiser's group form: every public field, with meetings in a formset on the same
page. Status, verification date, external id, slug and evidence links are not fields
here, so nothing a request body holds can set them."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.conf.locale import LANG_INFO

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
    Place,
    Recurrence,
    Referral,
    Sector,
    StepFree,
    Weekday,
)
from groups.services import MeetingSpec
from groups.templatetags.directory import LANGUAGE_NAMES, language_name

from .proposals import PUBLIC_FIELDS, Proposal


def _language_codes_by_name() -> dict[str, str]:
    names = {info["name"].lower(): code for code, info in LANG_INFO.items() if "name" in info}
    names.update({name.lower(): code for code, name in LANGUAGE_NAMES.items()})
    names["bsl"] = "bfi"
    return names


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
        by_name = _language_codes_by_name()
        codes, unknown = [], []
        for item in re.split(r"[,;\n]+", text or ""):
            item = item.strip()
            if not item:
                continue
            code = by_name.get(item.lower())
            if code is None and re.fullmatch(r"[a-z]{2,3}", item):
                code = item
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
            "online_url": "Needed if the group meets online. It must start https://",
            "website": "It must start https:// or http://",
            "cost": "For example: Free, or £2 a session to cover tea.",
            "access_notes": "For example: hearing loop, interpreters on request.",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "access_notes": forms.Textarea(attrs={"rows": 3}),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }

    def __init__(self, *args, submitting: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        self.location: tuple[float | None, float | None] = (None, None)

    def clean_postcode(self) -> str:
        return " ".join((self.cleaned_data.get("postcode") or "").upper().split())

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
        for text in (postcode, town):
            place = Place.objects.lookup(text) if text else None
            if place is not None:
                return (place.latitude, place.longitude)
        return (None, None)

    def proposal(self, meetings: list[MeetingSpec]) -> Proposal:
        data = self.cleaned_data
        values = {name: data[name] for name in self.Meta.fields if name in PUBLIC_FIELDS}
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
        choices=[("", "Not monthly"), *WEEK_OF_MONTH_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Monthly meetings only.",
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
        ]
        labels = {
            "start_time": "Starts at",
            "end_time": "Ends at",
            "anchor_date": "Date of one meeting",
            "note": "Note",
        }
        help_texts = {
            "start_time": "UK time, for example 19:00",
            "end_time": "UK time, for example 20:30",
            "anchor_date": (
                "Every-other-week meetings only: the date of any one meeting, so people know "
                "which weeks."
            ),
            "note": "For example: newcomers' meeting, or women only.",
        }
        widgets = {
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "anchor_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def spec(self) -> MeetingSpec:
        return MeetingSpec(
            **{name: self.cleaned_data[name] for name in MeetingSpec.__dataclass_fields__}
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
    return [dict(vars(m)) for m in meetings]


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
